"""Context for the checklist and summary pages, built from the rules engine's evaluation."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from vetting import services
from vetting.checklist import Evaluation, Severity
from vetting.checklist.conditions import is_answered
from vetting.forms.checklist import DomainForm, prefix
from vetting.models import Answer, Assessment, EvidenceDocument
from vetting.services.answers import vendor_may_write
from vetting.services.errors import ServiceError
from vetting.services.evaluation import current_documents, normalize_answer, stored_answers
from vetting.services.reports import report_may_retry
from vetting.templatetags.vetting_tags import answer_text

SEVERITY_ORDER = [Severity.RED, Severity.AMBER, Severity.MISSING]


def progress(assessment: Assessment, evaluation: Evaluation) -> list[dict[str, Any]]:
    """Per domain: answered / applicable questions, for the step navigation."""
    missing = defaultdict(int)
    for finding in evaluation.findings:
        if finding.severity == Severity.MISSING:
            missing[finding.domain_id] += 1
    rows = []
    for domain, score in zip(assessment.checklist.domains, evaluation.scores, strict=True):
        answered = score.applicable - missing[domain.id]
        percent = round(100 * answered / score.applicable) if score.applicable else 100
        rows.append({"domain": domain, "applicable": score.applicable, "answered": answered,
                     "percent": percent, "score": score})
    return rows


def counts(evaluation: Evaluation) -> dict[str, int]:
    return {s.value: evaluation.count(s) for s in Severity}


def panel_context(assessment: Assessment, evaluation: Evaluation,
                  domain_id: str | None = None) -> dict[str, Any]:
    findings = [f for f in evaluation.findings if domain_id is None or f.domain_id == domain_id]
    return {"assessment": assessment, "evaluation": evaluation, "counts": counts(evaluation),
            "findings": [f for f in findings if f.severity != Severity.MISSING],
            "missing": [f for f in findings if f.severity == Severity.MISSING],
            "domain_id": domain_id, "sources": assessment.checklist.sources}


def step_answers(assessment: Assessment) -> list[Answer]:
    """The stored answers, with who answered and from which document, read once per page."""
    return list(assessment.answers.select_related("answered_by", "source_document",
                                                  "clinic_fields_by"))


def with_previous_versions(assessment: Assessment, documents: list[EvidenceDocument]
                           ) -> list[EvidenceDocument]:
    """Set `document.previous_versions` (the versions it replaced, newest first) on current
    documents that have none yet, in one query: a replaced file stays in the record and is
    listed with its successor."""
    todo = [d for d in documents if not hasattr(d, "previous_versions")]
    if any(d.replaces_id for d in todo):
        older = {d.pk: d for d in assessment.documents.filter(is_current=False)}
    else:
        older = {}
    for document in todo:
        chain, pk = [], document.replaces_id
        while pk in older and len(chain) < len(older):
            chain.append(older[pk])
            pk = older[pk].replaces_id
        document.previous_versions = chain
    return documents


def answer_sources(assessment: Assessment, answers: list[Answer],
                   documents: list[EvidenceDocument]) -> dict[str, int]:
    """The document each answer was entered from, as the step offers it: a document since
    replaced is offered as its current version (the answer's caption still names the file
    it was entered from)."""
    current = {d.pk for d in documents}
    sources = {a.question_id: a.source_document_id for a in answers if a.source_document_id}
    if all(pk in current for pk in sources.values()):
        return sources
    successor = {old.pk: document.pk for document in with_previous_versions(assessment, documents)
                 for old in document.previous_versions}
    return {qid: successor.get(pk, pk) for qid, pk in sources.items()}


def _records_a_value(question, answer: Answer | None) -> bool:
    """Whether a stored answer records what a question asks beyond its documents (the
    engine takes a document alone as an answer, but its checks run on the values; the
    clinic's own fields in a vendor question do not count, as in the engine). A question
    that asks for documents only needs none."""
    names = {f.name for f in question.fields if not f.is_document} - question.clinic_fields
    if not names:
        return True
    value = answer.value if answer is not None else None
    rows = value if isinstance(value, list) else [value] if isinstance(value, dict) else []
    return any(is_answered(row.get(name)) for row in rows if isinstance(row, dict)
               for name in names)


def changed_meanwhile(form: DomainForm, questions: list, answers: dict[str, Answer], *,
                      for_vendor: bool = False) -> dict[str, str]:
    """Why each of these questions was not saved: its answer changed since the page was
    loaded (by whom, when and to what). The vendor reads "the clinic" for clinic staff."""
    reasons = {}
    for question in questions:
        answer = answers.get(question.id)
        part = form.shown_part(question, answer.value if answer else None)
        if part is None:
            reasons[question.id] = ("Cleared since you opened this page. Your answer below was "
                                    "not saved: save again to record it.")
            continue
        who, at = answer.answered_by_label, answer.answered_at
        if answer.clinic_fields_at and answer.clinic_fields_at > at and not for_vendor:
            who, at = answer.clinic_fields_by_label, answer.clinic_fields_at
        if for_vendor and answer.answered_by_id:
            who = "the clinic"
        when = date_format(timezone.localtime(at), "Y-m-d H:i")
        reasons[question.id] = (
            f"Changed since you opened this page, by {who} on {when}, to: "
            f"{answer_text(part, question)}. Your answer below was not saved: save again to "
            "replace theirs with it, or reload the page to keep theirs.")
    return reasons


def step_context(assessment: Assessment, domain_id: str, form: DomainForm,
                 documents: list[EvidenceDocument], errors: dict[str, str],
                 answers: list[Answer]) -> dict[str, Any]:
    checklist = assessment.checklist
    evaluation = services.assessment_evaluation(
        assessment, answers={a.question_id: a.value for a in answers}, documents=documents)
    findings = defaultdict(list)
    for finding in evaluation.findings:
        findings[finding.question_id].append(finding)
    answers = {a.question_id: a for a in answers}
    docs_by_question = defaultdict(list)
    for document in with_previous_versions(assessment, documents):
        for qid in document.question_ids:
            docs_by_question[qid].append(document)
    not_applicable = set(evaluation.not_applicable)
    questions = [{
        "q": question, "anchor": prefix(question), "na": question.id in not_applicable,
        "fields": form.bound_fields(question), "answer": answers.get(question.id),
        "documents": docs_by_question.get(question.id, []),
        "document_fields": question.documents, "findings": findings.get(question.id, []),
        "error": errors.get(question.id),
        "clinic_fields": [f.label for f in question.fields if f.by == "practitioner"],
        "values_missing": bool(docs_by_question.get(question.id))
        and not _records_a_value(question, answers.get(question.id)),
        # A vendor question holding only the clinic's own fields (4.1's vial lot): not an
        # answer yet (the engine does not count them), so not captioned as one.
        "clinic_only": question.by == "vendor" and bool(question.clinic_fields)
        and answers.get(question.id) is not None
        and not _records_a_value(question, answers.get(question.id)),
    } for question in form.questions]
    ids = [d.id for d in checklist.domains]
    position = ids.index(domain_id)
    return {
        "assessment": assessment, "checklist": checklist, "domain": checklist.domain(domain_id),
        "form": form, "questions": questions, "progress": progress(assessment, evaluation),
        "not_saved": form.is_bound and bool(form.errors or errors),  # unsaved.js
        "has_documents": bool(documents),
        "session_seconds": settings.SESSION_COOKIE_AGE,  # the idle timeout (unsaved.js)
        "next_domain": ids[position + 1] if position + 1 < len(ids) else None,
        "previous_domain": ids[position - 1] if position else None,
        **panel_context(assessment, evaluation, domain_id),
    }


def summary_context(assessment: Assessment) -> dict[str, Any]:
    documents = with_previous_versions(assessment, current_documents(assessment))
    evaluation = services.assessment_evaluation(assessment, documents=documents)
    by_domain = []
    for domain, score in zip(assessment.checklist.domains, evaluation.scores, strict=True):
        items = [f for f in evaluation.findings if f.domain_id == domain.id]
        by_domain.append({"domain": domain, "score": score,
                          "step_url": reverse("assessment_step", args=[assessment.pk, domain.id]),
                          "flags": [f for f in items if f.severity != Severity.MISSING],
                          "missing": [f for f in items if f.severity == Severity.MISSING]})
    decision = getattr(assessment, "decision", None)
    return {
        "assessment": assessment, "evaluation": evaluation, "counts": counts(evaluation),
        "by_domain": by_domain, "progress": progress(assessment, evaluation),
        "chart": score_chart(evaluation), "sources": assessment.checklist.sources,
        "documents": documents,
        "submissions": list(assessment.submissions.order_by("number")),
        "vendor_open": vendor_may_write(assessment),
        # "Continue": the first step with a question still to answer (else the first).
        "first_domain": next((b["domain"].id for b in by_domain if b["missing"]),
                             assessment.checklist.domains[0].id),
        "decision": decision,
        # A report is the report of a decision: none to read before there is one.
        "reports": [_with_retry(r) for r in assessment.reports.select_related(
            "certificate").order_by("-created_at")] if decision else [],
    }


def _with_retry(report):
    report.may_retry = report_may_retry(report)
    return report


def score_chart(evaluation: Evaluation) -> dict[str, Any]:
    """Geometry of the evidence-score bar chart (an inline SVG, no chart library)."""
    rows = []
    summaries = [("Reporting completeness (0-5)", evaluation.reporting_completeness),
                 ("Clinical evidence (6-7)", evaluation.clinical_evidence)]
    entries = [(f"{s.domain_id}. {s.title}", s) for s in evaluation.scores] + summaries
    for index, (label, score) in enumerate(entries):
        percent = score.percent
        rows.append({"label": label, "percent": percent, "y": 4 + index * 32,
                     "width": round(3 * (percent or 0), 1), "summary": index >= len(
                         evaluation.scores), "applicable": score.applicable,
                     "complete": score.complete})
    return {"rows": rows, "height": 8 + len(rows) * 32}


def merged_answers(assessment: Assessment, form: DomainForm) -> dict[str, Any]:
    """Stored answers with this step's posted values over them (invalid ones skipped)."""
    answers = stored_answers(assessment)
    cleaned = getattr(form, "cleaned_data", {})
    form.cleaned_data = cleaned
    for question in form.questions:
        try:
            value = normalize_answer(assessment.checklist, question.id,
                                     form.question_value(question))
        except ServiceError:
            continue
        if value is None:
            answers.pop(question.id, None)
        else:
            answers[question.id] = value
    return answers


def answers_with_evidence(assessment: Assessment) -> list[dict[str, Any]]:
    """Each domain's questions with their answer, provenance and documents, for review."""
    answers = {a.question_id: a for a in assessment.answers.select_related(
        "answered_by", "source_document", "clinic_fields_by")}
    documents = defaultdict(list)
    for document in current_documents(assessment):
        for qid in document.question_ids:
            documents[qid].append(document)
    evaluation = services.assessment_evaluation(assessment)
    not_applicable = set(evaluation.not_applicable)
    checklist = assessment.checklist
    return [{"domain": domain, "questions": [
        {"q": checklist.question(qid), "answer": answers.get(qid),
         "documents": documents.get(qid, []), "na": qid in not_applicable}
        for qid in domain.question_ids]} for domain in checklist.domains]


def comments_by_question(assessment: Assessment) -> dict[str, list]:
    comments = defaultdict(list)
    for comment in assessment.review_comments.select_related("author"):
        comments[comment.question_id].append(comment)
    return dict(comments)
