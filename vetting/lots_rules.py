"""The checks a lot received must pass: pure functions, no database.

A lot is held when its certificate of analysis (CoA) does not show it meets the
specification the reviewer approved (the decision's `approved_spec`) or the batch
rules of checklist domain 4: the lot numbers on vial and CoA agree (4.1), it has not
expired (4.2), its endotoxin result is within the limit (4.3), its sterility test
passed where one is required (4.4), and its particle count and size mode are in the
approved ranges (3.2, 3.4). Each reason is one plain-language sentence.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any


def same_lot_number(a: str, b: str) -> bool:
    """Lot numbers are copied by hand: case and spaces are ignored (as the checklist does)."""
    return "".join((a or "").split()).casefold() == "".join((b or "").split()).casefold()


def number(value: float) -> str:
    """A number as a person reads it: 2e10 as "2 × 10^10", 0.25 as "0.25"."""
    if value and abs(value) >= 1e5:
        mantissa, exponent = f"{value:.3g}".split("e")
        return f"{mantissa} × 10^{int(exponent)}"
    return f"{value:g}"


def _lot_number(values: Mapping[str, Any]) -> list[str]:
    vial, coa = values.get("lot_number") or "", values.get("coa_lot_number") or ""
    if not same_lot_number(vial, coa):
        return [f"The lot number on the vial ({vial}) does not match the one on the "
                f"certificate of analysis ({coa})."]
    return []


def _expiry(values: Mapping[str, Any], on_date: date) -> list[str]:
    expiry = values.get("expiry_date")
    if expiry is None:
        return ["The lot's expiry date is not recorded."]
    if expiry < on_date:  # the expiry date is the last day it may be used
        return [f"The lot expired on {expiry.isoformat()} (its last valid day)."]
    return []


def _sterility(spec: Mapping[str, Any], values: Mapping[str, Any]) -> list[str]:
    result = values.get("sterility") or "not_tested"
    if result == "fail":
        return ["The sterility test of this lot failed."]
    if result != "pass" and spec.get("sterility_required"):
        return ["The approval requires a passed sterility test for each lot, and the "
                "certificate of analysis shows none."]
    return []


def _endotoxin(spec: Mapping[str, Any], values: Mapping[str, Any]) -> list[str]:
    limit = spec.get("endotoxin_limit")
    if limit is None:
        return []
    result = values.get("endotoxin")
    if result is None:
        return [f"The certificate of analysis gives no endotoxin result; the approved limit "
                f"is {number(limit)} EU/mL."]
    if result > limit:
        return [f"Endotoxin {number(result)} EU/mL is above the approved limit of "
                f"{number(limit)} EU/mL."]
    return []


def _in_range(spec, value, low_key, high_key, what, unit) -> list[str]:
    low, high = spec.get(low_key), spec.get(high_key)
    if low is None and high is None:
        return []
    wanted = (f"from {number(low)} to {number(high)} {unit}" if low is not None
              and high is not None else f"at least {number(low)} {unit}" if low is not None
              else f"at most {number(high)} {unit}")
    if value is None:
        return [f"The certificate of analysis gives no {what}; the approved range is {wanted}."]
    if (low is not None and value < low) or (high is not None and value > high):
        return [f"The {what} of {number(value)} {unit} is outside the approved range "
                f"({wanted})."]
    return []


def _particles(spec: Mapping[str, Any], values: Mapping[str, Any]) -> list[str]:
    reasons = _in_range(spec, values.get("particle_concentration"), "particle_min",
                        "particle_max", "particle concentration", "particles/mL")
    ranged = spec.get("particle_min") is not None or spec.get("particle_max") is not None
    if (ranged and values.get("particle_concentration") is not None
            and values.get("particle_method") in (None, "", "none")):
        reasons.append("The certificate of analysis names no method for the particle count.")
    return reasons


def check_lot(spec: Mapping[str, Any], values: Mapping[str, Any], *, on_date: date) -> list[str]:
    """The reasons to hold a lot; an empty list when it meets everything."""
    spec = spec or {}
    return [
        *_lot_number(values),
        *_expiry(values, on_date),
        *_sterility(spec, values),
        *_endotoxin(spec, values),
        *_particles(spec, values),
        *_in_range(spec, values.get("size_mode"), "size_mode_min", "size_mode_max",
                   "size mode", "nm"),
    ]


def check_history(values: Mapping[str, Any], earlier: Iterable[Mapping[str, Any]]) -> list[str]:
    """Reasons from the lots of the product received before (each a mapping with
    lot_number, expiry_date, status and received_on): the same lot number was rejected,
    or was recorded with another expiry date (one lot has one expiry: a mistake, or a
    label not the manufacturer's). A second delivery of a lot that agrees is not held."""
    same = [lot for lot in earlier if same_lot_number(lot["lot_number"], values["lot_number"])]
    reasons = []
    rejected = [lot for lot in same if lot["status"] == "rejected"]
    if rejected:
        reasons.append(f"Lot {values['lot_number']} was rejected before (the delivery "
                       f"received on {rejected[0]['received_on']:%Y-%m-%d}).")
    expiries = sorted({lot["expiry_date"] for lot in same} - {values["expiry_date"]})
    if expiries:
        reasons.append(f"Lot {values['lot_number']} was recorded before with the expiry date "
                       f"{', '.join(f'{d:%Y-%m-%d}' for d in expiries)}; this one gives "
                       f"{values['expiry_date']:%Y-%m-%d}.")
    return reasons


def _range_text(low, high, unit: str) -> str:
    if low is None and high is None:
        return "-"
    if low is not None and high is not None:
        return f"{number(low)} – {number(high)} {unit}"
    return f"≥ {number(low)} {unit}" if low is not None else f"≤ {number(high)} {unit}"


def spec_rows(spec: Mapping[str, Any],
              values: Mapping[str, Any] | None = None) -> list[tuple[str, str, str]]:
    """(what, the lot's value, the approved value) for display, numbers written for people."""
    spec, values = spec or {}, values or {}

    def shown(name: str, unit: str) -> str:
        value = values.get(name)
        return "-" if value is None else f"{number(value)} {unit}"

    limit = spec.get("endotoxin_limit")
    method = values.get("particle_method_label")
    return [
        ("Endotoxin", shown("endotoxin", "EU/mL"),
         f"≤ {number(limit)} EU/mL" if limit is not None else "-"),
        ("Sterility", values.get("sterility_label", "-"),
         "pass required" if spec.get("sterility_required") else "-"),
        ("Particle concentration",
         shown("particle_concentration", "/mL") + (f" ({method})" if method else ""),
         _range_text(spec.get("particle_min"), spec.get("particle_max"), "/mL")),
        ("Size mode", shown("size_mode", "nm"),
         _range_text(spec.get("size_mode_min"), spec.get("size_mode_max"), "nm")),
    ]
