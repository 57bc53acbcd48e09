"""A request whose declared body is larger than REQUEST_MAX_BYTES is refused before a byte
of it is read (Django would spool it to disk first, and the upload checks would refuse it
only then). A reverse proxy in front should have the same limit (README)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string


class RequestSizeLimit:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django itself refuses a malformed length
        if length > settings.REQUEST_MAX_BYTES:
            body = render_to_string("413.html", {
                "limit": filesizeformat(settings.REQUEST_MAX_BYTES),
                "file_limit": filesizeformat(settings.UPLOAD_MAX_BYTES)})
            return HttpResponse(body, status=413)
        return self.get_response(request)
