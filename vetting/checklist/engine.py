"""The rules engine: answers in, findings, evidence scores and a recommendation out.

Pure Python with no database access, so the same evaluation serves the web app, the
``evaluate_dossier`` command and the tests. It follows the end of
shared/domain/checklist-spec.md:

- A question applies unless its (or its domain's) condition is definitely false.
- A rule fires when its ``when`` is definitely true and its ``unless`` is not.
- An applicable question with no answer at all is a MISSING finding; an inapplicable
  question is never missing.
- Evidence score of a domain: applicable questions that are answered, with every
  document they ask for attached, over applicable questions. Reporting completeness
  (domains 0-5) and clinical evidence (domains 6-7) are pooled separately.
- Recommendation: any RED -> do not approve; else any AMBER or MISSING -> approve only
  with conditions; else no objections found.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from .conditions import Condition, Context
from .schema import Checklist, Question


class Severity(StrEnum):
    RED = "RED"
    AMBER = "AMBER"
    MISSING = "MISSING"


SEVERITY_ORDER = {Severity.RED: 0, Severity.AMBER: 1, Severity.MISSING: 2}


class Recommendation(StrEnum):
    DO_NOT_APPROVE = "do_not_approve"
    APPROVE_WITH_CONDITIONS = "approve_with_conditions"
    NO_OBJECTIONS = "no_objections"

    @property
    def label(self) -> str:
        return RECOMMENDATION_LABELS[self]


RECOMMENDATION_LABELS = {
    Recommendation.DO_NOT_APPROVE: "Do not approve",
    Recommendation.APPROVE_WITH_CONDITIONS: "Approve only with conditions",
    Recommendation.NO_OBJECTIONS: "No objections found",
}


@dataclass(frozen=True)
class Evidence:
    """One document listed for a question: file name, kind and SHA-256 of its content."""

    name: str
    kind: str
    sha256: str


@dataclass(frozen=True)
class Finding:
    severity: Severity
    question_id: str
    domain_id: str
    question_text: str
    field: str | None  # the field the finding points at; None for MISSING
    rule_id: str | None  # None for MISSING
    reason: str
    sources: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity.value,
            "question": self.question_id,
            "domain": self.domain_id,
            "question_text": self.question_text,
            "field": self.field,
            "rule": self.rule_id,
            "reason": self.reason,
            "sources": list(self.sources),
        }


@dataclass(frozen=True)
class Gap:
    """Why an applicable question does not count towards its domain's score."""

    question_id: str
    unanswered: bool
    documents: tuple[str, ...]  # kinds asked for and not attached

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question_id,
            "unanswered": self.unanswered,
            "documents": list(self.documents),
        }


def _percent(complete: int, applicable: int) -> int | None:
    if applicable == 0:
        return None
    return (200 * complete + applicable) // (2 * applicable)  # rounds half up


@dataclass(frozen=True)
class DomainScore:
    domain_id: str
    title: str
    summary: str  # "reporting" or "clinical"
    applicable: int
    complete: int
    gaps: tuple[Gap, ...]

    @property
    def percent(self) -> int | None:
        return _percent(self.complete, self.applicable)

    def to_dict(self) -> dict[str, Any]:
        return {
            "domain": self.domain_id,
            "title": self.title,
            "summary": self.summary,
            "applicable": self.applicable,
            "complete": self.complete,
            "percent": self.percent,
            "missing": [gap.to_dict() for gap in self.gaps],
        }


@dataclass(frozen=True)
class SummaryScore:
    summary: str  # "reporting" or "clinical"
    domain_ids: tuple[str, ...]
    applicable: int
    complete: int

    @property
    def percent(self) -> int | None:
        return _percent(self.complete, self.applicable)

    def to_dict(self) -> dict[str, Any]:
        return {
            "domains": list(self.domain_ids),
            "applicable": self.applicable,
            "complete": self.complete,
            "percent": self.percent,
        }


@dataclass(frozen=True)
class Evaluation:
    checklist_version: str
    on_date: date
    applicable: tuple[str, ...]  # question IDs, in checklist order
    not_applicable: tuple[str, ...]
    findings: tuple[Finding, ...]
    scores: tuple[DomainScore, ...]
    reporting_completeness: SummaryScore
    clinical_evidence: SummaryScore
    recommendation: Recommendation
    # Rules of applicable questions whose condition is not known (it reads a field not
    # answered): the check they make is not made yet. Not part of to_dict.
    undecided: tuple[str, ...] = ()

    def count(self, severity: Severity | str) -> int:
        wanted = Severity(severity)
        return sum(1 for f in self.findings if f.severity is wanted)

    def to_dict(self) -> dict[str, Any]:
        return {
            "checklist_version": self.checklist_version,
            "evaluated_on": self.on_date.isoformat(),
            "recommendation": {
                "value": self.recommendation.value,
                "label": self.recommendation.label,
            },
            "counts": {s.value: self.count(s) for s in Severity},
            "findings": [f.to_dict() for f in self.findings],
            "scores": {
                "reporting_completeness": self.reporting_completeness.to_dict(),
                "clinical_evidence": self.clinical_evidence.to_dict(),
                "domains": [s.to_dict() for s in self.scores],
            },
            "applicable_questions": list(self.applicable),
            "not_applicable_questions": list(self.not_applicable),
        }


# ---------------------------------------------------------------- evaluation


def _applies(condition: Condition | None, ctx: Context) -> bool:
    # When we cannot yet tell (a deciding answer is missing), the question is asked.
    return condition is None or condition.evaluate(ctx) is not False


def _kinds(evidence: Mapping[str, Iterable[Evidence]] | None) -> dict[str, frozenset[str]]:
    return {qid: frozenset(e.kind for e in items) for qid, items in (evidence or {}).items()}


def _flags(question: Question, ctx: Context, undecided: list[str]) -> list[Finding]:
    """The question's RED and AMBER findings; the IDs of rules not known go to `undecided`."""
    findings = []
    for rule in question.rules:
        truth = rule.when.evaluate(ctx)
        if truth is None:
            undecided.append(rule.id)
        if truth is not True:
            continue
        if rule.unless is not None and rule.unless.evaluate(ctx) is True:
            continue
        findings.append(
            Finding(
                Severity(rule.severity),
                question.id,
                question.domain_id,
                question.text,
                rule.field,
                rule.id,
                rule.reason,
                rule.sources,
            )
        )
    # Stable sort: RED before AMBER, file order within a severity.
    return sorted(findings, key=lambda f: SEVERITY_ORDER[f.severity])


def _missing(question: Question) -> Finding:
    who = "the vendor" if question.by == "vendor" else "the practitioner"
    return Finding(
        Severity.MISSING,
        question.id,
        question.domain_id,
        question.text,
        None,
        None,
        f"Not answered yet ({who} answers this question).",
        (),
    )


def _gap(question: Question, ctx: Context, answered: bool) -> Gap | None:
    attached = ctx.kinds.get(question.id, frozenset())
    documents = tuple(
        f.kind
        for f in question.documents
        if f.kind not in attached and _applies(f.applies_when, ctx)
    )
    if answered and not documents:
        return None
    return Gap(question.id, not answered, documents)


def _summary(summary: str, scores: list[DomainScore]) -> SummaryScore:
    chosen = [s for s in scores if s.summary == summary]
    return SummaryScore(
        summary,
        tuple(s.domain_id for s in chosen),
        sum(s.applicable for s in chosen),
        sum(s.complete for s in chosen),
    )


def _recommend(findings: list[Finding]) -> Recommendation:
    severities = {f.severity for f in findings}
    if Severity.RED in severities:
        return Recommendation.DO_NOT_APPROVE
    if severities:
        return Recommendation.APPROVE_WITH_CONDITIONS
    return Recommendation.NO_OBJECTIONS


def evaluate(
    checklist: Checklist,
    answers: Mapping[str, Any],
    evidence: Mapping[str, Iterable[Evidence]] | None = None,
    *,
    on_date: date,
) -> Evaluation:
    """Evaluate one assessment's answers and evidence against a checklist version.

    ``answers`` maps question ID to {field name: value}, or to a list of such rows for
    a repeatable question. ``on_date`` is the evaluation date that date rules compare
    with (an expired certificate or lot).
    """
    clinic_fields = {q.id: q.clinic_fields for q in checklist.questions if q.clinic_fields}
    ctx = Context(answers, _kinds(evidence), on_date, clinic_fields)
    applicable: list[str] = []
    not_applicable: list[str] = []
    findings: list[Finding] = []
    undecided: list[str] = []
    scores: list[DomainScore] = []
    for domain in checklist.domains:
        domain_applies = _applies(domain.applies_when, ctx)
        gaps: list[Gap] = []
        count = 0
        for qid in domain.question_ids:
            question = checklist.question(qid)
            if not (domain_applies and _applies(question.applies_when, ctx)):
                not_applicable.append(qid)
                continue
            applicable.append(qid)
            count += 1
            findings.extend(_flags(question, ctx, undecided))
            answered = ctx.question_answered(qid)
            if not answered:
                findings.append(_missing(question))
            if gap := _gap(question, ctx, answered):
                gaps.append(gap)
        scores.append(
            DomainScore(
                domain.id, domain.title, domain.summary, count, count - len(gaps), tuple(gaps)
            )
        )
    return Evaluation(
        checklist_version=checklist.version,
        on_date=on_date,
        applicable=tuple(applicable),
        not_applicable=tuple(not_applicable),
        findings=tuple(findings),
        scores=tuple(scores),
        reporting_completeness=_summary("reporting", scores),
        clinical_evidence=_summary("clinical", scores),
        recommendation=_recommend(findings),
        undecided=tuple(undecided),
    )
