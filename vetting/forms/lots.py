"""Forms for lots received: they clean; vetting.services.lots validates again and writes."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout
from django import forms

from vetting.models import ParticleMethod, Sterility, StorageOnArrival
from vetting.services.lots import MAX_QUANTITY, QUANTITY_INVALID

from .widgets import NumberField, WholeNumberField


def _date(label: str, help_text: str = "") -> forms.DateField:
    return forms.DateField(label=label, help_text=help_text,
                           widget=forms.DateInput(attrs={"type": "date"}))


class LotForm(forms.Form):
    lot_number = forms.CharField(max_length=100, label="Lot number on the vial")
    coa_lot_number = forms.CharField(max_length=100, label="Lot number on the CoA")
    quantity = WholeNumberField(min_value=1, max_value=MAX_QUANTITY, label="Units received",
                                error_messages={"min_value": QUANTITY_INVALID,
                                                "max_value": QUANTITY_INVALID})
    received_on = _date("Received on")
    expiry_date = _date("Expiry date", "The last day the lot may be used.")
    storage_on_arrival = forms.ChoiceField(choices=StorageOnArrival.choices,
                                           label="Storage on arrival")
    coa = forms.FileField(label="Certificate of analysis",
                          help_text="PDF, PNG, JPEG, Word or Excel; checked by its content.")
    endotoxin = NumberField(required=False, min_value=0, label="Endotoxin (EU/mL)")
    sterility = forms.ChoiceField(choices=Sterility.choices, widget=forms.RadioSelect,
                                  label="Sterility of the final container")
    particle_concentration = NumberField(required=False, min_value=0,
                                         label="Particle concentration (particles/mL)",
                                         help_text="e.g. 2e10")
    particle_method = forms.ChoiceField(choices=[("", "-"), *ParticleMethod.choices],
                                        required=False, label="Counted by")
    size_mode = NumberField(required=False, min_value=0, label="Size mode (nm)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset("The lot", Div(Div("lot_number", css_class="col-md-6"),
                                    Div("coa_lot_number", css_class="col-md-6"),
                                    css_class="row"),
                     Div(Div("quantity", css_class="col-md-4"),
                         Div("received_on", css_class="col-md-4"),
                         Div("expiry_date", css_class="col-md-4"), css_class="row"),
                     "storage_on_arrival"),
            Fieldset("Its certificate of analysis", "coa",
                     Div(Div("endotoxin", css_class="col-md-6"),
                         Div("sterility", css_class="col-md-6"), css_class="row"),
                     Div(Div("particle_concentration", css_class="col-md-5"),
                         Div("particle_method", css_class="col-md-3"),
                         Div("size_mode", css_class="col-md-4"), css_class="row")),
        )

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("coa")
        return data


class LotReleaseForm(forms.Form):
    justification = forms.CharField(
        max_length=4000, widget=forms.Textarea(attrs={"rows": 3}), label="Why it may be used",
        help_text="e.g. a retest by an independent laboratory, or the vendor's corrected CoA.")
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        label="Your password, to release", help_text="Re-entering your password signs the "
                                                     "release.")


class LotRejectForm(forms.Form):
    justification = forms.CharField(max_length=4000, widget=forms.Textarea(attrs={"rows": 2}),
                                    label="Why it is rejected")
