"""Dates out of order within one answer (an expiry date before the issue or manufacture date
it follows) are refused where answers are written: the step, the service, import."""

from types import SimpleNamespace

import pytest

from vetting import services
from vetting.forms.checklist import DomainForm
from vetting.models import Answer, AuditEntry, Product

pytestmark = pytest.mark.django_db

DOCUMENT = SimpleNamespace(pk=1, original_name="CoA.pdf", kind="coa")  # vendor fields open


def stored(assessment):
    return dict(Answer.objects.filter(assessment=assessment).values_list("question_id", "value"))


def step_4(checklist_version, data, stored=None):
    form = DomainForm(data, checklist=checklist_version.checklist, domain_id="4",
                      stored=stored or {}, documents=[DOCUMENT])
    form.is_valid()
    return form


def test_an_expiry_date_before_the_manufacture_date_is_marked_at_the_expiry_date(
        checklist_version):
    form = step_4(checklist_version, {"q4_2__manufacture_date": "2026-05-01",
                                      "q4_2__expiry_date": "2026-04-30"})
    assert form.errors == {"q4_2__expiry_date": [
        "The expiry date (2026-04-30) is before the manufacture date (2026-05-01)."]}


@pytest.mark.parametrize("expiry", ["2026-05-01", "2028-05-01", ""])
def test_dates_in_order_or_one_of_them_left_out_are_accepted(checklist_version, expiry):
    form = step_4(checklist_version, {"q4_2__manufacture_date": "2026-05-01",
                                      "q4_2__expiry_date": expiry})
    assert form.errors == {}


def test_dates_stored_out_of_order_and_left_as_they_are_do_not_block_the_step(
        checklist_version):
    """Stored before the check existed: the page shows them, a save of other answers goes on;
    the dates are judged when they are changed."""
    stored = {"4.2": {"manufacture_date": "2026-05-01", "expiry_date": "2026-04-30"}}
    assert step_4(checklist_version, {"q4_2__manufacture_date": "2026-05-01",
                                      "q4_2__expiry_date": "2026-04-30",
                                      "q4_1__coa_lot": "L-1"}, stored).errors == {}
    assert "q4_2__expiry_date" in step_4(checklist_version, {
        "q4_2__manufacture_date": "2026-05-02", "q4_2__expiry_date": "2026-04-30"},
        stored).errors


def test_dates_left_as_shown_while_someone_else_corrected_them_do_not_block_the_step(
        checklist_version):
    """The page showed dates stored out of order; meanwhile a colleague corrected them.
    Left as shown, they are not written (the colleague's answer stands), so the save of
    the other answers goes on; changed here, they are judged."""
    shown = {"manufacture_date": "2026-05-01", "expiry_date": "2026-04-30"}
    q42 = checklist_version.checklist.question("4.2")
    loaded = DomainForm(None, checklist=checklist_version.checklist, domain_id="4",
                        stored={}, documents=[DOCUMENT]).fingerprint(q42, shown)
    now = {"4.2": {"manufacture_date": "2026-05-01", "expiry_date": "2027-05-01"}}
    posted = {"q4_2__manufacture_date": "2026-05-01", "q4_2__expiry_date": "2026-04-30",
              "q4_2--loaded": loaded, "q4_1__coa_lot": "L-1"}
    form = step_4(checklist_version, posted, now)
    assert form.errors == {}
    assert [q.id for q in form.kept_questions()] == ["4.2"]
    changed = step_4(checklist_version, {**posted, "q4_2__manufacture_date": "2026-05-02"}, now)
    assert "q4_2__expiry_date" in changed.errors


def test_the_service_refuses_a_gmp_certificate_expiring_before_its_issue(
        assessment, practitioner):
    entries, answers = AuditEntry.objects.count(), stored(assessment)
    with pytest.raises(services.InvalidInput) as refused:
        services.answer_set(assessment=assessment, question_id="2.2", user=practitioner,
                            value={"issue_date": "2026-03-01", "expiry_date": "2025-03-01"},
                            source="import")
    assert refused.value.message == (
        "Question 2.2: The expiry date (2025-03-01) is before the issue date (2026-03-01).")
    assert stored(assessment) == answers
    assert AuditEntry.objects.count() == entries


def test_import_refuses_a_dossier_with_dates_out_of_order_and_writes_nothing(
        assessment, practitioner):
    entries, answers = AuditEntry.objects.count(), stored(assessment)
    dossier = {"checklist_version": assessment.checklist.version, "answers": {
        "1.1": {"source": "plant"},
        "4.2": {"manufacture_date": "2026-05-01", "expiry_date": "2026-01-01"}}}
    with pytest.raises(services.InvalidInput, match="Question 4.2: The expiry date"):
        services.assessment_import(user=practitioner, assessment=assessment, data=dossier)
    assert stored(assessment) == answers  # not 1.1 either
    assert AuditEntry.objects.count() == entries


# A year no document has, and a past event dated in the future.

@pytest.mark.parametrize(("data", "field", "message"), [
    ({"q4_2__manufacture_date": "0001-01-01", "q4_2__expiry_date": "2027-01-01"},
     "q4_2__manufacture_date", "The manufacture date (0001-01-01) is not a plausible date: "
                               "check the year."),
    ({"q4_2__manufacture_date": "2026-01-01", "q4_2__expiry_date": "9999-12-31"},
     "q4_2__expiry_date", "The expiry date (9999-12-31) is not a plausible date: check the "
                          "year."),
])
def test_a_year_no_document_has_is_marked_at_its_field(checklist_version, data, field,
                                                       message):
    assert step_4(checklist_version, data).errors == {field: [message]}


def test_a_manufacture_date_in_the_future_is_marked(checklist_version):
    from datetime import timedelta

    later = (services.clinic_today() + timedelta(days=3)).isoformat()
    form = step_4(checklist_version, {"q4_2__manufacture_date": later,
                                      "q4_2__expiry_date": "2031-05-01"})
    assert form.errors == {"q4_2__manufacture_date": [
        f"The manufacture date ({later}) is in the future: check the date on the document."]}


def test_tomorrow_is_accepted_for_a_vendor_a_time_zone_ahead(checklist_version):
    from datetime import timedelta

    tomorrow = (services.clinic_today() + timedelta(days=1)).isoformat()
    form = step_4(checklist_version, {"q4_2__manufacture_date": tomorrow,
                                      "q4_2__expiry_date": "2031-05-01"})
    assert form.errors == {}


def test_the_service_refuses_a_certificate_issued_in_the_future(assessment, practitioner):
    entries, answers = AuditEntry.objects.count(), stored(assessment)
    with pytest.raises(services.InvalidInput, match="The issue date .* is in the future"):
        services.answer_set(assessment=assessment, question_id="2.2", user=practitioner,
                            value={"issue_date": "2031-03-01", "expiry_date": "2034-03-01"},
                            source="import")
    assert stored(assessment) == answers
    assert AuditEntry.objects.count() == entries


# Stored before the check existed: kept as they are until someone changes them.

LEGACY = {"manufacture_date": "2026-08-01", "expiry_date": "2026-07-31"}


def test_dates_stored_out_of_order_are_carried_into_a_re_vetting(checklist_version,
                                                                  practitioner, reviewer):
    from tests.test_lots_services import approved
    from vetting.services.revetting import revetting_start

    decided = approved(practitioner, reviewer)
    Answer.objects.filter(assessment=decided, question_id="4.2").update(value=LEGACY)
    new = revetting_start(user=practitioner, product=decided.product)
    assert new.answers.get(question_id="4.2").value == LEGACY  # carried, to be confirmed
    # Confirmed unchanged (as the portal and the step write a carried answer again): kept.
    services.answer_set(assessment=new, question_id="4.2", value=LEGACY, source="import",
                        user=practitioner)
    assert new.answers.get(question_id="4.2").source == "import"


def test_a_dossier_exported_with_dates_out_of_order_imports_into_its_own_assessment(
        assessment, practitioner):
    """The round trip export / import keeps working; into another assessment the dates are
    written anew, and refused."""
    services.answer_set(assessment=assessment, question_id="4.2", value={
        "manufacture_date": "2026-08-01"}, source="import", user=practitioner)
    Answer.objects.filter(assessment=assessment, question_id="4.2").update(value=LEGACY)
    exported = services.assessment_export(user=practitioner, assessment=assessment)
    services.assessment_import(user=practitioner, assessment=assessment, data=exported)
    assert stored(assessment)["4.2"] == LEGACY
    product = Product.objects.create(vendor=assessment.product.vendor, name="Other Serum",
                                     category="exosome_ev", form="topical")
    other = services.assessment_create(user=practitioner, product=product)
    with pytest.raises(services.InvalidInput, match="Question 4.2: The expiry date"):
        services.assessment_import(user=practitioner, assessment=other, data={
            **exported, "product": {"name": "Other Serum",
                                    "vendor": assessment.product.vendor.name}})
    assert "4.2" not in stored(other)
