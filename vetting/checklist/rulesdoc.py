"""Render docs/rules.md, the readable reference of a checklist version, from its data.

A clinic admin reads every question, when it applies and every rule with its
condition in English, without opening the YAML. The file is generated; a test and
``render_rules_doc --check`` fail when it is out of date.
"""

from __future__ import annotations

from pathlib import Path

from .conditions import Condition
from .schema import Checklist, Field, Question, Rule

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "docs" / "rules.md"

INTRO = """\
How to read this reference:

- **RED** is a hard stop: the product cannot be approved while it stands. **AMBER**
  needs follow-up: approval only with a written condition or justification.
  **MISSING** is an applicable question with no answer at all (no field, no document);
  a vendor question answered only in the fields the clinic records in it (4.1's lot
  number on the vial) is still MISSING. A question answered in part is MISSING too when
  a check cannot be made without a field it leaves blank (an endotoxin result without its
  limit), unless the question is already flagged; not knowing is no answer. A multiple
  choice with nothing ticked is no answer. A question asked only because whether it
  applies cannot be told yet (the answer that decides it is missing), and not answered,
  shows its MISSING finding and its RED flags, not its AMBER ones.
- **Recommendation**: any RED, *do not approve*; else any AMBER or MISSING, *approve
  only with conditions*; else *no objections found*.
- **Evidence score** of a domain: applicable questions that are answered *and* have
  every document they ask for attached, over applicable questions. Reporting
  completeness pools domains 0-5, clinical evidence domains 6-7; they are never
  averaged together.
- **Conditions** read answers. A test of a field that is not answered is *not known*:
  a rule fires only when its condition is definitely true, and a question applies
  unless its condition is definitely false (while the deciding answer is missing, the
  question is asked). An **unless** exception is taken only when it is definitely true.
- **"Unknown"** is an answer to yes / no questions. A test written
  `is one of “no”, “unknown”` fires on "unknown" too: not knowing is not reassurance.
  A test written `is “yes”` (or `is “no”`) does not fire on "unknown"; those rules
  say so by their condition.
- **Dates**: "before the evaluation date" compares with the date the evaluation is
  run for (`evaluate_dossier --date`, or today).
- A document field "is attached" when the dossier lists evidence of that kind for
  that question.
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _applies(condition: Condition | None) -> str:
    return "always" if condition is None else f"when {condition.render()}"


def _field_type(field: Field) -> str:
    if field.type == "yn":
        return "yes / no / unknown"
    if field.type in ("choice", "multi"):
        label = "one of" if field.type == "choice" else "any of"
        return f"{label}: " + "; ".join(f"`{k}` {v}" for k, v in field.choices.items())
    if field.type == "number":
        kind = "whole number" if field.integer else "number"
        unit = f" ({field.unit})" if field.unit else ""
        floor = f", at least {field.minimum:g}" if field.minimum is not None else ""
        return f"{kind}{unit}{floor}"
    if field.type == "document":
        asked = "" if field.applies_when is None else f"; asked {_applies(field.applies_when)}"
        return f"document of kind `{field.kind}`{asked}"
    return field.type  # date, text


def _fields(question: Question) -> list[str]:
    lines = ["| Field | Label | Type | Answered by |", "|---|---|---|---|"]
    for field in question.fields:
        row = (f"`{field.name}`", field.label, _field_type(field), field.by)
        lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
    return lines


def _rule(rule: Rule) -> list[str]:
    field = f" (field `{rule.field}`)" if rule.field else ""
    lines = [f"- **{rule.severity}** `{rule.id}`{field}", f"  - When: {rule.when.render()}."]
    if rule.unless is not None:
        lines.append(f"  - Unless (only when known): {rule.unless.render()}.")
    lines.append(f"  - Reason: {rule.reason}")
    lines.append(f"  - Sources: {', '.join(rule.sources)}")
    return lines


def _question(question: Question) -> list[str]:
    lines = [f"### {question.id} {question.text}", ""]
    lines.append(f"Answered by: {question.by}. Applies: {_applies(question.applies_when)}.")
    if question.repeatable:
        lines.append("Repeatable: one row of fields per item.")
    if question.help:
        lines += ["", question.help]
    lines += ["", *_fields(question), ""]
    if not question.rules:
        return [*lines, "No flags.", ""]
    for rule in question.rules:
        lines += _rule(rule)
    return [*lines, ""]


def render_rules_doc(checklist: Checklist) -> str:
    """The Markdown reference of one checklist version."""
    lines = [
        f"# Checklist rules, version {checklist.version}",
        "",
        f"<!-- Generated from vetting/checklists/{checklist.file} by "
        "`python manage.py render_rules_doc`. Do not edit by hand. -->",
        "",
        f"{checklist.title}. Effective {checklist.effective.isoformat()}; "
        f"{len(checklist.questions)} questions, {len(checklist.rules)} rules.",
        "",
        INTRO,
        "## Source groups",
        "",
        "Named conditions that questions and rules refer to.",
        "",
    ]
    for group in checklist.groups.values():
        lines.append(f"- **{group.title}** (`{group.name}`): {group.when.render()}.")
    for domain in checklist.domains:
        summary = "reporting completeness" if domain.summary == "reporting" else "clinical evidence"
        lines += ["", f"## {domain.id}. {domain.title}", ""]
        lines += [f"Counts towards {summary}. Applies: {_applies(domain.applies_when)}.", ""]
        for qid in domain.question_ids:
            lines += _question(checklist.question(qid))
    lines += ["## Sources", ""]
    lines += [f"- **{key}**: {text}" for key, text in checklist.sources.items()]
    return "\n".join(lines).rstrip() + "\n"
