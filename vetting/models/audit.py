"""The append-only, hash-chained audit trail."""

from __future__ import annotations

from django.conf import settings
from django.db import models

GENESIS_HASH = "0" * 64


class AuditEvent(models.TextChoices):
    STATE_CHANGE = "state_change", "State change"
    ANSWER_CHANGE = "answer_change", "Answer change"
    UPLOAD = "upload", "Upload"
    INVITATION = "invitation", "Invitation"
    DOWNLOAD = "download", "Download"
    SIGNATURE = "signature", "Signature"
    IMPORT = "import", "Import"
    RECORD_CHANGE = "record_change", "Record change"


class ActorKind(models.TextChoices):
    USER = "user", "User"
    VENDOR = "vendor", "Vendor (token)"
    SYSTEM = "system", "System"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Audit entries cannot be changed.")

    def delete(self):
        raise PermissionError("Audit entries cannot be deleted.")


class AuditEntry(models.Model):
    """One event. `hash` covers the entry's content and the previous entry's hash.

    Entries are written only by vetting.audit.audit_record, under a lock on the
    chain head, so `seq` has no gaps and the chain stays linear.
    """

    seq = models.PositiveBigIntegerField(unique=True)
    created_at = models.DateTimeField()
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    # PROTECT: a user with audit entries is deactivated, never deleted.
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(max_length=200)
    event = models.CharField(max_length=20, choices=AuditEvent.choices)
    assessment = models.ForeignKey(
        "vetting.Assessment", null=True, blank=True, on_delete=models.PROTECT,
        related_name="audit_entries",
    )
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=60, blank=True)
    summary = models.CharField(max_length=300)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["assessment", "seq"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.summary}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("Audit entries cannot be changed.")
        kwargs["force_insert"] = True  # never an UPDATE, even for an instance with a used pk
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit entries cannot be deleted.")


class AuditChainHead(models.Model):
    """The single row locked while an entry is appended; holds the chain's tip."""

    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    def __str__(self) -> str:
        return f"audit chain at #{self.last_seq}"
