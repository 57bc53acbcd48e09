"""Forms of the review: they clean; the review services validate again and write."""

from __future__ import annotations

from django import forms

from vetting.models import (
    DecisionOutcome,
    InformationRequestTarget,
    ProductCategory,
    Recommendation,
)

from .widgets import NumberField

OUTCOME_HELP = {
    DecisionOutcome.APPROVED: "The product may be bought and used until the validity date.",
    DecisionOutcome.APPROVED_WITH_CONDITIONS: "Use only under the written conditions.",
    DecisionOutcome.REJECTED: "The product is not to be bought or used.",
}


class QueueFilterForm(forms.Form):
    """The queue's filters, drawn by hand in the queue's template (Bootstrap classes here)."""

    q = forms.CharField(required=False, label="Vendor or product",
                        widget=forms.TextInput(attrs={"class": "form-control",
                                                      "type": "search"}))
    category = forms.ChoiceField(required=False, choices=[("", "All categories"),
                                                          *ProductCategory.choices],
                                 widget=forms.Select(attrs={"class": "form-select"}))
    recommendation = forms.ChoiceField(required=False, choices=[("", "All recommendations"),
                                                                *Recommendation.choices],
                                       widget=forms.Select(attrs={"class": "form-select"}))


MAX_COMMENT = 4000


class CommentForm(forms.Form):
    question_id = forms.CharField(max_length=20, widget=forms.HiddenInput)
    rule_id = forms.CharField(max_length=80, required=False, widget=forms.HiddenInput)
    text = forms.CharField(label="Comment", max_length=MAX_COMMENT,
                           widget=forms.Textarea(attrs={"rows": 2}),
                           error_messages={"required": "Write the comment.",
                                           "max_length": f"The comment was not added: it is "
                                                         f"longer than {MAX_COMMENT:,} "
                                                         "characters."})


class InformationRequestForm(forms.Form):
    target = forms.ChoiceField(choices=InformationRequestTarget.choices, widget=forms.RadioSelect,
                               label="Ask", initial=InformationRequestTarget.VENDOR)
    message = forms.CharField(max_length=4000, widget=forms.Textarea(attrs={"rows": 3}),
                              help_text="The vendor sees this message in the portal.")


class DecisionForm(forms.Form):
    # The fingerprint of the answers and evidence on the page the reviewer read.
    reviewed = forms.CharField(required=False, widget=forms.HiddenInput)
    outcome = forms.ChoiceField(choices=DecisionOutcome.choices, widget=forms.RadioSelect,
                                help_text="A rejection signs no conditions, validity or "
                                          "specification: those fields are then ignored.")
    conditions = forms.CharField(required=False, max_length=4000,
                                 widget=forms.Textarea(attrs={"rows": 2}),
                                 help_text="Required for an approval with conditions.")
    justification = forms.CharField(
        required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required when the decision departs from the recommendation.")
    valid_until = forms.DateField(required=False, label="Valid until (last day)",
                                  widget=forms.DateInput(attrs={"type": "date"}))
    endotoxin_limit = NumberField(required=False, min_value=0, label="Endotoxin limit (EU/mL)")
    particle_min = NumberField(required=False, min_value=0,
                               label="Particle concentration from (particles/mL)")
    particle_max = NumberField(required=False, min_value=0, label="to (particles/mL)")
    size_mode_min = NumberField(required=False, min_value=0, label="Size mode from (nm)")
    size_mode_max = NumberField(required=False, min_value=0, label="to (nm)")
    sterility_required = forms.BooleanField(required=False,
                                            label="Each lot needs a passed sterility test")
    password = forms.CharField(widget=forms.PasswordInput(attrs={"autocomplete":
                                                                 "current-password"}),
                               label="Your password, to sign",
                               help_text="Re-entering your password signs the decision.")

    SPEC_FIELDS = ("endotoxin_limit", "particle_min", "particle_max", "size_mode_min",
                   "size_mode_max", "sterility_required")
    # What only an approval signs: a rejection ignores them (the service drops them too).
    APPROVAL_FIELDS = ("conditions", "valid_until", *SPEC_FIELDS)

    def clean(self) -> dict:
        """A rejection is not refused over an approval's field: the form prefills a
        validity, and what a reviewer typed there before choosing to reject is not signed."""
        cleaned = super().clean()
        if cleaned.get("outcome") == DecisionOutcome.REJECTED:
            for name in self.APPROVAL_FIELDS:
                self._errors.pop(name, None)
                cleaned[name] = "" if name == "conditions" else None
        return cleaned

    def spec(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.SPEC_FIELDS}


class SuspendForm(forms.Form):
    reason = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="e.g. a new FDA warning letter, a recall, an adverse event.")
