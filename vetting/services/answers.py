"""Answer and evidence services: every change re-evaluates and is audited."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.utils import timezone

from vetting.audit import Actor, audit_record
from vetting.checklist import Question
from vetting.models import (
    EDITABLE_STATES,
    Answer,
    AnswerSource,
    Assessment,
    AssessmentState,
    AuditEvent,
    EvidenceDocument,
    InformationRequestTarget,
    ProductCategory,
    ProductForm,
)
from vetting.permissions import STAFF_ROLES
from vetting.uploads import UploadInfo, inspect_upload

from .common import lock_assessment, require_role, require_state
from .errors import InvalidInput, InvalidState, NotAllowed
from .evaluation import assessment_refresh, consistency_check, normalize_answer

STAFF_SOURCES = (
    AnswerSource.PRACTITIONER, AnswerSource.PRACTITIONER_FROM_VENDOR_DOCUMENT,
    AnswerSource.IMPORT, AnswerSource.CARRIED_OVER,
)


def vendor_may_write(assessment: Assessment) -> bool:
    """The portal is open while the vendor is invited or asked for more information."""
    return assessment.state == AssessmentState.AWAITING_VENDOR or (
        assessment.state == AssessmentState.INFORMATION_REQUESTED
        and assessment.information_requested_from == InformationRequestTarget.VENDOR
    )


def _question(assessment: Assessment, question_id: str) -> Question:
    question = assessment.checklist.question_map.get(question_id)
    if question is None:
        raise InvalidInput(f"Checklist v{assessment.checklist.version} has no question "
                           f"{question_id!r}.", field=question_id)
    return question


def writer_check(assessment: Assessment, user, vendor_label: str | None, action: str) -> Actor:
    """Check that this user or vendor may change this assessment now."""
    if vendor_label is not None:
        if not vendor_may_write(assessment):
            raise InvalidState(f"You cannot {action}: this assessment is not open to the vendor.")
        return Actor.vendor(vendor_label)
    require_role(user, STAFF_ROLES, action)
    require_state(assessment, EDITABLE_STATES, action)
    return Actor.for_user(user)


def _answer_source(assessment, question, actor, source, source_document, *,
                   stored=None, value=None, stored_source=None) -> str:
    if actor.kind == "vendor":
        if question.by != "vendor":
            raise NotAllowed(f"Question {question.id} is answered by the clinic.")
        return AnswerSource.VENDOR
    source = source or AnswerSource.PRACTITIONER
    if source not in STAFF_SOURCES:
        raise InvalidInput(f"{source!r} is not a source a clinic user can give.", field="source")
    if (question.by == "vendor" and source == AnswerSource.PRACTITIONER
            and source_document is None and clinic_fields_only(question, stored, value)):
        # The clinic's own fields of a vendor question (4.1's lot number read off the vial):
        # no vendor document to name; the vendor's part keeps its source.
        return stored_source or AnswerSource.PRACTITIONER
    if question.by == "vendor" and source == AnswerSource.PRACTITIONER:
        source = AnswerSource.PRACTITIONER_FROM_VENDOR_DOCUMENT
    if source == AnswerSource.PRACTITIONER_FROM_VENDOR_DOCUMENT:
        if source_document is None:
            raise InvalidInput(
                f"Question {question.id} is the vendor's to answer: name the vendor document "
                "you entered it from.", field="source_document")
        if source_document.assessment_id != assessment.pk:
            raise InvalidInput("That document belongs to another assessment.",
                               field="source_document")
    return source


def clinic_fields_only(question: Question, stored: Any, value: Any) -> bool:
    """Whether a change of a vendor question's answer touches only the fields the clinic
    records in it (`by: practitioner`), every vendor field left as stored."""
    clinic = {f.name for f in question.fields if f.by == "practitioner"}
    value = {} if value is None else value  # cleared
    if question.repeatable or not clinic or not isinstance(value, dict):
        return False
    stored = stored if isinstance(stored, dict) else {}
    return all(stored.get(name) == value.get(name) for name in {*stored, *value} - clinic)


def answer_set(
    *,
    assessment: Assessment,
    question_id: str,
    value: Any,
    user=None,
    vendor_label: str | None = None,
    source: str | None = None,
    source_document: EvidenceDocument | None = None,
) -> Answer | None:
    """Set (or, with an empty value, clear) one question's answer."""
    with transaction.atomic():
        assessment = lock_assessment(assessment)
        actor = writer_check(assessment, user, vendor_label, "change answers")
        answer, changed = set_answer_locked(assessment, question_id, value, actor=actor,
                                            source=source, source_document=source_document)
        if changed:
            assessment_refresh(assessment=assessment)
    return answer


@contextmanager
def answers_locked(*, assessment: Assessment) -> Iterator[None]:
    """A transaction holding the assessment's write lock (its row on PostgreSQL; on SQLite
    the database's, taken at BEGIN IMMEDIATE). Answers read inside it are the ones the writes
    inside it replace: a page that checks what changed since it was loaded, then saves,
    leaves no gap for another save between the two."""
    with transaction.atomic():
        lock_assessment(assessment)
        yield


def set_answer_locked(assessment, question_id, value, *, actor, source=None,
                      source_document=None) -> tuple[Answer | None, bool]:
    """Write one answer of an assessment already locked and checked for `actor`.

    Returns the answer (None when cleared) and whether anything changed; the
    caller re-evaluates once, after all its answers are written.
    """
    question = _question(assessment, question_id)
    value = normalize_answer(assessment.checklist, question_id, value)
    answer = assessment.answers.filter(question_id=question_id).first()
    if source != AnswerSource.CARRIED_OVER and (answer is None or answer.value != value):
        consistency_check(assessment.checklist, question_id, value)  # judged when written
    source = _answer_source(assessment, question, actor, source, source_document,
                            stored=answer.value if answer else None, value=value,
                            stored_source=answer.source if answer else None)
    if actor.kind == "vendor":
        _keep_clinic_fields(question, answer.value if answer else None, value)
    before = {"value": answer.value, "source": answer.source} if answer else None
    if value is None:
        if answer is None:
            return None, False
        answer.delete()
        after, answer = None, None
    else:
        if answer is not None and answer.value == value and answer.source == source:
            return answer, False  # nothing changed: no audit entry
        if (answer is not None and actor.kind != "vendor" and question.by == "vendor"
                and source == answer.source and source_document is None
                and clinic_fields_only(question, answer.value, value)):
            # Only the clinic's fields changed: the answer stays attributed to whoever
            # answered the vendor's part; the clinic's fields to this user.
            answer.value = value
            if question.has_clinic_values(value):
                answer.clinic_fields_by, answer.clinic_fields_at = actor.user, timezone.now()
            else:  # cleared: nobody recorded what is not there
                answer.clinic_fields_by, answer.clinic_fields_at = None, None
            answer.save(update_fields=["value", "clinic_fields_by", "clinic_fields_at"])
        else:
            if answer is not None and actor.kind != "vendor":
                # This user answers the whole question now.
                answer.clinic_fields_by, answer.clinic_fields_at = None, None
            elif (answer is not None and answer.answered_by_id and not answer.clinic_fields_by_id
                  and answer.source != AnswerSource.CARRIED_OVER  # answered_by: who re-vets
                  and question.has_clinic_values(answer.value)):
                # The vendor answers its part after a clinic user recorded the clinic's
                # fields (which the vendor cannot change): they stay that user's.
                answer.clinic_fields_by_id = answer.answered_by_id
                answer.clinic_fields_at = answer.answered_at
            answer = _upsert(assessment, question_id, value, source, source_document, actor,
                             answer)
        after = {"value": value, "source": source}
    verb = "cleared" if after is None else ("changed" if before else "answered")
    audit_record(actor=actor, event=AuditEvent.ANSWER_CHANGE, assessment=assessment,
                 obj=answer, summary=f"Question {question_id} {verb}",
                 before=before, after=after)
    if question_id in {q for q, _ in PROFILE}:
        product_profile_follow(assessment, actor)
    return answer, True


# The product's category and form are answers 0.1 and 0.2 of the assessment that defines
# them: while the product has no decision standing, its newest assessment as it is filled
# in; once decided, the signed one (a re-vetting changes them when its decision is signed).
PROFILE = (("0.1", "category"), ("0.2", "form"))
STANDING_STATES = (AssessmentState.APPROVED, AssessmentState.APPROVED_WITH_CONDITIONS,
                   AssessmentState.REJECTED, AssessmentState.SUSPENDED)


def product_profile_follow(assessment: Assessment, actor: Actor, *, signed: bool = False
                           ) -> None:
    """Set the product's category and form to the assessment's answers 0.1 and 0.2, when
    this assessment defines them (`signed`: at its signature). Audited with the change."""
    product = assessment.product
    if not signed:
        others = product.assessments.exclude(pk=assessment.pk)
        if (others.filter(state__in=STANDING_STATES).exists()
                or others.filter(number__gt=assessment.number).exists()):
            return
    answers = dict(assessment.answers.filter(question_id__in=[q for q, _ in PROFILE])
                   .values_list("question_id", "value"))
    choices = {"category": ProductCategory.values, "form": ProductForm.values}
    after = {field: answers[qid][field] for qid, field in PROFILE
             if isinstance(answers.get(qid), dict) and answers[qid].get(field) in choices[field]
             and answers[qid][field] != getattr(product, field)}
    if not after:
        return
    before = {field: getattr(product, field) for field in after}
    type(product).objects.filter(pk=product.pk).update(**after, updated_at=timezone.now())
    for field, value in after.items():
        setattr(product, field, value)
    audit_record(actor=actor, event=AuditEvent.RECORD_CHANGE, assessment=assessment,
                 obj=product, summary=f"Product {product.name}: category and form as answered "
                                      f"in assessment {assessment.number} (0.1, 0.2)",
                 before=before, after=after)


def _keep_clinic_fields(question: Question, stored: Any, value: Any) -> None:
    """A vendor may not change the fields the clinic records in a vendor question.

    (e.g. 4.1's lot number read off the vial, 1.2's "called exosome" judgement.)
    """
    if question.repeatable:
        return  # no repeatable question has clinic fields
    clinic = [f.name for f in question.fields if f.by == "practitioner"]
    for name in clinic:
        if (stored or {}).get(name) != (value or {}).get(name):
            raise NotAllowed(f"Question {question.id}: {name} is recorded by the clinic, "
                             "not the vendor.", field=question.id)


def _upsert(assessment, question_id, value, source, source_document, actor, answer):
    answer = answer or Answer(assessment=assessment, question_id=question_id)
    answer.value = value
    answer.source = source
    answer.source_document = source_document if source != AnswerSource.VENDOR else None
    answer.answered_by = actor.user
    answer.answered_by_vendor = actor.label if actor.kind == "vendor" else ""
    answer.answered_at = timezone.now()
    answer.save()
    return answer


def evidence_upload(
    *,
    assessment: Assessment,
    question_id: str,
    kind: str,
    upload,
    user=None,
    vendor_label: str | None = None,
    replaces: EvidenceDocument | None = None,
    info: UploadInfo | None = None,
) -> EvidenceDocument:
    """Store an uploaded document for a question; a replaced one stays as history. `info`:
    the upload already inspected (by a caller that holds a lock only after it)."""
    if info is None:  # content, size and hash first: nothing written on failure
        info = inspect_upload(upload)
    stored: list[EvidenceDocument] = []
    try:
        return _upload(assessment, question_id, kind, upload, info, user, vendor_label,
                       replaces, stored)
    except Exception:
        for document in stored:  # the transaction rolled back: leave no orphan file
            document.file.storage.delete(document.file.name)
        raise


def _upload(assessment, question_id, kind, upload, info, user, vendor_label, replaces, stored):
    with transaction.atomic():
        assessment = lock_assessment(assessment)
        question = _question(assessment, question_id)
        actor = writer_check(assessment, user, vendor_label, "upload documents")
        if actor.kind == "vendor" and question.by != "vendor":
            raise NotAllowed(f"Question {question_id} is answered by the clinic.")
        if kind not in question.document_kinds():
            kinds = ", ".join(sorted(question.document_kinds())) or "none"
            raise InvalidInput(f"Question {question_id} asks for documents of kind {kinds}, "
                               f"not {kind!r}.", field="kind")
        if replaces is not None:
            # Read again under the lock: another tab may have replaced it meanwhile.
            replaces = assessment.documents.filter(pk=replaces.pk, is_current=True).first()
            if replaces is None:
                raise InvalidInput("Only a current document of this assessment can be "
                                   "replaced: this one was replaced meanwhile, or is not this "
                                   "assessment's.", field="replaces")
        # The same file twice (a form sent again by a reload) would be two documents.
        same = [d for d in assessment.documents.filter(is_current=True, kind=kind,
                                                       sha256=info.sha256)
                if question_id in d.question_ids and d != replaces]
        if same:
            attached = same[0].original_name
            raise InvalidInput(
                f"{info.name} is already attached to question {question_id}" + (
                    "." if attached == info.name else f", as {attached} (the same content)."),
                field="file")
        document = _store(assessment, question_id, kind, upload, info, actor, replaces, stored)
        assessment.expected_documents.filter(
            question_id=question_id, sha256=info.sha256
        ).delete()
        audit_record(actor=actor, event=AuditEvent.UPLOAD, assessment=assessment, obj=document,
                     summary=f"Document {info.name} uploaded for question {question_id}",
                     before=_document_summary(replaces) if replaces else None,
                     after=_document_summary(document))
        assessment_refresh(assessment=assessment)
    return document


def _store(assessment, question_id, kind, upload, info, actor, replaces, stored):
    # A new version answers what the old one did (an imported or carried-over document
    # may be linked to several questions).
    question_ids = ([question_id, *(q for q in replaces.question_ids if q != question_id)]
                    if replaces is not None else [question_id])
    document = EvidenceDocument(
        assessment=assessment, question_ids=question_ids, kind=kind,
        original_name=info.name, sha256=info.sha256, size=info.size,
        content_type=info.content_type, uploaded_by=actor.user,
        uploaded_by_vendor=actor.label if actor.kind == "vendor" else "",
        replaces=replaces,
    )
    if replaces is not None:
        replaces.is_current = False
        replaces.save(update_fields=["is_current"])
    document.file.save("upload", upload, save=False)  # upload_to generates the name
    stored.append(document)
    document.save()
    return document


def _document_summary(document: EvidenceDocument) -> dict:
    return {"name": document.original_name, "kind": document.kind, "sha256": document.sha256,
            "size": document.size, "content_type": document.content_type}



def evidence_download_record(*, user, document: EvidenceDocument) -> None:
    """Audit that a staff user opened or downloaded a document."""
    require_role(user, STAFF_ROLES, "download documents")
    with transaction.atomic():
        audit_record(actor=Actor.for_user(user), event=AuditEvent.DOWNLOAD,
                     assessment=document.assessment, obj=document,
                     summary=f"Document {document.original_name} downloaded",
                     after={"sha256": document.sha256})
