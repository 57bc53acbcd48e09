"""System checks of the installation's own settings (`manage.py check --deploy`)."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Tags, Warning, register


def _local(host: str | None) -> bool:
    """This machine, or no host at all: localhost, 127.x.x.x, ::1, 0.0.0.0."""
    if not host or host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


@register(Tags.security, deploy=True)
def site_url_check(app_configs, **kwargs) -> list[Warning]:
    """SITE_URL starts every vendor link, every e-mail's link and the verification address
    printed in each signed report (which cannot be changed once signed): with the default,
    all of them point at this machine's loopback address."""
    try:
        url = urlsplit(settings.SITE_URL)
        host = url.hostname
    except ValueError:  # "http://[::1": not an address at all
        url, host = None, None
    if url is None or _local(host):
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


@register()
def checklist_dirs_check(app_configs, **kwargs) -> list[Warning]:
    """A folder in CHECKLIST_DIRS that is not there: load_checklists would read only the
    bundled versions and say nothing of the clinic's own (a typo in the setting)."""
    from pathlib import Path

    return [Warning(f"CHECKLIST_DIRS names {folder!r}, which is not a folder: its checklist "
                    "versions are not loaded.",
                    hint="Correct the path in CHECKLIST_DIRS (comma-separated folders).",
                    id="vetting.W003")
            for folder in settings.CHECKLIST_DIRS if not Path(folder).is_dir()]
