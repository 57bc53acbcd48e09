"""Vendor portal invitations: a link with a random token, stored only as its hash."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from .assessment import Assessment
from .registry import VendorContact


class InvitationStatus(models.TextChoices):
    SENT = "sent", "Sent"
    OPENED = "opened", "Opened"
    SUBMITTED = "submitted", "Submitted"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"


class Invitation(models.Model):
    """One link to the vendor portal for one assessment, sent to one vendor contact.

    The raw token is never stored: only its SHA-256, so a copy of the database
    does not open anybody's portal. At most one invitation per assessment is live.
    """

    assessment = models.ForeignKey(
        Assessment, on_delete=models.PROTECT, related_name="invitations"
    )
    contact = models.ForeignKey(VendorContact, on_delete=models.PROTECT,
                                related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True, help_text="SHA-256 (hex).")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    first_opened_at = models.DateTimeField(null=True, blank=True)
    last_opened_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    message = models.TextField(blank=True, help_text="A note from the clinic to the vendor.")

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["assessment", "-created_at"])]

    def __str__(self) -> str:
        return f"Invitation of {self.contact} to assessment {self.assessment_id}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None and not self.is_expired

    @property
    def status(self) -> InvitationStatus:
        if self.revoked_at is not None:
            return InvitationStatus.REVOKED
        if self.is_expired:
            return InvitationStatus.EXPIRED
        if self.submitted_at is not None:
            return InvitationStatus.SUBMITTED
        if self.first_opened_at is not None:
            return InvitationStatus.OPENED
        return InvitationStatus.SENT
