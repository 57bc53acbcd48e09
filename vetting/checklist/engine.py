"""The rules engine: answers in, findings, evidence scores and a recommendation out.

Pure Python with no database access, so the same evaluation serves the web app, the
``evaluate_dossier`` command and the tests. It follows the end of
shared/domain/checklist-spec.md:

- A question applies unless its (or its domain's) condition is definitely false.
- A rule fires when its ``when`` is definitely true and its ``unless`` is not.
- An applicable question with no answer at all is a MISSING finding; so is one answered
  in part, when a check cannot be made without a field it leaves blank (unless the
  question is already flagged); an inapplicable question is never missing. A multiple
  choice with nothing ticked is no answer. A question asked only because whether it
  applies cannot be told yet, and not answered, is MISSING with its RED flags alone.
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

from .conditions import Condition, Context, fields_read, is_answered
from .schema import Checklist, Field, Question


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


def _surely_applies(domain, question: Question, ctx: Context) -> bool:
    """Whether the question applies for certain (not only because it cannot be told yet)."""
    return all(condition is None or condition.evaluate(ctx) is True
               for condition in (domain.applies_when, question.applies_when))


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


def _missing(question: Question, blank: tuple[Field, ...] = ()) -> Finding:
    """Not answered, or (`blank`) answered in part without fields a check needs."""
    who = "the vendor" if question.by == "vendor" else "the practitioner"
    if blank:
        them = "it" if len(blank) == 1 else "them"
        reason = (f"Partly answered: {', '.join(f.label for f in blank)} not given, and a "
                  f"check needs {them} ({who} answers {them}).")
    else:
        reason = f"Not answered yet ({who} answers this question)."
    return Finding(Severity.MISSING, question.id, question.domain_id, question.text, None,
                   None, reason, ())


def _partly_answered(checklist: Checklist, ctx: Context, findings: list[Finding],
                     applicable: set[str], undecided: set[str]) -> list[Finding]:
    """A MISSING finding for each answered question with a field not given (in a row of a
    repeatable question) that a check cannot be made without: not knowing is no answer.
    A check of a question already flagged is left aside: its flag stands, and the fields it
    would read may not apply (an endotoxin result, when endotoxin was not tested)."""
    flagged = {f.question_id for f in findings if f.severity != Severity.MISSING}
    blank: dict[str, list[Field]] = {}
    for question in map(checklist.question, applicable - flagged):
        for rule in question.rules:
            if rule.id not in undecided:
                continue
            for qid, name in sorted(fields_read(rule.when)):
                target = checklist.question(qid)
                field = target.field_map.get(name)
                # The clinic's own part of a vendor question is asked for when the case is
                # submitted for review (services.lifecycle), not of the vendor.
                if (field is None or field.type == "document" or qid not in applicable
                        or name in target.clinic_fields or not ctx.question_answered(qid)
                        or field in blank.get(qid, [])):
                    continue
                rows = ctx.rows(qid) if target.repeatable else [ctx.answers.get(qid) or {}]
                if not rows or any(not is_answered(row.get(name)) for row in rows):
                    blank.setdefault(qid, []).append(field)
    return [_missing(checklist.question(qid), tuple(fields)) for qid, fields in blank.items()]


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
            answered = ctx.question_answered(qid)
            flags = _flags(question, ctx, undecided)
            if not answered and not _surely_applies(domain, question, ctx):
                # Asked because a deciding answer is missing: its own MISSING says enough,
                # an AMBER for not answering a question that may not apply says too much
                # (a RED stands: a hard stop is not lifted by another gap).
                flags = [f for f in flags if f.severity == Severity.RED]
            findings.extend(flags)
            if not answered:
                findings.append(_missing(question))
            if gap := _gap(question, ctx, answered):
                gaps.append(gap)
        scores.append(
            DomainScore(
                domain.id, domain.title, domain.summary, count, count - len(gaps), tuple(gaps)
            )
        )
    partly = _partly_answered(checklist, ctx, findings, set(applicable), set(undecided))
    if partly:  # each after its question's own findings, in checklist order
        order = {q.id: n for n, q in enumerate(checklist.questions)}
        findings = sorted([*findings, *partly], key=lambda f: order[f.question_id])
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
