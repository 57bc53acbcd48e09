"""The choice_input tag writes each option exactly as Django's own widget template does."""

import pytest
from django import forms

from vetting.templatetags.vetting_tags import choice_input


class Sample(forms.Form):
    one = forms.ChoiceField(choices=[("yes", "Yes"), ("no", 'No "quoted" <b>')],
                            widget=forms.RadioSelect(attrs={"class": "form-check-input"}))
    many = forms.MultipleChoiceField(
        choices=[("a", "A"), ("b&c", "B & C")], required=False, disabled=True,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}))


@pytest.mark.parametrize("data", [None, {"one": "no", "many": ["b&c"]}])
def test_each_option_matches_the_widget_template(data):
    form = Sample(data, initial={"many": ["a"]})
    options = [*form["one"], *form["many"]]
    assert len(options) == 4
    for option in options:
        assert choice_input(option) == option.tag()
    if data:
        html = choice_input(form["one"][1])
        assert 'value="no"' in html and " checked" in html and " required" in html
