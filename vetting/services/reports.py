"""Issuing signed reports: one per decision, generated in the background, never changed."""

from __future__ import annotations

import hashlib
import logging
import secrets

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from vetting.audit import Actor, audit_record, chain_hash
from vetting.models import AuditEvent, Decision, Report, ReportStatus, SigningCertificate
from vetting.permissions import STAFF_ROLES

from .common import require_role
from .errors import InvalidState

logger = logging.getLogger(__name__)
STALE_AFTER_SECONDS = 15 * 60  # a "generating" claim older than this was lost with its worker


def report_enqueue(*, decision: Decision) -> Report:
    """Create the decision's report row and queue its generation once the decision commits.

    Called inside the signing transaction, so the report carries the audit chain's hash
    right after the signature entry.
    """
    from vetting.tasks import generate_report

    assessment = decision.assessment
    report = Report.objects.create(
        assessment=assessment, decision=decision, audit_chain_hash=chain_hash(),
        product_name=assessment.product.name, vendor_name=assessment.product.vendor.name,
        outcome=decision.outcome, signer_name=decision.signer_name, signed_at=decision.signed_at)
    # robust: a broker that is down must not undo or fail the signed decision; the
    # report stays "queued" and can be retried from the assessment page.
    transaction.on_commit(lambda: generate_report.delay(report.pk), robust=True)
    return report


def _claim(report_id: int) -> bool:
    """Take the job; a second worker (or a re-delivered task) finds nothing to do."""
    now = timezone.now()
    stale = now - timezone.timedelta(seconds=STALE_AFTER_SECONDS)
    claimable = Q(status__in=[ReportStatus.QUEUED, ReportStatus.FAILED]) | Q(
        status=ReportStatus.GENERATING, claimed_at__lt=stale)
    return bool(Report.objects.filter(claimable, pk=report_id, issued_at__isnull=True).update(
        status=ReportStatus.GENERATING, attempts=F("attempts") + 1, claimed_at=now))


def report_generate(*, report_id: int) -> Report:
    """Render, sign and store the report. Idempotent: a ready report is left as it is."""
    from vetting.reports import signing
    from vetting.reports.pdf import render_report_pdf

    if not _claim(report_id):
        return Report.objects.get(pk=report_id)
    report = Report.objects.select_related("assessment__product__vendor", "decision").get(
        pk=report_id)
    try:
        loaded = signing.load_signer()
        decision = report.decision
        signed_at = timezone.localtime(decision.signed_at)
        signed = signing.sign_pdf(
            render_report_pdf(report), loaded=loaded, signer_name=decision.signer_name,
            reason=f"{decision.get_outcome_display()}: {report.product_name} "
                   f"(vetting report {report.identifier})",
            location=settings.CLINIC_NAME,
            stamp_lines=["Digitally signed",
                         f"{decision.get_outcome_display()} by {decision.signer_name}, "
                         f"{decision.signer_role}",
                         f"{settings.CLINIC_NAME} · {signed_at:%Y-%m-%d %H:%M %Z}",
                         f"Report {report.identifier}"])
        _store(report, signed, loaded)
    except Exception as exc:
        # Only our own unfinished claim is marked failed, never an issued report.
        Report.objects.filter(pk=report_id, status=ReportStatus.GENERATING,
                              issued_at__isnull=True).update(
            status=ReportStatus.FAILED, last_error=f"{type(exc).__name__}: {exc}"[:2000])
        logger.exception("report %s failed", report.identifier)
        raise
    return Report.objects.get(pk=report_id)


def _store(report: Report, signed: bytes, loaded) -> None:
    from vetting.reports import signing

    name = f"{secrets.token_urlsafe(24)}.pdf"  # unguessable; upload_to adds reports/
    with transaction.atomic():
        # Another worker may have issued it meanwhile (a stale claim taken over): the
        # first issued file stands, this one is dropped.
        current = Report.objects.select_for_update().get(pk=report.pk)
        if current.status != ReportStatus.GENERATING or current.issued_at is not None:
            return
        certificate, _ = SigningCertificate.objects.get_or_create(
            fingerprint_sha256=signing.fingerprint(loaded.certificate),
            defaults={"subject": loaded.certificate.subject.rfc4514_string()[:300],
                      "serial": format(loaded.certificate.serial_number, "x")[:80],
                      "issuer": loaded.certificate.issuer.rfc4514_string()[:300],
                      "not_before": loaded.certificate.not_valid_before_utc,
                      "not_after": loaded.certificate.not_valid_after_utc,
                      "certificate_pem": signing.chain_pem(loaded.certificate, loaded.chain)})
        report.file.save(name, ContentFile(signed), save=False)
        report.sha256 = hashlib.sha256(signed).hexdigest()
        report.size = len(signed)
        report.certificate = certificate
        report.status = ReportStatus.READY
        report.issued_at = timezone.now()
        report.last_error = ""
        Report.objects.filter(pk=report.pk).update(
            file=report.file.name, sha256=report.sha256, size=report.size,
            certificate=certificate, status=ReportStatus.READY, issued_at=report.issued_at,
            last_error="")
        audit_record(actor=Actor.system("report generator"), event=AuditEvent.SIGNATURE,
                     assessment=report.assessment, obj=report,
                     summary=f"Report {report.identifier} issued and signed",
                     after={"identifier": report.identifier, "sha256": report.sha256,
                            "certificate": certificate.fingerprint_sha256})


def report_may_retry(report: Report) -> bool:
    """Whether `report_retry` takes it: failed, or queued so long ago its task was lost."""
    stale = timezone.now() - timezone.timedelta(seconds=STALE_AFTER_SECONDS)
    return report.issued_at is None and (
        report.status == ReportStatus.FAILED
        or (report.status == ReportStatus.QUEUED and report.queued_at < stale))


def report_retry(*, user, report: Report) -> Report:
    """Queue a failed report again (by hand, from the assessment page)."""
    from vetting.tasks import generate_report

    require_role(user, STAFF_ROLES, "retry a report")
    with transaction.atomic():
        # A failed report, or one queued long ago whose task was lost (broker down);
        # a fresh one is already on its way, so a double click queues nothing twice.
        stale = timezone.now() - timezone.timedelta(seconds=STALE_AFTER_SECONDS)
        updated = Report.objects.filter(
            Q(status=ReportStatus.FAILED) | Q(status=ReportStatus.QUEUED, queued_at__lt=stale),
            pk=report.pk, issued_at__isnull=True,
        ).update(status=ReportStatus.QUEUED, queued_at=timezone.now())
        if not updated:
            raise InvalidState("Only a failed report, or one queued for more than 15 minutes, "
                               "can be sent again.")
        audit_record(actor=Actor.for_user(user), event=AuditEvent.RECORD_CHANGE,
                     assessment=report.assessment, obj=report,
                     summary=f"Report {report.identifier} queued again")
        transaction.on_commit(lambda: generate_report.delay(report.pk), robust=True)
    report.refresh_from_db()
    return report


def report_download_record(*, user, report: Report) -> None:
    require_role(user, STAFF_ROLES, "download reports")
    if report.status != ReportStatus.READY:
        raise InvalidState("The report is not ready yet.")
    with transaction.atomic():
        audit_record(actor=Actor.for_user(user), event=AuditEvent.DOWNLOAD,
                     assessment=report.assessment, obj=report,
                     summary=f"Report {report.identifier} downloaded")
