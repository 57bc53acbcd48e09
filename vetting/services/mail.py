"""Sending the app's e-mails: a text and an HTML part from templates/emails/<name>."""

from __future__ import annotations

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def send(*, subject: str, template: str, context: dict, to: list[str]) -> None:
    text = render_to_string(f"emails/{template}.txt", context)
    html = render_to_string(f"emails/{template}.html", context)
    mail = EmailMultiAlternatives(subject=" ".join(subject.split()), body=text, to=to)
    mail.attach_alternative(html, "text/html")
    mail.send()
