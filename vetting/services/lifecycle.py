"""The assessment lifecycle: one service per transition (design/product.md).

Each service checks the actor's role and the current state, locks the row so two
concurrent calls cannot both succeed, changes the state and writes its audit
entry in the same transaction. Deciding and signing come with the review issue.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from vetting.audit import Actor, audit_record
from vetting.checklist import Question, Severity
from vetting.checklist.conditions import fields_read
from vetting.models import (
    DECIDED_STATES,
    OPEN_STATES,
    AnswerSource,
    Assessment,
    AssessmentState,
    AuditEntry,
    AuditEvent,
    ChecklistVersion,
    InformationRequestTarget,
    Product,
    VendorSubmission,
)
from vetting.permissions import REVIEWER_ROLES, STAFF_ROLES

from .answers import answer_set, vendor_may_write
from .common import lock_assessment, require_role, require_state
from .errors import InvalidInput, InvalidState
from .evaluation import assessment_evaluation, assessment_refresh, stored_answers

logger = logging.getLogger(__name__)

S = AssessmentState


def newest_checklist_version() -> ChecklistVersion:
    from vetting.checklist.schema import version_key  # one ordering of version names

    versions = list(ChecklistVersion.objects.all())
    if not versions:
        raise InvalidState(
            "No checklist version is loaded: run `python manage.py load_checklists`."
        )
    return max(versions, key=lambda v: version_key(v.version))


def assessment_create(
    *,
    user,
    product: Product,
    checklist_version: ChecklistVersion | None = None,
    revets: Assessment | None = None,
) -> Assessment:
    """Start a draft assessment of a product, with the product profile filled in."""
    require_role(user, STAFF_ROLES, "start an assessment")
    if revets is not None and revets.product_id != product.pk:
        raise InvalidInput("A re-vetting must be of the same product.", field="revets")
    version = checklist_version or newest_checklist_version()
    with transaction.atomic():
        # Lock the product so two drafts started at once get different numbers.
        Product.objects.select_for_update().get(pk=product.pk)
        number = (product.assessments.aggregate(n=Max("number"))["n"] or 0) + 1
        assessment = Assessment.objects.create(
            product=product, checklist_version=version, number=number, revets=revets,
            created_by=user, state=S.DRAFT,
        )
        audit_record(actor=Actor.for_user(user), event=AuditEvent.STATE_CHANGE,
                     assessment=assessment, obj=assessment,
                     summary=f"Assessment {number} of {product.name} started "
                             f"(checklist v{version.version})",
                     before=None, after={"state": S.DRAFT})
        _prefill_profile(assessment, product, user)
        assessment_refresh(assessment=assessment)
    return assessment


def _prefill_profile(assessment: Assessment, product: Product, user) -> None:
    """Questions 0.1 and 0.2 mirror the product's category and form."""
    questions = assessment.checklist.question_map
    for qid, field, value in (("0.1", "category", product.category),
                              ("0.2", "form", product.form)):
        question = questions.get(qid)
        if question and field in question.field_map and value in question.field_map[field].choices:
            answer_set(assessment=assessment, question_id=qid, value={field: value}, user=user,
                       source=AnswerSource.PRACTITIONER)


def _transition(
    *,
    assessment: Assessment,
    actor: Actor,
    action: str,
    from_states: Iterable[str],
    to_state: str,
    changes: dict | None = None,
    check: Callable[[Assessment], None] | None = None,
) -> Assessment:
    with transaction.atomic():
        assessment = lock_assessment(assessment)
        require_state(assessment, from_states, action)
        if check is not None:
            check(assessment)
        before = {"state": assessment.state}
        assessment.state = to_state
        assessment.state_changed_at = timezone.now()
        for name, value in (changes or {}).items():
            setattr(assessment, name, value)
        assessment.save(update_fields=["state", "state_changed_at", "updated_at",
                                       *(changes or {})])
        after = {"state": to_state, **(changes or {})}
        audit_record(actor=actor, event=AuditEvent.STATE_CHANGE, assessment=assessment,
                     obj=assessment, summary=f"{action.capitalize()}: "
                     f"{S(before['state']).label} -> {S(to_state).label}",
                     before=before, after=after)
    return assessment


def assessments_unlike_their_trail() -> list[str]:
    """Assessments whose state is not the one their last audited change of state recorded
    (`verify_audit_trail`): every change of state, from the start, is audited with the
    state it led to, in its own transaction (_transition, assessment_create, the signature)."""
    recorded: dict[int, str] = {}
    entries = (AuditEntry.objects.filter(assessment__isnull=False, after__has_key="state",
                                         object_type__in=["Assessment", "Decision"])
               .order_by("seq").values_list("assessment_id", "after"))
    for assessment_id, after in entries.iterator(chunk_size=2000):
        recorded[assessment_id] = after["state"]
    problems = []
    states = Assessment.objects.order_by("pk").values_list("pk", "state")
    for pk, state in states.iterator(chunk_size=2000):
        if recorded.get(pk) != state:
            last = S(recorded[pk]).label.lower() if pk in recorded else "none"
            problems.append(f"assessment {pk} is {S(state).label.lower()}; the last state its "
                            f"audit trail records is {last}")
    return problems


def assessment_invite(*, user, assessment: Assessment) -> Assessment:
    """Mark the assessment as waiting for the vendor (the portal issue sends the link)."""
    require_role(user, STAFF_ROLES, "invite a vendor")
    return _transition(assessment=assessment, actor=Actor.for_user(user),
                       action="invite the vendor", from_states=[S.DRAFT],
                       to_state=S.AWAITING_VENDOR)


def assessment_vendor_submit(*, assessment: Assessment, vendor_label: str) -> VendorSubmission:
    """The vendor submits its answers: submission N, an immutable snapshot."""
    actor = Actor.vendor(vendor_label)
    with transaction.atomic():
        locked = lock_assessment(assessment)
        if not vendor_may_write(locked):
            raise InvalidState("You cannot submit: this assessment is not open to the vendor.")
        unconfirmed = carried_to_confirm(locked, by="vendor")
        if unconfirmed:
            raise InvalidState(
                "Confirm or update the answers carried over from the last assessment first: "
                + ", ".join(unconfirmed) + " (open their sections, check them and save).")
        to_state = S.VENDOR_SUBMITTED if locked.state == S.AWAITING_VENDOR else S.IN_REVIEW
        changes = {} if to_state == S.VENDOR_SUBMITTED else {
            "information_requested_from": "", "information_request_message": ""}
        _transition(assessment=locked, actor=actor, action="submit the vendor's answers",
                    from_states=[locked.state], to_state=to_state, changes=changes)
        submission = _snapshot(locked, actor)
    return submission


def _snapshot(assessment: Assessment, actor: Actor) -> VendorSubmission:
    checklist = assessment.checklist
    vendor_ids = {q.id for q in checklist.questions if q.by == "vendor"}
    answers = {a.question_id: a.value for a in assessment.answers.all()
               if a.question_id in vendor_ids}
    evidence = [
        {"questions": d.question_ids, "name": d.original_name, "kind": d.kind,
         "sha256": d.sha256, "size": d.size}
        for d in assessment.documents.filter(is_current=True).order_by("uploaded_at", "pk")
        if vendor_ids.intersection(d.question_ids)
    ]
    number = (assessment.submissions.aggregate(n=Max("number"))["n"] or 0) + 1
    submission = VendorSubmission.objects.create(
        assessment=assessment, number=number, submitted_by=actor.label,
        answers=answers, evidence=evidence,
    )
    audit_record(actor=actor, event=AuditEvent.RECORD_CHANGE, assessment=assessment,
                 obj=submission, summary=f"Vendor submission {number} received",
                 after={"number": number, "answers": len(answers), "documents": len(evidence)})
    return submission


def _no_missing_practitioner_questions(assessment: Assessment) -> None:
    checklist = assessment.checklist
    stored = stored_answers(assessment)
    evaluation = assessment_evaluation(assessment, answers=stored)
    unanswered = {f.question_id for f in evaluation.findings if f.severity == Severity.MISSING}
    undecided = set(evaluation.undecided)
    missing, clinic_parts = [], []
    for question in map(checklist.question, evaluation.applicable):  # in checklist order
        if question.by == "practitioner" and question.id in unanswered:
            missing.append(question.id)
        # The clinic's own part of a vendor question, where a check waits for it (4.1's lot
        # number on the vial, compared with the CoA's; 1.2's "exosome" judgement, for a
        # plant source): the vendor cannot give it.
        elif (question.clinic_fields and not question.has_clinic_values(stored.get(question.id))
              and _waits_for_clinic_fields(question, undecided)):
            clinic_parts.append(f"{question.id} ({question.clinic_field_labels})")
    problems = []
    if missing:
        problems.append("Answer the practitioner questions still missing before submitting "
                        f"for review: {', '.join(missing)}.")
    if clinic_parts:
        problems.append("Record the clinic's part of the vendor questions before submitting "
                        f"for review: {', '.join(clinic_parts)}.")
    if problems:
        raise InvalidState(" ".join(problems))
    # A re-vetting starts from the last assessment's answers; each applicable one must be
    # confirmed (saved again by the practitioner, or by the vendor in the portal) first.
    carried = carried_to_confirm(assessment, evaluation)
    if carried:
        raise InvalidState(
            "Confirm or update the answers carried over from the previous assessment: "
            + ", ".join(carried) + ".")


def _waits_for_clinic_fields(question: Question, undecided: set[str]) -> bool:
    """Whether a rule of the question not decided yet reads one of its clinic fields."""
    clinic = {(question.id, name) for name in question.clinic_fields}
    return any(rule.id in undecided and clinic & fields_read(rule.when)
               for rule in question.rules)


def carried_to_confirm(assessment: Assessment, evaluation=None, *,
                       by: str | None = None) -> list[str]:
    """The applicable questions (of `by`'s, if given) whose answer was carried over from
    the last assessment and not yet confirmed, in checklist order."""
    checklist = assessment.checklist
    evaluation = evaluation or assessment_evaluation(assessment)
    applicable = set(evaluation.applicable)
    carried = set(assessment.answers.filter(source=AnswerSource.CARRIED_OVER)
                  .values_list("question_id", flat=True))
    return [q.id for q in checklist.questions if q.id in carried and q.id in applicable
            and (by is None or q.by == by)]


def assessment_submit_for_review(*, user, assessment: Assessment) -> Assessment:
    require_role(user, STAFF_ROLES, "submit for review")
    return _transition(assessment=assessment, actor=Actor.for_user(user),
                       action="submit for review", from_states=[S.DRAFT, S.VENDOR_SUBMITTED],
                       to_state=S.IN_REVIEW, check=_no_missing_practitioner_questions)


def assessment_request_information(
    *, user, assessment: Assessment, target: str, message: str
) -> Assessment:
    """A reviewer sends the case back to the vendor (portal reopens) or the practitioner."""
    require_role(user, REVIEWER_ROLES, "request information")
    if target not in InformationRequestTarget.values:
        raise InvalidInput("Ask either the vendor or the practitioner.", field="target")
    if not message.strip():
        raise InvalidInput("Write what information is needed.", field="message")
    with transaction.atomic():
        assessment = _transition(assessment=assessment, actor=Actor.for_user(user),
                                 action="request information", from_states=[S.IN_REVIEW],
                                 to_state=S.INFORMATION_REQUESTED,
                                 changes={"information_requested_from": target,
                                          "information_request_message": message.strip()})
        pk = assessment.pk
        transaction.on_commit(lambda: _mail_information_request(pk))
    return assessment


def _mail_information_request(assessment_pk: int) -> None:
    """Tell whom the reviewer asked: the vendor's contact, whose link works again (or, with
    no live link, the practitioner, who sends one), or the practitioner."""
    from django.conf import settings
    from django.template.loader import render_to_string

    from .mail import practitioner_addresses, send

    assessment = Assessment.objects.select_related("product__vendor", "created_by").get(
        pk=assessment_pk)
    invitation = None
    if assessment.information_requested_from == InformationRequestTarget.VENDOR:
        invitation = next((i for i in assessment.invitations.select_related("contact")
                           .order_by("-created_at") if i.is_live), None)
    context = {"assessment": assessment, "product": assessment.product,
               "message": assessment.information_request_message, "invitation": invitation,
               "to_vendor": invitation is not None,
               "vendor_without_link": assessment.information_requested_from
               == InformationRequestTarget.VENDOR and invitation is None,
               "url": f"{settings.SITE_URL}/assessments/{assessment.pk}/"}
    to = [invitation.contact.email] if invitation else practitioner_addresses(assessment)
    if not to:
        return
    try:
        send(subject=render_to_string("emails/information_request_subject.txt", context),
             template="information_request", context=context, to=to)
    except Exception:  # committed already: the request shows in the portal and the app
        logger.exception("Assessment %s: the information request could not be mailed",
                         assessment_pk)


def _requested_from_practitioner(assessment: Assessment) -> None:
    if assessment.information_requested_from != InformationRequestTarget.PRACTITIONER:
        raise InvalidState("The information was requested from the vendor: "
                           "it re-submits through the portal.")
    _no_missing_practitioner_questions(assessment)


def assessment_resubmit(*, user, assessment: Assessment) -> Assessment:
    """The practitioner answers an information request and sends the case back."""
    require_role(user, STAFF_ROLES, "re-submit for review")
    return _transition(assessment=assessment, actor=Actor.for_user(user),
                       action="re-submit for review", from_states=[S.INFORMATION_REQUESTED],
                       to_state=S.IN_REVIEW, check=_requested_from_practitioner,
                       changes={"information_requested_from": "",
                                "information_request_message": ""})


def _reason(reason: str, what: str) -> str:
    if not reason or not reason.strip():
        raise InvalidInput(f"Give the reason for {what}.", field="reason")
    return reason.strip()


def assessment_withdraw(*, user, assessment: Assessment, reason: str) -> Assessment:
    require_role(user, STAFF_ROLES, "withdraw an assessment")
    return _transition(assessment=assessment, actor=Actor.for_user(user),
                       action="withdraw the assessment",
                       from_states=[S.DRAFT, S.AWAITING_VENDOR, S.VENDOR_SUBMITTED],
                       to_state=S.WITHDRAWN,
                       changes={"closing_reason": _reason(reason, "withdrawing")})


def _require_newer(assessment: Assessment, by: Assessment, what: str) -> None:
    if by.product_id != assessment.product_id or by.number <= assessment.number:
        raise InvalidInput(f"Only a newer assessment of the same product {what}.")


def assessment_supersede(*, user, assessment: Assessment, by: Assessment) -> Assessment:
    """A decided assessment is replaced by the decision on a newer one of the same product."""
    require_role(user, REVIEWER_ROLES, "supersede a decision")
    _require_newer(assessment, by, "supersedes a decision")
    return _transition(assessment=assessment, actor=Actor.for_user(user),
                       action="supersede the decision", from_states=DECIDED_STATES,
                       to_state=S.SUPERSEDED,
                       changes={"closing_reason": f"Superseded by assessment {by.number}"})


def assessment_overtake(*, user, assessment: Assessment, by: Assessment) -> Assessment:
    """An open assessment is closed when a newer one of the same product is decided: the
    newest decided assessment is the product's, so a decision on this one would not stand."""
    require_role(user, REVIEWER_ROLES, "close an overtaken assessment")
    _require_newer(assessment, by, "overtakes an open one")
    return _transition(assessment=assessment, actor=Actor.for_user(user),
                       action="close the overtaken assessment", from_states=OPEN_STATES,
                       to_state=S.WITHDRAWN,
                       changes={"closing_reason": f"Overtaken by the decision on assessment "
                                                  f"{by.number}"})


def assessment_suspend(*, user, assessment: Assessment, reason: str) -> Assessment:
    """A reviewer suspends an approval (new warning letter, recall, adverse event)."""
    require_role(user, REVIEWER_ROLES, "suspend an approval")
    return _transition(assessment=assessment, actor=Actor.for_user(user),
                       action="suspend the approval",
                       from_states=[S.APPROVED, S.APPROVED_WITH_CONDITIONS],
                       to_state=S.SUSPENDED,
                       changes={"closing_reason": _reason(reason, "suspending")})
