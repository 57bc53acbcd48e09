"""What a report shows: everything is read from the decided assessment and its decision."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.conf import settings
from django.utils import timezone

from vetting.checklist import Severity
from vetting.models import Report
from vetting.reports.facts import applicable_facts, source_links
from vetting.services.evaluation import assessment_evaluation, current_documents

HUMAN_SOURCES = {"human_platelet_plasma", "amniotic_fluid", "other_human_cell_line"}
UNKNOWN_SOURCES = {"", "undisclosed"}
# The articles' three questions: origin, safety data, mechanism of action.
SUMMARY = [
    ("Origin", ["1.1", "1.2", "1.3", "1.4", "2.1", "2.2"]),
    ("Safety data", ["4.3", "4.4", "6.1", "6.3", "6.4", "6.5"]),
    ("Mechanism of action", ["7.1", "7.2", "7.3", "7.4", "7.5"]),
]


def _answers(assessment) -> dict[str, Any]:
    return {a.question_id: a for a in assessment.answers.select_related(
        "answered_by", "source_document", "clinic_fields_by")}


def _lots(assessment) -> list[dict]:
    try:  # lots received come with the lots issue; a report without them still renders
        from vetting.services.lots import lots_for_report
    except ImportError:
        return []
    return lots_for_report(assessment)


def _facts(answers: dict) -> dict:
    def value(qid, field):
        answer = answers.get(qid)
        return answer.value.get(field) if answer and isinstance(answer.value, dict) else None

    # The rules for human cells and tissues apply unless the source is known not to be
    # human: an undisclosed or unanswered source may well be (checklist 1.1 flags it).
    source = value("1.1", "source") or ""
    human = source.startswith("msc_") or source in HUMAN_SOURCES or source in UNKNOWN_SOURCES
    as_of, extra_sources, facts = applicable_facts(
        category=value("0.1", "category"), market=value("0.4", "market"), human=human)
    return {"as_of": as_of, "facts": facts, "extra_sources": extra_sources}


def report_context(report: Report) -> dict[str, Any]:
    assessment, decision = report.assessment, report.decision
    checklist = assessment.checklist
    signed_on = timezone.localdate(decision.signed_at)
    evaluation = assessment_evaluation(assessment, on_date=signed_on)
    answers = _answers(assessment)
    not_applicable = set(evaluation.not_applicable)
    findings = defaultdict(list)
    for finding in evaluation.findings:
        findings[finding.domain_id].append(finding)
    facts = _facts(answers)
    sources, links = {**checklist.sources, **facts["extra_sources"]}, source_links()
    documents = current_documents(assessment)
    # A question with no recorded answer may be answered by its documents alone (the
    # engine's rule, as on the review page): the report names them, not "no answer".
    by_document = defaultdict(list)
    for document in documents:
        for qid in document.question_ids:
            by_document[qid].append(document.original_name)
    cited = sorted({key for f in evaluation.findings for key in f.sources}
                   | {key for fact in facts["facts"] for key in fact.sources},
                   key=lambda k: (len(k), k))
    return {
        "report": report, "assessment": assessment, "decision": decision,
        "product": assessment.product, "vendor": assessment.product.vendor,
        "checklist": checklist, "evaluation": evaluation, "signed_on": signed_on,
        "counts": {s.value: evaluation.count(s) for s in Severity},
        "summary": [(title, [(checklist.question(q), answers.get(q), q in not_applicable)
                             for q in qids]) for title, qids in SUMMARY],
        "domains": [{"domain": d, "score": score, "findings": findings.get(d.id, []),
                     "questions": [(checklist.question(q), answers.get(q), q in not_applicable)
                                   for q in d.question_ids]}
                    for d, score in zip(checklist.domains, evaluation.scores, strict=True)],
        "documents": documents, "answered_by_documents": dict(by_document),
        "reference_lot": [(checklist.question(q), answers.get(q), q in not_applicable)
                          for q in checklist.domain("4").question_ids],
        "lots": _lots(assessment),
        "facts": facts,
        "sources": [(key, sources.get(key, ""), links.get(key, "")) for key in cited],
        # Rendered seconds before it is signed and stored: what it shows (the lots
        # received, the documents) is as of now, after the decision was signed.
        "issued_at": timezone.now(),
        "clinic_name": settings.CLINIC_NAME,
        "verify_url": settings.SITE_URL.rstrip("/") + "/verify/",
    }
