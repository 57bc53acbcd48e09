"""The vendor register: vendors, their contacts and their products."""

from __future__ import annotations

import unicodedata

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower


def folded(text: str) -> str:
    """Text as the registers search it: spaces collapsed, case folded ("Ärzte" finds
    "ÄRZTE" on SQLite too, whose LIKE and lower() know ASCII only; "Straße" finds
    "STRASSE" anywhere) and composed alike ("é" typed as e and an accent finds "é").
    Migration 0021 brought stored rows to this; a change here needs such a migration."""
    composed = unicodedata.normalize("NFC", " ".join(text.split()))
    return unicodedata.normalize("NFC", composed.casefold())


def _with_search_fields(kwargs: dict, sources: dict[str, str]) -> dict:
    """`update_fields` of a save, with the search field of each source field it saves."""
    fields = kwargs.get("update_fields")
    if fields is not None:
        kwargs["update_fields"] = {*fields, *(sources[f] for f in fields if f in sources)}
    return kwargs


class Vendor(models.Model):
    """A supplier of products the clinic vets."""

    name = models.CharField(max_length=200)
    website = models.URLField(blank=True)
    country = models.CharField(max_length=100, blank=True)
    address = models.TextField(blank=True)
    notes = models.TextField(blank=True, help_text="Internal notes; never shown to the vendor.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Derived on save: name and country as searched (folded).
    search_name = models.TextField(default="", editable=False)
    search_country = models.TextField(default="", editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"), name="vendor_name_unique_ci",
                violation_error_message="A vendor with this name is already registered."),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.search_name, self.search_country = folded(self.name), folded(self.country)
        super().save(*args, **_with_search_fields(
            kwargs, {"name": "search_name", "country": "search_country"}))


class VendorContact(models.Model):
    """A person at the vendor; invitations to the vendor portal go to one of them."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200)
    email = models.EmailField()
    phone = models.CharField(max_length=50, blank=True)
    role = models.CharField(max_length=120, blank=True, help_text="e.g. Head of Quality")
    is_primary = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_primary", "name"]
        constraints = [
            models.UniqueConstraint(
                "vendor", Lower("email"), name="vendorcontact_email_unique_per_vendor",
                violation_error_message="This vendor already has a contact with this e-mail "
                                        "address.",
            ),
            models.UniqueConstraint(
                fields=["vendor"], condition=models.Q(is_primary=True),
                name="vendorcontact_one_primary_per_vendor",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class ProductCategory(models.TextChoices):
    """Mirrors checklist question 0.1 (same stored values)."""

    EXOSOME_EV = "exosome_ev", "exosome / EV product"
    CONDITIONED_MEDIUM = "conditioned_medium", "stem-cell conditioned medium or secretome"
    PLATELET_DERIVED = "platelet_derived", "platelet-derived (PRP / PRF / lysate)"
    PDRN = "pdrn", "PDRN or polynucleotide"
    GROWTH_FACTOR_SERUM = "growth_factor_serum", "growth-factor serum"
    PLANT_VESICLES = "plant_vesicles", "plant-derived vesicles"
    OTHER = "other", "other"


class ProductForm(models.TextChoices):
    """Mirrors checklist question 0.2 (same stored values)."""

    TOPICAL = "topical", "topical serum or cream"
    INJECTABLE = "injectable", "injectable"
    HAIR_SCALP = "hair_scalp", "hair or scalp treatment"
    DEVICE_ASSISTED = "device_assisted", "device-assisted (with needling or laser)"


class Product(models.Model):
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="products")
    name = models.CharField(max_length=200)
    category = models.CharField(max_length=40, choices=ProductCategory.choices)
    form = models.CharField(max_length=40, choices=ProductForm.choices)
    description = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Derived: set when an assessment is saved the first time (Assessment.save), so that
    # the register filters on the newest assessment's state and recommendation by a join
    # instead of a subquery per product (bench/pages.py).
    newest_assessment = models.ForeignKey(
        "vetting.Assessment", null=True, blank=True, editable=False, on_delete=models.SET_NULL,
        related_name="+",
    )
    search_name = models.TextField(default="", editable=False)  # derived on save: folded

    class Meta:
        ordering = ["vendor__name", "name"]
        constraints = [
            models.UniqueConstraint(
                "vendor", Lower("name"), name="product_name_unique_per_vendor",
                violation_error_message="This vendor already has a product with this name."),
            models.CheckConstraint(
                condition=models.Q(category__in=ProductCategory.values),
                name="product_category_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(form__in=ProductForm.values), name="product_form_valid"
            ),
        ]
        # The register filters by category and by the newest assessment: the category
        # index carries it, so a filtered count reads no product row (bench/pages.py).
        indexes = [models.Index(fields=["category", "newest_assessment"],
                                name="product_category_newest_idx"),
                   models.Index(Lower("name"), "id", name="product_name_ci_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.vendor.name})"

    def save(self, *args, **kwargs) -> None:
        self.search_name = folded(self.name)
        super().save(*args, **_with_search_fields(kwargs, {"name": "search_name"}))


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
