"""The client's address for rate limits and the login lock-out."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The peer's address, or, behind the clinic's reverse proxy, the one it appended.

    Only with PORTAL_TRUST_X_FORWARDED_FOR=1 (gunicorn reachable only through the proxy):
    otherwise every client would share the proxy's address, and one person could lock
    everyone out of logging in.
    """
    if settings.PORTAL_TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded.strip():
            # The right-most entry is the one the trusted proxy saw; the rest is hearsay.
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR") or None  # None: unknown (django-axes stores NULL)
