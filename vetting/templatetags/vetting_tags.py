import json
from decimal import Decimal

from django import template
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def get_item(mapping, key):
    """mapping[key] in a template (None when absent)."""
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def validity(decision) -> str:
    """A decision's validity in words: its last valid day and, when the GMP certificate ends
    first (Decision.lapses_on, the earlier of the two), that the approval lapses then."""
    if not decision.valid_until:
        return ""
    text = f"valid until {decision.valid_until:%Y-%m-%d} (last valid day)"
    if decision.lapses_on and decision.lapses_on < decision.valid_until:
        text += (f"; the GMP certificate ends first, on {decision.lapses_on:%Y-%m-%d}: the "
                 "approval lapses then")
    return text


@register.filter
def anchor(question_id: str) -> str:
    """The HTML id of a question's card: 'q' + the ID with dots as underscores."""
    return "q" + str(question_id).replace(".", "_")


@register.simple_tag
def missing_links(findings, step_url: str) -> str:
    """'1.2 Question; 1.4 Question': each missing question, linked to its card on the step
    (one call for a list that can hold every question of a domain)."""
    return format_html_join("; ", '<a href="{}#{}">{}</a> {}', (
        (step_url, anchor(f.question_id), f.question_id, f.question_text) for f in findings))


@register.simple_tag
def choice_checks(field) -> str:
    """A radio or checkbox group's choices in Bootstrap's form-check markup (one call for
    the group: a step has dozens of choices)."""
    return format_html_join("", '<div class="form-check">{}<label class="form-check-label" '
                            'for="{}">{}</label></div>',
                            ((choice.tag(), choice.id_for_label, choice.choice_label)
                             for choice in field))


@register.filter
def size(value) -> str:
    return filesizeformat(value)


def field_text(field, value) -> str:
    """One field's stored value as a person reads it: choices by their labels, numbers
    exactly, as the signed specification writes them ("10,000,000,000 particles/mL", not
    "1e+10"), with the field's unit."""
    if isinstance(value, list):
        return ", ".join(str(field.allowed_values.get(v, v)) for v in value)
    if field.type in ("yn", "choice"):
        return str(field.allowed_values.get(value, value))
    if isinstance(value, int | float) and not isinstance(value, bool):
        shown = plain_number(value)
        return f"{shown} {field.unit}" if field.unit else shown
    return str(value)


def _row_text(question, row: dict) -> str:
    parts = []
    for field in question.fields:
        if field.name in row:
            parts.append(f"{field.label}: {field_text(field, row[field.name])}")
    return "; ".join(parts)


@register.filter
def answer_text(value, question) -> str:
    """An answer in words, with the checklist's field labels and choice labels."""
    if value is None:
        return ""
    if isinstance(value, list):
        return " | ".join(f"#{n} {_row_text(question, row)}" for n, row in enumerate(value, 1))
    return _row_text(question, value)



@register.filter
def audit_value(value) -> str:
    """An audit entry's before or after value, as 'key: value' lines in key order: a dict's
    nested values and lists as JSON, the way the trail stores them."""
    def text(item) -> str:
        return item if isinstance(item, str) else json.dumps(item, ensure_ascii=False)

    if value is None:
        return ""
    if isinstance(value, dict):
        return "\n".join(f"{key}: {text(value[key])}" for key in sorted(value))
    return text(value)


@register.filter
def css_string(value) -> str:
    """Text for a double-quoted CSS string inside a <style> element (a PDF's running
    header): CSS escapes for what CSS or HTML would read otherwise. (`escapejs` writes
    JavaScript escapes such as \\u002D, which CSS prints as they are.)"""
    special = set('\\"\'<>&')
    text = "".join(f"\\{ord(ch):x} " if ch in special or ord(ch) < 0x20 or ord(ch) == 0x7F
                   else ch for ch in str(value))
    return mark_safe(text)  # noqa: S308 (every character HTML or CSS would read is escaped)


@register.filter
def plain_number(value):
    """A measurement as people write it: 10,000,000,000 and 84, not 10000000000.0 and
    84.0; None stays None (the template's `default` then writes a dash)."""
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return value
    if float(value).is_integer():
        return f"{int(value):,}"
    return format(Decimal(repr(value)), ",f")  # exactly what was signed, never rounded


@register.filter
def kind_label(kind: str, where) -> str:
    """A document kind as the checklist names it ("certificate of analysis", not "coa"):
    `where` is its question, or the whole checklist."""
    labels = getattr(where, "document_labels", None)
    if labels is None:  # a question
        labels = {field.kind: field.label for field in getattr(where, "documents", ())}
    return labels.get(kind, str(kind).replace("_", " "))
