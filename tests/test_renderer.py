"""FastWidgetRenderer writes, byte for byte, what Django's widget templates write."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from vetting.forms.renderer import WRITERS, FastWidgetRenderer

CHOICES = [("yes", "Yes"), ("no", 'No "quoted" <b> & more'), ("", "---")]
GROUPED = [("Human", [("msc", "MSC: Wharton's jelly"), ("fib", "fibroblast")]),
           ("plant", "plant")]


class Everything(forms.Form):
    text = forms.CharField(max_length=20, help_text="Help", widget=forms.TextInput(
        attrs={"class": "form-control", "placeholder": 'say "hi"'}))
    number = forms.IntegerField(min_value=0, required=False)
    decimal = forms.DecimalField(required=False, disabled=True)
    email = forms.EmailField(required=False)
    url = forms.URLField(required=False, assume_scheme="https")
    day = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)
    secret = forms.CharField(widget=forms.PasswordInput, required=False)
    tick = forms.BooleanField(required=False)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    upload = forms.FileField(required=False)
    pick = forms.ChoiceField(choices=CHOICES, required=False)
    grouped = forms.ChoiceField(choices=GROUPED, widget=forms.Select(attrs={"class": "x"}))
    several = forms.MultipleChoiceField(choices=CHOICES, required=False)
    radio = forms.ChoiceField(choices=CHOICES, widget=forms.RadioSelect)
    boxes = forms.MultipleChoiceField(choices=CHOICES, required=False,
                                      widget=forms.CheckboxSelectMultiple)


DATA = {"text": 'a "b" <c> & d', "number": "-3", "email": "x@y.example", "url": "nope",
        "day": "2026-02-30", "hidden": "h&i", "secret": "pw", "tick": "on",
        "notes": "</textarea><script>", "pick": "no", "grouped": "fib",
        "several": ["yes", ""], "radio": "", "boxes": ["no"]}


def rendered(form_data, renderer) -> list[str]:
    form = Everything(form_data, renderer=renderer,
                      initial={"text": mark_safe("<i>safe</i>"), "notes": "initial"})
    form.is_valid()
    out = []
    for field in form:
        out.append(str(field))
        out += [option.tag() for option in field] if hasattr(field.field, "choices") else []
        out += [option.tag(wrap_label=True) for option in field] if isinstance(
            field.field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple) else []
    return out


@pytest.mark.parametrize("data", [None, DATA], ids=["unbound", "bound with errors"])
def test_every_widget_is_written_as_djangos_template_writes_it(data):
    fast, django = rendered(data, FastWidgetRenderer()), rendered(data, DjangoTemplates())
    assert len(fast) == len(django) > 20
    for ours, theirs in zip(fast, django, strict=True):
        assert ours == theirs


def test_the_writers_are_used_and_other_templates_go_to_django(monkeypatch):
    used = []
    for name, writer in list(WRITERS.items()):
        monkeypatch.setitem(WRITERS, name, lambda w, writer=writer, name=name: (
            used.append(name), writer(w))[1])
    rendered(DATA, FastWidgetRenderer())
    assert {"django/forms/widgets/select.html", "django/forms/widgets/textarea.html",
            "django/forms/widgets/text.html", "django/forms/widgets/radio_option.html"} <= set(used)
    # radio.html (the whole group) is not written here: Django's template renders it.
    assert "django/forms/widgets/radio.html" not in WRITERS


def test_the_project_uses_it(settings):
    assert settings.FORM_RENDERER == "vetting.forms.renderer.FastWidgetRenderer"

