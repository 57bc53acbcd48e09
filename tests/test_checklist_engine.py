"""The engine: applicability, "unknown", MISSING, scores, recommendation, ordering."""

from __future__ import annotations

import json
from datetime import date

import pytest

from tests.checklist_fixtures import ON, V1, doc, fired, good, missing, patch, run
from vetting.checklist import Recommendation, Severity, evaluate
from vetting.checklist.conditions import Context


def applicable(answers: dict, evidence: dict | None = None) -> set[str]:
    return set(evaluate(V1, answers, evidence, on_date=ON).applicable)


# ---------------------------------------------------------------- applicability

ALLOGENEIC = {"1.1": {"source": "msc_adipose"}, "1.3": {"origin": "allogeneic"}}

# question: (answers under which it applies, answers under which it does not)
APPLICABILITY = {
    "1.3": ({"1.1": {"source": "human_platelet_plasma"}}, {"1.1": {"source": "animal"}}),
    "1.4": (ALLOGENEIC, {"1.1": {"source": "msc_adipose"}, "1.3": {"origin": "autologous"}}),
    "1.5": (ALLOGENEIC, {"1.1": {"source": "plant"}, "1.3": {"origin": "allogeneic"}}),
    "1.6": ({"1.1": {"source": "other_human_cell_line"}}, {"1.1": {"source": "amniotic_fluid"}}),
    "1.7": ({"1.1": {"source": "amniotic_fluid"}}, {"1.1": {"source": "msc_bone_marrow"}}),
    "2.7": (
        {"0.3": {"sterile": "unknown"}},
        {"0.3": {"sterile": "no"}, "5.1": {"route": "intact_skin"}},
    ),
    "3.1": ({"0.1": {"category": "plant_vesicles"}}, {"0.1": {"category": "platelet_derived"}}),
    "3.8": (
        {"1.1": {"source": "msc_whartons_jelly"}},
        {"1.1": {"source": "human_platelet_plasma"}},
    ),
    "4.5": ({"1.1": {"source": "msc_umbilical_cord"}}, {"1.1": {"source": "microbial"}}),
    "5.2": ({"0.4": {"market": "united_states"}}, {"0.4": {"market": "taiwan"}}),
    "5.3": (
        {"0.4": {"market": "united_states"}, "5.2": {"status": "under_ind"}},
        {"0.4": {"market": "united_states"}, "5.2": {"status": "cosmetic"}},
    ),
    "5.5": (
        {"0.4": {"market": "united_states"}, "5.2": {"status": "cosmetic"}},
        {"0.4": {"market": "united_states"}, "5.2": {"status": "none"}},
    ),
    "5.6": ({"0.4": {"market": "eu_uk"}}, {"0.4": {"market": "united_states"}}),
    "6.2": ({"6.1": {"studies": 1}}, {"6.1": {"studies": 0}}),
    "6.5": ({"1.1": {"source": "amniotic_fluid"}}, {"1.1": {"source": "animal"}}),
}


@pytest.mark.parametrize("qid", sorted(APPLICABILITY))
def test_applicability_condition(qid):
    applies, does_not = APPLICABILITY[qid]
    assert qid in applicable(applies)
    assert qid not in applicable(does_not)


@pytest.mark.parametrize("qid", sorted(APPLICABILITY))
def test_a_question_applies_while_its_condition_cannot_be_told(qid):
    assert qid in applicable({})


def test_domain_3_applies_to_every_question_in_it():
    assert {f"3.{i}" for i in range(1, 10) if i != 8} <= applicable(
        {"0.1": {"category": "conditioned_medium"}, "1.1": {"source": "plant"}}
    )
    assert not {q for q in applicable({"0.1": {"category": "pdrn"}}) if q.startswith("3.")}


def test_needled_or_injected_route_makes_a_product_sold_sterile():
    answers = {"0.3": {"sterile": "no"}, "5.1": {"route": "intravenous"}}
    assert "2.7" in applicable(answers)


def test_inapplicable_questions_are_never_missing():
    evaluation = run(patch(good(), {"1.1": {"source": "plant"}}))
    assert "1.3" in evaluation.not_applicable
    assert not missing(evaluation) & set(evaluation.not_applicable)


def test_every_applicable_question_without_an_answer_is_missing():
    evaluation = evaluate(V1, {}, on_date=ON)
    assert missing(evaluation) == set(evaluation.applicable) == {q.id for q in V1.questions}


def test_a_missing_finding_says_who_answers():
    by_question = {f.question_id: f for f in evaluate(V1, {}, on_date=ON).findings}
    assert "the practitioner answers" in by_question["0.1"].reason
    assert "the vendor answers" in by_question["1.1"].reason
    assert by_question["1.1"].field is None and by_question["1.1"].rule_id is None


def test_a_document_alone_answers_a_question():
    evaluation = evaluate(V1, {}, {"3.5": [doc("em.pdf", "em_images")]}, on_date=ON)
    assert "3.5" not in missing(evaluation)


def test_a_rule_that_cannot_be_told_yet_is_listed_as_undecided():
    """4.1's lot check waits for both lot numbers; given both, it is decided either way."""
    only_coa = evaluate(V1, {"4.1": {"coa_lot": "L-1"}}, on_date=ON)
    assert "4.1-lot-mismatch" in only_coa.undecided
    assert "4.1-lot-mismatch" not in {f.rule_id for f in only_coa.findings}
    both = evaluate(V1, {"4.1": {"coa_lot": "L-1", "vial_lot": "L-2"}}, on_date=ON)
    assert "4.1-lot-mismatch" not in both.undecided
    assert "4.1-lot-mismatch" in {f.rule_id for f in both.findings}
    assert "undecided" not in json.dumps(both.to_dict())  # not part of the output format


def test_fields_read_names_both_fields_a_comparison_reads():
    from vetting.checklist.conditions import fields_read

    rules = {rule.id: rule for q in V1.questions for rule in q.rules}
    assert fields_read(rules["4.1-lot-mismatch"].when) == {("4.1", "vial_lot"),
                                                            ("4.1", "coa_lot")}
    assert fields_read(rules["1.2-plant-called-exosome"].when) == {("1.1", "source"),
                                                                    ("1.2", "called_exosome")}


# ---------------------------------------------------------------- "unknown"


def test_unknown_fires_a_no_flag():
    assert "6.5-not-tested" in fired(patch(good(), {"6.5": {"tested": "unknown"}}))
    assert "6.5-not-tested" in fired(patch(good(), {"6.5": {"tested": "no"}}))


def test_a_no_flag_does_not_fire_on_a_field_left_blank():
    # Blank is MISSING (or nothing, when the question has other answers), not "no".
    data = patch(good(), {"6.5": {"tested": None}}, drop=[("6.5", "viral_safety")])
    evaluation = run(data)
    assert "6.5-not-tested" not in {f.rule_id for f in evaluation.findings}
    assert "6.5" in missing(evaluation)


def test_unknown_does_not_fire_a_rule_that_asks_for_yes():
    plant = {"1.1": {"source": "plant"}}
    assert "1.2-plant-called-exosome" not in fired(
        patch(good(), {**plant, "1.2": {"called_exosome": "unknown"}})
    )


def test_the_rule_that_says_otherwise_about_unknown():
    # 2.4: "unknown" on "any" is AMBER, not the RED of an unresolved action.
    rules = fired(patch(good(), {"2.4": {"any_action": "unknown"}}))
    assert "2.4-unknown" in rules
    assert "2.4-unresolved" not in rules


def test_unknown_sterile_counts_as_sold_sterile():
    data = patch(good(), {"0.3": {"sterile": "unknown"}, "5.1": {"route": "intact_skin"}})
    assert "4.4-not-tested-sterile" in fired(patch(data, {"4.4": {"result": "not_tested"}}))


def test_an_exception_applies_only_when_it_is_known():
    # 2.1 point-of-care is RED unless autologous platelet-derived; with 1.3 blank it fires.
    data = patch(
        good(),
        {
            "0.1": {"category": "platelet_derived"},
            "1.1": {"source": "human_platelet_plasma"},
            "1.3": None,
            "2.1": {"standard": "poc_kit"},
        },
    )
    assert "2.1-point-of-care-not-autologous-prp" in fired(data)


def test_three_valued_logic_of_conditions():
    rule = next(r for r in V1.rules if r.id == "3.6-markers-incomplete")
    assert rule.when.evaluate(Context({}, {}, ON)) is None
    assert rule.when.evaluate(Context({"3.6": {"markers": ("cd9",)}}, {}, ON)) is True
    assert rule.when.evaluate(Context({"3.6": {"markers": ("cd9", "alix")}}, {}, ON)) is False


# ---------------------------------------------------------------- date rules


def test_date_rules_use_the_evaluation_date_passed_in():
    data = good()
    assert "4.2-expired" not in fired(data, on_date=date(2028, 9, 14))
    assert "4.2-expired" in fired(data, on_date=date(2028, 9, 15))
    assert "2.2-expired" in fired(data, on_date=date(2028, 3, 10))


# ---------------------------------------------------------------- scores

# A hand-computed example: PDRN from a plant, used on intact skin in the EU / UK.
SCORE_ANSWERS = {
    "0.1": {"category": "pdrn"},
    "0.3": {"sterile": "no"},
    "0.4": {"market": "eu_uk"},
    "1.1": {"source": "plant"},
    "1.2": {"inci_name": "Sodium DNA"},
    "2.2": {"issuing_body": "X"},
    "2.4": {"any_action": "yes"},
    "5.1": {"route": "intact_skin"},
    "6.1": {"studies": 0},
    "6.4": {"done": "yes"},
    "7.1": {"coactives": ("none",)},
}
SCORE_EVIDENCE = {
    "4.1": [doc("coa.pdf", "coa")],
    "4.8": [doc("stability.pdf", "stability_study")],
    "7.1": [doc("inci.pdf", "ingredient_list")],
}


def test_scores_on_a_hand_computed_example():
    evaluation = evaluate(V1, SCORE_ANSWERS, SCORE_EVIDENCE, on_date=ON)
    got = {s.domain_id: (s.complete, s.applicable, s.percent) for s in evaluation.scores}
    assert got == {
        "0": (3, 4, 75),  # 0.2 unanswered
        "1": (2, 2, 100),  # 1.2's cell bank document is not asked of a plant source
        "2": (0, 6, 0),  # 2.2 and 2.4 lack their documents; 2.7 does not apply
        "3": (0, 0, None),  # PDRN: domain 3 does not apply
        "4": (2, 8, 25),  # the CoA and the stability study answer 4.1 and 4.8
        "5": (1, 3, 33),  # 5.1 of 5.1, 5.4, 5.6
        "6": (1, 5, 20),  # 6.1 counts; 6.4 lacks its toxicology report
        "7": (1, 5, 20),  # 7.1 with its ingredient list
    }
    reporting, clinical = evaluation.reporting_completeness, evaluation.clinical_evidence
    assert (reporting.complete, reporting.applicable, reporting.percent) == (8, 23, 35)
    assert (clinical.complete, clinical.applicable, clinical.percent) == (2, 10, 20)


def test_score_gaps_list_what_is_missing():
    evaluation = evaluate(V1, SCORE_ANSWERS, SCORE_EVIDENCE, on_date=ON)
    gaps = {g.question_id: g for s in evaluation.scores for g in s.gaps}
    assert gaps["2.2"].documents == ("gmp_certificate",) and not gaps["2.2"].unanswered
    assert gaps["2.4"].documents == ("regulatory_letter",)
    assert gaps["2.5"].unanswered


def test_percent_rounds_half_up():
    # A plant source takes 4.5 out of domain 4, leaving 8 questions; 1 of 8 is 12.5 %.
    evidence = {"4.8": [doc("s.pdf", "stability_study")]}
    domain4 = evaluate(V1, {"1.1": {"source": "plant"}}, evidence, on_date=ON).scores[4]
    assert (domain4.complete, domain4.applicable, domain4.percent) == (1, 8, 13)


def test_the_two_summaries_are_never_averaged_together():
    evaluation = run(patch(good(), {}, drop=[("6.4", "toxicology")]))
    assert evaluation.reporting_completeness.percent == 100
    assert evaluation.clinical_evidence.percent == 92  # 11 of 12


# ---------------------------------------------------------------- recommendation


def test_recommendation_no_objections_without_findings():
    assert run(good()).recommendation is Recommendation.NO_OBJECTIONS


def test_recommendation_with_conditions_on_amber():
    assert run(patch(good(), {"2.5": {"audits_allowed": "no"}})).recommendation == (
        Recommendation.APPROVE_WITH_CONDITIONS
    )


def test_recommendation_with_conditions_on_missing_alone():
    evaluation = run(patch(good(), {"6.6": None}))
    assert {f.severity for f in evaluation.findings} == {Severity.MISSING}
    assert evaluation.recommendation is Recommendation.APPROVE_WITH_CONDITIONS


def test_recommendation_do_not_approve_on_any_red():
    data = patch(good(), {"4.4": {"result": "fail"}, "2.5": {"audits_allowed": "no"}})
    assert run(data).recommendation is Recommendation.DO_NOT_APPROVE


def test_recommendation_labels():
    assert Recommendation.DO_NOT_APPROVE.label == "Do not approve"
    assert Recommendation.APPROVE_WITH_CONDITIONS.label == "Approve only with conditions"
    assert Recommendation.NO_OBJECTIONS.label == "No objections found"


# ---------------------------------------------------------------- output


def test_findings_are_sorted_by_domain_question_and_severity():
    data = patch(
        good(),
        {
            "7.3": {"penetration": "none"},
            "2.2": {"scope_covers": "no", "expiry_date": "2020-01-01"},
            "0.2": None,
        },
    )
    order = [(f.question_id, f.severity.value) for f in run(data).findings]
    assert order == [("0.2", "MISSING"), ("2.2", "RED"), ("2.2", "AMBER"), ("7.3", "AMBER")]


def test_to_dict_is_json_with_findings_scores_and_recommendation():
    result = json.loads(json.dumps(run(patch(good(), {"2.5": {"audits_allowed": "no"}})).to_dict()))
    assert result["recommendation"] == {
        "value": "approve_with_conditions",
        "label": "Approve only with conditions",
    }
    assert result["counts"] == {"RED": 0, "AMBER": 1, "MISSING": 0}
    assert result["findings"][0]["rule"] == "2.5-no-audits"
    assert result["findings"][0]["sources"] == ["S31"]
    assert result["scores"]["reporting_completeness"]["percent"] == 100
    assert result["evaluated_on"] == "2026-12-01"
    assert result["checklist_version"] == "1"


# ------------------------------------------------ the clinic's part of a vendor question


def without_12() -> dict:
    data = good()
    data["answers"].pop("1.2")
    data["evidence"].pop("1.2", None)
    return data


def test_the_clinics_own_field_alone_does_not_answer_a_vendor_question():
    # 1.2's "called exosome" is the clinic's (by: practitioner); the vendor's cell type,
    # INCI name and documents are still missing.
    assert "1.2" in missing(run(without_12()))
    clinic_only = patch(without_12(), {"1.2": {"called_exosome": "no"}})
    assert "1.2" in missing(run(clinic_only))
    assert run(clinic_only).recommendation == run(without_12()).recommendation


def test_a_vendor_field_answers_the_vendor_question():
    vendor_part = patch(without_12(), {"1.2": {"called_exosome": "no", "inci_name": "X",
                                               "cell_type": "specific"}})
    assert "1.2" not in missing(run(vendor_part))


def test_a_question_partly_answered_is_missing_what_a_check_needs():
    # The INCI name alone: the "only 'stem cell'" check cannot be made without the cell type.
    partly = run(patch(without_12(), {"1.2": {"called_exosome": "no", "inci_name": "X"}}))
    [finding] = [f for f in partly.findings if f.question_id == "1.2"]
    assert finding.severity == "MISSING"
    assert finding.reason == ("Partly answered: cell type stated not given, and a check needs "
                              "it (the vendor answers it).")
    assert partly.recommendation != "no_objections"


@pytest.mark.parametrize("answer, blank", [
    ({"source": None, "viable_leukocytes": "no"}, "biological source"),  # RED if undisclosed
    ({"source": "human_platelet_plasma", "viable_leukocytes": None},
     "contains viable leukocytes"),  # 1.5's AMBER for a leukocyte-rich source
])
def test_a_blank_field_another_questions_check_reads_is_missing(answer, blank):
    evaluation = run(patch(good(), {"1.1": answer,
                                    "1.5": {"tests": ["hiv1", "hiv2", "hbv", "hcv", "treponema"]}}))
    reasons = [f.reason for f in evaluation.findings
               if f.question_id == "1.1" and f.severity == "MISSING"]
    assert reasons == [f"Partly answered: {blank} not given, and a check needs it (the vendor "
                       "answers it)."]
    assert evaluation.recommendation != "no_objections"


def test_a_check_of_a_flagged_question_asks_for_nothing_more():
    # Endotoxin not tested: flagged; its result and limit are not asked for as well.
    evaluation = run(patch(good(), {"4.3": {"tested": "no"}}))
    assert [f.severity for f in evaluation.findings if f.question_id == "4.3"] == ["RED"]


def test_an_endotoxin_result_without_its_limit_is_missing_the_limit():
    evaluation = run(patch(good(), {"4.3": {"tested": "yes", "result": 50, "limit": None}}))
    assert [f.reason for f in evaluation.findings if f.question_id == "4.3"] == [
        "Partly answered: endotoxin specification limit not given, and a check needs it (the "
        "vendor answers it)."]


def test_an_empty_selection_is_no_answer():
    evaluation = run(patch(good(), {"3.1": {"methods": []}}))
    assert "3.1" in missing(evaluation)


def test_the_vial_lot_alone_leaves_the_coa_question_unanswered():
    data = good()
    data["answers"]["4.1"] = {"vial_lot": "L-100"}
    data["evidence"].pop("4.1", None)
    evaluation = run(data)
    assert "4.1" in missing(evaluation)
    assert "4.1-no-coa" in {f.rule_id for f in evaluation.findings}


def test_only_vendor_questions_have_clinic_fields():
    assert V1.question("4.1").clinic_fields == {"vial_lot"}
    assert V1.question("1.2").clinic_fields == {"called_exosome"}
    assert all(not q.clinic_fields for q in V1.questions if q.by == "practitioner")


def test_a_question_that_may_not_apply_is_missing_without_its_ambers():
    # In the United States, 5.5 (MoCRA) applies only to a product sold as a cosmetic (5.2),
    # not answered here: 5.5 is asked and missing, not flagged for its missing numbers.
    evaluation = run(patch(good(), {"0.4": {"market": "united_states"}}))
    assert "5.2" in missing(evaluation) and "5.5" in missing(evaluation)
    assert [f.severity for f in evaluation.findings if f.question_id == "5.5"] == ["MISSING"]


def test_a_question_that_surely_applies_keeps_its_ambers_when_not_answered():
    data = patch(good(), {"1.6": None})
    assert "1.6-passage-not-given" in fired(data)
    assert "1.6" in missing(run(data))
