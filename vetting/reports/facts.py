"""The dated regulatory context a report cites (regulatory_facts.yaml)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import yaml

FACTS_FILE = Path(__file__).with_name("regulatory_facts.yaml")


@dataclass(frozen=True)
class Fact:
    # As precise as its source: "2020", "2022-11" or "2019-12-06" (None: undated).
    date: str | None
    text: str
    sources: tuple[str, ...]
    categories: frozenset[str] | None
    markets: frozenset[str] | None
    human: bool | None

    def applies(self, *, category: str | None, market: str | None, human: bool) -> bool:
        if self.categories is not None and category not in self.categories:
            return False
        if self.markets is not None and market not in self.markets:
            return False
        return not (self.human is True and not human)


PARTIAL_DATE = re.compile(r"\d{4}(-\d{2})?")


def _date_text(value) -> str | None:
    """A fact's date as the file gives it: a full date, or only the year or year-month its
    source gives (never a made-up first day of the month)."""
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and PARTIAL_DATE.fullmatch(value):
        return value
    raise ValueError(f"{FACTS_FILE.name}: date {value!r} is not YYYY, YYYY-MM or YYYY-MM-DD "
                     "(quote a year or year-month: '2020')")


@cache
def _load() -> tuple[date, dict[str, str], dict[str, str], tuple[Fact, ...]]:
    data = yaml.safe_load(FACTS_FILE.read_text(encoding="utf-8"))
    facts = []
    for raw in data["facts"]:
        applies = raw.get("applies") or {}
        facts.append(Fact(
            date=_date_text(raw.get("date")), text=raw["text"],
            sources=tuple(raw.get("sources", ())),
            categories=frozenset(applies["categories"]) if "categories" in applies else None,
            markets=frozenset(applies["markets"]) if "markets" in applies else None,
            human=applies.get("human"),
        ))
    facts.sort(key=lambda f: (f.date is None, f.date or ""))  # ISO text sorts by date
    return (data["as_of"], dict(data.get("sources") or {}), dict(data.get("links") or {}),
            tuple(facts))


def applicable_facts(*, category: str | None, market: str | None, human: bool):
    """(as-of date, source titles to print instead of or beside the checklist's, the facts
    that apply to this product)."""
    as_of, sources, _links, facts = _load()
    chosen = [f for f in facts if f.applies(category=category, market=market, human=human)]
    return as_of, sources, chosen


def source_links() -> dict[str, str]:
    """Where a reader finds each source key that has an address."""
    return _load()[2]
