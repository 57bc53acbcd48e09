"""Shared helpers for the checklist tests (pure Python: no database)."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

from vetting.checklist import Evaluation, Evidence, evaluate, get_checklist, parse_dossier

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples"
FIXTURES = Path(__file__).resolve().parent
ON = date(2026, 12, 1)  # the evaluation date every test uses unless it says otherwise
V1 = get_checklist("1")


def example(name: str) -> dict[str, Any]:
    """A fresh copy of an example dossier's JSON."""
    return json.loads((EXAMPLES / f"{name}.json").read_text())


def good() -> dict[str, Any]:
    return example("well-documented-product")


def patch(data: dict[str, Any], answers: dict | None = None, **docs: Any) -> dict[str, Any]:
    """Apply answer changes to dossier JSON: a field set to None is removed, a question
    set to None is removed, a list replaces rows. ``drop=[(qid, kind)]`` removes evidence."""
    data = copy.deepcopy(data)
    for qid, change in (answers or {}).items():
        if change is None:
            data["answers"].pop(qid, None)
        elif isinstance(change, list):
            data["answers"][qid] = change
        else:
            row = data["answers"].setdefault(qid, {})
            for name, value in change.items():
                if value is None:
                    row.pop(name, None)
                else:
                    row[name] = value
    for qid, kind in docs.get("drop", ()):
        items = [e for e in data["evidence"].get(qid, []) if e["kind"] != kind]
        data["evidence"][qid] = items
    for qid, kind in docs.get("add", ()):
        data["evidence"].setdefault(qid, []).append(
            {"name": f"{kind}.pdf", "kind": kind, "sha256": "ab" * 32}
        )
    return data


def run(data: dict[str, Any], on_date: date = ON) -> Evaluation:
    dossier = parse_dossier(data)
    return evaluate(dossier.checklist, dossier.answers, dossier.evidence, on_date=on_date)


def fired(data: dict[str, Any], on_date: date = ON) -> set[str]:
    return {f.rule_id for f in run(data, on_date).findings if f.rule_id}


def missing(evaluation: Evaluation) -> set[str]:
    return {f.question_id for f in evaluation.findings if f.severity == "MISSING"}


def doc(name: str, kind: str) -> Evidence:
    return Evidence(name, kind, "0" * 64)
