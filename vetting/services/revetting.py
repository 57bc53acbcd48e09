"""Re-vetting: a new assessment of a product, pre-filled from its last decided one.

The new assessment is filled against the newest checklist version. Answers are
carried over (source "carried over, to confirm") only for question IDs that still
exist and whose answer is still valid under that version; the others are left for
the vendor or practitioner to answer. Documents are referenced, not copied: the new
EvidenceDocument rows point at the same stored file and SHA-256 (one file in the
storage, one row per assessment). The vendor's primary contact, if any, is invited
to confirm or update the answers through the portal.
"""

from __future__ import annotations

from django.db import transaction

from vetting.audit import Actor, audit_record
from vetting.models import (
    OPEN_STATES,
    AnswerSource,
    Assessment,
    AuditEvent,
    EvidenceDocument,
    Product,
)
from vetting.permissions import STAFF_ROLES

from .answers import set_answer_locked
from .common import lock_assessment, require_role
from .errors import InvalidInput, InvalidState
from .evaluation import assessment_refresh
from .lifecycle import assessment_create
from .lots import current_decision
from .portal import invitation_send


def revetting_start(*, user, product: Product, invite: bool = True) -> Assessment:
    """Start the re-vetting of a decided product; returns the new draft (or invited) one."""
    require_role(user, STAFF_ROLES, "start a re-vetting")
    with transaction.atomic():
        Product.objects.select_for_update().get(pk=product.pk)
        decision = current_decision(product)
        if decision is None:
            raise InvalidState("This product has no decision to re-vet: start an assessment.")
        busy = product.assessments.filter(state__in=OPEN_STATES).order_by("-number").first()
        if busy is not None:
            raise InvalidState(f"Assessment {busy.number} of this product is already in "
                               "progress.")
        last = decision.assessment
        new = assessment_create(user=user, product=product, revets=last)
        locked = lock_assessment(new)
        carried, skipped = _carry_answers(last, locked, user)
        documents = _reference_documents(last, locked)
        audit_record(actor=Actor.for_user(user), event=AuditEvent.RECORD_CHANGE,
                     assessment=locked, obj=locked,
                     summary=f"Re-vetting of assessment {last.number}: {len(carried)} answers "
                             f"carried over, {len(documents)} documents referenced",
                     after={"revets": last.pk, "carried_over": carried, "skipped": skipped,
                            "documents": [d.sha256 for d in documents]})
        assessment_refresh(assessment=locked)
        contact = product.vendor.contacts.filter(is_primary=True).first()
        if invite and contact is not None:
            invitation_send(user=user, assessment=locked, contact=contact,
                            message="This is a re-vetting: your previous answers are filled "
                                    "in. Please confirm each one or update it.")
    new.refresh_from_db()
    return new


def _carry_answers(last: Assessment, new: Assessment, user) -> tuple[list[str], list[str]]:
    """Copy the answers whose question still exists and whose value is still valid."""
    questions = new.checklist.question_map
    present = set(new.answers.values_list("question_id", flat=True))  # 0.1, 0.2 from product
    actor = Actor.for_user(user)
    carried, skipped = [], []
    for answer in last.answers.order_by("question_id"):
        if answer.question_id in present:
            continue
        if answer.question_id not in questions:
            skipped.append(answer.question_id)
            continue
        try:
            copy, _changed = set_answer_locked(new, answer.question_id, answer.value,
                                               actor=actor, source=AnswerSource.CARRIED_OVER)
        except InvalidInput:  # a field or choice the new version no longer has
            skipped.append(answer.question_id)
        else:
            carried.append(answer.question_id)
            _keep_clinic_attribution(answer, copy, questions[answer.question_id])
    return carried, skipped


# Sources whose answerer is a clinic user (an import: who imported the dossier).
CLINIC_SOURCES = (AnswerSource.PRACTITIONER, AnswerSource.PRACTITIONER_FROM_VENDOR_DOCUMENT,
                  AnswerSource.IMPORT)


def _keep_clinic_attribution(old, copy, question) -> None:
    """The clinic's fields of a carried vendor answer (4.1's vial lot) stay attributed to
    whoever recorded them in the earlier assessment, on the day they did, not to the user
    who starts the re-vetting."""
    if copy is None or not question.has_clinic_values(copy.value):
        return
    if old.clinic_fields_by_id:
        by, at = old.clinic_fields_by_id, old.clinic_fields_at
    elif old.source in CLINIC_SOURCES and old.answered_by_id:
        by, at = old.answered_by_id, old.answered_at
    else:
        return
    type(copy).objects.filter(pk=copy.pk).update(clinic_fields_by_id=by, clinic_fields_at=at)


def _reference_documents(last: Assessment, new: Assessment) -> list[EvidenceDocument]:
    """New rows pointing at the same stored files, for questions that still ask for them."""
    questions = new.checklist.question_map
    rows = []
    for document in last.documents.filter(is_current=True).order_by("uploaded_at", "pk"):
        question_ids = [q for q in document.question_ids if q in questions
                        and document.kind in questions[q].document_kinds()]
        if not question_ids:
            continue
        rows.append(EvidenceDocument(
            assessment=new, question_ids=question_ids, kind=document.kind,
            file=document.file.name, original_name=document.original_name,
            sha256=document.sha256, size=document.size, content_type=document.content_type,
            uploaded_by=document.uploaded_by, uploaded_by_vendor=document.uploaded_by_vendor))
    return EvidenceDocument.objects.bulk_create(rows)
