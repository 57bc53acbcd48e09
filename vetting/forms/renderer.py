"""A form renderer that writes the common widgets in Python.

Django renders every widget, and every option of a select or radio group, through a
template: a checklist step has dozens of them, and those renders were a third of the
step's server time (bench/pages.py). For the stock templates named in WRITERS this
renderer returns, byte for byte, what Django's own templates write (tests/test_renderer.py
compares the two for every widget kind used here); any other template goes to Django's
template renderer as before. Like Django's DjangoTemplates renderer, which reads
django/forms/templates before any app's templates, it cannot be overridden by an app's
widget templates (that takes the TemplatesSetting renderer, in place of this one).
"""

from __future__ import annotations

from html import escape

from django.forms.renderers import DjangoTemplates

W = "django/forms/widgets/"


def _e(value) -> str:
    """What `{{ value }}` writes for a string: safe strings as they are, others escaped."""
    return value.__html__() if hasattr(value, "__html__") else escape(str(value), quote=True)


def _attrs(attrs: dict) -> str:
    """As attrs.html: in order; True writes the bare name, False leaves it out."""
    return "".join(f" {_e(name)}" if value is True else f' {_e(name)}="{_e(value)}"'
                   for name, value in attrs.items() if value is not False)


def _input(widget: dict) -> str:
    value = "" if widget["value"] is None else f' value="{_e(widget["value"])}"'
    return (f'<input type="{_e(widget["type"])}" name="{_e(widget["name"])}"{value}'
            f'{_attrs(widget["attrs"])}>')


def _option(widget: dict) -> str:
    """radio_option.html and checkbox_option.html (input_option.html)."""
    if not widget.get("wrap_label"):
        return _input(widget)
    label_for = f' for="{_e(widget["attrs"]["id"])}"' if widget["attrs"].get("id") else ""
    return f"<label{label_for}>{_input(widget)}\n {_e(widget['label'])}</label>"


def _select(widget: dict) -> str:
    parts = [f'<select name="{_e(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_e(group_name)}">')
        for option in options:
            if option["template_name"] != W + "select_option.html":
                return ""  # a custom option template: let Django render the whole select
            parts.append(f'\n  <option value="{_e(option["value"])}"{_attrs(option["attrs"])}>'
                         f'{_e(option["label"])}</option>\n')
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _textarea(widget: dict) -> str:
    value = _e(widget["value"]) if widget["value"] else ""
    return (f'<textarea name="{_e(widget["name"])}"{_attrs(widget["attrs"])}>\n'
            f"{value}</textarea>")


# What each template writes, stripped (as Django's renderer strips it). The input types'
# templates only include input.html.
WRITERS = {
    **{f"{W}{name}.html": _input for name in (
        "text", "number", "email", "url", "password", "hidden", "date", "datetime", "time",
        "search", "tel", "color", "checkbox", "file")},
    W + "input.html": _input,
    W + "radio_option.html": _option,
    W + "checkbox_option.html": _option,
    W + "select.html": _select,
    W + "textarea.html": _textarea,
}


class FastWidgetRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        writer = WRITERS.get(template_name)
        html = writer(context["widget"]) if writer and request is None else ""
        return html or super().render(template_name, context, request)

