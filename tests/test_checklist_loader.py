"""Loading checklist files: v1 as the spec defines it, and every malformed file refused."""

from __future__ import annotations

import copy

import pytest
import yaml

from vetting.checklist import (
    ChecklistError,
    UnknownVersion,
    bundled_versions,
    get_checklist,
    latest_version,
    load_checklist,
)
from vetting.checklist.schema import BUNDLED_DIR, safe_load_yaml

SPEC_IDS = [
    "0.1",
    "0.2",
    "0.3",
    "0.4",
    "1.1",
    "1.2",
    "1.3",
    "1.4",
    "1.5",
    "1.6",
    "1.7",
    "2.1",
    "2.2",
    "2.3",
    "2.4",
    "2.5",
    "2.6",
    "2.7",
    "3.1",
    "3.2",
    "3.3",
    "3.4",
    "3.5",
    "3.6",
    "3.7",
    "3.8",
    "3.9",
    "4.1",
    "4.2",
    "4.3",
    "4.4",
    "4.5",
    "4.6",
    "4.7",
    "4.8",
    "4.9",
    "5.1",
    "5.2",
    "5.3",
    "5.4",
    "5.5",
    "5.6",
    "6.1",
    "6.2",
    "6.3",
    "6.4",
    "6.5",
    "6.6",
    "6.7",
    "7.1",
    "7.2",
    "7.3",
    "7.4",
    "7.5",
]
PRACTITIONER = {"0.1", "0.2", "0.3", "0.4", "5.1", "5.4", "6.7"}
RAW = safe_load_yaml((BUNDLED_DIR / "v1.yaml").read_text())


def test_v1_has_the_54_questions_of_the_spec_in_order():
    assert [q.id for q in get_checklist("1").questions] == SPEC_IDS


def test_v1_domains_and_their_summaries():
    v1 = get_checklist("1")
    assert [d.id for d in v1.domains] == list("01234567")
    assert [d.summary for d in v1.domains] == ["reporting"] * 6 + ["clinical"] * 2
    assert v1.domain("3").applies_when is not None


def test_who_answers_each_question():
    v1 = get_checklist("1")
    assert {q.id for q in v1.questions if q.by == "practitioner"} == PRACTITIONER
    assert v1.question("4.1").field_map["vial_lot"].by == "practitioner"
    assert v1.question("4.1").field_map["coa_lot"].by == "vendor"


def test_field_types_of_a_compound_question():
    fields = get_checklist("1").question("2.2").field_map
    assert fields["expiry_date"].type == "date"
    assert fields["scope_covers"].type == "yn"
    assert fields["gmp_certificate"].kind == "gmp_certificate"
    assert get_checklist("1").question("4.3").field_map["result"].unit == "EU/mL"


def test_6_2_is_the_only_repeatable_question():
    assert [q.id for q in get_checklist("1").questions if q.repeatable] == ["6.2"]


def test_every_rule_cites_known_sources_and_has_a_reason():
    v1 = get_checklist("1")
    for rule in v1.rules:
        assert rule.sources and set(rule.sources) <= set(v1.sources)
        assert rule.reason


def test_the_source_groups_of_the_spec_are_defined():
    groups = set(get_checklist("1").groups)
    assert {"human", "msc", "perinatal", "leukocyte_rich", "needled_or_injected"} <= groups
    assert "sold_sterile" in groups


def test_loaded_versions_are_cached_and_frozen():
    v1 = get_checklist("1")
    assert get_checklist("1") is v1
    with pytest.raises(AttributeError):
        v1.version = "2"  # type: ignore[misc]
    with pytest.raises(TypeError):
        v1.question_map["9.9"] = v1.questions[0]  # type: ignore[index]


def test_bundled_versions_and_sha256():
    assert "1" in bundled_versions()
    assert latest_version() == bundled_versions()[-1]
    assert len(get_checklist("1").sha256) == 64


def test_an_unknown_version_is_refused():
    with pytest.raises(UnknownVersion, match="unknown checklist version '9'"):
        get_checklist("9")


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(ChecklistError, match="v7.yaml: cannot read the file"):
        load_checklist(tmp_path / "v7.yaml")


# ---------------------------------------------------------------- malformed files


def question(data, qid):
    return next(q for q in data["questions"] if q["id"] == qid)


def rule(data, rule_id):
    return next(r for q in data["questions"] for r in q.get("rules", []) if r["id"] == rule_id)


def set_when(rule_id, when):
    def mutate(data):
        rule(data, rule_id)["when"] = when

    return mutate


def setitem(getter, key, value):
    def mutate(data):
        getter(data)[key] = value

    return mutate


def delitem(getter, key):
    def mutate(data):
        del getter(data)[key]

    return mutate


def q11(data):
    return question(data, "1.1")


def top(data):
    return data


def first_field(qid):
    return lambda data: question(data, qid)["fields"][0]


MALFORMED = [
    # (case, mutation, question named in the message or None, problem fragment)
    ("version-not-text", setitem(top, "version", 1), None, "version must be a quoted text"),
    ("missing-questions", delitem(top, "questions"), None, "lacks questions"),
    ("unknown-top-key", setitem(top, "extra", 1), None, "unknown key(s) extra"),
    ("bad-effective", setitem(top, "effective", "soon"), None, "effective must be a date"),
    ("unquoted-question-id", setitem(q11, "id", 1.1), None, "needs an id such as"),
    (
        "duplicate-question",
        lambda d: d["questions"].append(copy.deepcopy(q11(d))),
        "1.1",
        "used twice",
    ),
    (
        "undefined-domain",
        setitem(lambda d: question(d, "7.5"), "id", "9.1"),
        "9.1",
        "domain 9 is not defined",
    ),
    ("bad-by", setitem(q11, "by", "vendors"), "1.1", "by must be one of"),
    ("unknown-question-key", setitem(q11, "helptext", "x"), "1.1", "unknown key(s) helptext"),
    ("bad-repeatable", setitem(q11, "repeatable", "yes"), "1.1", "repeatable must be"),
    ("no-fields", setitem(q11, "fields", []), "1.1", "fields must be a non-empty list"),
    ("unknown-field-type", setitem(first_field("1.1"), "type", "string"), "1.1", "unknown type"),
    ("bad-field-name", setitem(first_field("1.1"), "name", "Source"), "1.1", "must match"),
    ("choice-without-choices", delitem(first_field("1.1"), "choices"), "1.1", "needs choices"),
    (
        "unquoted-no-as-choice",
        setitem(first_field("0.1"), "choices", {False: "no", "yes_": "yes"}),
        "0.1",
        'quote "yes" and "no"',
    ),
    ("document-without-kind", delitem(first_field("3.5"), "kind"), "3.5", "needs a kind"),
    (
        "duplicate-field",
        lambda d: question(d, "4.3")["fields"].append(dict(question(d, "4.3")["fields"][0])),
        "4.3",
        "defined twice",
    ),
    ("unit-on-text", setitem(first_field("4.1"), "unit", "mm"), "4.1", "cannot have 'unit'"),
    (
        "applies-when-on-value-field",
        setitem(first_field("2.4"), "applies_when", {"group": "human"}),
        "2.4",
        "cannot have 'applies_when'",
    ),
    (
        "rule-unknown-field",
        set_when("1.1-undisclosed", {"field": "1.1.sourc", "equals": "undisclosed"}),
        "1.1",
        "question 1.1 has no field 'sourc'",
    ),
    (
        "rule-unknown-question",
        set_when("1.1-undisclosed", {"field": "9.9.source", "equals": "undisclosed"}),
        "1.1",
        "names question 9.9, which does not exist",
    ),
    (
        "rule-bad-reference",
        set_when("1.1-undisclosed", {"field": "source", "equals": "undisclosed"}),
        "1.1",
        "not of the form QUESTION.FIELD",
    ),
    (
        "rule-bad-choice",
        set_when("1.1-undisclosed", {"field": "1.1.source", "equals": "martian"}),
        "1.1",
        "'martian' is not a choice of 1.1.source",
    ),
    (
        "rule-unquoted-no",
        set_when("2.5-no-audits", {"field": "2.5.audits_allowed", "equals": False}),
        "2.5",
        'quote "yes" and "no"',
    ),
    (
        "operator-wrong-type",
        set_when("1.1-undisclosed", {"field": "1.1.source", "contains_any": ["plant"]}),
        "1.1",
        "operator 'contains_any' does not fit field 1.1.source of type choice",
    ),
    (
        "number-operator-on-text",
        set_when("4.1-lot-mismatch", {"field": "4.1.vial_lot", "greater_than": 3}),
        "4.1",
        "does not fit",
    ),
    (
        "number-operator-without-number",
        set_when("3.4-mode-above-200", {"field": "3.4.mode", "greater_than": "200"}),
        "3.4",
        "takes a number",
    ),
    (
        "compare-different-types",
        set_when(
            "4.3-above-limit", {"field": "4.3.result", "greater_than": {"field": "4.1.coa_lot"}}
        ),
        "4.3",
        "compares 4.3.result (number) with 4.1.coa_lot (text)",
    ),
    (
        "unknown-operator",
        set_when("1.1-undisclosed", {"field": "1.1.source", "equalz": "plant"}),
        "1.1",
        "unknown operator 'equalz'",
    ),
    (
        "two-operators",
        set_when("1.1-undisclosed", {"field": "1.1.source", "equals": "plant", "in": ["plant"]}),
        "1.1",
        "one operator",
    ),
    (
        "unary-written-as-binary",
        set_when("2.5-no-audits", {"field": "2.5.audits_allowed", "not_yes": True}),
        "2.5",
        "'not_yes' is written {not_yes: QUESTION.FIELD}",
    ),
    ("empty-all", set_when("1.1-undisclosed", {"all": []}), "1.1", "non-empty list"),
    ("not-a-mapping", set_when("1.1-undisclosed", "1.1.source == 'x'"), "1.1", "must be a mapping"),
    (
        "unknown-group",
        set_when("1.1-undisclosed", {"group": "martians"}),
        "1.1",
        "unknown source group",
    ),
    (
        "repeatable-field-outside-any-row",
        set_when("6.1-no-studies", {"field": "6.2.n", "less_than": 1}),
        "6.1",
        "belongs to the repeatable question 6.2",
    ),
    (
        "any-row-on-plain-question",
        set_when("6.1-no-studies", {"any_row": "6.1", "when": {"not_answered": "6.1.studies"}}),
        "6.1",
        "not a repeatable question",
    ),
    (
        "bad-severity",
        setitem(lambda d: rule(d, "1.1-undisclosed"), "severity", "YELLOW"),
        "1.1",
        "severity",
    ),
    ("no-reason", delitem(lambda d: rule(d, "1.1-undisclosed"), "reason"), "1.1", "lacks reason"),
    (
        "unknown-source-key",
        setitem(lambda d: rule(d, "1.1-undisclosed"), "sources", ["S99"]),
        "1.1",
        "unknown source key(s) S99",
    ),
    (
        "duplicate-rule-id",
        setitem(lambda d: rule(d, "1.1-placenta-amniotic"), "id", "1.1-undisclosed"),
        "1.1",
        "used twice",
    ),
    (
        "rule-field-not-in-question",
        setitem(lambda d: rule(d, "1.1-undisclosed"), "field", "passage"),
        "1.1",
        "is not a field of 1.1",
    ),
    (
        "rule-key-typo",
        setitem(lambda d: rule(d, "1.1-undisclosed"), "sources_", ["S1"]),
        "1.1",
        "unknown key(s) sources_",
    ),
    (
        "applicability-reads-absence",
        setitem(lambda d: question(d, "1.3"), "applies_when", {"not_answered": "1.1.source"}),
        "1.3",
        "may not test whether something is answered",
    ),
    (
        "applicability-on-own-answers",
        setitem(
            lambda d: question(d, "1.3"),
            "applies_when",
            {"field": "1.3.origin", "equals": "autologous"},
        ),
        "1.3",
        "cannot depend on its own answers",
    ),
]

MALFORMED.append((
    "repeatable-with-a-clinic-field",
    lambda d: question(d, "6.2")["fields"][0].update(by="practitioner"),
    "6.2",
    "a repeatable question's fields are all answered by whoever answers the question",
))

GROUP_CASES = [
    (
        "group-cycle",
        lambda d: (
            d["source_groups"]["human"].update(when={"group": "msc_loop"})
            or d["source_groups"].update(msc_loop={"title": "loop", "when": {"group": "human"}})
        ),
        "cycle: human -> msc_loop -> human",
    ),
    (
        "group-bad-field",
        lambda d: d["source_groups"]["msc"].update(when={"field": "1.1.origin", "in": ["x"]}),
        "source group 'msc': question 1.1 has no field 'origin'",
    ),
    ("group-no-title", lambda d: d["source_groups"]["msc"].pop("title"), "lacks title"),
    (
        "domain-bad-summary",
        lambda d: d["domains"][0].update(summary="both"),
        "summary must be reporting or clinical",
    ),
    ("version-file-mismatch", lambda d: d.update(version="2"), "declares version '2'"),
]


def write(tmp_path, data):
    path = tmp_path / "v1.yaml"
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    path.write_text(yaml.dump(data, Dumper=dumper, allow_unicode=True, sort_keys=False))
    return path


def test_the_unchanged_file_round_trips_through_the_test_writer(tmp_path):
    assert len(load_checklist(write(tmp_path, copy.deepcopy(RAW))).rules) == 71


@pytest.mark.parametrize(
    ("mutate", "qid", "fragment"), [c[1:] for c in MALFORMED], ids=[c[0] for c in MALFORMED]
)
def test_a_malformed_question_is_refused_naming_file_question_and_problem(
    tmp_path, mutate, qid, fragment
):
    data = copy.deepcopy(RAW)
    mutate(data)
    with pytest.raises(ChecklistError) as caught:
        load_checklist(write(tmp_path, data))
    message = str(caught.value)
    assert message.startswith("v1.yaml: ")
    assert fragment in message
    assert caught.value.question == qid
    if qid:
        assert f"question {qid}" in message


@pytest.mark.parametrize(
    ("mutate", "fragment"), [c[1:] for c in GROUP_CASES], ids=[c[0] for c in GROUP_CASES]
)
def test_malformed_groups_and_domains_are_refused(tmp_path, mutate, fragment):
    data = copy.deepcopy(RAW)
    mutate(data)
    with pytest.raises(ChecklistError, match="^v1.yaml: ") as caught:
        load_checklist(write(tmp_path, data))
    assert fragment in str(caught.value)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("version: [1\n", "not valid YAML at line"),
        ("- just\n- a list\n", "the file must be a mapping"),
        ("", "the file must be a mapping"),
    ],
)
def test_a_file_that_is_not_a_checklist_is_refused(tmp_path, text, fragment):
    path = tmp_path / "v1.yaml"
    path.write_text(text)
    with pytest.raises(ChecklistError, match="^v1.yaml: ") as caught:
        load_checklist(path)
    assert fragment in str(caught.value)
