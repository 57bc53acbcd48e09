"""Lots received: recorded by staff, checked against the approval, held or usable.

A lot is recorded under the product's current decision. Its certificate of
analysis (CoA) is stored like evidence (checked by content, generated name,
SHA-256). `vetting.lots_rules.check_lot` gives the reasons to hold it; so does a
product that may not be used today (suspended, rejected, approval lapsed), and
`check_history`: the same lot number rejected before, or recorded with another
expiry date. A held
lot is released by a reviewer who writes why and re-enters the password, or
rejected. Every step is audited in its own transaction.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from vetting.audit import Actor, audit_record
from vetting.checklist.schema import PLAUSIBLE_YEARS
from vetting.lots_rules import check_history, check_lot
from vetting.models import (
    AuditEvent,
    Decision,
    Lot,
    LotStatus,
    ParticleMethod,
    Product,
    Sterility,
    StorageOnArrival,
)
from vetting.permissions import REVIEWER_ROLES, STAFF_ROLES
from vetting.uploads import inspect_upload

from .common import require_role, require_signing_password
from .errors import InvalidInput, InvalidState
from .evaluation import clinic_today
from .standing import CURRENT_STATES, Code, product_standing

# Units of one lot a clinic receives: far above any delivery, and within every database's
# integer column (a larger number was a server error, not a message).
MAX_QUANTITY = 1_000_000
QUANTITY_INVALID = f"Enter the number of units received, from 1 to {MAX_QUANTITY:,}."

NUMBERS = {"endotoxin": "endotoxin result", "particle_concentration": "particle concentration",
           "size_mode": "size mode"}


def current_decision(product: Product) -> Decision | None:
    """The decision that stands for the product: its newest approved, rejected or suspended
    assessment's (superseded decisions do not stand)."""
    return (Decision.objects.filter(assessment__product=product,
                                    assessment__state__in=CURRENT_STATES)
            .select_related("assessment").order_by("-assessment__number").first())


def standing_reasons(decision: Decision, *, today: date) -> list[str]:
    """Why no lot of this product may be used today, whatever its CoA says."""
    assessment = decision.assessment
    standing = product_standing(current_state=assessment.state, valid_until=decision.valid_until,
                                certificate_expiry=decision.certificate_expiry, today=today)
    if standing.code == Code.SUSPENDED:
        why = assessment.closing_reason.strip().rstrip(".")  # a sentence of its own
        return [f"The product's approval is suspended ({why}): its lots may not be used."]
    if standing.code == Code.REJECTED:
        return ["The product was rejected: its lots may not be used."]
    return [f"{reason} The product is due for re-vetting." for reason in standing.reasons]


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    values = dict(values)
    for name in ("lot_number", "coa_lot_number"):
        values[name] = (values.get(name) or "").strip()
        if not values[name]:
            raise InvalidInput("Enter the lot number.", field=name)
    quantity = values.get("quantity")
    if isinstance(quantity, bool) or not isinstance(quantity, int) \
            or not 1 <= quantity <= MAX_QUANTITY:
        raise InvalidInput(QUANTITY_INVALID, field="quantity")
    for name in ("received_on", "expiry_date"):
        if not isinstance(values.get(name), date):
            raise InvalidInput("Enter a date.", field=name)
        if values[name].year not in PLAUSIBLE_YEARS:
            raise InvalidInput(f"{values[name].isoformat()} is not a plausible date: check "
                               "the year.", field=name)
    if values["received_on"] > clinic_today():
        raise InvalidInput("The lot cannot be received in the future.", field="received_on")
    choices = {"sterility": Sterility.values, "storage_on_arrival": StorageOnArrival.values,
               "particle_method": ["", *ParticleMethod.values]}
    for name, allowed in choices.items():
        values[name] = values.get(name) or ""
        if values[name] not in allowed:
            raise InvalidInput("Choose one of the options.", field=name)
    for name, label in NUMBERS.items():
        value = values.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)
                                  or value < 0):
            raise InvalidInput(f"The {label} must be a number of 0 or more.", field=name)
    return values


def lot_record(*, user, product: Product, upload, **values: Any) -> Lot:
    """Record a lot received, with its CoA; it is held when a check fails.

    values: lot_number, coa_lot_number, quantity, received_on, expiry_date,
    storage_on_arrival, sterility, and optionally endotoxin, particle_concentration,
    particle_method, size_mode.
    """
    require_role(user, STAFF_ROLES, "record lots")
    # The values and the file are both checked before anything is written, and every
    # problem is reported at once (the file's too: it has to be chosen again anyway).
    problems = []
    try:
        values = _clean(values)
    except InvalidInput as exc:
        problems += exc.problems
    try:
        info = inspect_upload(upload)  # content, size and hash
    except InvalidInput as exc:
        problems += exc.problems
    if problems:
        raise InvalidInput.of(problems)
    stored: list[Lot] = []
    try:
        return _record(user, product, upload, info, values, stored)
    except Exception:
        for lot in stored:  # the transaction rolled back: leave no orphan file
            lot.coa_file.storage.delete(lot.coa_file.name)
        raise


def _record(user, product, upload, info, values, stored) -> Lot:
    with transaction.atomic():
        product = Product.objects.select_for_update().get(pk=product.pk)
        decision = current_decision(product)
        if decision is None:
            raise InvalidState("This product has no decision yet: lots are recorded for "
                               "products a reviewer has decided on.")
        today = clinic_today()
        earlier = product.lots.values("lot_number", "expiry_date", "status", "received_on")
        reasons = [*standing_reasons(decision, today=today),
                   *check_lot(decision.approved_spec, values, on_date=today),
                   *check_history(values, earlier.order_by("received_on", "pk"))]
        lot = Lot(product=product, decision=decision, recorded_by=user,
                  status=LotStatus.ON_HOLD if reasons else LotStatus.USABLE,
                  hold_reasons=reasons, coa_original_name=info.name, coa_sha256=info.sha256,
                  coa_size=info.size, coa_content_type=info.content_type, **values)
        lot.coa_file.save("upload", upload, save=False)  # upload_to generates the name
        stored.append(lot)
        lot.save()
        audit_record(actor=Actor.for_user(user), event=AuditEvent.RECORD_CHANGE,
                     assessment=decision.assessment, obj=lot,
                     summary=f"Lot {lot.lot_number} of {product.name} recorded: "
                             f"{lot.get_status_display().lower()}",
                     after={**_lot_summary(lot), "coa": {"name": info.name,
                                                         "sha256": info.sha256}})
    return lot


def _lot_summary(lot: Lot) -> dict[str, Any]:
    return {
        "lot_number": lot.lot_number, "coa_lot_number": lot.coa_lot_number,
        "quantity": lot.quantity, "received_on": lot.received_on.isoformat(),
        "expiry_date": lot.expiry_date.isoformat(), "storage": lot.storage_on_arrival,
        "endotoxin": lot.endotoxin, "sterility": lot.sterility,
        "particle_concentration": lot.particle_concentration,
        "particle_method": lot.particle_method, "size_mode": lot.size_mode,
        "status": lot.status, "hold_reasons": lot.hold_reasons,
    }


def _lock_held(lot: Lot, action: str) -> Lot:
    locked = Lot.objects.select_for_update().select_related(
        "product", "decision__assessment").get(pk=lot.pk)
    if locked.status != LotStatus.ON_HOLD:
        raise InvalidState(f"You cannot {action}: it is "
                           f"{locked.get_status_display().lower()}, not on hold.")
    return locked


def _justification(text: str, action: str) -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidInput(f"Write why you {action} this lot.", field="justification")
    return text


def _verify_password(user, password: str, lot: Lot) -> None:
    require_signing_password(
        user, password, assessment=lot.decision.assessment, obj=lot,
        summary=f"Release of lot {lot.lot_number} refused: wrong password",
        after={"released": False},
        refused="The password is not correct; the lot was not released.")


def _check_releasable(lot: Lot) -> None:
    today = clinic_today()
    if lot.expiry_date < today:
        raise InvalidState(f"An expired lot cannot be released (its last valid day was "
                           f"{lot.expiry_date.isoformat()}); reject it.")
    decision = current_decision(lot.product)
    if decision is None or decision.pk != lot.decision_id:
        raise InvalidState("The product's decision has changed since the lot was received: "
                           "record the lot again under the current decision, or reject it.")
    blocking = standing_reasons(decision, today=today)
    if blocking:
        raise InvalidState(f"The lot cannot be released: {blocking[0]}")


def release_refusal(lot: Lot) -> str | None:
    """Why this held lot cannot be released today (expired, another decision, a product
    that may not be used), or None: the page then offers no release."""
    try:
        _check_releasable(lot)
    except InvalidState as exc:
        return exc.message
    return None


def lot_release(*, user, lot: Lot, password: str, justification: str) -> Lot:
    """A reviewer releases a held lot for use, saying why and re-entering the password."""
    require_role(user, REVIEWER_ROLES, "release held lots")
    justification = _justification(justification, "release")
    with transaction.atomic():
        _check_releasable(_lock_held(lot, "release this lot"))
    _verify_password(user, password, lot)
    return _resolve(user, lot, LotStatus.RELEASED, justification, check=_check_releasable)


def lot_reject(*, user, lot: Lot, justification: str) -> Lot:
    """A reviewer rejects a held lot: it is not to be used."""
    require_role(user, REVIEWER_ROLES, "reject held lots")
    return _resolve(user, lot, LotStatus.REJECTED, _justification(justification, "reject"))


def _resolve(user, lot: Lot, status: str, justification: str, *, check=None) -> Lot:
    action = "release this lot" if status == LotStatus.RELEASED else "reject this lot"
    with transaction.atomic():
        locked = _lock_held(lot, action)
        if check is not None:
            check(locked)
        locked.status, locked.justification = status, justification
        locked.resolved_by, locked.resolved_at = user, timezone.now()
        locked.save(update_fields=["status", "justification", "resolved_by", "resolved_at"])
        verb = "released" if status == LotStatus.RELEASED else "rejected"
        audit_record(actor=Actor.for_user(user),
                     event=AuditEvent.SIGNATURE if status == LotStatus.RELEASED
                     else AuditEvent.STATE_CHANGE,
                     assessment=locked.decision.assessment, obj=locked,
                     summary=f"Held lot {locked.lot_number} {verb}",
                     before={"status": LotStatus.ON_HOLD,
                             "hold_reasons": locked.hold_reasons},
                     after={"status": status, "justification": justification})
    return locked


def lots_for_report(assessment) -> list[dict[str, Any]]:
    """The product's lots received under this assessment's decision or earlier ones, oldest
    first, as plain values for a report (dates as ISO strings)."""
    lots = (Lot.objects.filter(product_id=assessment.product_id,
                               decision__assessment__number__lte=assessment.number)
            .select_related("decision__assessment", "resolved_by")
            .order_by("received_on", "pk"))
    return [{
        **_lot_summary(lot),
        "storage_label": lot.get_storage_on_arrival_display(),
        "sterility_label": lot.get_sterility_display(),
        "particle_method_label": lot.get_particle_method_display() if lot.particle_method
        else "",
        "status_label": lot.get_status_display(),
        "check": "passed" if not lot.hold_reasons else "held",
        "received_under_assessment": lot.decision.assessment.number,
        "coa_name": lot.coa_original_name, "coa_sha256": lot.coa_sha256,
        "resolved_by": (lot.resolved_by.get_full_name() or lot.resolved_by.get_username())
        if lot.resolved_by else "",
        "resolved_at": lot.resolved_at.isoformat() if lot.resolved_at else "",
        "justification": lot.justification,
    } for lot in lots]


def lot_coa_download_record(*, user, lot: Lot) -> None:
    """Audit that a staff user opened or downloaded a lot's certificate of analysis."""
    require_role(user, STAFF_ROLES, "download documents")
    with transaction.atomic():
        audit_record(actor=Actor.for_user(user), event=AuditEvent.DOWNLOAD,
                     assessment=lot.decision.assessment, obj=lot,
                     summary=f"CoA {lot.coa_original_name} of lot {lot.lot_number} downloaded",
                     after={"sha256": lot.coa_sha256})
