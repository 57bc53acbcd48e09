"""Widgets shared by the forms."""

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
