"""Widgets and number fields shared by the forms."""

from __future__ import annotations

from django import forms


class NumberText(forms.TextInput):
    """A number typed as text, checked by the server, which says what is wrong next to it.

    Not `<input type="number">`: in a form sent without the browser's own checks (each form
    here shows the server's messages instead), a browser sends an empty value for what it
    cannot read as a number ("1e", "1-0"), so a mistyped number would clear the stored one
    without a word. Phones still show their number keypad (`inputmode`)."""

    def __init__(self, attrs: dict | None = None, *, integer: bool = False) -> None:
        super().__init__({"inputmode": "numeric" if integer else "decimal",
                          "autocomplete": "off", **(attrs or {})})


# What a mistyped number is told: "1,500,000" and "1.500.000" are refused rather than read,
# since "1,5" is one and a half where the comma is the decimal mark.
NUMBER_INVALID = ("Enter a number in digits, without thousands separators or units: e.g. "
                  "1500000, 1.5e6 or 0.25.")
WHOLE_NUMBER_INVALID = ("Enter a whole number in digits, without thousands separators or "
                        "units: e.g. 1500.")


class NumberField(forms.FloatField):
    """A number typed as text (NumberText), with a message that says how to write it."""

    default_error_messages = {"invalid": NUMBER_INVALID}

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("widget", NumberText())
        super().__init__(**kwargs)


class DecimalNumberField(forms.DecimalField):
    """NumberField, kept exact as typed (a Decimal)."""

    default_error_messages = {"invalid": NUMBER_INVALID}

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("widget", NumberText())
        super().__init__(**kwargs)


class WholeNumberField(forms.IntegerField):
    """A whole number typed as text (NumberText), with a message that says how to write it."""

    default_error_messages = {"invalid": WHOLE_NUMBER_INVALID}

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("widget", NumberText(integer=True))
        super().__init__(**kwargs)
