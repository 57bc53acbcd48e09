"""Report status, download and retry (staff), and the public verification page."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited

from vetting.models import Report
from vetting.permissions import STAFF_ROLES, role_required
from vetting.reports.verification import decision_now, verify_identifier, verify_pdf
from vetting.services import reports as report_services
from vetting.services.errors import ServiceError
from vetting.views.access import get_assessment
from vetting.views.portal import client_address


def _report(user, assessment_id: int, report_id: int) -> Report:
    assessment = get_assessment(user, assessment_id)
    return get_object_or_404(Report, pk=report_id, assessment=assessment)


@never_cache
@require_GET
@role_required(*STAFF_ROLES)
def report_status(request: HttpRequest, pk: int, report_id: int) -> JsonResponse:
    report = _report(request.user, pk, report_id)
    return JsonResponse({"identifier": report.identifier, "status": report.status,
                         "label": report.get_status_display(), "attempts": report.attempts})


@require_GET
@role_required(*STAFF_ROLES)
def report_download(request: HttpRequest, pk: int, report_id: int) -> FileResponse:
    report = _report(request.user, pk, report_id)
    try:
        report_services.report_download_record(user=request.user, report=report)
    except ServiceError:
        raise Http404 from None
    response = FileResponse(report.file.open("rb"), as_attachment=True,
                            filename=f"vetting-report-{report.identifier}.pdf",
                            content_type="application/pdf")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@role_required(*STAFF_ROLES)
def report_retry(request: HttpRequest, pk: int, report_id: int) -> HttpResponse:
    report = _report(request.user, pk, report_id)
    try:
        report_services.report_retry(user=request.user, report=report)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Report {report.identifier} queued again.")
    return redirect("assessment_detail", pk)


class VerifyForm(forms.Form):
    identifier = forms.CharField(required=False, max_length=60, label="Report identifier",
                                 help_text="Printed on every page, e.g. CVR-3F2A…")
    file = forms.FileField(required=False, label="Or the report PDF")

    def clean(self):
        data = super().clean()
        # Neither given, and neither refused at its own field (too long, an empty file).
        if not data.get("identifier") and not data.get("file") and not self.errors:
            raise forms.ValidationError("Give the report's identifier or its PDF file.")
        upload = data.get("file")
        if upload and upload.size > settings.VERIFY_MAX_BYTES:
            self.add_error("file", "This file is larger than any report.")
        return data


def _verify_form(request: HttpRequest) -> VerifyForm:
    if request.method == "POST":
        return VerifyForm(request.POST, request.FILES)
    if "id" in request.GET:  # the link printed on a report: /verify/?id=CVR-...
        return VerifyForm({"identifier": request.GET["id"]})
    return VerifyForm()


def _body_too_large(request: HttpRequest) -> bool:
    """Judge the upload by its declared length before a byte of it is read."""
    if request.method != "POST":
        return False
    try:
        length = int(request.META.get("CONTENT_LENGTH") or "")
    except ValueError:
        return True  # no length (chunked) or a bad one: refused, never streamed to disk
    return length > settings.VERIFY_MAX_BYTES + 64 * 1024  # the form's own fields


# CSRF-exempt on purpose: the check changes nothing, and Django's CSRF check would read
# (and spool to disk) the whole body before this view could refuse an oversize one.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Public: anyone holding a report checks it here. Rate-limited per client address."""
    if is_ratelimited(request, group="verify", key=client_address, rate=settings.VERIFY_RATE,
                      method=["GET", "POST"], increment=True):
        response = render(request, "vetting/verify.html", {"limited": True}, status=429)
    elif _body_too_large(request):
        response = render(request, "vetting/verify.html", {"too_large": True,
                                                            "form": VerifyForm()}, status=413)
    else:
        form = _verify_form(request)
        verdict, by_file = None, False
        if form.is_bound and form.is_valid():
            upload = form.cleaned_data.get("file")
            by_file = upload is not None
            verdict = (verify_pdf(upload.read()) if by_file
                       else verify_identifier(form.cleaned_data["identifier"]))
        now = decision_now(verdict.report) if verdict and verdict.valid else None
        response = render(request, "vetting/verify.html",
                          {"form": form, "verdict": verdict, "by_file": by_file, "now": now})
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response
