"""Deciding and signing an assessment (the reviewer's electronic sign-off)."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from vetting.audit import Actor, audit_record
from vetting.checklist.schema import PLAUSIBLE_YEARS
from vetting.models import (
    DECIDED_STATES,
    OPEN_STATES,
    Assessment,
    AssessmentState,
    AuditEntry,
    AuditEvent,
    Decision,
    DecisionOutcome,
    Recommendation,
    ReviewComment,
)
from vetting.permissions import REVIEWER_ROLES

from .answers import product_profile_follow
from .common import lock_assessment, require_role, require_signing_password, require_state
from .errors import InvalidInput, InvalidState
from .evaluation import assessment_refresh, clinic_today, current_evidence, stored_answers
from .lifecycle import assessment_overtake, assessment_supersede
from .reports import report_enqueue
from .standing import certificate_expiry_of, last_valid_day

# The outcome each recommendation points to; deciding otherwise needs a justification.
EXPECTED_OUTCOME = {
    Recommendation.DO_NOT_APPROVE: DecisionOutcome.REJECTED,
    Recommendation.APPROVE_WITH_CONDITIONS: DecisionOutcome.APPROVED_WITH_CONDITIONS,
    Recommendation.NO_OBJECTIONS: DecisionOutcome.APPROVED,
}
MEANING = {
    DecisionOutcome.APPROVED: "I approve this product for clinical use at this clinic until "
                              "{until}, on the evidence recorded in this assessment.",
    DecisionOutcome.APPROVED_WITH_CONDITIONS: "I approve this product for clinical use at this "
                                              "clinic until {until} with the conditions below, "
                                              "on the evidence recorded in this assessment.",
    DecisionOutcome.REJECTED: "I reject this product: it is not to be bought or used at this "
                              "clinic, on the evidence recorded in this assessment.",
}
SPEC_KEYS = {
    "endotoxin_limit": "endotoxin limit (EU/mL)",
    "particle_min": "lowest particle concentration (particles/mL)",
    "particle_max": "highest particle concentration (particles/mL)",
    "size_mode_min": "smallest size mode (nm)",
    "size_mode_max": "largest size mode (nm)",
}


def clean_spec(spec: dict[str, Any] | None) -> dict[str, Any]:
    """The approved specification: non-negative numbers, ranges in order, sterility flag."""
    clean, problems = spec_problems(spec)
    if problems:
        raise InvalidInput.of(problems)
    return clean


def spec_problems(spec: dict[str, Any] | None) -> tuple[dict[str, Any], list]:
    """The specification as it would be signed, and every (field, message) wrong with it."""
    spec = dict(spec or {})
    unknown = set(spec) - set(SPEC_KEYS) - {"sterility_required"}
    if unknown:
        return {}, [("spec", f"Unknown specification item {sorted(unknown)[0]!r}.")]
    clean: dict[str, Any] = {"sterility_required": bool(spec.get("sterility_required", False))}
    problems = []
    for key, label in SPEC_KEYS.items():
        value = spec.get(key)
        if value in (None, ""):
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            problems.append((key, f"The {label} must be a number of 0 or more."))
        else:
            clean[key] = value
    for low, high in (("particle_min", "particle_max"), ("size_mode_min", "size_mode_max")):
        if low in clean and high in clean and clean[low] > clean[high]:
            problems.append((low, f"The {SPEC_KEYS[low]} is above the {SPEC_KEYS[high]}."))
    return clean, problems


def reviewed_content(assessment: Assessment) -> str:
    """A fingerprint of the answers and evidence a reviewer reads before signing: the review
    page carries it with its form, and a signature from a page older than them is refused."""
    return _signed_content(assessment, {})


def _require_reviewed(assessment: Assessment, reviewed: str | None) -> None:
    if reviewed is not None and reviewed != reviewed_content(assessment):
        raise InvalidState("The answers or documents changed since you opened this page (the "
                           "vendor or the practitioner saved since): the page now shows them. "
                           "Read them again, then sign.")


def _signed_content(assessment: Assessment, fields: dict[str, Any]) -> str:
    """SHA-256 of what is signed: this version's answers, evidence hashes and decision."""
    evidence = {qid: sorted(e.sha256 for e in items)
                for qid, items in current_evidence(assessment).items()}
    content = {"assessment": assessment.pk, "checklist_version": assessment.checklist.version,
               "checklist_sha256": assessment.checklist_version.sha256,
               "answers": stored_answers(assessment), "evidence": evidence, **fields}
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _decision_problems(assessment, outcome, justification, conditions,
                       valid_until) -> list[tuple[str, str]]:
    """Every reason the decision cannot be signed as it stands, each with its field."""
    if outcome not in DecisionOutcome.values:
        return [("outcome", "Choose approve, approve with conditions or reject.")]
    problems = []
    approving = outcome != DecisionOutcome.REJECTED
    if approving and assessment.red_count:
        problems.append(("outcome", "A RED finding stands: the product cannot be approved."))
    if EXPECTED_OUTCOME[Recommendation(assessment.recommendation)] != outcome and not justification:
        problems.append(("justification", "The decision departs from the recommendation "
                         f"({Recommendation(assessment.recommendation).label.lower()}): "
                         "write a justification."))
    if outcome == DecisionOutcome.APPROVED_WITH_CONDITIONS and not conditions:
        problems.append(("conditions", "Write the conditions of the approval."))
    if approving and (valid_until is None or valid_until <= clinic_today()):
        problems.append(("valid_until", "Set the last day the approval is valid (a future "
                                        "date)."))
    elif approving and valid_until.year not in PLAUSIBLE_YEARS:
        problems.append(("valid_until", f"{valid_until.isoformat()} is not a plausible last "
                                        "day: check the year."))
    return problems


def decision_problems(assessment, *, outcome, justification, conditions, valid_until
                      ) -> list[tuple[str, str]]:
    """The decision's own rules, as they stand (for a form shown again with other errors)."""
    return _decision_problems(assessment, outcome, justification, conditions, valid_until)


def _check_decision(assessment, outcome, justification, conditions, valid_until,
                    spec_refused=()) -> None:
    problems = [*spec_refused, *_decision_problems(assessment, outcome, justification,
                                                   conditions, valid_until)]
    if problems:
        raise InvalidInput.of(problems)


def _verify_password(user, password: str, assessment: Assessment) -> None:
    require_signing_password(
        user, password, assessment=assessment, obj=assessment,
        summary="Signature refused: wrong password", after={"signed": False},
        refused="The password is not correct; the decision was not signed.")


def assessment_decide(
    *,
    user,
    assessment: Assessment,
    outcome: str,
    password: str,
    justification: str = "",
    conditions: str = "",
    valid_until: date | None = None,
    approved_spec: dict[str, Any] | None = None,
    reviewed: str | None = None,
) -> Decision:
    """Decide and sign. Locks the answers and evidence; supersedes older decisions.
    `reviewed`: the `reviewed_content` of the page the reviewer read (None: not checked)."""
    require_role(user, REVIEWER_ROLES, "decide and sign")
    justification, conditions = justification.strip(), conditions.strip()
    if outcome == DecisionOutcome.REJECTED:
        # A rejection has no validity, conditions or specification for later lots: the
        # form may still hold what it prefilled for an approval. None of it is signed.
        valid_until, conditions, approved_spec = None, "", None
    spec, spec_refused = spec_problems(approved_spec)
    with transaction.atomic():  # refuse early what no password could make right
        locked = lock_assessment(assessment)
        require_state(locked, [AssessmentState.IN_REVIEW], "decide")
        _require_newest_decided(locked)
        _require_reviewed(locked, reviewed)
        assessment_refresh(assessment=locked)
        _check_decision(locked, outcome, justification, conditions, valid_until, spec_refused)
        # Only a check: the findings are stored below, with the signature and its audit
        # entry (stored here, a refused password would leave them changed unaudited).
        transaction.set_rollback(True)
    _verify_password(user, password, assessment)
    with transaction.atomic():
        # Checked again under the lock: the findings may have changed while the
        # password was being checked (another request, a date rule passing midnight).
        locked = lock_assessment(assessment)
        require_state(locked, [AssessmentState.IN_REVIEW], "decide")
        _require_newest_decided(locked)
        _require_reviewed(locked, reviewed)
        assessment_refresh(assessment=locked)
        _check_decision(locked, outcome, justification, conditions, valid_until)
        decision = _sign(locked, user, outcome, justification, conditions, valid_until, spec)
        product_profile_follow(locked, Actor.for_user(user), signed=True)
        report_enqueue(decision=decision)
        _close_older(locked, user)
    return decision


def _require_newest_decided(assessment: Assessment) -> None:
    """The product's newest decided assessment is the one that stands (lots, standing,
    verification): a decision on an older one, once a newer one is decided, would not."""
    newer = (Decision.objects.filter(assessment__product_id=assessment.product_id,
                                     assessment__number__gt=assessment.number)
             .select_related("assessment").order_by("-assessment__number").first())
    if newer is not None:
        raise InvalidState(
            f"Assessment {newer.assessment.number} of this product, started after this one, "
            f"was decided on {newer.signed_at:%Y-%m-%d}: a decision on this one would not "
            "stand.")


def _close_older(assessment: Assessment, user) -> None:
    """The older assessments of the product: a decided one is superseded, an open one is
    closed as overtaken. Each is locked, newest first (the order every decision locks in),
    and its state read under the lock: one decided meanwhile is superseded."""
    older = (assessment.product.assessments.filter(number__lt=assessment.number,
                                                   state__in=(*DECIDED_STATES, *OPEN_STATES))
             .order_by("-number").values_list("pk", flat=True))
    for pk in older:
        other = lock_assessment(pk)
        if other.state in DECIDED_STATES:
            assessment_supersede(user=user, assessment=other, by=assessment)
        elif other.state in OPEN_STATES:
            assessment_overtake(user=user, assessment=other, by=assessment)


def _iso(day) -> str:
    return day.isoformat() if day else ""


def _sign(assessment, user, outcome, justification, conditions, valid_until, spec) -> Decision:
    now = timezone.now()
    until = _iso(valid_until)
    fields = {"outcome": outcome, "justification": justification, "conditions": conditions,
              "valid_until": until, "approved_spec": spec}
    certificate = certificate_expiry_of(assessment)
    decision = Decision.objects.create(
        assessment=assessment, outcome=outcome, conditions=conditions,
        justification=justification, valid_until=valid_until, approved_spec=spec,
        certificate_expiry=certificate, lapses_on=last_valid_day(valid_until, certificate),
        recommendation=assessment.recommendation, red_count=assessment.red_count,
        amber_count=assessment.amber_count, missing_count=assessment.missing_count,
        signed_by=user, signer_name=user.get_full_name() or user.get_username(),
        signer_role="Reviewer", signed_at=now,
        meaning=MEANING[DecisionOutcome(outcome)].format(until=until),
        content_sha256=_signed_content(assessment, fields),
    )
    before = assessment.state
    assessment.state = outcome
    assessment.state_changed_at = now
    assessment.lapses_on = decision.lapses_on
    assessment.save(update_fields=["state", "state_changed_at", "lapses_on", "updated_at"])
    audit_record(actor=Actor.for_user(user), event=AuditEvent.SIGNATURE, assessment=assessment,
                 obj=decision, summary=f"Decision signed: {decision.get_outcome_display()}",
                 before={"state": before},
                 after={"state": outcome, **fields, "content_sha256": decision.content_sha256,
                        # Who signed, when, and what the signature means, as the row holds
                        # them (verify_audit_trail compares them).
                        "signer_name": decision.signer_name,
                        "signed_at": decision.signed_at.isoformat(),
                        "meaning": decision.meaning,
                        # Derived at signing (not signed): when the approval lapses.
                        "certificate_expiry": _iso(decision.certificate_expiry),
                        "lapses_on": _iso(decision.lapses_on)})
    return decision


def review_comment_add(*, user, assessment: Assessment, question_id: str, rule_id: str = "",
                       text: str) -> ReviewComment:
    """A reviewer's internal note on a finding; never shown to the vendor."""
    require_role(user, REVIEWER_ROLES, "comment on findings")
    text = (text or "").strip()
    if not text:
        raise InvalidInput("Write the comment.", field="text")
    if question_id not in assessment.checklist.question_map:
        raise InvalidInput(f"There is no question {question_id!r}.", field="question_id")
    with transaction.atomic():
        locked = lock_assessment(assessment)
        require_state(locked, [AssessmentState.IN_REVIEW, AssessmentState.INFORMATION_REQUESTED],
                      "comment on findings")
        comment = ReviewComment.objects.create(assessment=locked, question_id=question_id,
                                               rule_id=rule_id[:80], text=text, author=user)
        audit_record(actor=Actor.for_user(user), event=AuditEvent.RECORD_CHANGE,
                     assessment=locked, obj=comment,
                     summary=f"Reviewer comment on {question_id}",
                     after={"question": question_id, "rule": rule_id, "text": text})
    return comment


def reference_lot_spec(assessment: Assessment) -> tuple[dict[str, Any], dict[str, Any]]:
    """A starting point for the approved specification, from the reference lot's answers.

    Returns (initial values, the reference values they came from). Ranges are the
    reference value +/- 50 % (particles) and +/- 25 % (size mode): the reviewer sets
    them to the vendor's release specification before signing.
    """
    answers = stored_answers(assessment)
    particles = (answers.get("3.2") or {}).get("value")
    mode = (answers.get("3.4") or {}).get("mode")
    limit = (answers.get("4.3") or {}).get("limit")
    sterility = (answers.get("4.4") or {}).get("result")
    sterile = (answers.get("0.3") or {}).get("sterile") == "yes"
    initial: dict[str, Any] = {"sterility_required": sterile or sterility == "pass"}
    if limit is not None:
        initial["endotoxin_limit"] = limit
    if particles:
        initial["particle_min"], initial["particle_max"] = (_times(particles, "0.5"),
                                                            _times(particles, "1.5"))
    if mode:
        initial["size_mode_min"], initial["size_mode_max"] = (_times(mode, "0.75"),
                                                              _times(mode, "1.25"))
    reference = {"particles": particles, "size_mode": mode, "endotoxin_limit": limit,
                 "sterility": sterility}
    return initial, reference


def _times(value: float, factor: str) -> int | float:
    """value x factor exactly, as the page states the range (115 nm +/- 25 %: 86.25 to
    143.75, not 86.2 to 144, which the reviewer could sign unnoticed); a whole number as one
    ("10000000000", not "10000000000.0" in the form)."""
    product = Decimal(repr(value)) * Decimal(factor)
    return int(product) if product == product.to_integral_value() else float(product)


def decisions_unlike_their_signatures() -> list[str]:
    """What differs between the decisions and what was signed (`verify_audit_trail`; an
    intact chain vouches for the entries, not for the decision rows): each decision's
    signed content is computed again from the row and its assessment's answers and
    evidence (locked since) and compared with the SHA-256 the row and its signature entry
    hold; the days the approval lapses on, with what the entry recorded (since it records
    them) and with the assessment's copy; who signed (the entry's user), and the signer's
    name, time and meaning (since it records them); and a decision no signature entry
    records."""
    entries = {e.object_id: e for e in AuditEntry.objects.filter(
        event=AuditEvent.SIGNATURE, object_type="Decision").order_by("seq")}
    problems = []
    decisions = Decision.objects.select_related("assessment__checklist_version").order_by("pk")
    for decision in decisions.iterator(chunk_size=500):
        entry = entries.get(str(decision.pk))
        if entry is None:
            problems.append(f"decision {decision.pk} has no signature entry")
            continue
        after = entry.after if isinstance(entry.after, dict) else {}
        fields = {"outcome": decision.outcome, "justification": decision.justification,
                  "conditions": decision.conditions, "valid_until": _iso(decision.valid_until),
                  "approved_spec": decision.approved_spec}
        if _signed_content(decision.assessment, fields) != decision.content_sha256:
            problems.append(f"decision {decision.pk}: the decision or its assessment's answers "
                            "or evidence differ from what was signed")
        if after.get("content_sha256") != decision.content_sha256:
            problems.append(f"decision {decision.pk}: content_sha256 differs from what entry "
                            f"#{entry.seq} recorded at signing")
        if decision.signed_by_id != entry.actor_user_id:
            problems.append(f"decision {decision.pk}: the signer differs from the user entry "
                            f"#{entry.seq} recorded at signing")
        if "signed_at" in after and (after["signer_name"] != decision.signer_name
                                     or after["meaning"] != decision.meaning
                                     or after["signed_at"] != decision.signed_at.isoformat()):
            problems.append(f"decision {decision.pk}: the signer's name, the time or the "
                            f"meaning differs from what entry #{entry.seq} recorded at signing")
        if "lapses_on" in after:
            for name in ("lapses_on", "certificate_expiry"):
                if after.get(name) != _iso(getattr(decision, name)):
                    problems.append(f"decision {decision.pk}: {name} differs from what entry "
                                    f"#{entry.seq} recorded at signing")
            if _iso(decision.assessment.lapses_on) != _iso(decision.lapses_on):
                problems.append(f"assessment {decision.assessment_id}'s lapses_on differs "
                                f"from its decision {decision.pk}'s")
    return problems

