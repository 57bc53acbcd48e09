"""Lifecycle services: every allowed and every refused transition, by role and state."""

import pytest

from vetting import services
from vetting.models import (
    Assessment,
    AssessmentState,
    AuditEntry,
    ChecklistVersion,
    Product,
    VendorSubmission,
)
from vetting.services import InvalidInput, InvalidState, NotAllowed

S = AssessmentState
pytestmark = pytest.mark.django_db

# Practitioner answers that let a draft go to review (vendor questions may stay missing).
PRACTITIONER_ANSWERS = {
    "0.3": {"sterile": "no"},
    "0.4": {"market": "eu_uk"},
    "5.1": {"route": "intact_skin"},
    "5.4": {"claims": ["appearance_only"]},
    "6.7": {"consent_states": "yes"},
    # The clinic's part of vendor questions whose checks wait for it.
    "1.2": {"called_exosome": "no"},
    "4.1": {"vial_lot": "L-1"},
}


def answer_practitioner_questions(assessment, user):
    checklist = assessment.checklist
    stored = dict(assessment.answers.values_list("question_id", "value"))
    for qid, value in PRACTITIONER_ANSWERS.items():
        field = next(iter(value))
        assert field in checklist.question(qid).field_map, (qid, field)
        if checklist.question(qid).by == "vendor":  # the clinic's part, beside the vendor's
            value = {**(stored.get(qid) or {}), **value}
        services.answer_set(assessment=assessment, question_id=qid, value=value, user=user)


def set_state(assessment, state, **extra):
    Assessment.objects.filter(pk=assessment.pk).update(state=state, **extra)
    assessment.refresh_from_db()
    return assessment


def snapshot(assessment):
    assessment.refresh_from_db()
    return (assessment.state, AuditEntry.objects.count(), VendorSubmission.objects.count())


# ------------------------------------------------------------------ create

def test_create_starts_a_draft_on_the_newest_checklist_with_the_profile_filled(
        assessment, product, practitioner):
    assert assessment.state == S.DRAFT
    assert assessment.number == 1
    assert assessment.checklist_version.version == "1"
    assert assessment.created_by == practitioner
    values = dict(assessment.answers.values_list("question_id", "value"))
    assert values["0.1"] == {"category": "exosome_ev"}
    assert values["0.2"] == {"form": "topical"}
    entry = AuditEntry.objects.filter(assessment=assessment, event="state_change").get()
    assert entry.after == {"state": "draft"} and entry.actor_user == practitioner


def test_create_numbers_assessments_per_product(assessment, product, reviewer):
    second = services.assessment_create(user=reviewer, product=product, revets=assessment)
    assert second.number == 2
    assert second.revets == assessment


@pytest.mark.parametrize("role", ["practitioner", "reviewer", "admin"])
def test_every_staff_role_may_create(checklist_version, product, make_user, role):
    assert services.assessment_create(user=make_user(role), product=product).state == S.DRAFT


def test_user_without_role_cannot_create(checklist_version, product, norole_user):
    with pytest.raises(NotAllowed):
        services.assessment_create(user=norole_user, product=product)
    assert not Assessment.objects.exists()
    assert not AuditEntry.objects.filter(event="state_change").exists()


def test_create_refuses_a_revetting_of_another_product(assessment, vendor, practitioner):
    from vetting.models import Product

    other = Product.objects.create(vendor=vendor, name="Other", category="pdrn", form="injectable")
    with pytest.raises(InvalidInput, match="same product"):
        services.assessment_create(user=practitioner, product=other, revets=assessment)
    assert not other.assessments.exists()


def test_create_without_a_loaded_checklist_is_refused(product, practitioner):
    assert not ChecklistVersion.objects.exists()
    with pytest.raises(InvalidState, match="load_checklists"):
        services.assessment_create(user=practitioner, product=product)
    assert not Assessment.objects.exists()


# ------------------------------------------------------------------ transitions by state

TRANSITIONS = {
    # name: (call, allowed from-states, resulting state, roles allowed)
    "invite": (lambda a, u: services.assessment_invite(user=u, assessment=a),
               {S.DRAFT}, S.AWAITING_VENDOR, {"practitioner", "reviewer", "admin"}),
    "withdraw": (lambda a, u: services.assessment_withdraw(user=u, assessment=a, reason="dup"),
                 {S.DRAFT, S.AWAITING_VENDOR, S.VENDOR_SUBMITTED}, S.WITHDRAWN,
                 {"practitioner", "reviewer", "admin"}),
    "request_information": (
        lambda a, u: services.assessment_request_information(
            user=u, assessment=a, target="vendor", message="Send the CoA."),
        {S.IN_REVIEW}, S.INFORMATION_REQUESTED, {"reviewer"}),
    "suspend": (lambda a, u: services.assessment_suspend(user=u, assessment=a, reason="recall"),
                {S.APPROVED, S.APPROVED_WITH_CONDITIONS}, S.SUSPENDED, {"reviewer"}),
}


@pytest.mark.parametrize("name", TRANSITIONS)
@pytest.mark.parametrize("state", S.values)
def test_each_transition_from_each_state(assessment, make_user, name, state):
    call, allowed, result, roles = TRANSITIONS[name]
    user = make_user(sorted(roles)[0])
    set_state(assessment, state)
    if state in allowed:
        assert call(assessment, user).state == result
        assessment.refresh_from_db()
        assert assessment.state == result
        entry = AuditEntry.objects.filter(assessment=assessment).last()
        assert entry.before == {"state": state} and entry.after["state"] == result
    else:
        before = snapshot(assessment)
        with pytest.raises(InvalidState, match="You cannot"):
            call(assessment, user)
        assert snapshot(assessment) == before


@pytest.mark.parametrize("name", TRANSITIONS)
@pytest.mark.parametrize("role", ["practitioner", "reviewer", "admin", None])
def test_each_transition_by_each_role(assessment, make_user, name, role):
    call, allowed, result, roles = TRANSITIONS[name]
    set_state(assessment, sorted(allowed)[0])
    user = make_user(role) if role else make_user()
    if role in roles:
        assert call(assessment, user).state == result
    else:
        before = snapshot(assessment)
        with pytest.raises(NotAllowed):
            call(assessment, user)
        assert snapshot(assessment) == before


def test_withdraw_and_suspend_need_a_reason(assessment, practitioner, reviewer):
    with pytest.raises(InvalidInput, match="reason"):
        services.assessment_withdraw(user=practitioner, assessment=assessment, reason="  ")
    set_state(assessment, S.APPROVED)
    with pytest.raises(InvalidInput, match="reason"):
        services.assessment_suspend(user=reviewer, assessment=assessment, reason="")
    assert snapshot(assessment)[0] == S.APPROVED


def test_suspend_records_the_reason(assessment, reviewer):
    set_state(assessment, S.APPROVED)
    services.assessment_suspend(user=reviewer, assessment=assessment, reason="FDA warning letter")
    assessment.refresh_from_db()
    assert assessment.closing_reason == "FDA warning letter"


def test_request_information_needs_a_target_and_a_message(assessment, reviewer):
    set_state(assessment, S.IN_REVIEW)
    with pytest.raises(InvalidInput, match="vendor or the practitioner"):
        services.assessment_request_information(user=reviewer, assessment=assessment,
                                                target="auditor", message="x")
    with pytest.raises(InvalidInput, match="what information"):
        services.assessment_request_information(user=reviewer, assessment=assessment,
                                                target="vendor", message=" ")
    assert snapshot(assessment)[0] == S.IN_REVIEW


# ------------------------------------------------------------------ submit for review

def test_submit_for_review_is_refused_while_practitioner_questions_are_missing(
        assessment, practitioner):
    before = snapshot(assessment)
    with pytest.raises(InvalidState, match=r"0\.3, 0\.4, 5\.1, 5\.4, 6\.7"):
        services.assessment_submit_for_review(user=practitioner, assessment=assessment)
    assert snapshot(assessment) == before


def test_submit_for_review_waits_for_the_lot_number_on_the_vial(assessment, practitioner):
    """4.1's lot number on the vial is the clinic's to read: the CoA's lot is checked against
    it, and the vendor cannot give it."""
    answer_practitioner_questions(assessment, practitioner)
    services.answer_set(assessment=assessment, question_id="4.1", value={}, user=practitioner)
    before = snapshot(assessment)
    with pytest.raises(InvalidState) as refused:
        services.assessment_submit_for_review(user=practitioner, assessment=assessment)
    assert refused.value.message == (
        "Record the clinic's part of the vendor questions before submitting for review: "
        "4.1 (lot number on the vial).")
    assert snapshot(assessment) == before


def test_the_exosome_judgement_is_asked_for_only_where_its_check_waits_for_it(
        assessment, practitioner):
    """1.2's judgement matters for a plant source only: for a human source its check is
    decided without it; with the source unknown, it waits for it."""
    answer_practitioner_questions(assessment, practitioner)
    services.answer_set(assessment=assessment, question_id="1.2", value={}, user=practitioner)
    with pytest.raises(InvalidState, match=r"1\.2 \(INCI name or marketing uses"):
        services.assessment_submit_for_review(user=practitioner, assessment=assessment)
    def vendor_source(source):
        services.assessment_import(user=practitioner, assessment=assessment, data={
            "checklist_version": assessment.checklist.version,
            "answers": {"1.1": {"source": source}}})  # the vendor's dossier

    vendor_source("plant")
    with pytest.raises(InvalidState, match=r"1\.2 \(INCI name or marketing uses"):
        services.assessment_submit_for_review(user=practitioner, assessment=assessment)
    vendor_source("msc_adipose")
    services.assessment_submit_for_review(user=practitioner, assessment=assessment)
    assert snapshot(assessment)[0] == S.IN_REVIEW


def test_a_question_for_a_practitioner_who_has_left_goes_to_the_active_ones(
        assessment, practitioner, reviewer, make_user, mailoutbox,
        django_capture_on_commit_callbacks):
    answer_practitioner_questions(assessment, practitioner)
    services.assessment_submit_for_review(user=practitioner, assessment=assessment)
    make_user("practitioner", username="pat")
    make_user("practitioner", username="pam")
    practitioner.is_active = False
    practitioner.save(update_fields=["is_active"])
    with django_capture_on_commit_callbacks(execute=True):
        services.assessment_request_information(user=reviewer, assessment=assessment,
                                                target="practitioner", message="The vial?")
    assert mailoutbox[-1].to == ["pam@clinic.example", "pat@clinic.example"]
    assert practitioner.email not in mailoutbox[-1].to


def test_re_submitting_to_the_reviewer_waits_for_the_lot_number_on_the_vial(
        assessment, practitioner, reviewer):
    answer_practitioner_questions(assessment, practitioner)
    services.assessment_submit_for_review(user=practitioner, assessment=assessment)
    services.assessment_request_information(user=reviewer, assessment=assessment,
                                            target="practitioner", message="Check the vial.")
    services.answer_set(assessment=assessment, question_id="4.1", value={}, user=practitioner)
    before = snapshot(assessment)
    with pytest.raises(InvalidState, match=r"4\.1 \(lot number on the vial\)"):
        services.assessment_resubmit(user=practitioner, assessment=assessment)
    assert snapshot(assessment) == before


@pytest.mark.parametrize("state", [S.DRAFT, S.VENDOR_SUBMITTED])
def test_submit_for_review_once_practitioner_questions_are_answered(assessment, practitioner,
                                                                     state):
    answer_practitioner_questions(assessment, practitioner)
    set_state(assessment, state)
    services.assessment_submit_for_review(user=practitioner, assessment=assessment)
    assert snapshot(assessment)[0] == S.IN_REVIEW


@pytest.mark.parametrize("state", sorted(set(S.values) - {S.DRAFT, S.VENDOR_SUBMITTED}))
def test_submit_for_review_from_other_states_is_refused(assessment, practitioner, state):
    answer_practitioner_questions(assessment, practitioner)
    set_state(assessment, state)
    before = snapshot(assessment)
    with pytest.raises(InvalidState):
        services.assessment_submit_for_review(user=practitioner, assessment=assessment)
    assert snapshot(assessment) == before


def test_user_without_role_cannot_submit_for_review(assessment, practitioner, norole_user):
    answer_practitioner_questions(assessment, practitioner)
    before = snapshot(assessment)
    with pytest.raises(NotAllowed):
        services.assessment_submit_for_review(user=norole_user, assessment=assessment)
    assert snapshot(assessment) == before


# ------------------------------------------------------------------ vendor and re-submission

def test_vendor_submission_is_a_numbered_snapshot(assessment, practitioner):
    services.assessment_invite(user=practitioner, assessment=assessment)
    services.answer_set(assessment=assessment, question_id="1.1",
                        value={"source": "plant"}, vendor_label="vendor: Ann")
    submission = services.assessment_vendor_submit(assessment=assessment,
                                                   vendor_label="vendor: Ann")
    assert submission.number == 1
    assert submission.answers == {"1.1": {"source": "plant"}}  # vendor questions only
    assert snapshot(assessment)[0] == S.VENDOR_SUBMITTED
    with pytest.raises(ValueError, match="never changes"):
        submission.save()


@pytest.mark.parametrize("state", sorted(set(S.values) - {S.AWAITING_VENDOR}))
def test_vendor_cannot_submit_when_the_portal_is_closed(assessment, state):
    set_state(assessment, state, information_requested_from="practitioner")
    before = snapshot(assessment)
    with pytest.raises(InvalidState, match="not open to the vendor"):
        services.assessment_vendor_submit(assessment=assessment, vendor_label="vendor")
    assert snapshot(assessment) == before


def test_information_request_to_the_vendor_reopens_the_portal_for_submission_2(
        assessment, practitioner, reviewer):
    services.assessment_invite(user=practitioner, assessment=assessment)
    services.assessment_vendor_submit(assessment=assessment, vendor_label="vendor")
    answer_practitioner_questions(assessment, practitioner)
    services.assessment_submit_for_review(user=practitioner, assessment=assessment)
    services.assessment_request_information(user=reviewer, assessment=assessment,
                                            target="vendor", message="Send the CoA.")
    assessment.refresh_from_db()
    assert assessment.information_request_message == "Send the CoA."
    assert services.vendor_may_write(assessment)
    with pytest.raises(InvalidState, match="requested from the vendor"):
        services.assessment_resubmit(user=practitioner, assessment=assessment)
    second = services.assessment_vendor_submit(assessment=assessment, vendor_label="vendor")
    assert second.number == 2
    assessment.refresh_from_db()
    assert assessment.state == S.IN_REVIEW
    assert assessment.information_request_message == ""


def test_information_request_to_the_practitioner_is_answered_by_resubmitting(
        assessment, practitioner, reviewer):
    answer_practitioner_questions(assessment, practitioner)
    services.assessment_submit_for_review(user=practitioner, assessment=assessment)
    services.assessment_request_information(user=reviewer, assessment=assessment,
                                            target="practitioner", message="Check 5.1.")
    assessment.refresh_from_db()
    assert not services.vendor_may_write(assessment)
    services.answer_set(assessment=assessment, question_id="5.1",
                        value={"route": "needling_laser"}, user=practitioner)
    services.assessment_resubmit(user=practitioner, assessment=assessment)
    assert snapshot(assessment)[0] == S.IN_REVIEW


# ------------------------------------------------------------------ supersede

def test_a_newer_assessment_supersedes_a_decision(assessment, product, reviewer):
    newer = services.assessment_create(user=reviewer, product=product, revets=assessment)
    set_state(assessment, S.APPROVED)
    services.assessment_supersede(user=reviewer, assessment=assessment, by=newer)
    assessment.refresh_from_db()
    assert assessment.state == S.SUPERSEDED
    assert assessment.closing_reason == "Superseded by assessment 2"


def test_only_an_assessment_of_the_same_product_supersedes(assessment, vendor, reviewer):
    from vetting.models import Product

    other = Product.objects.create(vendor=vendor, name="Other", category="pdrn", form="topical")
    foreign = services.assessment_create(user=reviewer, product=other)
    set_state(assessment, S.REJECTED)
    before = snapshot(assessment)
    with pytest.raises(InvalidInput):
        services.assessment_supersede(user=reviewer, assessment=assessment, by=foreign)
    assert snapshot(assessment) == before


def test_an_older_assessment_supersedes_and_overtakes_nothing(assessment, product, reviewer):
    newer = services.assessment_create(user=reviewer, product=product)
    set_state(newer, S.APPROVED)
    before = snapshot(newer)
    with pytest.raises(InvalidInput, match="Only a newer assessment"):
        services.assessment_supersede(user=reviewer, assessment=newer, by=assessment)
    assert snapshot(newer) == before
    set_state(newer, S.IN_REVIEW)
    before = snapshot(newer)
    with pytest.raises(InvalidInput, match="Only a newer assessment"):
        services.assessment_overtake(user=reviewer, assessment=newer, by=assessment)
    assert snapshot(newer) == before


@pytest.mark.parametrize("role", ["practitioner", "admin"])
def test_only_reviewers_close_an_overtaken_assessment(assessment, product, reviewer,
                                                      make_user, role):
    newer = services.assessment_create(user=reviewer, product=product)
    before = snapshot(assessment)
    with pytest.raises(NotAllowed):
        services.assessment_overtake(user=make_user(role), assessment=assessment, by=newer)
    assert snapshot(assessment) == before


def test_the_product_points_at_its_newest_assessment(assessment, product, practitioner):
    product.refresh_from_db()
    assert product.newest_assessment == assessment
    second = services.assessment_create(user=practitioner, product=product)
    product.refresh_from_db()
    assert product.newest_assessment == second
    # An assessment saved later with a lower number (an import of history) does not win.
    Assessment.objects.filter(pk=assessment.pk).update(number=0)  # frees number 1
    Assessment.objects.create(product=product, checklist_version=assessment.checklist_version,
                              number=1, created_by=practitioner)
    product.refresh_from_db()
    assert product.newest_assessment == second


def test_the_migration_points_each_product_at_its_newest_assessment(assessment, product,
                                                                   practitioner):
    import importlib

    from tests.test_standing import historical_apps

    apps = historical_apps("0013_register_performance")
    second = services.assessment_create(user=practitioner, product=product)
    Product.objects.update(newest_assessment=None)
    importlib.import_module("vetting.migrations.0013_register_performance").set_newest(
        apps, None)
    product.refresh_from_db()
    assert product.newest_assessment == second
