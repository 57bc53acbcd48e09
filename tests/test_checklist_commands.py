"""evaluate_dossier and render_rules_doc, as a user and a script call them."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError

from tests.checklist_fixtures import EXAMPLES, good, patch
from vetting.checklist import get_checklist
from vetting.checklist.rulesdoc import DEFAULT_PATH, render_rules_doc
from vetting.checklist.schema import BUNDLED_DIR as BUNDLED

BAD = str(EXAMPLES / "bad-product.json")


def evaluate_file(path, *args: str) -> dict:
    out, err = io.StringIO(), io.StringIO()
    call_command("evaluate_dossier", str(path), *args, stdout=out, stderr=err)
    return json.loads(out.getvalue())


def test_evaluate_dossier_prints_findings_scores_and_recommendation_as_json():
    result = evaluate_file(BAD, "--date", "2026-12-01")
    assert result["recommendation"]["value"] == "do_not_approve"
    assert result["evaluated_on"] == "2026-12-01"
    assert {"severity", "question", "field", "reason", "sources"} <= set(result["findings"][0])
    assert set(result["scores"]) == {"reporting_completeness", "clinical_evidence", "domains"}


def test_the_date_option_decides_date_rules(tmp_path):
    path = tmp_path / "d.json"
    path.write_text(json.dumps(good()))
    assert evaluate_file(path, "--date", "2028-03-09")["counts"]["RED"] == 0
    later = evaluate_file(path, "--date", "2028-03-10")  # the GMP certificate expired
    assert {f["rule"] for f in later["findings"]} == {"2.2-expired"}


def test_without_a_date_it_evaluates_for_today(tmp_path):
    from django.utils import timezone

    assert evaluate_file(BAD)["evaluated_on"] == timezone.localdate().isoformat()


def test_it_writes_nothing(tmp_path):
    # No django_db mark: any database access would fail this test. No file is touched.
    path = tmp_path / "d.json"
    path.write_text(json.dumps(good()))
    evaluate_file(path, "--date", "2026-12-01")
    assert [p.name for p in tmp_path.iterdir()] == ["d.json"]


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("{not json", "not valid JSON"),
        (json.dumps(patch(good(), {"9.9": {"x": 1}})), "unknown question '9.9'"),
        (json.dumps(patch(good(), {"1.1": {"colour": "red"}})), "unknown field 'colour'"),
        (json.dumps(patch(good(), {"6.1": {"studies": "two"}})), "expected a number"),
        (json.dumps(patch(good(), {"1.1": {"source": "martian"}})), "is not a choice"),
        (json.dumps({**good(), "checklist_version": "7"}), "unknown checklist version '7'"),
    ],
)
def test_an_invalid_dossier_exits_2(tmp_path, content, fragment):
    path = tmp_path / "d.json"
    path.write_text(content)
    with pytest.raises(CommandError) as caught:
        evaluate_file(path)
    assert caught.value.returncode == 2
    assert fragment in str(caught.value)


def test_from_the_command_line_an_invalid_dossier_is_one_line_on_stderr(tmp_path, capsys):
    path = tmp_path / "d.json"
    path.write_text(json.dumps(patch(good(), {"1.1": {"source": "martian"}})))
    with pytest.raises(SystemExit) as caught:
        execute_from_command_line(["manage.py", "evaluate_dossier", str(path)])
    out, err = capsys.readouterr()
    assert caught.value.code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert "d.json: question 1.1, field source: 'martian' is not a choice" in err


def test_from_the_command_line_every_problem_is_a_line_on_stderr(tmp_path, capsys):
    path = tmp_path / "d.json"
    path.write_text(json.dumps(patch(good(), {"1.1": {"source": "martian"},
                                              "6.1": {"studies": "two"}})))
    with pytest.raises(SystemExit) as caught:
        execute_from_command_line(["manage.py", "evaluate_dossier", str(path)])
    out, err = capsys.readouterr()
    assert caught.value.code == 2
    assert out == ""
    assert err.splitlines() == [
        "CommandError: d.json: 2 problems:",
        "- question 1.1, field source: 'martian' is not a choice (choices: "
        + ", ".join(get_checklist("1").question("1.1").field_map["source"].allowed_values)
        + ")",
        "- question 6.1, field studies: expected a number, not 'two'"]


def test_a_bad_date_exits_2():
    with pytest.raises(CommandError, match="expected a date YYYY-MM-DD") as caught:
        evaluate_file(BAD, "--date", "1/12/2026")
    assert caught.value.returncode == 2


# ---------------------------------------------------------------- render_rules_doc


def test_render_rules_doc_check_passes_on_the_committed_file():
    out, err = io.StringIO(), io.StringIO()
    call_command("render_rules_doc", "--check", stdout=out, stderr=err)
    assert out.getvalue() == "rules.md is up to date (checklist v1)\n"  # a result: stdout
    assert err.getvalue() == ""


def test_render_rules_doc_check_fails_on_a_stale_file(tmp_path):
    stale = tmp_path / "rules.md"
    stale.write_text("# old\n")
    with pytest.raises(CommandError, match="out of date") as caught:
        call_command("render_rules_doc", "--check", "--output", str(stale), stderr=io.StringIO())
    assert caught.value.returncode == 1
    assert stale.read_text() == "# old\n"


def test_render_rules_doc_writes_the_reference(tmp_path):
    target = tmp_path / "rules.md"
    out = io.StringIO()
    call_command("render_rules_doc", "--output", str(target), stdout=out)
    assert target.read_text() == render_rules_doc(get_checklist("1"))
    assert out.getvalue() == f"wrote {target} (checklist v1)\n"
    assert DEFAULT_PATH.name == "rules.md"


def test_render_rules_doc_refuses_an_unknown_version(tmp_path):
    with pytest.raises(CommandError, match=r"unknown checklist version '9' \(known: 1\)") as caught:
        call_command(
            "render_rules_doc", "--checklist-version", "9", "--output", str(tmp_path / "r.md")
        )
    assert caught.value.returncode == 2


# ---------------------------------------------------------------- a clinic's own version


@pytest.fixture
def clinic_v2(settings, tmp_path):
    """Version 2 as a clinic adds it: a file in a folder of settings.CHECKLIST_DIRS (here
    v1 with one rule's reason reworded)."""
    text = (BUNDLED / "v1.yaml").read_text(encoding="utf-8")
    text = text.replace('version: "1"', 'version: "2"', 1).replace(
        "Claimed exempt from regulation;", "Claimed exempt from any regulation;", 1)
    folder = tmp_path / "checklists"
    folder.mkdir()
    (folder / "v2.yaml").write_text(text, encoding="utf-8")
    settings.CHECKLIST_DIRS = [str(folder)]
    return folder


def test_a_dossier_of_a_version_in_a_configured_folder_is_evaluated(tmp_path, clinic_v2):
    path = tmp_path / "d.json"
    dossier = patch({**good(), "checklist_version": "2"},
                    {"0.4": {"market": "united_states"}, "5.2": {"status": "exempt"}})
    path.write_text(json.dumps(dossier))
    result = evaluate_file(path, "--date", "2026-12-01")
    assert result["checklist_version"] == "2"
    reasons = [f["reason"] for f in result["findings"]]
    assert any(r.startswith("Claimed exempt from any regulation;") for r in reasons)


def test_a_malformed_version_file_is_an_invalid_dossier_not_a_crash(tmp_path, clinic_v2):
    (clinic_v2 / "v2.yaml").write_text(
        (clinic_v2 / "v2.yaml").read_text(encoding="utf-8").replace('version: "2"',
                                                                    'version: "3"', 1))
    path = tmp_path / "d.json"
    path.write_text(json.dumps({**good(), "checklist_version": "2"}))
    with pytest.raises(CommandError) as caught:
        evaluate_file(path)
    assert caught.value.returncode == 2
    assert "checklist version '2': v2.yaml: declares version '3'" in str(caught.value)


def test_the_rules_of_a_version_in_a_configured_folder_are_rendered(tmp_path, clinic_v2):
    target = tmp_path / "rules-v2.md"
    call_command("render_rules_doc", "--checklist-version", "2", "--output", str(target),
                 stdout=io.StringIO())
    assert "Claimed exempt from any regulation;" in target.read_text(encoding="utf-8")
    with pytest.raises(CommandError, match=r"\(known: 1, 2\)"):
        call_command("render_rules_doc", "--checklist-version", "3", "--output",
                     str(target))
