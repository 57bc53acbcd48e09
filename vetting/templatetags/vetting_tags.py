from django import template
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html, format_html_join

register = template.Library()


@register.filter
def get_item(mapping, key):
    """mapping[key] in a template (None when absent)."""
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def anchor(question_id: str) -> str:
    """The HTML id of a question's card: 'q' + the ID with dots as underscores."""
    return "q" + str(question_id).replace(".", "_")


@register.filter
def size(value) -> str:
    return filesizeformat(value)


def _field_text(field, value) -> str:
    if isinstance(value, list):
        return ", ".join(str(field.allowed_values.get(v, v)) for v in value)
    if field.type in ("yn", "choice"):
        return str(field.allowed_values.get(value, value))
    if field.unit:
        return f"{value:g} {field.unit}" if isinstance(value, int | float) else f"{value}"
    return str(value)


def _row_text(question, row: dict) -> str:
    parts = []
    for field in question.fields:
        if field.name in row:
            parts.append(f"{field.label}: {_field_text(field, row[field.name])}")
    return "; ".join(parts)


@register.filter
def answer_text(value, question) -> str:
    """An answer in words, with the checklist's field labels and choice labels."""
    if value is None:
        return ""
    if isinstance(value, list):
        return " | ".join(f"#{n} {_row_text(question, row)}" for n, row in enumerate(value, 1))
    return _row_text(question, value)


@register.simple_tag
def choice_input(choice) -> str:
    """One radio button or checkbox of a choice field (a BoundWidget), as Django's
    input_option template writes it, without rendering a template per option: a checklist
    step has dozens of them (bench/pages.py)."""
    data = choice.data
    # As django/forms/widgets/attrs.html: in order, True as a bare name, False left out.
    attrs = format_html_join("", "{}", (
        (format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value),)
        for name, value in data["attrs"].items() if value is not False))
    return format_html('<input type="{}" name="{}" value="{}"{}>', data["type"], data["name"],
                       data["value"], attrs)
