"""The lot checks (vetting.lots_rules.check_lot): each rule fires alone, a good lot is silent."""

from datetime import date

import pytest

from vetting.lots_rules import check_history, check_lot, number, same_lot_number

TODAY = date(2026, 6, 15)
SPEC = {"endotoxin_limit": 0.5, "particle_min": 1e10, "particle_max": 3e10,
        "size_mode_min": 90, "size_mode_max": 140, "sterility_required": True}
GOOD = {"lot_number": "HB-2291", "coa_lot_number": "HB-2291", "expiry_date": date(2027, 1, 31),
        "sterility": "pass", "endotoxin": 0.1, "particle_concentration": 2e10,
        "particle_method": "nta", "size_mode": 112}


def check(spec=SPEC, **changes):
    return check_lot(spec, {**GOOD, **changes}, on_date=TODAY)


def test_a_good_lot_is_silent():
    assert check() == []


def test_a_good_lot_is_silent_without_a_specification():
    assert check_lot({}, GOOD, on_date=TODAY) == []


def test_it_holds_a_lot_number_that_differs_from_the_coa():
    assert check(coa_lot_number="HB-2292") == [
        "The lot number on the vial (HB-2291) does not match the one on the certificate of "
        "analysis (HB-2292)."]


def test_lot_numbers_ignore_case_and_spaces():
    assert check(coa_lot_number=" hb-2291 ") == []
    assert same_lot_number("HB 2291", "hb2291")


def test_it_holds_an_expired_lot():
    assert check(expiry_date=date(2026, 6, 14)) == [
        "The lot expired on 2026-06-14 (its last valid day)."]


def test_the_expiry_date_is_the_last_valid_day():
    assert check(expiry_date=TODAY) == []


def test_it_holds_a_failed_sterility_test():
    assert check(sterility="fail") == ["The sterility test of this lot failed."]


def test_it_holds_a_failed_sterility_test_even_when_none_is_required():
    assert check({**SPEC, "sterility_required": False}, sterility="fail") == [
        "The sterility test of this lot failed."]


@pytest.mark.parametrize("result", ["not_tested", None, ""])
def test_it_holds_a_missing_sterility_test_where_required(result):
    assert check(sterility=result) == [
        "The approval requires a passed sterility test for each lot, and the certificate of "
        "analysis shows none."]


def test_a_missing_sterility_test_is_fine_where_not_required():
    assert check({**SPEC, "sterility_required": False}, sterility="not_tested") == []


def test_it_holds_endotoxin_above_the_limit():
    assert check(endotoxin=0.51) == ["Endotoxin 0.51 EU/mL is above the approved limit of "
                                     "0.5 EU/mL."]


def test_endotoxin_at_the_limit_is_fine():
    assert check(endotoxin=0.5) == []


def test_it_holds_a_missing_endotoxin_result_when_a_limit_is_set():
    assert check(endotoxin=None) == [
        "The certificate of analysis gives no endotoxin result; the approved limit is "
        "0.5 EU/mL."]


@pytest.mark.parametrize("value", [9.99e9, 3.01e10])
def test_it_holds_a_particle_count_outside_the_range(value):
    [reason] = check(particle_concentration=value)
    assert reason.startswith("The particle concentration of ")
    assert "outside the approved range (from 1 × 10^10 to 3 × 10^10 particles/mL)" in reason


@pytest.mark.parametrize("value", [1e10, 3e10])
def test_particle_counts_at_the_range_ends_are_fine(value):
    assert check(particle_concentration=value) == []


def test_it_holds_a_missing_particle_count():
    assert check(particle_concentration=None) == [
        "The certificate of analysis gives no particle concentration; the approved range is "
        "from 1 × 10^10 to 3 × 10^10 particles/mL."]


def test_it_holds_a_particle_count_without_a_method():
    assert check(particle_method="none") == [
        "The certificate of analysis names no method for the particle count."]


@pytest.mark.parametrize("value", [89, 141])
def test_it_holds_a_size_mode_outside_the_range(value):
    assert check(size_mode=value) == [
        f"The size mode of {value} nm is outside the approved range (from 90 to 140 nm)."]


def test_a_one_sided_range_is_worded_as_such():
    assert check({"size_mode_max": 140}, size_mode=150) == [
        "The size mode of 150 nm is outside the approved range (at most 140 nm)."]


def test_all_reasons_are_given_together():
    reasons = check(coa_lot_number="X", sterility="fail", endotoxin=2, size_mode=300)
    assert len(reasons) == 4


def test_numbers_read_as_people_write_them():
    assert number(2e10) == "2 × 10^10"
    assert number(0.25) == "0.25"
    assert number(112.0) == "112"


def test_spec_rows_write_numbers_for_people():
    from vetting.lots_rules import spec_rows

    rows = spec_rows(SPEC, {"endotoxin": 1.2, "particle_concentration": 2e10,
                            "particle_method_label": "NTA", "size_mode": 112.0,
                            "sterility_label": "Pass"})
    assert rows == [
        ("Endotoxin", "1.2 EU/mL", "≤ 0.5 EU/mL"),
        ("Sterility", "Pass", "pass required"),
        ("Particle concentration", "2 × 10^10 /mL (NTA)", "1 × 10^10 – 3 × 10^10 /mL"),
        ("Size mode", "112 nm", "90 – 140 nm"),
    ]
    assert spec_rows({"size_mode_max": 140})[3] == ("Size mode", "-", "≤ 140 nm")


def earlier(status="usable", expiry=date(2027, 1, 31), lot_number="hb-2291"):
    return {"lot_number": lot_number, "status": status, "expiry_date": expiry,
            "received_on": date(2026, 5, 2)}


def test_history_is_silent_for_a_first_lot_or_a_delivery_that_agrees():
    assert check_history(GOOD, []) == []
    assert check_history(GOOD, [earlier(), earlier("released")]) == []
    assert check_history(GOOD, [earlier("rejected", lot_number="HB-2292")]) == []


def test_history_holds_a_lot_rejected_before_and_one_with_two_expiry_dates():
    assert check_history(GOOD, [earlier("rejected"), earlier(expiry=date(2027, 2, 28)),
                                earlier(expiry=date(2026, 12, 31))]) == [
        "Lot HB-2291 was rejected before (the delivery received on 2026-05-02).",
        "Lot HB-2291 was recorded before with the expiry date 2026-12-31, 2027-02-28; this "
        "one gives 2027-01-31."]
