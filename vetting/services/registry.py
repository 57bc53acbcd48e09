"""The vendor register: vendors, their contacts and their products.

Each service checks the role, validates, saves with `update_fields` and writes its
audit entry (before and after of the fields that changed) in one transaction. The
forms check the same duplicates first, so a person sees the message next to the
field; the checks here hold for every other caller (commands, the admin, imports).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, models, transaction
from django.db.models import Value
from django.db.models.functions import Lower

from vetting.audit import Actor, audit_record
from vetting.models import (
    AssessmentState,
    AuditEvent,
    Product,
    ProductCategory,
    ProductForm,
    Vendor,
    VendorContact,
)
from vetting.permissions import ADMIN_ROLES, STAFF_ROLES

from .common import require_role
from .errors import InvalidInput, InvalidState

VENDOR_FIELDS = ("name", "website", "country", "address", "notes")
CONTACT_FIELDS = ("name", "email", "phone", "role", "is_primary")
PRODUCT_FIELDS = ("name", "category", "form", "description")


def _clean_fields(fields: dict[str, Any], allowed: Iterable[str], required: Iterable[str]) -> dict:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"Unknown field(s): {', '.join(sorted(unknown))}")
    cleaned = {name: value.strip() if isinstance(value, str) else value
               for name, value in fields.items()}
    if isinstance(cleaned.get("name"), str):  # "Meridian  Cell" is "Meridian Cell" twice
        cleaned["name"] = " ".join(cleaned["name"].split())
    for name in required:
        if name in cleaned and not cleaned[name]:
            raise InvalidInput("This field is required.", field=name)
    return cleaned


def _apply(instance: models.Model, fields: dict[str, Any]) -> tuple[dict, dict]:
    """Set the fields that differ; return their values before and after."""
    before, after = {}, {}
    for name, value in fields.items():
        if getattr(instance, name) != value:
            before[name], after[name] = getattr(instance, name), value
            setattr(instance, name, value)
    return before, after


def _same_text(queryset: models.QuerySet, field: str, value: str) -> models.QuerySet:
    """Rows whose `field` equals `value` ignoring case, as the database's constraints see it."""
    return queryset.alias(_lower=Lower(field)).filter(_lower=Lower(Value(value.strip())))


def _text_taken(queryset: models.QuerySet, field: str, value: str,
                exclude_pk: int | None) -> bool:
    """Whether another row's `field` is `value` ignoring case and spacing. The database's
    lower() knows ASCII only on SQLite, and nowhere that "Straße" is "STRASSE": the value
    folded by Unicode's rules is looked for too, and the rows with a character outside
    ASCII are folded and compared here."""
    rows = queryset.exclude(pk=exclude_pk)
    key = " ".join(value.split()).casefold()
    if _same_text(rows, field, value).exists() or (
            key != value.strip().lower() and _same_text(rows, field, key).exists()):
        return True
    others = rows.filter(**{f"{field}__regex": r"[^\x00-\x7f]"}).values_list(field, flat=True)
    return any(" ".join(other.split()).casefold() == key for other in others)


def _save(instance: models.Model, *, field: str, duplicate: str, **kwargs) -> None:
    # The form and the service check duplicates first; two requests at once can
    # still both pass, and the database constraint then decides.
    try:
        with transaction.atomic():
            instance.save(**kwargs)
    except IntegrityError as exc:
        raise InvalidInput(duplicate, field=field) from exc


def _audit(user, instance: models.Model, summary: str, before: dict | None, after: dict) -> None:
    audit_record(actor=Actor.for_user(user), event=AuditEvent.RECORD_CHANGE, obj=instance,
                 summary=summary, before=before, after=after)


# Vendors

def vendor_name_taken(name: str, *, exclude_pk: int | None = None) -> bool:
    return _text_taken(Vendor.objects.all(), "name", name, exclude_pk)


def _check_vendor(fields: dict, exclude_pk: int | None = None) -> None:
    if "name" in fields and vendor_name_taken(fields["name"], exclude_pk=exclude_pk):
        raise InvalidInput("A vendor with this name is already registered.", field="name")


COUNTRIES_CACHE_KEY = "vetting:vendor-countries"


def vendor_countries() -> list[str]:
    """The countries of the registered vendors, for the register's filter. Cached until a
    vendor is registered or its country changes (the query reads every vendor)."""
    countries = cache.get(COUNTRIES_CACHE_KEY)
    if countries is None:
        countries = sorted(Vendor.objects.exclude(country="").order_by()
                           .values_list("country", flat=True).distinct(), key=str.casefold)
        cache.set(COUNTRIES_CACHE_KEY, countries, timeout=10 * 60)
    return countries


def _forget_countries() -> None:
    # Now for this request, and after the commit for a request that read before it.
    cache.delete(COUNTRIES_CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(COUNTRIES_CACHE_KEY))


def vendor_create(*, user, **fields: Any) -> Vendor:
    """Register a vendor."""
    require_role(user, STAFF_ROLES, "register a vendor")
    fields = _clean_fields(fields, VENDOR_FIELDS, required=["name"])
    if not fields.get("name"):
        raise InvalidInput("This field is required.", field="name")
    with transaction.atomic():
        _check_vendor(fields)
        vendor = Vendor(created_by=user, **fields)
        _save(vendor, field="name", duplicate="A vendor with this name is already registered.")
        _audit(user, vendor, f"Vendor {vendor.name} registered", None, fields)
        if vendor.country:
            _forget_countries()
    return vendor


def vendor_update(*, user, vendor: Vendor, **fields: Any) -> Vendor:
    """Change a vendor's details; a call that changes nothing writes nothing."""
    require_role(user, STAFF_ROLES, "change a vendor")
    fields = _clean_fields(fields, VENDOR_FIELDS, required=["name"])
    with transaction.atomic():
        # Re-read under a lock: the caller's instance may carry unsaved form values.
        vendor = Vendor.objects.select_for_update().get(pk=vendor.pk)
        before, after = _apply(vendor, fields)
        if not after:
            return vendor
        _check_vendor(after, exclude_pk=vendor.pk)
        _save(vendor, field="name", duplicate="A vendor with this name is already registered.",
              update_fields=[*after, "updated_at"])
        _audit(user, vendor, f"Vendor {vendor.name} changed", before, after)
        if "country" in after:
            _forget_countries()
    return vendor


def vendor_delete(*, user, vendor: Vendor) -> None:
    """Remove a vendor registered by mistake (a duplicate, a typo) before it has any product:
    with products it is kept, since assessments and the trail refer to it. Its contacts go
    with it; the deletion is audited with what was removed."""
    require_role(user, ADMIN_ROLES, "delete a vendor")
    with transaction.atomic():
        vendor = Vendor.objects.select_for_update().get(pk=vendor.pk)
        if vendor.products.exists():
            raise InvalidState(f"{vendor.name} has products, and is kept: assessments and "
                               "the audit trail refer to it.")
        before = {name: getattr(vendor, name) for name in VENDOR_FIELDS}
        before["contacts"] = sorted(vendor.contacts.values_list("email", flat=True))
        _audit(user, vendor, f"Vendor {vendor.name} deleted (it had no product)", before, {})
        vendor.delete()
        _forget_countries()


# Contacts

def contact_email_taken(vendor: Vendor, email: str, *, exclude_pk: int | None = None) -> bool:
    contacts = VendorContact.objects.filter(vendor=vendor)
    return _same_text(contacts, "email", email).exclude(pk=exclude_pk).exists()


def _check_contact(vendor: Vendor, fields: dict, exclude_pk: int | None = None) -> None:
    if "email" in fields and contact_email_taken(vendor, fields["email"], exclude_pk=exclude_pk):
        raise InvalidInput("This vendor already has a contact with this e-mail address.",
                           field="email")


def _unset_previous_primary(user, vendor: Vendor, keep_pk: int | None) -> None:
    """Only one primary contact per vendor (a database constraint): demote the old one."""
    previous = (VendorContact.objects.select_for_update()
                .filter(vendor=vendor, is_primary=True).exclude(pk=keep_pk).first())
    if previous is None:
        return
    previous.is_primary = False
    previous.save(update_fields=["is_primary"])
    _audit(user, previous, f"Contact {previous.name} of {vendor.name} is no longer primary",
           {"is_primary": True}, {"is_primary": False})


def contact_create(*, user, vendor: Vendor, **fields: Any) -> VendorContact:
    """Add a contact to a vendor; a primary one replaces the vendor's previous primary."""
    require_role(user, STAFF_ROLES, "add a vendor contact")
    fields = _clean_fields(fields, CONTACT_FIELDS, required=["name", "email"])
    for name in ("name", "email"):
        if not fields.get(name):
            raise InvalidInput("This field is required.", field=name)
    with transaction.atomic():
        vendor = Vendor.objects.select_for_update().get(pk=vendor.pk)
        _check_contact(vendor, fields)
        if fields.get("is_primary"):
            _unset_previous_primary(user, vendor, keep_pk=None)
        contact = VendorContact(vendor=vendor, **fields)
        _save(contact, field="email",
              duplicate="This vendor already has a contact with this e-mail address.")
        _audit(user, contact, f"Contact {contact.name} of {vendor.name} added", None, fields)
    return contact


def contact_update(*, user, contact: VendorContact, **fields: Any) -> VendorContact:
    """Change a contact; making it primary demotes the vendor's previous primary contact."""
    require_role(user, STAFF_ROLES, "change a vendor contact")
    fields = _clean_fields(fields, CONTACT_FIELDS, required=["name", "email"])
    with transaction.atomic():
        vendor = Vendor.objects.select_for_update().get(pk=contact.vendor_id)
        contact = VendorContact.objects.select_for_update().get(pk=contact.pk)
        before, after = _apply(contact, fields)
        if not after:
            return contact
        _check_contact(vendor, after, exclude_pk=contact.pk)
        if after.get("is_primary"):
            _unset_previous_primary(user, vendor, keep_pk=contact.pk)
        _save(contact, field="email", update_fields=list(after),
              duplicate="This vendor already has a contact with this e-mail address.")
        _audit(user, contact, f"Contact {contact.name} of {vendor.name} changed", before, after)
    return contact


# Products

def product_name_taken(vendor: Vendor, name: str, *, exclude_pk: int | None = None) -> bool:
    return _text_taken(Product.objects.filter(vendor=vendor), "name", name, exclude_pk)


def _check_product(vendor: Vendor, fields: dict, exclude_pk: int | None = None) -> None:
    if "category" in fields and fields["category"] not in ProductCategory.values:
        raise InvalidInput("Choose one of the listed categories.", field="category")
    if "form" in fields and fields["form"] not in ProductForm.values:
        raise InvalidInput("Choose one of the listed forms.", field="form")
    if "name" in fields and product_name_taken(vendor, fields["name"], exclude_pk=exclude_pk):
        raise InvalidInput("This vendor already has a product with this name.", field="name")


def product_create(*, user, vendor: Vendor, **fields: Any) -> Product:
    """Register a product of a vendor."""
    require_role(user, STAFF_ROLES, "register a product")
    fields = _clean_fields(fields, PRODUCT_FIELDS, required=["name", "category", "form"])
    for name in ("name", "category", "form"):
        if not fields.get(name):
            raise InvalidInput("This field is required.", field=name)
    with transaction.atomic():
        vendor = Vendor.objects.select_for_update().get(pk=vendor.pk)
        _check_product(vendor, fields)
        product = Product(vendor=vendor, created_by=user, **fields)
        _save(product, field="name",
              duplicate="This vendor already has a product with this name.")
        _audit(user, product, f"Product {product.name} of {vendor.name} registered", None,
               fields)
    return product


PROFILE_LOCKED = ("Set by answers 0.1 and 0.2 of its assessment: change them there (for an "
                  "approved product, in a re-vetting).")


def profile_locked(product: Product) -> bool:
    """Whether the product's category and form are its assessments' answers 0.1 and 0.2
    (it has one that was not withdrawn): then they change there, never apart from them."""
    return product.assessments.exclude(state=AssessmentState.WITHDRAWN).exists()


def product_update(*, user, product: Product, **fields: Any) -> Product:
    """Change a product's details. Its category and form only while no assessment defines
    them (`profile_locked`); then they follow answers 0.1 and 0.2 (services.answers)."""
    require_role(user, STAFF_ROLES, "change a product")
    fields = _clean_fields(fields, PRODUCT_FIELDS, required=["name", "category", "form"])
    with transaction.atomic():
        product = Product.objects.select_for_update().select_related("vendor").get(pk=product.pk)
        before, after = _apply(product, fields)
        if not after:
            return product
        locked = [f for f in ("category", "form") if f in after]
        if locked and profile_locked(product):
            raise InvalidInput(PROFILE_LOCKED, field=locked[0])
        _check_product(product.vendor, after, exclude_pk=product.pk)
        _save(product, field="name", update_fields=[*after, "updated_at"],
              duplicate="This vendor already has a product with this name.")
        _audit(user, product, f"Product {product.name} of {product.vendor.name} changed",
               before, after)
    return product
