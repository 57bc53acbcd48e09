"""The three example dossiers in docs/examples/ come out as the docs say."""

from __future__ import annotations

import pytest

from tests.checklist_fixtures import example, run


@pytest.mark.parametrize(
    ("name", "recommendation"),
    [
        ("bad-product", "do_not_approve"),
        ("borderline-product", "approve_with_conditions"),
        ("well-documented-product", "no_objections"),
    ],
)
def test_example_recommendation(name, recommendation):
    assert run(example(name)).recommendation == recommendation


def test_the_bad_product_is_stopped_for_the_reasons_it_was_written_for():
    red = {f.rule_id for f in run(example("bad-product")).findings if f.severity == "RED"}
    assert {"1.1-undisclosed", "5.2-fda-approved-claim", "4.1-no-coa"} <= red


def test_the_borderline_product_has_no_red_and_the_expected_ambers():
    findings = run(example("borderline-product")).findings
    assert not [f for f in findings if f.severity == "RED"]
    amber = {f.rule_id for f in findings if f.severity == "AMBER"}
    assert {"6.1-no-studies", "7.1-coactives", "1.2-plant-called-exosome"} <= amber


def test_the_well_documented_product_is_complete():
    evaluation = run(example("well-documented-product"))
    assert evaluation.findings == ()
    assert evaluation.reporting_completeness.percent == 100
    assert evaluation.clinical_evidence.percent == 100
