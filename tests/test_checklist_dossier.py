"""The dossier format: typed answers in, one-line errors for every invalid input."""

from __future__ import annotations

import json
from datetime import date

import pytest

from tests.checklist_fixtures import EXAMPLES, good, patch
from vetting.checklist import DossierError, dossier_to_dict, load_dossier, parse_dossier


def test_answers_become_typed_values():
    dossier = parse_dossier(good())
    assert dossier.version == "1"
    assert dossier.answers["4.2"]["expiry_date"] == date(2028, 9, 14)
    assert dossier.answers["1.6"]["passage"] == 4
    assert dossier.answers["3.1"]["methods"] == ("sec", "tff")  # checklist order
    assert dossier.answers["6.2"][1]["n"] == 28
    assert dossier.evidence["6.2"][0].kind == "clinical_study"


def test_null_and_blank_text_are_not_answers():
    dossier = parse_dossier(
        patch(good(), {"2.6": {"releasing_person": "  "}, "2.3": {"sites": None}})
    )
    assert "releasing_person" not in dossier.answers["2.6"]
    dossier = parse_dossier({**good(), "answers": {"2.3": {"sites": None, "site_named": "yes"}}})
    assert dict(dossier.answers["2.3"]) == {"site_named": "yes"}


def test_a_whole_number_given_as_float_is_accepted_for_an_integer_field():
    assert parse_dossier(patch(good(), {"6.1": {"studies": 2.0}})).answers["6.1"]["studies"] == 2


def test_export_round_trips():
    dossier = parse_dossier(good())
    exported = dossier_to_dict(dossier)
    assert json.loads(json.dumps(exported)) == exported
    assert parse_dossier(exported) == dossier
    assert exported == good()  # the example is written in the exported form


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda d: d["answers"].update({"9.9": {}}), "unknown question '9.9' in checklist 1"),
        (
            lambda d: d["answers"]["1.1"].update(sourc="plant"),
            "question 1.1: unknown field 'sourc'",
        ),
        (
            lambda d: d["answers"]["1.1"].update(source="martian"),
            "question 1.1, field source: 'martian' is not a choice",
        ),
        (lambda d: d["answers"]["0.3"].update(sterile=True), "field sterile: True is not a choice"),
        (lambda d: d["answers"]["0.3"].update(sterile="maybe"), "'maybe' is not a choice"),
        (lambda d: d["answers"]["3.1"].update(methods="sec"), "expected a list of choices"),
        (lambda d: d["answers"]["3.1"].update(methods=["sec", "sec"]), "listed twice"),
        (lambda d: d["answers"]["3.1"].update(methods=["magic"]), "'magic' is not a choice"),
        (lambda d: d["answers"]["6.1"].update(studies="2"), "field studies: expected a number"),
        (lambda d: d["answers"]["6.1"].update(studies=True), "expected a number, not True"),
        (lambda d: d["answers"]["6.1"].update(studies=1.5), "expected a whole number"),
        (lambda d: d["answers"]["6.1"].update(studies=-1), "below the minimum 0"),
        (
            lambda d: d["answers"]["4.2"].update(expiry_date="14/09/2028"),
            "field expiry_date: expected a date YYYY-MM-DD",
        ),
        (lambda d: d["answers"]["4.2"].update(expiry_date="2028-02-30"), "expected a date"),
        (lambda d: d["answers"]["2.3"].update(sites=3), "field sites: expected a text"),
        (lambda d: d["answers"].update({"6.2": {"n": 3}}), "question 6.2: a repeatable question"),
        (
            lambda d: d["answers"].update({"1.1": [{"source": "plant"}]}),
            "answers must be an object",
        ),
        (lambda d: d["answers"]["6.2"][1].update(n="many"), "question 6.2, row 2, field n"),
        (lambda d: d["answers"]["4.1"].update(coa="x.pdf"), "a document is listed under evidence"),
        (lambda d: d.update(answers=[]), "answers must be an object keyed by question ID"),
        (lambda d: d.pop("answers"), "missing 'answers'"),
        (lambda d: d.pop("checklist_version"), "missing 'checklist_version'"),
        (lambda d: d.update(checklist_version=1), "checklist_version must be a string"),
        (lambda d: d.update(checklist_version="9"), "unknown checklist version '9' (known: 1)"),
        (lambda d: d.update(format="other"), "format must be 'clinic-vetting-dossier'"),
        (lambda d: d.update(extra=1), "unknown key 'extra'"),
        (lambda d: d.update(product={"name": 3}), "product must be an object of texts"),
        (lambda d: d.update(evidence=[]), "evidence must be an object"),
        (lambda d: d["evidence"].update({"9.9": []}), "unknown question '9.9'"),
        (lambda d: d["evidence"].update({"4.1": {}}), "evidence for 4.1: expected a list"),
        (
            lambda d: d["evidence"]["4.1"][0].update(kind="brochure"),
            "evidence for 4.1, item 1: kind 'brochure' is not asked for here (kinds: coa)",
        ),
        (
            lambda d: d["evidence"].update(
                {"0.1": [{"name": "a", "kind": "coa", "sha256": "0" * 64}]}
            ),
            "this question asks for no document",
        ),
        (lambda d: d["evidence"]["4.1"][0].update(sha256="abc"), "sha256 must be 64 hexadecimal"),
        (lambda d: d["evidence"]["4.1"][0].update(name=""), "name must be a non-empty text"),
        (lambda d: d["evidence"]["4.1"][0].pop("name"), "exactly name, kind, sha256"),
    ],
)
def test_an_invalid_dossier_is_refused_with_one_line(change, fragment):
    data = good()
    change(data)
    with pytest.raises(DossierError) as caught:
        parse_dossier(data, source="d.json")
    message = str(caught.value)
    assert message.startswith("d.json: ")
    assert fragment in message
    assert "\n" not in message


def test_every_answer_and_document_in_error_is_reported_at_once():
    data = patch(good(), {"1.1": {"source": "martian"}, "6.1": {"studies": "two"},
                          "9.9": {"x": 1}})
    data["evidence"]["4.1"][0]["sha256"] = "abc"
    data["product"] = {"name": 7}
    with pytest.raises(DossierError) as caught:
        parse_dossier(data, source="d.json")
    problems = caught.value.problems
    assert len(problems) == 5
    assert all(p.startswith("d.json: ") and "\n" not in p for p in problems)
    for fragment in ("question 1.1, field source: 'martian' is not a choice",
                     "question 6.1, field studies: expected a number",
                     "unknown question '9.9'", "evidence for 4.1, item 1: sha256 must be",
                     "product must be an object of texts"):
        assert sum(fragment in p for p in problems) == 1, fragment
    lines = str(caught.value).split("\n")
    assert lines[0] == "d.json: 5 problems:"
    assert lines[1:] == [f"- {p.removeprefix('d.json: ')}" for p in problems]


def test_one_problem_is_reported_per_question():
    data = patch(good(), {"1.1": {"source": "martian", "colour": "red"}})
    with pytest.raises(DossierError) as caught:
        parse_dossier(data)
    assert len(caught.value.problems) == 1


def test_a_long_list_of_problems_is_cut_and_counted():
    from vetting.checklist.dossier import MAX_PROBLEMS

    data = good()
    data["answers"] = {f"9.{i}": {} for i in range(1, MAX_PROBLEMS + 6)}
    with pytest.raises(DossierError) as caught:
        parse_dossier(data)
    problems = caught.value.problems
    assert len(problems) == MAX_PROBLEMS + 1
    assert problems[-1] == "dossier: and 5 more problems"
    assert str(caught.value).startswith(f"dossier: {MAX_PROBLEMS + 5} problems:\n")


def test_a_dossier_that_is_not_an_object_is_refused():
    with pytest.raises(DossierError, match="^dossier: the dossier must be a JSON object$"):
        parse_dossier([1, 2])


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('{"checklist_version": "1", ', "not valid JSON: Expecting property name"),
        ('{"checklist_version": "1", "answers": {"6.1": {"studies": NaN}}}', "NaN is not a number"),
        ('{"checklist_version": "1", "answers": {}, "answers": {}}', "'answers' appears twice"),
        ('{"answers": {"0.1": ' + "[" * 100_000 + "]" * 100_000 + "}}",
         "not valid JSON: its values nest too deeply"),
        ('{"answers": {"1.6": {"passage": 1' + "0" * 5000 + "}}}",
         "not valid JSON: it holds a number thousands of digits long"),
    ],
)
def test_malformed_json_is_refused(tmp_path, text, fragment):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(DossierError, match="^bad.json: ") as caught:
        load_dossier(path)
    assert fragment in str(caught.value)


def test_a_file_with_a_byte_order_mark_is_read(tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + (EXAMPLES / "well-documented-product.json").read_bytes())
    assert load_dossier(path).version == "1"


def test_an_unreadable_file_is_refused(tmp_path):
    with pytest.raises(DossierError, match="^nope.json: cannot read the file"):
        load_dossier(tmp_path / "nope.json")


def test_the_examples_load():
    for path in sorted(EXAMPLES.glob("*.json")):
        assert load_dossier(path).version == "1"


def test_the_complete_example_in_the_format_doc_is_valid_and_evaluates_as_stated():
    from tests.checklist_fixtures import ROOT, run

    text = (ROOT / "docs" / "dossier-format.md").read_text()
    block = text.split("## Complete example", 1)[1].split("```json\n", 1)[1].split("```", 1)[0]
    evaluation = run(json.loads(block))
    assert evaluation.recommendation == "approve_with_conditions"
    # 5.5 (MoCRA) is missing without its AMBER: whether it applies (5.2) is not known.
    assert (evaluation.count("AMBER"), evaluation.count("MISSING")) == (7, 33)
