"""Every RED / AMBER rule of checklist v1 fires on its trigger and stays silent otherwise.

Each case starts from the well-documented example (which has no findings at all) and
changes only what the rule is about; the "silent" change is the nearest answer that
must not fire it.
"""

from __future__ import annotations

import pytest

from tests.checklist_fixtures import V1, fired, good, patch, run

US = {"0.4": {"market": "united_states"}, "5.6": None}
PLANT = {"1.1": {"source": "plant"}}

# rule id: (answers that fire it, answers that do not), or with evidence drops as a 3rd item
CASES: dict[str, tuple] = {
    "1.1-undisclosed": ({"1.1": {"source": "undisclosed"}}, PLANT),
    "1.1-placenta-amniotic": (
        {"1.1": {"source": "msc_placenta"}},
        {"1.1": {"source": "msc_umbilical_cord"}},
    ),
    "1.2-only-stem-cell": ({"1.2": {"cell_type": "only_stem_cell"}}, {}),
    "1.2-plant-called-exosome": (
        {**PLANT, "1.2": {"called_exosome": "yes"}},
        {**PLANT, "1.2": {"called_exosome": "no"}},
    ),
    "1.4-not-determined": ({"1.4": {"determined": "no"}}, {"1.4": {"determined": "yes"}}),
    "1.5-required-tests-missing": (
        {"1.5": {"tests": ["hiv1", "hiv2", "hbv", "treponema", "htlv", "cmv"]}},
        {"1.5": {"tests": ["hiv1", "hiv2", "hbv", "hcv", "treponema"]}},
    ),
    "1.5-leukocyte-tests-missing": (
        {
            "1.1": {"source": "human_platelet_plasma", "viable_leukocytes": "unknown"},
            "1.5": {"tests": ["hiv1", "hiv2", "hbv", "hcv", "treponema", "cmv"]},
        },
        {
            "1.1": {"source": "human_platelet_plasma", "viable_leukocytes": "no"},
            "1.5": {"tests": ["hiv1", "hiv2", "hbv", "hcv", "treponema", "cmv"]},
        },
    ),
    "1.6-passage-not-given": ({"1.6": {"passage": None}}, {"1.6": {"passage": 0}}),
    "1.6-fbs-not-depleted": ({"1.6": {"serum": "fbs"}}, {"1.6": {"serum": "ev_depleted_fbs"}}),
    "1.7-no-ethics": (
        {"1.1": {"source": "msc_umbilical_cord"}, "1.7": {"approved": "no"}},
        {"1.1": {"source": "msc_umbilical_cord"}, "1.7": {"approved": "yes"}},
    ),
    "2.1-none": ({"2.1": {"standard": "none"}}, {"2.1": {"standard": "eu_gmp"}}),
    "2.1-iso-22716-needled": (
        {"2.1": {"standard": "iso_22716"}},
        {"2.1": {"standard": "iso_22716"}, "5.1": {"route": "intact_skin"}},
    ),
    "2.1-point-of-care-not-autologous-prp": (
        {"2.1": {"standard": "poc_kit"}},
        {
            "0.1": {"category": "platelet_derived"},
            "1.1": {"source": "human_platelet_plasma"},
            "1.3": {"origin": "autologous"},
            "2.1": {"standard": "poc_kit"},
        },
    ),
    "2.2-expired": ({"2.2": {"expiry_date": "2026-11-30"}}, {"2.2": {"expiry_date": "2026-12-01"}}),
    "2.2-scope": ({"2.2": {"scope_covers": "no"}}, {"2.2": {"scope_covers": "yes"}}),
    "2.2-not-accredited": ({"2.2": {"body_accredited": "no"}}, {"2.2": {"body_accredited": "yes"}}),
    "2.3-no-site": ({"2.3": {"site_named": "no"}}, {"2.3": {"site_named": "yes"}}),
    "2.4-unresolved": (
        {"2.4": {"any_action": "yes"}},
        {"2.4": {"any_action": "yes", "resolved": "yes"}},
    ),
    "2.4-resolved": (
        {"2.4": {"any_action": "yes", "resolved": "yes"}},
        {"2.4": {"any_action": "yes", "resolved": "no"}},
    ),
    "2.4-unknown": ({"2.4": {"any_action": "unknown"}}, {"2.4": {"any_action": "no"}}),
    "2.5-no-audits": ({"2.5": {"audits_allowed": "no"}}, {"2.5": {"audits_allowed": "yes"}}),
    "2.6-not-independent": ({"2.6": {"independent": "no"}}, {"2.6": {"independent": "yes"}}),
    "2.7-not-validated": ({"2.7": {"validated": "no"}}, {"2.7": {"validated": "yes"}}),
    "3.1-none-or-unknown": (
        {"3.1": {"methods": ["sec", "unknown"]}},
        {"3.1": {"methods": ["sec"]}},
    ),
    "3.1-precipitation-only": (
        {"3.1": {"methods": ["precipitation"]}},
        {"3.1": {"methods": ["precipitation", "sec"]}},
    ),
    "3.1-conditioned-medium": ({"0.1": {"category": "conditioned_medium"}}, {}),
    "3.2-unsupported-count": (
        {"3.2": {"count_marketed": "yes", "method": "none"}},
        {"3.2": {"count_marketed": "no", "method": "none"}},
    ),
    "3.3-missing": ({"3.3": {"ratio": None}}, {}),
    "3.4-mode-above-200": ({"3.4": {"mode": 201}}, {"3.4": {"mode": 200}}),
    "3.5-no-images": ({}, {}, [("3.5", "em_images")]),
    "3.6-markers-incomplete": (
        {"3.6": {"markers": ["cd9", "cd63"]}},
        {"3.6": {"markers": ["cd9", "alix"]}},
    ),
    "3.7-none-reported": (
        {"3.7": {"negative_markers": ["none_reported"]}},
        {"3.7": {"negative_markers": ["grp94"]}},
    ),
    "3.8-not-confirmed": ({"3.8": {"confirmed": "no"}}, {"3.8": {"confirmed": "yes"}}),
    "3.9-not-tested": ({"3.9": {"tested": "no"}}, {"3.9": {"tested": "yes"}}),
    "4.1-no-coa": ({}, {}, [("4.1", "coa")]),
    "4.1-lot-mismatch": (
        {"4.1": {"coa_lot": "AX-2611-08"}},
        {"4.1": {"coa_lot": " ax-2611-07 "}},  # case and spaces do not matter
    ),
    "4.2-expired": ({"4.2": {"expiry_date": "2026-11-30"}}, {"4.2": {"expiry_date": "2026-12-01"}}),
    "4.3-above-limit": ({"4.3": {"result": 0.51}}, {"4.3": {"result": 0.5}}),
    "4.3-not-tested-needled": (
        {"4.3": {"tested": "no"}},
        {"4.3": {"tested": "no"}, "5.1": {"route": "intact_skin"}},
    ),
    "4.3-not-tested": (
        {"4.3": {"tested": "no"}, "5.1": {"route": "intact_skin"}},
        {"4.3": {"tested": "no"}},  # needled: the RED rule speaks instead
    ),
    "4.4-fail": ({"4.4": {"result": "fail"}}, {"4.4": {"result": "pass"}}),
    "4.4-not-tested-sterile": (
        {"4.4": {"result": "not_tested"}},
        {
            "4.4": {"result": "not_tested"},
            "0.3": {"sterile": "no"},
            "5.1": {"route": "intact_skin"},
        },
    ),
    "4.5-positive": ({"4.5": {"result": "positive"}}, {"4.5": {"result": "negative"}}),
    "4.5-not-tested": ({"4.5": {"result": "not_tested"}}, {"4.5": {"result": "negative"}}),
    "4.6-no-potency": ({"4.6": {"assay": "no"}}, {"4.6": {"assay": "yes"}}),
    "4.7-ambient-without-data": (
        {"4.7": {"storage": "ambient", "stability_data": "no"}},
        {"4.7": {"storage": "lyophilized", "stability_data": "no"}},
    ),
    "4.8-no-study": ({}, {}, [("4.8", "stability_study")]),
    "4.9-variability": ({"4.9": {"lots_compared": 2}}, {"4.9": {"lots_compared": 3}}),
    "5.1-injected-vesicles-us": (
        {**US, "5.1": {"route": "injection"}, "5.2": {"status": "none"}},
        {
            **US,
            "5.1": {"route": "injection"},
            "5.2": {"status": "under_ind"},
            "5.3": {"ind_number": "IND 012345", "inside_protocol": "yes"},
        },
    ),
    "5.2-fda-approved-claim": (
        {**US, "5.2": {"status": "fda_approved"}},
        {**US, "0.1": {"category": "pdrn"}, "5.2": {"status": "fda_approved"}},
    ),
    "5.2-exempt-claim": ({**US, "5.2": {"status": "exempt"}}, {**US, "5.2": {"status": "none"}}),
    "5.2-registered-claim": (
        {**US, "5.2": {"status": "fda_registered"}},
        {**US, "5.2": {"status": "cosmetic"}},
    ),
    "5.2-361-claim": ({**US, "5.2": {"status": "hctp_361"}}, {**US, "5.2": {"status": "none"}}),
    "5.3-outside-protocol": (
        {**US, "5.2": {"status": "under_ind"}, "5.3": {"inside_protocol": "unknown"}},
        {**US, "5.2": {"status": "under_ind"}, "5.3": {"inside_protocol": "yes"}},
    ),
    "5.4-disease-claims": (
        {"5.4": {"claims": ["appearance_only", "treats_disease"]}},
        {"5.4": {"claims": ["appearance_only", "collagen"]}},
    ),
    "5.4-structure-function-claims": (
        {"5.4": {"claims": ["anti_inflammatory"]}},
        {"5.4": {"claims": ["appearance_only"]}},
    ),
    "5.5-mocra-missing": (
        {**US, "5.2": {"status": "cosmetic"}, "5.5": {"facility_registration": "3012345678"}},
        {
            **US,
            "5.2": {"status": "cosmetic"},
            "5.5": {"facility_registration": "3012345678", "product_listing": "CL-1"},
        },
    ),
    "5.6-human-cosmetic-eu": (
        {"5.6": {"status": "eu_uk_cpnp"}},
        {"5.6": {"status": "eu_uk_cpnp"}, "1.1": {"source": "animal"}},
    ),
    "6.1-no-studies": ({"6.1": {"studies": 0}}, {"6.1": {"studies": 1}}),
    "6.2-weak-study": (
        {"6.2": [{"design": "rct", "n": 60, "registry_id": "X"}, {"design": "rct", "n": 24}]},
        {"6.2": [{"design": "rct", "n": 25, "registry_id": "X"}]},
    ),
    "6.3-serious-not-investigated": (
        {"6.3": {"serious_reported": "yes"}},
        {"6.3": {"serious_reported": "yes", "serious_investigated": "yes"}},
    ),
    "6.3-not-recorded": ({"6.3": {"recorded": "unknown"}}, {"6.3": {"recorded": "yes"}}),
    "6.4-no-toxicology": ({"6.4": {"done": "no"}}, {"6.4": {"done": "yes"}}),
    "6.5-not-tested": ({"6.5": {"tested": "no"}}, {"6.5": {"tested": "yes"}}),
    "6.6-no-profiling": ({"6.6": {"profiled": "no"}}, {"6.6": {"profiled": "yes"}}),
    "6.7-consent": ({"6.7": {"consent_states": "no"}}, {"6.7": {"consent_states": "yes"}}),
    "7.1-coactives": (
        {"7.1": {"coactives": ["none", "peptides"]}},
        {"7.1": {"coactives": ["none"]}},
    ),
    "7.2-vehicle-control": ({"7.2": {"same_vehicle": "no"}}, {"7.2": {"same_vehicle": "yes"}}),
    "7.3-no-penetration": (
        {"7.3": {"penetration": "none"}},
        {"7.3": {"penetration": "intact_skin"}},
    ),
    "7.4-integrity": (
        {"7.4": {"integrity": "raw_material_only"}},
        {"7.4": {"integrity": "end_of_shelf_life"}},
    ),
    "7.5-no-dose": ({"7.5": {"dose": None}}, {"7.5": {"dose": 0}}),
}


def test_every_rule_of_v1_has_a_case():
    assert {rule.id for rule in V1.rules} == set(CASES)


def test_the_base_dossier_fires_nothing():
    assert fired(good()) == set()


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_fires_on_its_trigger(rule_id):
    answers, _, *drops = CASES[rule_id]
    assert rule_id in fired(patch(good(), answers, drop=drops[0] if drops else ()))


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_stays_silent_otherwise(rule_id):
    _, silent, *_ = CASES[rule_id]
    assert rule_id not in fired(patch(good(), silent))


def test_human_source_used_in_the_eu_is_red_whatever_its_status():
    data = patch(good(), {"0.4": {"market": "eu_uk"}, "5.6": {"status": "none"}})
    assert "5.6-human-cosmetic-eu" in fired(data)


def test_unresolved_fda_action_with_resolved_unknown_is_red():
    data = patch(good(), {"2.4": {"any_action": "yes", "resolved": "unknown"}})
    assert "2.4-unresolved" in fired(data)
    assert "2.4-resolved" not in fired(data)


def test_injection_under_ind_is_red_while_protocol_use_is_not_known():
    answers = {**US, "5.1": {"route": "injection"}, "5.2": {"status": "under_ind"}}
    assert "5.1-injected-vesicles-us" in fired(patch(good(), answers))


def test_the_injection_rule_ignores_markets_outside_the_us():
    assert "5.1-injected-vesicles-us" not in fired(patch(good(), {"5.1": {"route": "injection"}}))


def test_rules_of_an_inapplicable_question_never_fire():
    # 1.6 is asked only for cell-culture sources; a plant source makes it inapplicable.
    data = patch(good(), {**PLANT, "1.6": {"passage": None, "serum": "fbs"}})
    assert not {"1.6-passage-not-given", "1.6-fbs-not-depleted"} & fired(data)


def test_a_rule_finding_names_question_field_reason_and_sources():
    (finding,) = run(patch(good(), {"4.3": {"result": 0.9}})).findings
    assert finding.rule_id == "4.3-above-limit"
    assert (finding.question_id, finding.field, finding.severity) == ("4.3", "result", "RED")
    assert finding.sources == ("S28",)
    assert "above the specification limit" in finding.reason


def test_unverified_points_say_so_in_their_reason():
    reasons = {rule.id: rule.reason for rule in V1.rules}
    assert "[unverified]" in reasons["1.6-fbs-not-depleted"]
    assert "[unverified]" in reasons["4.9-variability"]
