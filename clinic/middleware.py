"""The project's middleware: a request body over the limit is refused before it is read;
pages for signed-in users are not stored by the browser."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers


class RequestSizeLimit:
    """A request whose declared body is larger than REQUEST_MAX_BYTES is refused before a
    byte of it is read (Django would spool it to disk first, and the upload checks would
    refuse it only then). A reverse proxy in front should have the same limit (README)."""

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


class NoStoreForSignedIn:
    """A page served to a signed-in user is not kept by the browser (Cache-Control: no-store):
    on a shared workstation, Back or the history after logging out shows no clinic record,
    and a form whose case changed meanwhile (decided, sent back) is asked for again rather
    than shown as it was. A view that sets its own Cache-Control keeps it."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header(
                "Cache-Control"):
            add_never_cache_headers(response)
        return response
