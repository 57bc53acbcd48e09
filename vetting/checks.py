"""System checks of the installation's own settings (`manage.py check --deploy`)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Tags, Warning, register

LOOPBACK = {"localhost", "127.0.0.1", "::1", ""}


@register(Tags.security, deploy=True)
def site_url_check(app_configs, **kwargs) -> list[Warning]:
    """SITE_URL starts every vendor link, every e-mail's link and the verification address
    printed in each signed report (which cannot be changed once signed): with the default,
    all of them point at this machine's loopback address."""
    url = urlsplit(settings.SITE_URL)
    if url.hostname in LOOPBACK or url.hostname is None:
        return [Warning(
            f"SITE_URL is {settings.SITE_URL!r}: vendors' links, e-mails and the verification "
            "address printed in every signed report would point at this machine itself.",
            hint="Set SITE_URL to the address vendors and staff reach the site at, e.g. "
                 "https://vetting.clinic.example.",
            id="vetting.W001")]
    if url.scheme != "https":
        return [Warning(
            f"SITE_URL is {settings.SITE_URL!r}: vendor links carry their token in the "
            "address, and would be sent over plain HTTP.",
            hint="Serve the site over HTTPS and set SITE_URL to its https:// address.",
            id="vetting.W002")]
    return []
