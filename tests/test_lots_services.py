"""Recording lots, holding them, releasing and rejecting them by role; the report's list."""

from datetime import date, timedelta

import pytest
from django.core.files.storage import default_storage

from tests.conftest import PASSWORD, PDF_BYTES
from tests.test_services_review import decide, in_review
from vetting import services
from vetting.models import AuditEntry, Lot, Product
from vetting.services import lots
from vetting.services.errors import InvalidInput, InvalidState, NotAllowed

pytestmark = pytest.mark.django_db

SPEC = {"endotoxin_limit": 0.5, "particle_min": 1e10, "particle_max": 3e10,
        "size_mode_min": 90, "size_mode_max": 140, "sterility_required": True}


def approved(practitioner, reviewer, *, spec=SPEC, valid_days=365, name="well-documented-product"):
    """A decided (approved) assessment of an example product with an approved specification."""
    assessment = in_review(name, practitioner)
    decide(assessment, reviewer, approved_spec=spec,
           valid_until=services.clinic_today() + timedelta(days=valid_days))
    assessment.refresh_from_db()
    return assessment


def lot_values(**changes):
    today = services.clinic_today()
    values = {"lot_number": "HB-2291", "coa_lot_number": "HB-2291", "quantity": 20,
              "received_on": today, "expiry_date": today + timedelta(days=200),
              "storage_on_arrival": "minus_80", "sterility": "pass", "endotoxin": 0.1,
              "particle_concentration": 2e10, "particle_method": "nta", "size_mode": 112}
    return {**values, **changes}


def record(user, product, pdf_upload, **changes):
    return lots.lot_record(user=user, product=product, upload=pdf_upload("coa.pdf"),
                           **lot_values(**changes))


@pytest.fixture
def decided(checklist_version, practitioner, reviewer):
    return approved(practitioner, reviewer)


def test_a_good_lot_is_usable(decided, practitioner, pdf_upload):
    lot = record(practitioner, decided.product, pdf_upload)
    assert lot.status == "usable"
    assert lot.hold_reasons == []
    assert lot.decision == decided.decision
    assert lot.coa_original_name == "coa.pdf"
    assert len(lot.coa_sha256) == 64
    assert "coa" not in lot.coa_file.name  # stored under a generated name
    assert default_storage.open(lot.coa_file.name).read() == PDF_BYTES


def test_recording_is_audited(decided, practitioner, pdf_upload):
    lot = record(practitioner, decided.product, pdf_upload)
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.summary == f"Lot HB-2291 of {decided.product.name} recorded: usable"
    assert entry.object_id == str(lot.pk)
    assert entry.assessment_id == decided.pk
    assert entry.after["coa"]["sha256"] == lot.coa_sha256


def test_a_lot_above_the_endotoxin_limit_is_held_with_the_reason(decided, practitioner,
                                                                  pdf_upload):
    lot = record(practitioner, decided.product, pdf_upload, endotoxin=1.2)
    assert lot.status == "on_hold"
    assert lot.hold_reasons == ["Endotoxin 1.2 EU/mL is above the approved limit of 0.5 EU/mL."]


def test_an_expired_lot_is_held(decided, practitioner, pdf_upload):
    lot = record(practitioner, decided.product, pdf_upload,
                 expiry_date=services.clinic_today() - timedelta(days=1))
    assert lot.status == "on_hold"


@pytest.mark.parametrize("role", ["practitioner", "reviewer", "admin"])
def test_every_staff_role_records_lots(decided, make_user, pdf_upload, role):
    assert record(make_user(role), decided.product, pdf_upload).status == "usable"


def test_a_user_without_a_role_records_nothing(decided, norole_user, pdf_upload):
    with pytest.raises(NotAllowed):
        record(norole_user, decided.product, pdf_upload)
    assert Lot.objects.count() == 0


def test_a_product_without_a_decision_takes_no_lot(assessment, practitioner, pdf_upload):
    with pytest.raises(InvalidState, match="no decision yet"):
        record(practitioner, assessment.product, pdf_upload)
    assert Lot.objects.count() == 0


def test_a_file_that_is_not_a_document_is_refused(decided, practitioner):
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(InvalidInput, match="not an accepted type"):
        lots.lot_record(user=practitioner, product=decided.product,
                        upload=SimpleUploadedFile("coa.pdf", b"<html>"), **lot_values())
    assert Lot.objects.count() == 0


@pytest.mark.parametrize("changes, field", [
    ({"quantity": 0}, "quantity"), ({"quantity": 1_000_001}, "quantity"),
    ({"quantity": 2**63}, "quantity"), ({"quantity": True}, "quantity"),
    ({"lot_number": " "}, "lot_number"),
    ({"sterility": "maybe"}, "sterility"), ({"endotoxin": -1}, "endotoxin"),
    ({"received_on": date.today() + timedelta(days=3)}, "received_on"),
    ({"received_on": date(1, 1, 1)}, "received_on"),
    ({"expiry_date": date(9999, 12, 31)}, "expiry_date"),
])
def test_invalid_values_are_refused_naming_the_field(decided, practitioner, pdf_upload,
                                                     changes, field):
    with pytest.raises(InvalidInput) as error:
        record(practitioner, decided.product, pdf_upload, **changes)
    assert error.value.field == field
    assert Lot.objects.count() == 0


def test_a_suspended_product_receives_lots_only_on_hold(decided, practitioner, reviewer,
                                                        pdf_upload):
    # The reason written as a sentence, with its full stop: not doubled in the lot's.
    services.assessment_suspend(user=reviewer, assessment=decided,
                                reason="FDA warning letter (demo).")
    lot = record(practitioner, decided.product, pdf_upload)
    assert lot.status == "on_hold"
    assert lot.hold_reasons == ["The product's approval is suspended (FDA warning letter "
                                "(demo)): its lots may not be used."]
    with pytest.raises(InvalidState, match="suspended"):
        lots.lot_release(user=reviewer, lot=lot, password=PASSWORD, justification="ok")


def test_a_product_past_its_validity_receives_lots_only_on_hold(checklist_version, practitioner,
                                                                reviewer, pdf_upload):
    from unittest import mock

    from django.utils import timezone

    decided = approved(practitioner, reviewer, valid_days=10)
    later = timezone.now() + timedelta(days=11)
    with mock.patch("django.utils.timezone.now", return_value=later):
        lot = record(practitioner, decided.product, pdf_upload)
    assert lot.status == "on_hold"
    assert lot.hold_reasons[0].startswith("The approval lapsed: its last valid day was")
    assert lot.hold_reasons[0].endswith("The product is due for re-vetting.")


def test_a_product_superseded_by_a_rejection_receives_lots_only_on_hold(
        decided, practitioner, reviewer, pdf_upload):
    again = in_review("well-documented-product", practitioner)
    decide(again, reviewer, outcome="rejected", justification="New adverse events.")
    lot = record(practitioner, decided.product, pdf_upload)
    assert lot.decision.assessment == again
    assert lot.hold_reasons == ["The product was rejected: its lots may not be used."]


# The lots received before

def test_a_second_delivery_of_a_lot_that_agrees_is_usable(decided, practitioner, pdf_upload):
    record(practitioner, decided.product, pdf_upload)
    again = record(practitioner, decided.product, pdf_upload, lot_number=" hb-2291",
                   coa_lot_number="HB-2291")
    assert (again.status, again.hold_reasons) == ("usable", [])


def test_a_lot_number_rejected_before_is_held(decided, practitioner, reviewer, pdf_upload):
    first = record(practitioner, decided.product, pdf_upload, endotoxin=1.2)
    lots.lot_reject(user=reviewer, lot=first, justification="Endotoxin too high.")
    again = record(practitioner, decided.product, pdf_upload)
    assert again.status == "on_hold"
    assert again.hold_reasons == [
        f"Lot HB-2291 was rejected before (the delivery received on {first.received_on})."]


def test_a_lot_number_with_another_expiry_is_held(decided, practitioner, pdf_upload):
    first = record(practitioner, decided.product, pdf_upload)
    later = first.expiry_date + timedelta(days=4)
    again = record(practitioner, decided.product, pdf_upload, expiry_date=later)
    assert again.status == "on_hold"
    assert again.hold_reasons == [
        f"Lot HB-2291 was recorded before with the expiry date {first.expiry_date}; this one "
        f"gives {later}."]


def test_another_products_lot_of_the_same_number_does_not_count(decided, practitioner,
                                                                 reviewer, pdf_upload):
    first = record(practitioner, decided.product, pdf_upload, endotoxin=1.2)
    lots.lot_reject(user=reviewer, lot=first, justification="Endotoxin too high.")
    Product.objects.filter(pk=decided.product_id).update(name="An older product")
    other = approved(practitioner, reviewer)  # the example again: a product of its own
    assert other.product_id != decided.product_id
    assert record(practitioner, other.product, pdf_upload).status == "usable"


# Release and reject

@pytest.fixture
def held(decided, practitioner, pdf_upload):
    return record(practitioner, decided.product, pdf_upload, endotoxin=1.2)


def test_a_reviewer_releases_a_held_lot_with_a_justification(held, reviewer):
    lot = lots.lot_release(user=reviewer, lot=held, password=PASSWORD,
                           justification="Retested by the clinic's lab: 0.3 EU/mL.")
    assert lot.status == "released"
    assert lot.resolved_by == reviewer
    assert lot.resolved_at is not None
    assert lot.justification == "Retested by the clinic's lab: 0.3 EU/mL."
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.summary == "Held lot HB-2291 released"
    assert entry.after == {"status": "released",
                           "justification": "Retested by the clinic's lab: 0.3 EU/mL."}


def test_a_wrong_password_releases_nothing_and_is_audited(held, reviewer):
    with pytest.raises(NotAllowed, match="password is not correct"):
        lots.lot_release(user=reviewer, lot=held, password="nope", justification="Retested.")
    held.refresh_from_db()
    assert held.status == "on_hold"
    assert AuditEntry.objects.order_by("-seq").first().summary == (
        "Release of lot HB-2291 refused: wrong password")


def test_a_release_needs_a_justification(held, reviewer):
    with pytest.raises(InvalidInput) as error:
        lots.lot_release(user=reviewer, lot=held, password=PASSWORD, justification="  ")
    assert error.value.field == "justification"
    held.refresh_from_db()
    assert held.status == "on_hold"


@pytest.mark.parametrize("role", ["practitioner", "admin"])
def test_only_reviewers_release_or_reject(held, make_user, role):
    user = make_user(role)
    count = AuditEntry.objects.count()
    with pytest.raises(NotAllowed):
        lots.lot_release(user=user, lot=held, password=PASSWORD, justification="x")
    with pytest.raises(NotAllowed):
        lots.lot_reject(user=user, lot=held, justification="x")
    held.refresh_from_db()
    assert held.status == "on_hold"
    assert AuditEntry.objects.count() == count


def test_a_reviewer_rejects_a_held_lot(held, reviewer):
    lot = lots.lot_reject(user=reviewer, lot=held, justification="Endotoxin too high.")
    assert lot.status == "rejected"
    assert AuditEntry.objects.order_by("-seq").first().summary == "Held lot HB-2291 rejected"


def test_a_resolved_lot_cannot_be_resolved_again(held, reviewer):
    lots.lot_reject(user=reviewer, lot=held, justification="Endotoxin too high.")
    count = AuditEntry.objects.count()
    with pytest.raises(InvalidState, match="rejected, not on hold"):
        lots.lot_release(user=reviewer, lot=held, password=PASSWORD, justification="x")
    held.refresh_from_db()
    assert held.status == "rejected" and AuditEntry.objects.count() == count


def test_a_usable_lot_is_not_released(decided, practitioner, reviewer, pdf_upload):
    lot = record(practitioner, decided.product, pdf_upload)
    count = AuditEntry.objects.count()
    with pytest.raises(InvalidState, match="usable, not on hold"):
        lots.lot_release(user=reviewer, lot=lot, password=PASSWORD, justification="x")
    lot.refresh_from_db()
    assert lot.status == "usable" and AuditEntry.objects.count() == count


def test_a_usable_lot_is_not_rejected(decided, practitioner, reviewer, pdf_upload):
    lot = record(practitioner, decided.product, pdf_upload)
    count = AuditEntry.objects.count()
    with pytest.raises(InvalidState, match="usable, not on hold"):
        lots.lot_reject(user=reviewer, lot=lot, justification="x")
    lot.refresh_from_db()
    assert lot.status == "usable" and AuditEntry.objects.count() == count


def test_an_expired_held_lot_cannot_be_released(decided, practitioner, reviewer, pdf_upload):
    lot = record(practitioner, decided.product, pdf_upload,
                 expiry_date=services.clinic_today() - timedelta(days=1))
    count = AuditEntry.objects.count()
    with pytest.raises(InvalidState, match="An expired lot cannot be released"):
        lots.lot_release(user=reviewer, lot=lot, password=PASSWORD, justification="x")
    lot.refresh_from_db()
    assert lot.status == "on_hold" and AuditEntry.objects.count() == count


# For the report

def test_lots_for_report_lists_lots_under_this_and_earlier_decisions(decided, practitioner,
                                                                     reviewer, pdf_upload):
    record(practitioner, decided.product, pdf_upload)
    held = record(practitioner, decided.product, pdf_upload, lot_number="HB-3000",
                  coa_lot_number="HB-3000", endotoxin=1.2)
    lots.lot_release(user=reviewer, lot=held, password=PASSWORD, justification="Retested.")
    rows = lots.lots_for_report(decided)
    assert [r["lot_number"] for r in rows] == ["HB-2291", "HB-3000"]
    assert rows[0]["check"] == "passed" and rows[0]["status"] == "usable"
    assert rows[1]["check"] == "held" and rows[1]["status_label"] == "Released by a reviewer"
    assert rows[1]["hold_reasons"] == [
        "Endotoxin 1.2 EU/mL is above the approved limit of 0.5 EU/mL."]
    assert rows[1]["resolved_by"] == "rui"
    assert rows[1]["justification"] == "Retested."
    assert rows[0]["received_on"] == services.clinic_today().isoformat()
    assert rows[0]["coa_sha256"] and rows[0]["sterility_label"] == "Pass"


def test_lots_for_report_leaves_out_lots_of_later_decisions(decided, practitioner, reviewer,
                                                            pdf_upload):
    again = in_review("well-documented-product", practitioner)
    decide(again, reviewer, approved_spec=SPEC)
    record(practitioner, decided.product, pdf_upload)
    assert lots.lots_for_report(decided) == []
    assert len(lots.lots_for_report(again)) == 1
