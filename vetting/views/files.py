"""Serving a stored upload to staff: the one place its response headers are set."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest

from vetting.uploads import INLINE_TYPES, download_name


def stored_file_response(request: HttpRequest, file, *, filename: str,
                         content_type: str) -> FileResponse:
    """An attachment, or inline (`?inline=1`) for PDF and images under a sandboxing CSP;
    named with the extension of its content (a file stored before names were given one)."""
    inline = request.GET.get("inline") == "1" and content_type in INLINE_TYPES
    response = FileResponse(file.open("rb"), as_attachment=not inline,
                            filename=download_name(filename, content_type),
                            content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = ("sandbox; default-src 'none'; img-src 'self'; "
                                           "style-src 'unsafe-inline'")
    response["Cache-Control"] = "private, no-store"
    return response
