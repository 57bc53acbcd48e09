"""Lots received of approved products, and the expiry reminders sent (each once)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from .assessment import Decision
from .registry import Product


class LotStatus(models.TextChoices):
    USABLE = "usable", "Usable"
    ON_HOLD = "on_hold", "On hold"
    RELEASED = "released", "Released by a reviewer"
    REJECTED = "rejected", "Rejected"


# The statuses under which a lot may be used (until its expiry date).
USABLE_LOT_STATUSES = (LotStatus.USABLE, LotStatus.RELEASED)


class Sterility(models.TextChoices):
    """Mirrors checklist question 4.4 (same stored values)."""

    PASS = "pass", "Pass"
    FAIL = "fail", "Fail"
    NOT_TESTED = "not_tested", "Not tested"


class StorageOnArrival(models.TextChoices):
    """Mirrors the storage choices of checklist question 4.7."""

    MINUS_80 = "minus_80", "-80 °C"
    FRIDGE = "2_8", "2-8 °C"
    LYOPHILIZED = "lyophilized", "lyophilized"
    AMBIENT = "ambient", "ambient"


class ParticleMethod(models.TextChoices):
    """Mirrors the method choices of checklist question 3.2."""

    NTA = "nta", "NTA"
    TRPS = "trps", "TRPS"
    FLOW_CYTOMETRY = "flow_cytometry", "flow cytometry"
    OTHER = "other", "other"
    NONE = "none", "none"


def lot_coa_upload_to(instance: Lot, filename: str) -> str:
    # Never the uploaded name: a generated, unguessable one (the name is kept apart).
    return f"lots/{instance.product_id}/{uuid.uuid4().hex}"


class Lot(models.Model):
    """One lot of a product received by the clinic, checked against its approval."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="lots")
    decision = models.ForeignKey(
        Decision, on_delete=models.PROTECT, related_name="lots",
        help_text="The approval the lot was received under.",
    )
    lot_number = models.CharField(max_length=100, help_text="As printed on the vial.")
    coa_lot_number = models.CharField(max_length=100, help_text="As printed on the CoA.")
    quantity = models.PositiveIntegerField()
    received_on = models.DateField()
    expiry_date = models.DateField(help_text="Last day the lot may be used.")
    storage_on_arrival = models.CharField(max_length=20, choices=StorageOnArrival.choices)
    # The certificate of analysis: stored under a generated name, with its SHA-256.
    coa_file = models.FileField(upload_to=lot_coa_upload_to, max_length=255)
    coa_original_name = models.CharField(max_length=255)
    coa_sha256 = models.CharField(max_length=64, db_index=True)
    coa_size = models.PositiveBigIntegerField()
    coa_content_type = models.CharField(max_length=120, help_text="Detected from the content.")
    # The CoA's values.
    endotoxin = models.FloatField(null=True, blank=True, help_text="EU/mL")
    sterility = models.CharField(max_length=20, choices=Sterility.choices)
    particle_concentration = models.FloatField(null=True, blank=True, help_text="particles/mL")
    particle_method = models.CharField(max_length=20, choices=ParticleMethod.choices, blank=True)
    size_mode = models.FloatField(null=True, blank=True, help_text="nm")
    # The check and its outcome.
    status = models.CharField(max_length=20, choices=LotStatus.choices)
    hold_reasons = models.JSONField(default=list, blank=True,
                                    help_text="Plain-language reasons the lot was held.")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text="The reviewer who released or rejected the held lot.",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    justification = models.TextField(blank=True, help_text="Why it was released or rejected.")

    class Meta:
        ordering = ["product_id", "-received_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=LotStatus.values),
                                   name="lot_status_valid"),
            models.CheckConstraint(condition=models.Q(sterility__in=Sterility.values),
                                   name="lot_sterility_valid"),
            models.CheckConstraint(
                condition=~models.Q(status__in=["released", "rejected"])
                | (models.Q(resolved_by__isnull=False) & ~models.Q(justification="")),
                name="lot_resolution_names_who_and_why",
            ),
        ]
        indexes = [models.Index(fields=["status"]), models.Index(fields=["expiry_date"])]

    def __str__(self) -> str:
        return f"Lot {self.lot_number} of {self.product.name}"

    @property
    def is_usable(self) -> bool:
        return self.status in USABLE_LOT_STATUSES


class ReminderKind(models.TextChoices):
    DECISION = "decision", "Decision validity"
    CERTIFICATE = "certificate", "GMP certificate"
    LOT = "lot", "Lot expiry"
    DIGEST = "digest", "Weekly digest"


class Reminder(models.Model):
    """A reminder that was sent. The unique key makes each one go out once.

    `object_id` is the decision, the assessment holding the GMP certificate answer, the
    lot, or (for the digest) the ISO year and week as YYYYWW.
    """

    kind = models.CharField(max_length=20, choices=ReminderKind.choices)
    object_id = models.PositiveBigIntegerField()
    days_before = models.SmallIntegerField()
    due_on = models.DateField(help_text="The expiry date (last valid day) reminded of.")
    recipients = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id", "days_before"],
                                    name="reminder_once"),
            models.CheckConstraint(condition=models.Q(kind__in=ReminderKind.values),
                                   name="reminder_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.object_id}, {self.days_before} days before"
