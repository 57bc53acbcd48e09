"""Answer services: validation, who may write what and when, stored counts match the engine."""

import pytest

from vetting import services
from vetting.checklist import Severity
from vetting.models import EDITABLE_STATES, Answer, Assessment, AssessmentState, AuditEntry
from vetting.services import InvalidInput, InvalidState, NotAllowed

S = AssessmentState
pytestmark = pytest.mark.django_db
LOCKED_STATES = sorted(set(S.values) - set(EDITABLE_STATES))


def state(assessment, value, **extra):
    Assessment.objects.filter(pk=assessment.pk).update(state=value, **extra)
    assessment.refresh_from_db()


def answers_and_audit(assessment):
    return (sorted(assessment.answers.values_list("question_id", "value")),
            AuditEntry.objects.count())


def assert_counts_match_engine(assessment):
    assessment.refresh_from_db()
    evaluation = services.assessment_evaluation(assessment)
    severities = [f.severity for f in evaluation.findings]
    assert assessment.recommendation == evaluation.recommendation.value
    assert assessment.red_count == severities.count(Severity.RED)
    assert assessment.amber_count == severities.count(Severity.AMBER)
    assert assessment.missing_count == severities.count(Severity.MISSING)


def test_practitioner_answers_a_practitioner_question(assessment, practitioner):
    answer = services.answer_set(assessment=assessment, question_id="5.1",
                                 value={"route": "injection"}, user=practitioner)
    assert answer.value == {"route": "injection"}
    assert answer.source == "practitioner"
    assert answer.answered_by == practitioner
    entry = AuditEntry.objects.last()
    assert entry.event == "answer_change" and entry.summary == "Question 5.1 answered"
    assert entry.after == {"value": {"route": "injection"}, "source": "practitioner"}


def test_changing_an_answer_audits_before_and_after(assessment, practitioner):
    services.answer_set(assessment=assessment, question_id="5.1", value={"route": "injection"},
                        user=practitioner)
    services.answer_set(assessment=assessment, question_id="5.1",
                        value={"route": "intact_skin"}, user=practitioner)
    entry = AuditEntry.objects.last()
    assert entry.summary == "Question 5.1 changed"
    assert entry.before["value"] == {"route": "injection"}
    assert entry.after["value"] == {"route": "intact_skin"}


def test_setting_the_same_answer_again_writes_nothing(assessment, practitioner):
    services.answer_set(assessment=assessment, question_id="5.1", value={"route": "injection"},
                        user=practitioner)
    before = answers_and_audit(assessment)
    services.answer_set(assessment=assessment, question_id="5.1", value={"route": "injection"},
                        user=practitioner)
    assert answers_and_audit(assessment) == before


def test_an_empty_value_clears_the_answer(assessment, practitioner):
    services.answer_set(assessment=assessment, question_id="5.1", value={"route": "injection"},
                        user=practitioner)
    assert services.answer_set(assessment=assessment, question_id="5.1", value={"route": None},
                               user=practitioner) is None
    assert not assessment.answers.filter(question_id="5.1").exists()
    assert AuditEntry.objects.last().summary == "Question 5.1 cleared"


@pytest.mark.parametrize("question_id,value,message", [
    ("9.9", {"x": 1}, "has no question '9.9'"),
    ("1.1", {"source": "dragon"}, "'dragon' is not a choice"),
    ("1.1", {"colour": "red"}, "unknown field 'colour'"),
    ("6.1", {"studies": "three"}, "expected a number"),
    ("4.2", {"expiry_date": "31/12/2026"}, "expected a date YYYY-MM-DD"),
])
def test_invalid_answers_are_refused_with_a_message_and_nothing_written(
        assessment, practitioner, question_id, value, message):
    before = answers_and_audit(assessment)
    with pytest.raises(InvalidInput, match=message) as refused:
        services.answer_set(assessment=assessment, question_id=question_id, value=value,
                            user=practitioner, source="import")
    assert refused.value.field == question_id
    assert answers_and_audit(assessment) == before


def test_a_vendor_question_entered_by_staff_needs_the_vendor_document(assessment, practitioner):
    before = answers_and_audit(assessment)
    with pytest.raises(InvalidInput, match="name the vendor document") as refused:
        services.answer_set(assessment=assessment, question_id="1.1",
                            value={"source": "plant"}, user=practitioner)
    assert refused.value.field == "source_document"
    assert answers_and_audit(assessment) == before


def test_a_vendor_question_entered_from_a_vendor_document(assessment, practitioner, pdf_upload):
    document = services.evidence_upload(assessment=assessment, question_id="4.1", kind="coa",
                                        upload=pdf_upload(), user=practitioner)
    answer = services.answer_set(assessment=assessment, question_id="1.1",
                                 value={"source": "plant"}, user=practitioner,
                                 source_document=document)
    assert answer.source == "practitioner_from_vendor_document"
    assert answer.source_document == document


def test_vendor_answers_vendor_questions_while_invited(assessment, practitioner):
    services.assessment_invite(user=practitioner, assessment=assessment)
    answer = services.answer_set(assessment=assessment, question_id="1.1",
                                 value={"source": "plant"}, vendor_label="vendor: Ann")
    assert answer.source == "vendor"
    assert answer.answered_by is None and answer.answered_by_vendor == "vendor: Ann"
    assert AuditEntry.objects.last().actor_kind == "vendor"


def test_vendor_cannot_answer_a_practitioner_question(assessment, practitioner):
    services.assessment_invite(user=practitioner, assessment=assessment)
    before = answers_and_audit(assessment)
    with pytest.raises(NotAllowed, match="answered by the clinic"):
        services.answer_set(assessment=assessment, question_id="5.1",
                            value={"route": "injection"}, vendor_label="vendor")
    assert answers_and_audit(assessment) == before


@pytest.mark.parametrize("value", sorted(set(S.values) - {S.AWAITING_VENDOR}))
def test_vendor_cannot_answer_when_the_portal_is_closed(assessment, value):
    state(assessment, value, information_requested_from="practitioner")
    before = answers_and_audit(assessment)
    with pytest.raises(InvalidState, match="not open to the vendor"):
        services.answer_set(assessment=assessment, question_id="1.1",
                            value={"source": "plant"}, vendor_label="vendor")
    assert answers_and_audit(assessment) == before


@pytest.mark.parametrize("value", LOCKED_STATES)
def test_staff_cannot_change_answers_of_a_locked_assessment(assessment, reviewer, value):
    state(assessment, value)
    before = answers_and_audit(assessment)
    with pytest.raises(InvalidState, match="You cannot change answers"):
        services.answer_set(assessment=assessment, question_id="5.1",
                            value={"route": "injection"}, user=reviewer)
    assert answers_and_audit(assessment) == before


def test_user_without_role_cannot_answer(assessment, norole_user):
    before = answers_and_audit(assessment)
    with pytest.raises(NotAllowed):
        services.answer_set(assessment=assessment, question_id="5.1",
                            value={"route": "injection"}, user=norole_user)
    assert answers_and_audit(assessment) == before


def test_stored_recommendation_and_counts_follow_every_change(assessment, practitioner):
    assert_counts_match_engine(assessment)
    steps = [
        ("1.1", {"source": "undisclosed"}),          # RED: undisclosed source
        ("1.1", {"source": "plant"}),                 # the RED goes away
        ("5.1", {"route": "injection"}),
        ("0.4", {"market": "united_states"}),         # RED: injected vesicles in the US
        ("5.1", {"route": None}),                      # cleared: MISSING again
    ]
    reds = []
    for qid, value in steps:
        services.answer_set(assessment=assessment, question_id=qid, value=value,
                            user=practitioner, source="import")
        assert_counts_match_engine(assessment)
        reds.append(assessment.red_count)
    assert reds[0] > reds[1]
    assert reds[3] > reds[2]
    assert Answer.objects.filter(assessment=assessment, question_id="5.1").count() == 0


def test_vendor_cannot_change_a_field_the_clinic_records(assessment, practitioner, pdf_upload):
    document = services.evidence_upload(assessment=assessment, question_id="4.1", kind="coa",
                                        upload=pdf_upload(), user=practitioner)
    services.answer_set(assessment=assessment, question_id="4.1",
                        value={"vial_lot": "L-7"}, user=practitioner, source_document=document)
    services.assessment_invite(user=practitioner, assessment=assessment)
    before = answers_and_audit(assessment)
    with pytest.raises(NotAllowed, match="recorded by the clinic"):
        services.answer_set(assessment=assessment, question_id="4.1",
                            value={"vial_lot": "L-8", "coa_lot": "L-7"}, vendor_label="vendor")
    assert answers_and_audit(assessment) == before
    # The vendor may answer its own fields while keeping the clinic's as they are.
    answer = services.answer_set(assessment=assessment, question_id="4.1",
                                 value={"vial_lot": "L-7", "coa_lot": "L-7"},
                                 vendor_label="vendor")
    assert answer.value == {"vial_lot": "L-7", "coa_lot": "L-7"}


# The clinic's own fields of a vendor question (4.1's lot number read off the vial)

def test_the_clinic_records_its_field_of_a_vendor_question_without_a_document(
        assessment, practitioner):
    answer = services.answer_set(assessment=assessment, question_id="4.1",
                                 value={"vial_lot": "L-7"}, user=practitioner)
    assert (answer.value, answer.source, answer.source_document) == (
        {"vial_lot": "L-7"}, "practitioner", None)
    assert AuditEntry.objects.last().summary == "Question 4.1 answered"


def test_adding_the_clinics_field_keeps_the_vendors_answer_attributed_to_the_vendor(
        assessment, practitioner):
    services.assessment_invite(user=practitioner, assessment=assessment)
    services.answer_set(assessment=assessment, question_id="4.1", value={"coa_lot": "L-7"},
                        vendor_label="vendor: Ann")
    answer = services.answer_set(assessment=assessment, question_id="4.1",
                                 value={"coa_lot": "L-7", "vial_lot": "L-8"}, user=practitioner)
    assert answer.value == {"coa_lot": "L-7", "vial_lot": "L-8"}
    assert (answer.source, answer.answered_by_vendor) == ("vendor", "vendor: Ann")
    # ... and the clinic's field to the practitioner who recorded it.
    assert answer.clinic_fields_by == practitioner and answer.clinic_fields_at is not None
    entry = AuditEntry.objects.last()
    assert entry.actor_user == practitioner
    assert entry.after["value"] == {"coa_lot": "L-7", "vial_lot": "L-8"}
    assessment.refresh_from_db()
    assert_counts_match_engine(assessment)  # the lot mismatch is found


def test_the_vendor_answering_after_the_clinic_keeps_the_clinics_field_attributed_to_the_clinic(
        assessment, practitioner):
    services.answer_set(assessment=assessment, question_id="4.1", value={"vial_lot": "L-7"},
                        user=practitioner)
    services.assessment_invite(user=practitioner, assessment=assessment)
    answer = services.answer_set(assessment=assessment, question_id="4.1",
                                 value={"vial_lot": "L-7", "coa_lot": "L-7"},
                                 vendor_label="vendor: Ann")
    assert (answer.source, answer.answered_by, answer.answered_by_vendor) == (
        "vendor", None, "vendor: Ann")
    assert answer.clinic_fields_by == practitioner


def test_a_clinic_user_entering_the_whole_question_answers_all_of_it(assessment, practitioner,
                                                                       pdf_upload):
    services.assessment_invite(user=practitioner, assessment=assessment)
    services.answer_set(assessment=assessment, question_id="4.1", value={"coa_lot": "L-7"},
                        vendor_label="vendor: Ann")
    services.answer_set(assessment=assessment, question_id="4.1",
                        value={"coa_lot": "L-7", "vial_lot": "L-7"}, user=practitioner)
    document = services.evidence_upload(assessment=assessment, question_id="4.1", kind="coa",
                                        upload=pdf_upload(), user=practitioner)
    answer = services.answer_set(assessment=assessment, question_id="4.1",
                                 value={"coa_lot": "L-8", "vial_lot": "L-7"}, user=practitioner,
                                 source_document=document)
    assert (answer.source, answer.answered_by) == ("practitioner_from_vendor_document",
                                                   practitioner)
    assert answer.clinic_fields_by is None  # one attribution for the whole answer


def test_the_clinics_field_alone_leaves_the_vendor_question_missing(assessment, practitioner):
    services.assessment_refresh(assessment=assessment)
    before = Assessment.objects.get(pk=assessment.pk).missing_count
    services.answer_set(assessment=assessment, question_id="1.2",
                        value={"called_exosome": "no"}, user=practitioner)
    assert Assessment.objects.get(pk=assessment.pk).missing_count == before


def test_changing_the_vendors_field_still_needs_the_vendor_document(assessment, practitioner):
    services.answer_set(assessment=assessment, question_id="4.1", value={"vial_lot": "L-7"},
                        user=practitioner)
    before = answers_and_audit(assessment)
    with pytest.raises(InvalidInput, match="name the vendor document"):
        services.answer_set(assessment=assessment, question_id="4.1",
                            value={"vial_lot": "L-7", "coa_lot": "L-9"}, user=practitioner)
    assert answers_and_audit(assessment) == before


def test_clearing_the_clinics_field_clears_its_attribution(assessment, practitioner):
    services.assessment_invite(user=practitioner, assessment=assessment)
    services.answer_set(assessment=assessment, question_id="4.1", value={"coa_lot": "L-7"},
                        vendor_label="vendor: Ann")
    services.answer_set(assessment=assessment, question_id="4.1",
                        value={"coa_lot": "L-7", "vial_lot": "L-7"}, user=practitioner)
    answer = services.answer_set(assessment=assessment, question_id="4.1",
                                 value={"coa_lot": "L-7"}, user=practitioner)
    assert answer.value == {"coa_lot": "L-7"}
    assert (answer.clinic_fields_by, answer.clinic_fields_at) == (None, None)
    assert (answer.source, answer.answered_by_vendor) == ("vendor", "vendor: Ann")


def test_the_clinic_may_clear_its_own_field(assessment, practitioner):
    services.answer_set(assessment=assessment, question_id="4.1", value={"vial_lot": "L-7"},
                        user=practitioner)
    assert services.answer_set(assessment=assessment, question_id="4.1", value={},
                               user=practitioner) is None
    assert not assessment.answers.filter(question_id="4.1").exists()


def test_the_migration_evaluates_open_assessments_again(assessment, practitioner, make_user,
                                                        checklist_version):
    import importlib

    from tests.test_standing import historical_apps

    services.answer_set(assessment=assessment, question_id="1.2",
                        value={"called_exosome": "no"}, user=practitioner)
    # As stored before this release: 1.2 counted as answered.
    Assessment.objects.filter(pk=assessment.pk).update(missing_count=0, red_count=0,
                                                       recommendation="no_objections")
    decided = Assessment.objects.create(product=assessment.product, number=2,
                                        checklist_version=checklist_version,
                                        created_by=practitioner, state="approved",
                                        recommendation="no_objections", missing_count=0)
    migration = importlib.import_module("vetting.migrations.0019_reevaluate_open_assessments")
    migration.reevaluate(historical_apps("0019_reevaluate_open_assessments"), None)
    assessment.refresh_from_db()
    assert assessment.missing_count > 0
    assert_counts_match_engine(assessment)
    decided.refresh_from_db()
    assert (decided.recommendation, decided.missing_count) == ("no_objections", 0)
