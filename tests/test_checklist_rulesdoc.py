"""docs/rules.md is generated from the checklist data and kept up to date."""

from __future__ import annotations

from vetting.checklist import get_checklist, latest_version
from vetting.checklist.rulesdoc import DEFAULT_PATH, render_rules_doc


def test_docs_rules_md_is_up_to_date():
    expected = render_rules_doc(get_checklist(latest_version()))
    assert DEFAULT_PATH.read_text(encoding="utf-8") == expected, (
        "docs/rules.md is out of date: run python manage.py render_rules_doc"
    )


def test_it_lists_every_question_and_every_rule_with_its_reason_and_sources():
    checklist = get_checklist("1")
    text = render_rules_doc(checklist)
    for question in checklist.questions:
        assert f"### {question.id} {question.text}" in text
    for rule in checklist.rules:
        assert f"**{rule.severity}** `{rule.id}`" in text
        assert rule.reason in text
        assert f"Sources: {', '.join(rule.sources)}" in text


def test_it_shows_applicability_and_unknown_in_readable_form():
    text = render_rules_doc(get_checklist("1"))
    assert (
        "### 6.2 " in text
        and "Applies: when 6.1 number of human studies is greater than 0." in text
    )
    assert "2.7 aseptic processing or sterilization validated is one of “no”, “unknown”" in text
    assert "Unless (only when known): 5.2 US status claimed is “under IND”" in text
    assert "2.2 expiry date is before the evaluation date" in text
    assert "**human source** (`human`)" in text
