"""The vendor portal: invitations by link, the vendor's answers, uploads and submissions.

A vendor contact has no account. It holds a link with a random token (256 bits from
`secrets`); the database keeps only the token's SHA-256, so a token is found by
hashing what was presented and comparing hashes in SQL (no timing leak about the
token itself). One live invitation per assessment: sending a new one revokes the old.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from vetting.audit import Actor, audit_record
from vetting.models import (
    Assessment,
    AssessmentState,
    AuditEvent,
    EvidenceDocument,
    Invitation,
    VendorContact,
    VendorSubmission,
)
from vetting.permissions import STAFF_ROLES
from vetting.templatetags.vetting_tags import field_text
from vetting.uploads import inspect_upload

from .answers import set_answer_locked, vendor_may_write
from .common import lock_assessment, require_role
from .errors import InvalidInput, InvalidState, NotAllowed
from .evaluation import assessment_refresh
from .lifecycle import assessment_invite, assessment_vendor_submit
from .mail import practitioner_addresses, send

logger = logging.getLogger(__name__)

MAX_EXPIRY_DAYS = 365
TOKEN_MAX_LENGTH = 100  # token_urlsafe(32) is 43 characters; anything far longer is junk


@dataclass(frozen=True)
class IssuedInvitation:
    """A new invitation and its raw token: the only place the token exists besides the mail."""

    invitation: Invitation
    token: str

    @property
    def url(self) -> str:
        return portal_url(self.token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def portal_url(token: str) -> str:
    return f"{settings.SITE_URL}/v/{token}/"


def vendor_label(invitation: Invitation) -> str:
    """How the vendor is named in answers, uploads, submissions and the audit trail."""
    contact = invitation.contact
    return f"{contact.name} <{contact.email}>"


# --- Invitations (clinic staff) ---------------------------------------------------


def invitation_send(
    *,
    user,
    assessment: Assessment,
    contact: VendorContact,
    expires_in_days: int = 30,
    message: str = "",
) -> IssuedInvitation:
    """Invite a contact of the product's vendor; a draft becomes awaiting vendor."""
    require_role(user, STAFF_ROLES, "invite a vendor")
    if not 1 <= expires_in_days <= MAX_EXPIRY_DAYS:
        raise InvalidInput(f"The link must stay valid between 1 and {MAX_EXPIRY_DAYS} days.",
                           field="expires_in_days")
    with transaction.atomic():
        assessment = lock_assessment(assessment)
        if contact.vendor_id != assessment.product.vendor_id:
            raise InvalidInput("Choose a contact of this product's vendor.", field="contact")
        if assessment.state == AssessmentState.DRAFT:
            assessment = assessment_invite(user=user, assessment=assessment)
        elif not vendor_may_write(assessment):
            raise InvalidState("You cannot invite the vendor: the assessment is "
                               f"{assessment.get_state_display().lower()}.")
        _revoke_live(assessment, Actor.for_user(user), reason="a new invitation was sent")
        issued = _issue(user, assessment, contact, expires_in_days, message.strip())
    return issued


def _issue(user, assessment, contact, days: int, message: str) -> IssuedInvitation:
    token = secrets.token_urlsafe(32)  # 256 random bits
    invitation = Invitation.objects.create(
        assessment=assessment, contact=contact, token_hash=token_hash(token),
        created_by=user, expires_at=timezone.now() + timedelta(days=days), message=message,
    )
    audit_record(actor=Actor.for_user(user), event=AuditEvent.INVITATION,
                 assessment=assessment, obj=invitation,
                 summary=f"Vendor invited: {contact.name} <{contact.email}>, "
                         f"link valid {days} days",
                 after={"contact": contact.pk, "email": contact.email,
                        "expires_at": invitation.expires_at.isoformat()})
    # The token travels in this closure only; the mail leaves once the row is committed.
    transaction.on_commit(lambda: _mail_invitation(invitation.pk, token))
    return IssuedInvitation(invitation, token)


def _revoke_live(assessment: Assessment, actor: Actor, *, reason: str) -> None:
    now = timezone.now()
    for invitation in assessment.invitations.filter(revoked_at__isnull=True, expires_at__gt=now):
        _revoke(invitation, actor, now, reason)


def _revoke(invitation: Invitation, actor: Actor, now, reason: str) -> None:
    invitation.revoked_at = now
    invitation.save(update_fields=["revoked_at"])
    audit_record(actor=actor, event=AuditEvent.INVITATION, assessment=invitation.assessment,
                 obj=invitation, summary=f"Invitation of {invitation.contact.email} revoked "
                                         f"({reason})",
                 before={"revoked_at": None}, after={"revoked_at": now.isoformat()})


def invitation_revoke(*, user, invitation: Invitation) -> Invitation:
    """Close an invitation's link for good."""
    require_role(user, STAFF_ROLES, "revoke an invitation")
    with transaction.atomic():
        lock_assessment(invitation.assessment_id)
        invitation = Invitation.objects.select_related("contact", "assessment").get(
            pk=invitation.pk)
        if invitation.revoked_at is not None:
            raise InvalidState("This invitation is already revoked.")
        _revoke(invitation, Actor.for_user(user), timezone.now(), reason="by the clinic")
    return invitation


def invitation_reissue(*, user, invitation: Invitation,
                       expires_in_days: int = 30) -> IssuedInvitation:
    """A new link to the same contact (e.g. the mail was lost or the link expired)."""
    # invitation_send revokes the old link in the same transaction as it issues the new.
    return invitation_send(user=user, assessment=invitation.assessment,
                           contact=invitation.contact, expires_in_days=expires_in_days,
                           message=invitation.message)


def invitation_current(assessment: Assessment) -> Invitation | None:
    """The newest invitation of an assessment (live or not), for the clinic's card."""
    return (assessment.invitations.select_related("contact", "created_by")
            .order_by("-created_at", "-pk").first())


# --- The portal (the vendor, holding a token) ---------------------------------------


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation a presented token belongs to, live or not; None if unknown."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    return (Invitation.objects
            .select_related("assessment__product__vendor", "assessment__checklist_version",
                            "contact", "created_by")
            .filter(token_hash=token_hash(token)).first())


def invitation_opened(invitation: Invitation) -> None:
    """Record that the vendor opened the link (the first opening is audited)."""
    now = timezone.now()
    with transaction.atomic():
        first = Invitation.objects.filter(pk=invitation.pk, first_opened_at__isnull=True).update(
            first_opened_at=now, last_opened_at=now)
        if first:
            audit_record(actor=Actor.vendor(vendor_label(invitation)),
                         event=AuditEvent.INVITATION, assessment=invitation.assessment,
                         obj=invitation, summary="Invitation link opened by the vendor",
                         after={"first_opened_at": now.isoformat()})
            invitation.first_opened_at = now
        else:
            Invitation.objects.filter(pk=invitation.pk).update(last_opened_at=now)
    invitation.last_opened_at = now


def _require_live(invitation: Invitation) -> None:
    if not invitation.is_live:
        raise InvalidState("This link is no longer valid.")


def portal_answers_save(*, invitation: Invitation, values: dict[str, Any]) -> int:
    """Write the vendor's answers of one step, all or nothing; return how many changed."""
    _require_live(invitation)
    actor = Actor.vendor(vendor_label(invitation))
    changed = 0
    with transaction.atomic():
        assessment = lock_assessment(invitation.assessment_id)
        if not vendor_may_write(assessment):
            raise InvalidState("Your answers were already submitted; the clinic has them.")
        for question_id, value in values.items():
            _answer, did_change = set_answer_locked(assessment, question_id, value, actor=actor)
            changed += did_change
        if changed:
            assessment_refresh(assessment=assessment)
    return changed


def uploads_since_last_submission(assessment: Assessment) -> int:
    last = assessment.submissions.order_by("-number").first()
    documents = EvidenceDocument.objects.filter(assessment=assessment).exclude(
        uploaded_by_vendor="")
    if last is not None:
        documents = documents.filter(uploaded_at__gt=last.submitted_at)
    return documents.count()


def portal_upload(*, invitation: Invitation, question_id: str, kind: str, upload,
                  replaces: EvidenceDocument | None = None) -> EvidenceDocument:
    """Store a vendor document (the same checks as the clinic's), within the count limit;
    `replaces`: a document the vendor uploaded, which stays in the record as the previous
    version (a wrong file, corrected before or after a submission)."""
    from .answers import evidence_upload

    _require_live(invitation)
    if replaces is not None and not replaces.uploaded_by_vendor:
        raise NotAllowed("Only a document you uploaded can be replaced here.", field="file")
    limit = settings.PORTAL_MAX_UPLOADS_PER_SUBMISSION
    # Read and checked before the lock (on SQLite, the whole database's write lock): a
    # large or malformed file holds up no one else.
    info = inspect_upload(upload)
    with transaction.atomic():
        assessment = lock_assessment(invitation.assessment_id)
        if uploads_since_last_submission(assessment) >= limit:
            raise InvalidInput(f"You have uploaded {limit} documents for this submission, the "
                               "most one submission may hold. Submit, or ask the clinic.",
                               field="file")
        return evidence_upload(assessment=assessment, question_id=question_id, kind=kind,
                               upload=upload, vendor_label=vendor_label(invitation), info=info,
                               replaces=replaces)


def portal_submit(*, invitation: Invitation) -> VendorSubmission:
    """The vendor submits: submission N through the lifecycle; the practitioner is told."""
    _require_live(invitation)
    with transaction.atomic():
        submission = assessment_vendor_submit(assessment=invitation.assessment,
                                              vendor_label=vendor_label(invitation))
        invitation.submitted_at = submission.submitted_at
        invitation.save(update_fields=["submitted_at"])
        transaction.on_commit(lambda: _mail_submitted(submission.pk))
    return submission


# --- E-mail -------------------------------------------------------------------------


def _mail_invitation(invitation_pk: int, token: str) -> None:
    invitation = Invitation.objects.select_related(
        "assessment__product__vendor", "contact", "created_by").get(pk=invitation_pk)
    context = {"invitation": invitation, "url": portal_url(token),
               "product": invitation.assessment.product, "sender": invitation.created_by}
    try:
        send(subject=render_to_string("emails/invitation_subject.txt", context),
              template="invitation", context=context, to=[invitation.contact.email])
    except Exception:
        # Committed already: the practitioner can re-issue. Never log the token.
        logger.exception("Invitation %s: the e-mail could not be sent", invitation_pk)


def _mail_submitted(submission_pk: int) -> None:
    submission = VendorSubmission.objects.select_related(
        "assessment__product", "assessment__created_by").get(pk=submission_pk)
    to = practitioner_addresses(submission.assessment)
    if not to:
        return
    context = {"submission": submission, "assessment": submission.assessment,
               "url": f"{settings.SITE_URL}/assessments/{submission.assessment_id}/"
                      f"submissions/{submission.number}/"}
    try:
        send(subject=f"Vendor submission {submission.number} received: "
                      f"{submission.assessment.product.name}",
              template="vendor_submitted", context=context, to=to)
    except Exception:
        logger.exception("Submission %s: the notification could not be sent", submission_pk)


# --- Comparing submissions (read only) -----------------------------------------------


@dataclass(frozen=True)
class AnswerChange:
    question_id: str
    question_text: str
    change: str  # "added", "changed" or "removed"
    before: str
    after: str


@dataclass(frozen=True)
class SubmissionChanges:
    answers: list[AnswerChange]
    documents_added: list[dict]
    documents_removed: list[dict]
    documents_kept: int

    @property
    def empty(self) -> bool:
        return not (self.answers or self.documents_added or self.documents_removed)


def submission_changes(checklist, previous: VendorSubmission | None,
                       current: VendorSubmission) -> SubmissionChanges:
    """What changed from submission n-1 to n: answers by question, documents by SHA-256
    (and kind and questions)."""
    before = previous.answers if previous else {}
    after = current.answers
    order = {q.id: i for i, q in enumerate(checklist.questions)}
    changes = []
    for qid in sorted(set(before) | set(after), key=lambda q: order.get(q, len(order))):
        old, new = before.get(qid), after.get(qid)
        if old == new:
            continue
        kind = "added" if old is None else "removed" if new is None else "changed"
        question = checklist.question_map.get(qid)
        changes.append(AnswerChange(qid, question.text if question else "", kind,
                                    answer_text(question, old), answer_text(question, new)))
    # A document counts once per question it is for: the same file under two questions is
    # two, and a file that gains a question (an import links it) is added for that one only.
    def by_key(evidence: list[dict]) -> dict[tuple, dict]:
        return {(d["sha256"], d["kind"], question): {**d, "questions": [question]}
                for d in evidence for question in d.get("questions") or [""]}

    old_docs = by_key(previous.evidence if previous else [])
    new_docs = by_key(current.evidence)
    return SubmissionChanges(
        answers=changes,
        documents_added=[d for key, d in new_docs.items() if key not in old_docs],
        documents_removed=[d for key, d in old_docs.items() if key not in new_docs],
        # Files, not (file, question) pairs: one file kept for two questions is one.
        documents_kept=len({key[:2] for key in set(old_docs) & set(new_docs)}),
    )


def answer_text(question, value) -> str:
    """A stored answer as a person reads it: "label: value" with choice labels."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(f"({i}) {answer_text(question, row)}" for i, row in enumerate(value, 1))
    if not isinstance(value, dict) or question is None:
        return str(value)
    parts = []
    for name, raw in value.items():
        field = question.field_map.get(name)
        label = field.label if field else name
        if field is not None and field.type == "yn":
            shown = {"yes": "Yes", "no": "No", "unknown": "Unknown"}.get(raw, raw)
        else:  # choices by their labels, numbers with their units (as the report shows)
            shown = field_text(field, raw) if field is not None else raw
        parts.append(f"{label}: {shown}")
    return "; ".join(parts)
