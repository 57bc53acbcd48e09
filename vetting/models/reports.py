"""Signed PDF vetting reports and the certificates they were signed with."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils import timezone

from .assessment import Assessment, Decision


class SigningCertificate(models.Model):
    """A certificate this installation has signed reports with (kept after rotation)."""

    subject = models.CharField(max_length=300)
    serial = models.CharField(max_length=80)
    fingerprint_sha256 = models.CharField(max_length=64, unique=True)
    issuer = models.CharField(max_length=300)
    not_before = models.DateTimeField()
    not_after = models.DateTimeField()
    certificate_pem = models.TextField()
    first_used_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-first_used_at"]

    def __str__(self) -> str:
        return f"{self.subject} ({self.fingerprint_sha256[:12]}…)"


class ReportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    GENERATING = "generating", "Generating"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


def report_identifier() -> str:
    # Unguessable: 128 random bits, shown on the report and typed on /verify/.
    return "CVR-" + secrets.token_hex(16).upper()


class Report(models.Model):
    """The signed PDF report of one decision. Once ready, it never changes."""

    identifier = models.CharField(max_length=40, unique=True, default=report_identifier)
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="reports")
    decision = models.OneToOneField(Decision, on_delete=models.PROTECT, related_name="report")
    status = models.CharField(max_length=20, choices=ReportStatus.choices,
                              default=ReportStatus.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    queued_at = models.DateTimeField(default=timezone.now,
                                     help_text="When the job was last sent to the workers.")
    claimed_at = models.DateTimeField(null=True, blank=True,
                                      help_text="When a worker last took the job.")
    last_error = models.TextField(blank=True)
    file = models.FileField(upload_to="reports/", max_length=255, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    audit_chain_hash = models.CharField(max_length=64, blank=True)
    certificate = models.ForeignKey(SigningCertificate, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="reports")
    # What the verification page reveals for a genuine report, copied at issue.
    product_name = models.CharField(max_length=200, blank=True)
    vendor_name = models.CharField(max_length=200, blank=True)
    outcome = models.CharField(max_length=30, blank=True)
    signer_name = models.CharField(max_length=200, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    issued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=ReportStatus.values),
                                   name="report_status_valid"),
        ]

    def __str__(self) -> str:
        return f"Report {self.identifier}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding and Report.objects.filter(
                pk=self.pk, status=ReportStatus.READY).exists():
            raise PermissionError("An issued report never changes.")
        super().save(*args, **kwargs)

    def get_outcome_display_text(self) -> str:
        from .assessment import DecisionOutcome

        return DecisionOutcome(self.outcome).label if self.outcome else ""
