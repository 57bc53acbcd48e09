"""Import and export of an assessment in the dossier format."""

import copy
import hashlib
import json
from pathlib import Path

import pytest

from tests.conftest import PDF_BYTES
from vetting import services
from vetting.models import Answer, Assessment, AuditEntry, ExpectedEvidence, Product, Vendor
from vetting.services import InvalidInput, InvalidState, NotAllowed

pytestmark = pytest.mark.django_db
EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "examples"
EXAMPLE_NAMES = ["bad-product", "borderline-product", "well-documented-product"]


def example(name: str) -> dict:
    return json.loads((EXAMPLES / f"{name}.json").read_text())


def assessment_for(dossier: dict, user) -> Assessment:
    """A draft of the dossier's product, registered with its name, vendor, category and form."""
    vendor = Vendor.objects.create(name=dossier["product"]["vendor"])
    product = Product.objects.create(
        vendor=vendor, name=dossier["product"]["name"],
        category=dossier["answers"]["0.1"]["category"], form=dossier["answers"]["0.2"]["form"])
    return services.assessment_create(user=user, product=product)


def written(assessment):
    return (sorted(Answer.objects.filter(assessment=assessment)
                   .values_list("question_id", "value", "source")),
            ExpectedEvidence.objects.count(), AuditEntry.objects.count())


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_import_then_export_round_trips_the_dossier(checklist_version, practitioner, name):
    dossier = example(name)
    assessment = assessment_for(dossier, practitioner)
    services.assessment_import(user=practitioner, assessment=assessment, data=dossier)
    exported = services.assessment_export(user=practitioner, assessment=assessment)
    expected = copy.deepcopy(dossier)
    expected["product"].pop("notes", None)  # the register's product block is exported
    # No file is held yet: the documents it named are listed as still expected.
    expected["expected_evidence"], expected["evidence"] = expected["evidence"], {}
    assert exported == expected
    # Imported again (into a re-started assessment of the product), it expects them again.
    services.assessment_withdraw(user=practitioner, assessment=assessment, reason="again")
    again = services.assessment_create(user=practitioner, product=assessment.product)
    services.assessment_import(user=practitioner, assessment=again, data=exported)
    assert services.assessment_export(user=practitioner, assessment=again) == expected


def test_an_exported_dossier_evaluates_as_the_app_does(checklist_version, practitioner):
    """A document only named by an imported dossier is not evidence in the app: the export
    does not list it as evidence, so evaluate_dossier agrees with the page."""
    from vetting.checklist import evaluate, parse_dossier

    dossier = example("well-documented-product")
    assessment = assessment_for(dossier, practitioner)
    services.assessment_import(user=practitioner, assessment=assessment, data=dossier)
    assessment.refresh_from_db()
    exported = services.assessment_export(user=practitioner, assessment=assessment)
    typed = parse_dossier(exported, checklists=lambda _: assessment.checklist)
    result = evaluate(assessment.checklist, typed.answers, typed.evidence,
                      on_date=services.clinic_today())
    assert result.recommendation.value == assessment.recommendation


def test_imported_answers_drive_the_stored_recommendation(checklist_version, practitioner):
    dossier = example("bad-product")
    assessment = assessment_for(dossier, practitioner)
    prefilled = dict(assessment.answers.values_list("question_id", "value"))  # 0.1, 0.2
    services.assessment_import(user=practitioner, assessment=assessment, data=dossier)
    assessment.refresh_from_db()
    assert assessment.recommendation == "do_not_approve"
    sources = dict(assessment.answers.values_list("question_id", "source"))
    assert {qid for qid, source in sources.items() if source != "import"} == {
        qid for qid, value in prefilled.items() if dossier["answers"].get(qid) == value}


def test_listed_documents_count_only_once_the_clinic_holds_the_file(checklist_version,
                                                                   practitioner):
    # The borderline dossier lists its CoA; until the file is uploaded the clinic
    # cannot rely on it, so the in-app evaluation still finds "no CoA".
    dossier = example("borderline-product")
    assessment = assessment_for(dossier, practitioner)
    services.assessment_import(user=practitioner, assessment=assessment, data=dossier)
    findings = services.assessment_evaluation(assessment).findings
    assert any(f.question_id == "4.1" and f.severity == "RED" for f in findings)
    assert assessment.expected_documents.filter(question_id="4.1", kind="coa").exists()


def test_import_records_the_user_source_and_an_audit_entry(assessment, practitioner):
    result = services.assessment_import(user=practitioner, assessment=assessment, data={
        "checklist_version": "1", "answers": {"5.1": {"route": "injection"}}})
    answer = assessment.answers.get(question_id="5.1")
    assert (answer.source, answer.answered_by) == ("import", practitioner)
    assert result.answers == 1
    entry = AuditEntry.objects.filter(event="import").get()
    assert entry.actor_user == practitioner and "1 answers written" in entry.summary


def test_an_exported_dossier_imported_back_keeps_who_gave_each_answer(
        assessment, practitioner, reviewer, pdf_upload):
    """Re-importing an export with one answer changed writes that one; the others keep
    their source, who answered and the document they were entered from (they were all
    rewritten as "import", their documents dropped)."""
    document = services.evidence_upload(assessment=assessment, question_id="4.1", kind="coa",
                                        upload=pdf_upload(), user=practitioner)
    services.answer_set(assessment=assessment, question_id="4.1", user=practitioner,
                        value={"coa_lot": "L-7"}, source_document=document)
    services.answer_set(assessment=assessment, question_id="5.1", user=practitioner,
                        value={"route": "intact_skin"})
    before = {a.question_id: (a.source, a.answered_by_id, a.source_document_id, a.answered_at)
              for a in assessment.answers.all()}
    dossier = services.assessment_export(user=practitioner, assessment=assessment)
    dossier["answers"]["5.1"] = {"route": "injection"}
    last = AuditEntry.objects.order_by("-seq").first().seq
    result = services.assessment_import(user=reviewer, assessment=assessment, data=dossier)
    after = {a.question_id: (a.source, a.answered_by_id, a.source_document_id, a.answered_at)
             for a in assessment.answers.all()}
    assert (result.answers, result.unchanged) == (1, len(before) - 1)
    assert after.pop("5.1")[:2] == ("import", reviewer.pk)
    before.pop("5.1")
    assert after == before
    assert after["4.1"][2] == document.pk
    written = AuditEntry.objects.filter(seq__gt=last, object_type="Answer")
    assert [e.summary for e in written] == ["Question 5.1 changed"]


def test_evidence_is_matched_by_hash_or_listed_as_expected(assessment, practitioner, pdf_upload):
    document = services.evidence_upload(assessment=assessment, question_id="4.1", kind="coa",
                                        upload=pdf_upload(), user=practitioner)
    other = "ab" * 32
    result = services.assessment_import(user=practitioner, assessment=assessment, data={
        "checklist_version": "1", "answers": {},
        "evidence": {
            "4.1": [{"name": "CoA.pdf", "kind": "coa",
                     "sha256": hashlib.sha256(PDF_BYTES).hexdigest()}],
            "6.4": [{"name": "tox.pdf", "kind": "toxicology", "sha256": other}],
        }})
    assert result.matched_documents == 1
    assert result.expected_documents == [
        {"question": "6.4", "name": "tox.pdf", "kind": "toxicology", "sha256": other}]
    assert ExpectedEvidence.objects.get().sha256 == other
    document.refresh_from_db()
    assert document.question_ids == ["4.1"]


DIGEST = "ab" * 32
LISTED = {"name": "tox.pdf", "kind": "toxicology", "sha256": DIGEST}


@pytest.mark.parametrize("data,message", [
    ({"checklist_version": "1", "answers": {"1.1": {"source": "dragon"}}}, "not a choice"),
    ({"checklist_version": "1", "answers": {},
      "evidence": {"6.4": [LISTED, {**LISTED, "name": "copy.pdf"}]}},
     "evidence for 6.4, item 2: the same file \\(SHA-256\\) is listed twice"),
    ({"checklist_version": "1", "answers": {},
      "evidence": {"6.4": [LISTED, {**LISTED, "sha256": DIGEST.upper()}]}}, "listed twice"),
    ({"checklist_version": "1", "answers": {}, "evidence": {"6.4": [LISTED]},
      "expected_evidence": {"6.4": [LISTED]}},
     "expected_evidence for 6.4: a file listed in evidence for 6.4 too"),
    ({"checklist_version": "1", "answers": {"8.8": {}}}, "unknown question '8.8'"),
    ({"checklist_version": "2", "answers": {}}, "this assessment uses v1"),
    ({"answers": {}}, "missing 'checklist_version'"),
    ([1, 2], "must be a JSON object"),
    ({"checklist_version": "1", "answers": {"5.1": {"route": "injection"},
                                            "4.2": {"expiry_date": "soon"}}}, "expected a date"),
])
def test_bad_dossiers_are_refused_with_nothing_written(assessment, practitioner, data, message):
    before = written(assessment)
    with pytest.raises(InvalidInput, match=message):
        services.assessment_import(user=practitioner, assessment=assessment, data=data)
    assert written(assessment) == before


def test_import_into_a_locked_assessment_is_refused(assessment, practitioner):
    Assessment.objects.filter(pk=assessment.pk).update(state="rejected")
    before = written(assessment)
    with pytest.raises(InvalidState):
        services.assessment_import(user=practitioner, assessment=assessment, data={
            "checklist_version": "1", "answers": {"5.1": {"route": "injection"}}})
    assert written(assessment) == before


def test_roles_without_access_cannot_import_or_export(assessment, norole_user):
    before = written(assessment)
    with pytest.raises(NotAllowed):
        services.assessment_import(user=norole_user, assessment=assessment,
                                   data={"checklist_version": "1", "answers": {}})
    with pytest.raises(NotAllowed):
        services.assessment_export(user=norole_user, assessment=assessment)
    assert written(assessment) == before


def test_export_is_audited_as_a_download(assessment, reviewer):
    services.assessment_export(user=reviewer, assessment=assessment)
    entry = AuditEntry.objects.last()
    assert (entry.event, entry.actor_user) == ("download", reviewer)


def test_a_document_of_another_kind_is_not_linked(assessment, practitioner, pdf_upload):
    document = services.evidence_upload(assessment=assessment, question_id="4.1", kind="coa",
                                        upload=pdf_upload(), user=practitioner)
    digest = hashlib.sha256(PDF_BYTES).hexdigest()
    result = services.assessment_import(user=practitioner, assessment=assessment, data={
        "checklist_version": "1", "answers": {},
        "evidence": {"6.4": [{"name": "tox.pdf", "kind": "toxicology", "sha256": digest}]}})
    document.refresh_from_db()
    assert document.question_ids == ["4.1"]  # a CoA is not the toxicology report
    assert result.matched_documents == 0 and len(result.expected_documents) == 1
    entry = AuditEntry.objects.filter(event="import").get()
    assert entry.after["matched"] == [] and entry.after["expected"][0]["question"] == "6.4"
    # The same file held under 4.1 is not 6.4's: the export still lists it as expected.
    exported = services.assessment_export(user=practitioner, assessment=assessment)
    assert exported["expected_evidence"] == {
        "6.4": [{"name": "tox.pdf", "kind": "toxicology", "sha256": digest}]}


def test_a_file_held_twice_matches_under_each_question(assessment, practitioner, pdf_upload):
    # The same file uploaded as 6.4's toxicology report and as 4.1's CoA: an export
    # imported back matches both, and expects nothing.
    for qid, kind in (("6.4", "toxicology"), ("4.1", "coa")):
        services.evidence_upload(assessment=assessment, question_id=qid, kind=kind,
                                 upload=pdf_upload(), user=practitioner)
    exported = services.assessment_export(user=practitioner, assessment=assessment)
    result = services.assessment_import(user=practitioner, assessment=assessment, data=exported)
    assert result.matched_documents == 2 and result.expected_documents == []
    assert not ExpectedEvidence.objects.exists()
