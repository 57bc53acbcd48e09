"""Import and export of an assessment's answers in the dossier format (docs/dossier-format.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from vetting.audit import Actor, audit_record
from vetting.checklist import DossierError, dossier_to_dict, parse_dossier
from vetting.models import AnswerSource, Assessment, AuditEvent, ExpectedEvidence
from vetting.permissions import STAFF_ROLES

from .answers import set_answer_locked, writer_check
from .common import lock_assessment, require_role
from .errors import InvalidInput
from .evaluation import assessment_refresh, normalize_answer, stored_answers


def assessment_export(*, user, assessment: Assessment) -> dict[str, Any]:
    """The assessment's answers and evidence as a dossier (audited as a download)."""
    require_role(user, STAFF_ROLES, "export a dossier")
    checklist = assessment.checklist
    evidence: dict[str, list[dict]] = {}
    held = set()  # (SHA-256, question): the same file under another question is not this
    for document in assessment.documents.filter(is_current=True).order_by("uploaded_at", "pk"):
        for qid in document.question_ids:
            held.add((document.sha256, qid))
            evidence.setdefault(qid, []).append(
                {"name": document.original_name, "kind": document.kind, "sha256": document.sha256})
    # Named by an imported dossier and not held: listed apart, so that the file evaluates
    # as the app does (without them) and an import of it expects them again.
    expected: dict[str, list[dict]] = {}
    for item in assessment.expected_documents.order_by("pk"):
        if (item.sha256, item.question_id) not in held:
            expected.setdefault(item.question_id, []).append(
                {"name": item.name, "kind": item.kind, "sha256": item.sha256})
    data = {
        "checklist_version": checklist.version,
        "product": {"name": assessment.product.name, "vendor": assessment.product.vendor.name},
        "answers": stored_answers(assessment),
        "evidence": evidence,
        "expected_evidence": expected,
    }
    # Through the parser and back: one canonical form (checklist order, typed values).
    dossier = dossier_to_dict(parse_dossier(data, checklists=lambda _: checklist))
    with transaction.atomic():
        audit_record(actor=Actor.for_user(user), event=AuditEvent.DOWNLOAD,
                     assessment=assessment, obj=assessment,
                     summary=f"Dossier of assessment {assessment.number} exported",
                     after={"answers": len(dossier["answers"])})
    return dossier


@dataclass(frozen=True)
class ImportResult:
    answers: int  # written: new or changed
    matched_documents: int
    expected_documents: list[dict]
    unchanged: int = 0  # the same as stored: who gave them, and from what, still stand


def assessment_import(*, user, assessment: Assessment, data: Any) -> ImportResult:
    """Record a dossier's answers (source "import"); nothing is written if any part is bad.
    An answer the dossier gives as it is stored is left alone: it keeps who gave it and the
    document it was entered from (an exported dossier imported back changes nothing); one
    carried into a re-vetting is written, which confirms it."""
    require_role(user, STAFF_ROLES, "import a dossier")
    checklist = assessment.checklist
    try:
        dossier = parse_dossier(data, source="dossier", checklists=_only(checklist))
    except DossierError as exc:  # every problem, each on its own line next to the file
        raise InvalidInput.of([("file", problem) for problem in exc.problems]) from None
    exported = dossier_to_dict(dossier)
    with transaction.atomic():
        assessment = lock_assessment(assessment)
        actor = writer_check(assessment, user, None, "import a dossier")
        stored = {qid: (value, source) for qid, value, source
                  in assessment.answers.values_list("question_id", "value", "source")}
        # Written: what differs, and what was carried into a re-vetting (importing it
        # confirms it, as saving it on a step does).
        written = [qid for qid, value in exported["answers"].items()
                   if qid not in stored or stored[qid][1] == AnswerSource.CARRIED_OVER
                   or stored[qid][0] != normalize_answer(checklist, qid, value)]
        for qid in written:
            set_answer_locked(assessment, qid, exported["answers"][qid], actor=actor,
                              source=AnswerSource.IMPORT)
        matched, expected = _import_evidence(assessment, exported["evidence"])
        held_now, still_expected = _import_evidence(assessment,
                                                    exported.get("expected_evidence", {}))
        matched, expected = matched + held_now, expected + still_expected
        assessment_refresh(assessment=assessment)
        audit_record(actor=Actor.for_user(user), event=AuditEvent.IMPORT,
                     assessment=assessment, obj=assessment,
                     summary=f"Dossier imported: {len(written)} answers written "
                             f"({len(exported['answers']) - len(written)} as stored), "
                             f"{len(matched)} documents matched, {len(expected)} expected",
                     after={"answers": sorted(written), "matched": matched,
                            "expected": expected})
    return ImportResult(len(written), len(matched), expected,
                        unchanged=len(exported["answers"]) - len(written))


def _only(checklist):
    def lookup(version: str):
        if version != checklist.version:
            raise DossierError(
                f"the dossier is for checklist v{version}; this assessment uses "
                f"v{checklist.version}")
        return checklist

    return lookup


def _import_evidence(assessment: Assessment, evidence: dict) -> tuple[list[dict], list[dict]]:
    """Link documents the clinic holds (same SHA-256 and kind); list the others as expected."""
    held = list(assessment.documents.filter(is_current=True))  # a file may be held twice
    matched, expected = [], []
    for qid, items in evidence.items():
        for item in items:
            document = next((d for d in held
                             if d.sha256 == item["sha256"] and d.kind == item["kind"]), None)
            if document is not None:
                if qid not in document.question_ids:
                    document.question_ids = [*document.question_ids, qid]
                    document.save(update_fields=["question_ids"])
                matched.append({"question": qid, "document": document.pk, **item})
                continue
            ExpectedEvidence.objects.get_or_create(
                assessment=assessment, question_id=qid, sha256=item["sha256"],
                defaults={"name": item["name"], "kind": item["kind"]},
            )
            expected.append({"question": qid, **item})
    return matched, expected
