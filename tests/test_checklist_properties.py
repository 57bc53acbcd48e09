"""Properties of the engine over any well-typed answer set (hypothesis).

max_examples comes from the profiles in tests/conftest.py, never from here.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tests.checklist_fixtures import V1, missing
from vetting.checklist import (
    Evaluation,
    Evidence,
    Question,
    Recommendation,
    Severity,
    dossier_to_dict,
    evaluate,
    parse_dossier,
)
from vetting.checklist.conditions import is_answered
from vetting.checklist.schema import Field

DATES = st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))


def value_of(field: Field) -> st.SearchStrategy[Any]:
    if field.type in ("yn", "choice"):
        return st.sampled_from(list(field.allowed_values))
    if field.type == "multi":
        choices = list(field.choices)
        return st.lists(st.sampled_from(choices), unique=True).map(
            lambda chosen: tuple(c for c in choices if c in chosen)
        )
    if field.type == "number":
        low = field.minimum if field.minimum is not None else -1e6
        if field.integer:
            return st.integers(min_value=int(low), max_value=10**6)
        return st.floats(min_value=low, max_value=1e12, allow_nan=False)
    if field.type == "date":
        return DATES
    # Storable text: no NUL, no lone surrogate (refused), no carriage return (stored as \n).
    return st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00\r"),
                   max_size=12)


def row_of(question: Question) -> st.SearchStrategy[dict[str, Any]]:
    fields = [f for f in question.fields if not f.is_document]
    return st.fixed_dictionaries({}, optional={f.name: value_of(f) for f in fields})


def answer_of(question: Question, *, nonempty: bool = False) -> st.SearchStrategy[Any]:
    """A well-typed answer; `nonempty`: one that answers the question (a field of its
    answerer set: the clinic's own fields of a vendor question alone do not)."""
    own = question.clinic_fields
    row = row_of(question).filter(lambda r: not nonempty or any(
        is_answered(v) for k, v in r.items() if k not in own))
    if question.repeatable:
        return st.lists(row, min_size=1 if nonempty else 0, max_size=3)
    return row


ANSWERS = st.fixed_dictionaries({}, optional={q.id: answer_of(q) for q in V1.questions})
EVIDENCE = st.fixed_dictionaries(
    {},
    optional={
        q.id: st.lists(st.sampled_from(sorted(q.document_kinds())), unique=True, min_size=1).map(
            lambda kinds: [Evidence(f"{k}.pdf", k, "0" * 64) for k in kinds]
        )
        for q in V1.questions
        if q.document_kinds()
    },
)


def scores(evaluation: Evaluation) -> list[int | None]:
    summaries = [evaluation.reporting_completeness, evaluation.clinical_evidence]
    return [s.percent for s in (*evaluation.scores, *summaries)]


@given(answers=ANSWERS, evidence=EVIDENCE, on_date=DATES)
def test_the_engine_never_crashes_on_well_typed_answers(answers, evidence, on_date):
    evaluation = evaluate(V1, answers, evidence, on_date=on_date)
    json.dumps(evaluation.to_dict())
    assert set(evaluation.applicable) | set(evaluation.not_applicable) == set(V1.question_map)
    assert all(p is None or 0 <= p <= 100 for p in scores(evaluation))
    severities = {f.severity for f in evaluation.findings}
    expected = (
        Recommendation.DO_NOT_APPROVE
        if Severity.RED in severities
        else Recommendation.APPROVE_WITH_CONDITIONS
        if severities
        else Recommendation.NO_OBJECTIONS
    )
    assert evaluation.recommendation is expected
    assert not {f.question_id for f in evaluation.findings} & set(evaluation.not_applicable)


@given(answers=ANSWERS, evidence=EVIDENCE, data=st.data())
def test_answering_a_missing_question_never_adds_a_missing_finding(answers, evidence, data):
    before = evaluate(V1, answers, evidence, on_date=date(2026, 12, 1))
    if not missing(before):
        return
    qid = data.draw(st.sampled_from(sorted(missing(before))))
    answered = {**answers, qid: data.draw(answer_of(V1.question(qid), nonempty=True))}
    after = evaluate(V1, answered, evidence, on_date=date(2026, 12, 1))
    assert missing(after) - {qid} <= missing(before) - {qid}
    # The answered question itself stays missing only for a field a check still needs.
    assert all(f.reason.startswith("Partly answered: ") for f in after.findings
               if f.question_id == qid and f.severity == Severity.MISSING)


@given(answers=ANSWERS, evidence=EVIDENCE, data=st.data())
def test_attaching_a_document_never_lowers_a_score(answers, evidence, data):
    before = evaluate(V1, answers, evidence, on_date=date(2026, 12, 1))
    slots = [
        (q.id, kind)
        for q in V1.questions
        for kind in sorted(q.document_kinds())
        if kind not in {e.kind for e in evidence.get(q.id, [])}
    ]
    if not slots:
        return
    qid, kind = data.draw(st.sampled_from(slots))
    attached = {**evidence, qid: [*evidence.get(qid, []), Evidence("new.pdf", kind, "1" * 64)]}
    after = evaluate(V1, answers, attached, on_date=date(2026, 12, 1))
    for old, new in zip(scores(before), scores(after), strict=True):
        assert old is None and new is None or new >= old


@given(answers=ANSWERS, evidence=EVIDENCE)
def test_a_dossier_export_parses_back_to_the_same_answers(answers, evidence):
    exported = {
        "checklist_version": "1",
        "answers": answers,
        "evidence": {
            qid: [{"name": e.name, "kind": e.kind, "sha256": e.sha256} for e in items]
            for qid, items in evidence.items()
        },
    }
    text = json.dumps(exported, default=lambda v: v.isoformat() if isinstance(v, date) else v)
    dossier = parse_dossier(json.loads(text))
    assert parse_dossier(dossier_to_dict(dossier)) == dossier
