from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower


class Vendor(models.Model):
    """A supplier of products the clinic vets (extended by the domain-model issue)."""

    name = models.CharField(max_length=200)
    website = models.URLField(blank=True)
    country = models.CharField(max_length=100, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="vendor_name_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.name


class WorkerCheck(models.Model):
    """A round trip through the task queue, started from the web process.

    The system page sends one to show that a Celery worker is consuming the
    broker; the integration tests use it to prove the same under CI.
    """

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["-requested_at"])]

    def __str__(self) -> str:
        return f"Worker check {self.pk}"
