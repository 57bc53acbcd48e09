"""The guided checklist: one Django form per domain, built from the checklist data.

Field names are `q<question>__<field>` (dots become underscores), and for the
repeatable question `q<question>__r<row>__<field>`. A vendor question edited by
clinic staff carries `q<question>__document`: the vendor document the answer was
entered from. Each question carries `q<question>--loaded`, a fingerprint of its answer
as the page showed it: a save does not overwrite, unseen, an answer someone else changed
meanwhile (another user, the vendor, another tab). Forms only clean; the services
validate again and write.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms

from vetting.checklist import Checklist, Field, Question, answer_problems
from vetting.checklist.dossier import NUMBER_LIMIT, TEXT_MAX_LENGTH
from vetting.services.evaluation import clinic_today

from .widgets import DecimalNumberField, NumberText, WholeNumberField

YN_CHOICES = [("yes", "Yes"), ("no", "No"), ("unknown", "Unknown")]


def prefix(question: Question) -> str:
    return "q" + question.id.replace(".", "_")


# The file inputs of a checklist page, sent with its answers: `file-<prefix>-<kind>`, a new
# document of a kind the question asks for; `replace-<document id>`, a new version of one
# (on the clinic's step only).
FILE_INPUT = re.compile(r"file-(?P<anchor>q\w+?)-(?P<kind>\w+)|replace-(?P<document>\d+)")


REPEAT_ROWS_MAX = 100  # rows of one repeatable question a page may post


def field_name(question: Question, field: Field, row: int | None = None) -> str:
    middle = f"__r{row}" if row is not None else ""
    return f"{prefix(question)}{middle}__{field.name}"


def loaded_name(question: Question) -> str:
    """The hidden input with the fingerprint of the question's answer as the page showed it
    (not a `__` name: those are the question's fields)."""
    return f"{prefix(question)}--loaded"


def _canonical(value: Any) -> Any:
    """A value as its fingerprint reads it: 5 and 5.0 alike, a multiple choice in any order."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return sorted((_canonical(v) for v in value), key=repr)
    return value


def form_field(field: Field) -> forms.Field:
    label = field.label[:1].upper() + field.label[1:]
    if field.unit:
        label = f"{label} ({field.unit})"
    common = {"label": label, "required": False, "help_text": field.help}
    check = {"class": "form-check-input"}
    if field.type == "yn":
        return forms.ChoiceField(choices=YN_CHOICES, widget=forms.RadioSelect(attrs=check),
                                 **common)
    if field.type == "choice":
        return forms.ChoiceField(choices=[("", "—"), *field.choices.items()],
                                 widget=forms.Select(attrs={"class": "form-select"}), **common)
    if field.type == "multi":
        return forms.MultipleChoiceField(choices=list(field.choices.items()),
                                         widget=forms.CheckboxSelectMultiple(attrs=check),
                                         **common)
    control = {"class": "form-control"}
    if field.type == "number":
        bounds = {"min_value": -NUMBER_LIMIT if field.minimum is None else field.minimum,
                  "max_value": NUMBER_LIMIT}
        if field.integer:
            return WholeNumberField(**bounds, widget=NumberText(control, integer=True),
                                    **common)
        return DecimalNumberField(**bounds, widget=NumberText(control), **common)
    if field.type == "date":
        return forms.DateField(widget=forms.DateInput(attrs={**control, "type": "date"}),
                               **common)
    return forms.CharField(max_length=TEXT_MAX_LENGTH,
                           widget=forms.Textarea(attrs={**control, "rows": 2}), **common)


def json_value(value: Any) -> Any:
    """A cleaned form value in the dossier's JSON form (None when empty)."""
    if value in (None, "", []):
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):  # a browser sends a textarea's line breaks as "\r\n"
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def initial_value(field: Field, value: Any) -> Any:
    if value is None:
        return None
    if field.type == "date":
        return date.fromisoformat(value)
    return value


class MarkedBoundField(forms.BoundField):
    """A field with an error is marked is-invalid (Bootstrap's red border and icon) besides
    Django's aria-invalid: the message alone, below it, was easy to miss."""

    def build_widget_attrs(self, attrs, widget=None):
        widget = widget or self.field.widget
        attrs = super().build_widget_attrs(attrs, widget)
        if self.errors and not widget.is_hidden:
            # The widget's own classes (form-control, ...) and this one: an attrs "class"
            # replaces the widget's. crispy-forms (the portal) may have added it already.
            classes = attrs.get("class", widget.attrs.get("class", "")).split()
            if "is-invalid" not in classes:
                classes.append("is-invalid")
            attrs["class"] = " ".join(classes)
        return attrs


class DomainForm(forms.Form):
    """The answer fields of one domain's questions."""

    bound_field_class = MarkedBoundField

    def __init__(self, *args, checklist: Checklist, domain_id: str, stored: dict,
                 documents: list, editable: bool = True, only_by: str | None = None,
                 carried: frozenset = frozenset(), sources: dict | None = None,
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.checklist = checklist
        # The document each stored vendor answer was entered from, chosen again on the page.
        self.sources = {qid: str(pk) for qid, pk in (sources or {}).items()}
        self._posted_documents_current(documents)
        self.carried = carried  # question IDs whose answer was carried over, to confirm
        # only_by="vendor" (the vendor portal): only the vendor's questions and, within
        # them, only the vendor's fields; a hidden practitioner field keeps its stored value.
        self.only_by = only_by
        self.questions = [checklist.question(q) for q in checklist.domain(domain_id).question_ids]
        if only_by is not None:
            self.questions = [q for q in self.questions if q.by == only_by]
        self.stored = stored
        self.rows: dict[str, int] = {}  # rows this form reads, by repeatable question
        self.filled_rows: dict[str, int] = {}  # rows posted up to the last one filled in
        kinds = checklist.document_labels
        document_choices = [("", "— choose the vendor document —"),
                            *((str(d.pk), f"{d.original_name} ({kinds.get(d.kind, d.kind)})")
                              for d in documents)]
        for question in self.questions:
            self._add_question(question, document_choices)
            # Disabled fields keep their stored value whatever is posted: read-only
            # answers (a locked assessment, or the vendor's fields of a vendor question
            # with no vendor document to enter them from) can never be cleared by a save.
            # The clinic's own fields of a vendor question stay open (4.1's vial lot).
            if not editable:
                disabled = self._names(question)
            elif question.by == "vendor" and not documents and not only_by:
                clinic = {field_name(question, f) for f in question.fields
                          if f.by == "practitioner" and not question.repeatable}
                disabled = [name for name in self._names(question) if name not in clinic]
            else:
                disabled = []
            for name in disabled:
                self.fields[name].disabled = True
            # After the disabling: the fingerprint covers what this page can change.
            self.fields[loaded_name(question)] = forms.CharField(
                required=False, strip=False, widget=forms.HiddenInput)
            self.initial[loaded_name(question)] = self.fingerprint(
                question, self.stored.get(question.id))

    def _answer_fields(self, question: Question) -> list[Field]:
        return [f for f in question.fields
                if not f.is_document and (self.only_by is None or f.by == self.only_by)]

    def _hidden_values(self, question: Question) -> dict:
        """Stored values of the fields this form does not show (kept on save)."""
        shown = {f.name for f in self._answer_fields(question)}
        stored = self.stored.get(question.id)
        if question.repeatable or not isinstance(stored, dict):
            return {}
        return {k: v for k, v in stored.items() if k not in shown}

    def _add_question(self, question: Question, document_choices) -> None:
        value = self.stored.get(question.id)
        if question.repeatable:
            rows = list(value or [])
            # One blank row to add another; with JavaScript the page may add more blank rows
            # before a save (several studies at once), each posted with its index. Shown
            # again (a save refused), the rows filled in and a blank one after them.
            filled = max(self._posted_indexes(question, filled=True), default=-1) + 1
            self.filled_rows[question.id] = filled
            self.rows[question.id] = max(len(rows) + 1, self._posted_rows(question),
                                         min(filled + 1, max(REPEAT_ROWS_MAX, len(rows) + 1)))
            for row in range(self.rows[question.id]):
                current = rows[row] if row < len(rows) else {}
                for field in self._answer_fields(question):
                    name = field_name(question, field, row)
                    self.fields[name] = form_field(field)
                    self.initial[name] = initial_value(field, current.get(field.name))
        else:
            for field in self._answer_fields(question):
                name = field_name(question, field)
                self.fields[name] = form_field(field)
                self.initial[name] = initial_value(field, (value or {}).get(field.name))
        if question.by == "vendor" and self.only_by is None:
            name = f"{prefix(question)}__document"
            self.fields[name] = forms.ChoiceField(
                choices=document_choices, required=False, label="Entered from vendor document",
                widget=forms.Select(attrs={"class": "form-select"}))
            if self.sources.get(question.id) in {value for value, _ in document_choices}:
                self.initial[name] = self.sources[question.id]

    def _posted_documents_current(self, documents: list) -> None:
        """A page opened before a document was replaced (by the vendor, in another tab)
        posts the replaced version: it stands for its current one, as the page offers it
        when opened now (views.workspace.answer_sources). `documents` carry
        `previous_versions` (workspace.with_previous_versions) where that can happen."""
        successor = {str(old.pk): str(d.pk) for d in documents
                     for old in getattr(d, "previous_versions", ())}
        if not self.is_bound or not successor:
            return
        data = self.data.copy()
        for name in data:
            if name.endswith("__document") and data.get(name) in successor:
                data[name] = successor[data[name]]
        self.data = data

    def _posted_rows(self, question: Question) -> int:
        """How many rows of a repeatable question the posted data holds (its highest row
        index + 1), at most REPEAT_ROWS_MAX."""
        return min(max(self._posted_indexes(question), default=-1) + 1, REPEAT_ROWS_MAX)

    def _posted_indexes(self, question: Question, *, filled: bool = False) -> list[int]:
        """The row indexes the posted data names for a repeatable question (`filled`: those
        of a value that is not blank)."""
        pattern = re.compile(rf"{re.escape(prefix(question))}__r(\d+)__")
        return [int(m[1]) for name in self.data if (m := pattern.match(name))
                and (not filled or str(self.data.get(name, "")).strip())]

    def _names(self, question: Question) -> list[str]:
        start = prefix(question) + "__"
        return [name for name in self.fields if name.startswith(start)]

    def question_value(self, question: Question) -> Any:
        """The posted answer of one question in dossier JSON form (after is_valid)."""
        data = self.cleaned_data
        if question.repeatable:
            rows = []
            for row in range(self.rows[question.id]):
                values = {f.name: json_value(data.get(field_name(question, f, row)))
                          for f in self._answer_fields(question)}
                if any(v is not None for v in values.values()):
                    rows.append({k: v for k, v in values.items() if v is not None})
            return rows
        return {**self._hidden_values(question),
                **{f.name: json_value(data.get(field_name(question, f)))
                   for f in self._answer_fields(question)}}

    def shown_part(self, question: Question, value: Any, *, changeable: bool = False) -> Any:
        """The part of an answer this form shows, without empty values (None for no
        answer): the vendor's fields in the portal, every field on the clinic's step;
        `changeable`: only those this page can change (not its disabled fields)."""
        shown = {f.name for f in self._answer_fields(question)}
        if changeable:
            shown = {name for name in shown if not self.fields[field_name(
                question, question.field_map[name], 0 if question.repeatable else None)
            ].disabled}

        def part(row: Any) -> dict:
            if not isinstance(row, dict):
                return {}
            return {k: v for k, v in row.items() if k in shown and v not in (None, "", [])}

        if question.repeatable:
            value = [row for row in map(part, value if isinstance(value, list) else []) if row]
        else:
            value = part(value)
        return value or None

    def fingerprint(self, question: Question, value: Any) -> str:
        """A digest of the part of an answer this page can change ("" for none): fields it
        shows disabled keep their stored value on save, so they can clash with nothing."""
        part = self.shown_part(question, value, changeable=True)
        if part is None:
            return ""
        canonical = ([{k: _canonical(v) for k, v in row.items()} for row in part]
                     if isinstance(part, list) else {k: _canonical(v) for k, v in part.items()})
        text = json.dumps(canonical, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def _meanwhile(self, question: Question) -> tuple[str, str, str] | None:
        """The fingerprints (as the page showed it, as stored now, as posted) of an answer
        changed since the page was loaded; None if it was not, or if the page did not say
        what it showed."""
        loaded = self.data.get(loaded_name(question))
        if loaded is None:
            return None
        now = self.fingerprint(question, self.stored.get(question.id))
        if loaded == now:
            return None
        return loaded, now, self.fingerprint(question, self.question_value(question))

    def _left_as_shown(self, question: Question) -> bool:
        """Changed by someone else since the page was loaded, and left here as the page
        showed it: not written, so not judged either."""
        return bool((seen := self._meanwhile(question)) and seen[2] == seen[0])

    def kept_questions(self) -> list[Question]:
        """Questions changed by someone else since the page was loaded and left here as the
        page showed them: their stored answer stands (after is_valid)."""
        return [q for q in self.questions if self._left_as_shown(q)]

    def conflicting_questions(self) -> list[Question]:
        """Questions changed both by someone else since the page was loaded and here, to
        something else: saving would overwrite an answer the user has not seen (after
        is_valid)."""
        return [q for q in self.questions
                if (seen := self._meanwhile(q)) and seen[2] not in (seen[0], seen[1])]

    def take_as_loaded(self, questions: list[Question]) -> None:
        """Mark the stored answers of these questions as seen: the page, shown again with
        them named, saves over them on the next save."""
        self.data = self.data.copy()
        for question in questions:
            self.data[loaded_name(question)] = self.fingerprint(
                question, self.stored.get(question.id))

    def _as_stored(self, question: Question) -> bool:
        """Whether the posted answer of a question is the stored one (after cleaning)."""
        posted = self.question_value(question)
        if question.repeatable:
            return posted == list(self.stored.get(question.id) or [])
        stored = self.stored.get(question.id) or {}
        return {k: v for k, v in posted.items() if v is not None} == stored

    def changed_questions(self) -> list[Question]:
        """Questions whose posted answer differs from the stored one (not those changed
        meanwhile by someone else and left as they were here)."""
        changed = []
        kept = {q.id for q in self.kept_questions()}
        for question in self.questions:
            if question.id in kept:
                continue
            same = self._as_stored(question)
            # Saving a step confirms the carried-over answers it shows: the practitioner's
            # own in the workspace, the vendor's in the portal (only_by="vendor").
            confirming = question.id in self.carried and question.by == (self.only_by
                                                                          or "practitioner")
            if not same or confirming:
                changed.append(question)
        return changed

    def clean(self) -> dict:
        """What a changed answer says against itself (dates out of order, a D90 below the
        D10, "none" ticked with others: vetting.checklist.answer_problems) is marked at its
        field: the service would refuse the save for the same reason. An answer left as
        stored, or as the page showed it while someone else changed it meanwhile (theirs
        stands), is not judged here."""
        data = super().clean()
        for question in self.questions:
            read = self.rows.get(question.id, 0)
            if self.filled_rows.get(question.id, 0) > read:
                # Not saved without them, silently: the whole save is refused.
                first = self._answer_fields(question)[0]
                self.add_error(field_name(question, first, read - 1),
                               f"At most {read} rows can be saved here: remove those after "
                               f"the {read}th, or attach them as a document.")
            names = {f.name for f in self._answer_fields(question)
                     if f.type in ("date", "number", "multi")}
            if not names or self._as_stored(question) or self._left_as_shown(question):
                continue
            for row in range(self.rows[question.id]) if question.repeatable else [None]:
                typed = {name: data.get(field_name(question, question.field_map[name], row))
                         for name in names}
                for name, problem in answer_problems(question, typed, today=clinic_today()):
                    name = field_name(question, question.field_map[name], row)
                    if name not in self.errors:  # one message a field
                        self.add_error(name, problem)
        return data

    def bound_fields(self, question: Question) -> dict:
        """Bound fields of a question for the template: plain, rows and document."""
        fields = self._answer_fields(question)
        result = {"document": None, "plain": [], "rows": []}
        if question.repeatable:
            result["rows"] = [[self[field_name(question, f, row)] for f in fields]
                              for row in range(self.rows[question.id])]
            # "Another ..." stops where the form stops reading (more rows only if stored).
            result["row_max"] = max(REPEAT_ROWS_MAX, self.rows[question.id])
        else:
            result["plain"] = [self[field_name(question, f)] for f in fields]
        if question.by == "vendor" and self.only_by is None:
            result["document"] = self[f"{prefix(question)}__document"]
        result["loaded"] = self[loaded_name(question)]
        return result


class DossierImportForm(forms.Form):
    file = forms.FileField(label="Dossier (JSON)",
                           help_text="A dossier file in the format of docs/dossier-format.md.")
    other_product = forms.BooleanField(
        required=False, label="Import it anyway",
        help_text="The dossier names another product: its answers replace this one's.")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.data.get("other_product"):  # shown once the file names another product
            self.fields["other_product"].widget = forms.HiddenInput()


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
                             max_length=2000)
