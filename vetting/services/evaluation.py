"""Evaluating an assessment's stored answers and evidence with the rules engine."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.utils import timezone

from vetting.checklist import (
    Checklist,
    DossierError,
    Evaluation,
    Evidence,
    Severity,
    answer_problems,
    dossier_to_dict,
    evaluate,
    parse_dossier,
)
from vetting.models import Assessment

from .errors import InvalidInput


def clinic_today() -> date:
    """Today in the clinic's time zone (settings.TIME_ZONE): expiry dates are days there."""
    return timezone.localdate()


def normalize_answer(checklist: Checklist, question_id: str, value: Any) -> Any:
    """Validate one question's answer; return its stored (dossier JSON) form or None if empty.

    The dossier parser is the single definition of a valid answer, so the web forms,
    the portal, import and the command agree.
    """
    data = {"checklist_version": checklist.version, "answers": {question_id: value}}
    try:
        dossier = parse_dossier(data, source="answer", checklists=lambda _version: checklist)
    except DossierError as exc:
        raise InvalidInput(str(exc).removeprefix("answer: "), field=question_id) from None
    exported = dossier_to_dict(dossier)["answers"].get(question_id)
    return exported or None  # {} or [] means nothing was answered


def consistency_check(checklist: Checklist, question_id: str, value: Any) -> None:
    """Refuse an answer (as normalize_answer returns it) that says something against itself:
    a date before one it follows (an expiry date before the issue date), a D90 below the D10,
    "none" ticked with a method (vetting.checklist.answer_problems). Made where an answer is
    written anew, not on answers stored before the check existed, nor when carried over."""
    question = checklist.question(question_id)
    dates = {f.name for f in question.fields if f.type == "date"}
    for row in value if isinstance(value, list) else [value] if value else []:
        typed = {name: date.fromisoformat(v) if name in dates and isinstance(v, str) else v
                 for name, v in row.items()}
        for _field, problem in answer_problems(question, typed, today=clinic_today()):
            raise InvalidInput(f"Question {question_id}: {problem}", field=question_id)


def stored_answers(assessment: Assessment) -> dict[str, Any]:
    return dict(assessment.answers.values_list("question_id", "value"))


def carried_over_ids(assessment: Assessment) -> frozenset[str]:
    """Question IDs whose answer was carried over from the last assessment, to confirm."""
    from vetting.models import AnswerSource

    return frozenset(assessment.answers.filter(source=AnswerSource.CARRIED_OVER)
                     .values_list("question_id", flat=True))


def current_documents(assessment: Assessment) -> list:
    """The assessment's current documents (not replaced), oldest first, with uploaders."""
    return list(assessment.documents.filter(is_current=True)
                .select_related("uploaded_by").order_by("uploaded_at", "pk"))


def current_evidence(assessment: Assessment) -> dict[str, list[Evidence]]:
    """The documents the clinic holds for each question (current versions only)."""
    return evidence_of(assessment.documents.filter(is_current=True).values_list(
        "question_ids", "original_name", "kind", "sha256"))


def evidence_of(documents: Iterable) -> dict[str, list[Evidence]]:
    """Evidence by question from (question_ids, name, kind, sha256) rows or documents."""
    evidence: dict[str, list[Evidence]] = {}
    for document in documents:
        if isinstance(document, tuple):
            question_ids, name, kind, sha256 = document
        else:
            question_ids, name, kind, sha256 = (document.question_ids, document.original_name,
                                                document.kind, document.sha256)
        for qid in question_ids:
            evidence.setdefault(qid, []).append(Evidence(name, kind, sha256))
    return evidence


def assessment_evaluation(
    assessment: Assessment,
    *,
    on_date: date | None = None,
    answers: dict[str, Any] | None = None,
    documents: list | None = None,
) -> Evaluation:
    """The engine's evaluation of the stored answers and current documents (a page that
    has read them already passes them: `answers` by question, `documents` current ones)."""
    checklist = assessment.checklist
    answers = stored_answers(assessment) if answers is None else answers
    data = {"checklist_version": checklist.version, "answers": answers}
    typed = parse_dossier(
        data, source=f"assessment {assessment.pk}", checklists=lambda _: checklist
    )
    evidence = current_evidence(assessment) if documents is None else evidence_of(documents)
    return evaluate(checklist, typed.answers, evidence, on_date=on_date or clinic_today())


def assessment_refresh(*, assessment: Assessment) -> Evaluation:
    """Store the engine's recommendation and finding counts on the assessment."""
    evaluation = assessment_evaluation(assessment)
    counts = {severity: 0 for severity in Severity}
    for finding in evaluation.findings:
        counts[finding.severity] += 1
    assessment.recommendation = evaluation.recommendation.value
    assessment.red_count = counts[Severity.RED]
    assessment.amber_count = counts[Severity.AMBER]
    assessment.missing_count = counts[Severity.MISSING]
    assessment.evaluated_at = timezone.now()
    assessment.save(
        update_fields=["recommendation", "red_count", "amber_count", "missing_count",
                       "evaluated_at", "updated_at"]
    )
    return evaluation
