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


def practitioner_addresses(assessment) -> list[str]:
    """Who hears of a case's news meant for its practitioner (a vendor's submission, a
    reviewer's question): the one who started it; once they have left (deactivated), every
    active practitioner, so that the news reaches someone who can act on it."""
    from django.contrib.auth import get_user_model

    from vetting.permissions import Role

    owner = assessment.created_by
    if owner.is_active:
        return [owner.email] if owner.email else []
    return sorted(get_user_model().objects.filter(is_active=True, groups__name=Role.PRACTITIONER)
                  .exclude(email="").values_list("email", flat=True).distinct())
