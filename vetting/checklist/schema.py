"""Load and validate checklist version files into frozen dataclasses.

A checklist version is data (``vetting/checklists/v<N>.yaml``). Loading refuses a
malformed file with a ``ChecklistError`` naming the file, the question and the problem,
so that a clinic admin who writes a new version learns what to fix before any
assessment is filled against it. A loaded version never changes: everything here is
frozen, and the file's SHA-256 is kept so later code can refuse an edited file.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import date, timedelta
from decimal import Decimal
from functools import cache, cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from .conditions import (
    QUESTION_ID,
    YN_CHOICES,
    Condition,
    ConditionError,
    FieldTest,
    InGroup,
    Scope,
    is_answered,
    parse_condition,
    reads_absence,
    walk,
)

BUNDLED_DIR = Path(__file__).resolve().parent.parent / "checklists"
FIELD_TYPES = ("yn", "choice", "multi", "number", "date", "text", "document")
ANSWERED_BY = ("vendor", "practitioner")
SUMMARIES = ("reporting", "clinical")
SEVERITIES = ("RED", "AMBER")
NAME = re.compile(r"^[a-z][a-z0-9_]*$")
CHOICE_KEY = re.compile(r"^[a-z0-9][a-z0-9_]*$")
EMPTY: Mapping[str, str] = MappingProxyType({})


def _empty() -> Mapping:
    return EMPTY


class ChecklistError(Exception):
    """A checklist file is malformed: names the file, the question (if any) and the problem."""

    def __init__(self, file: str, problem: str, question: str | None = None) -> None:
        self.file, self.problem, self.question = file, problem, question
        where = f"{file}: question {question}" if question else file
        super().__init__(f"{where}: {problem}")


class UnknownVersion(ChecklistError, LookupError):
    """No bundled checklist has this version."""


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # one of FIELD_TYPES
    label: str
    by: str  # "vendor" or "practitioner"
    help: str = ""
    choices: Mapping[str, str] = dc_field(default_factory=_empty)  # value -> label
    unit: str | None = None  # number
    integer: bool = False  # number
    minimum: float | None = None  # number
    kind: str | None = None  # document: the evidence kind that answers it
    applies_when: Condition | None = None  # document: when it is asked for

    @property
    def is_document(self) -> bool:
        return self.type == "document"

    @property
    def allowed_values(self) -> Mapping[str, str]:
        return YN_CHOICES if self.type == "yn" else self.choices


# Fields that by their names are never below others of the same answer (or row), in every
# checklist version, with the word saying so: an expiry date is not before the issue or
# manufacture date; a size distribution's D90 is not below its median or D10, nor the median
# below the D10. Checked where an answer is written (the step, the portal, import), not on
# answers already stored.
ORDER: Mapping[str, tuple[str, Mapping[str, tuple[str, ...]]]] = MappingProxyType({
    "date": ("before", MappingProxyType({"expiry_date": ("issue_date", "manufacture_date")})),
    "number": ("below", MappingProxyType({"d90": ("d10", "median"), "median": ("d10",)})),
})
# Choices of a "several of" field that stand alone: "none" (or "unknown") with a method ticked
# beside it says two things at once, and a rule on "none" would flag a product that has one.
STANDALONE_CHOICES = frozenset({"none", "none_reported", "unknown"})
# Dates of what has already happened (a certificate's issue, a lot's manufacture): never
# after the day they are entered. Any date outside PLAUSIBLE_YEARS is a mistyped year.
PAST_DATES = frozenset({"issue_date", "manufacture_date"})
PLAUSIBLE_YEARS = range(1900, 2101)


def answer_problems(question: Question, row: Mapping[str, Any], *,
                    today: date | None = None) -> list[tuple[str, str]]:
    """(field name, message) for what one answer or row (typed: dates as dates, numbers as
    numbers, a "several of" field as a list) says against itself: a year no document has
    (PLAUSIBLE_YEARS), a past event dated after `today` (PAST_DATES), dates or numbers out
    of order (ORDER), a standalone choice ticked with others (STANDALONE_CHOICES)."""
    problems = []
    for field in question.fields:
        value = row.get(field.name)
        if field.type != "date" or not isinstance(value, date):
            continue
        if value.year not in PLAUSIBLE_YEARS:
            problems.append((field.name, f"The {field.label} ({value.isoformat()}) is not a "
                                         "plausible date: check the year."))
        elif (today is not None and field.name in PAST_DATES
              and value > today + timedelta(days=1)):  # a day ahead: another time zone
            problems.append((field.name, f"The {field.label} ({value.isoformat()}) is in the "
                                         "future: check the date on the document."))
    for kind, (word, order) in ORDER.items():
        for upper, lower_names in order.items():
            field, value = question.field_map.get(upper), row.get(upper)
            if field is None or field.type != kind or not _typed(kind, value):
                continue
            for name in lower_names:
                lower, below = question.field_map.get(name), row.get(name)
                if (lower is not None and lower.type == kind and _typed(kind, below)
                        and value < below):
                    problems.append((upper, f"The {field.label} ({_shown(field, value)}) is "
                                            f"{word} the {lower.label} "
                                            f"({_shown(field, below)})."))
    for field in question.fields:
        chosen = row.get(field.name)
        if field.type != "multi" or not isinstance(chosen, list | tuple) or len(chosen) < 2:
            continue
        alone = next((c for c in chosen if c in STANDALONE_CHOICES), None)
        if alone is not None:
            problems.append((field.name, f'"{field.choices.get(alone, alone)}" cannot be '
                                         f"ticked with other {field.label}: tick it alone, or "
                                         "only the others."))
    return problems


def _typed(kind: str, value: Any) -> bool:
    if kind == "date":
        return isinstance(value, date)
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _shown(field: Field, value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return f"{value:g} {field.unit}" if field.unit else f"{value:g}"


@dataclass(frozen=True)
class Rule:
    id: str
    question_id: str
    severity: str  # "RED" or "AMBER"
    when: Condition
    reason: str
    sources: tuple[str, ...]
    unless: Condition | None = None  # an exception, taken only when definitely true
    field: str | None = None  # the field the finding points at


@dataclass(frozen=True)
class Question:
    id: str
    domain_id: str
    text: str
    by: str
    fields: tuple[Field, ...]
    rules: tuple[Rule, ...] = ()
    help: str = ""
    repeatable: bool = False
    applies_when: Condition | None = None
    field_map: Mapping[str, Field] = dc_field(default_factory=_empty, repr=False, compare=False)

    @property
    def clinic_fields(self) -> frozenset[str]:
        """The fields the clinic records in a vendor question (4.1's lot number read off
        the vial): they alone do not answer it."""
        if self.by != "vendor":
            return frozenset()
        return frozenset(f.name for f in self.fields if f.by == "practitioner")

    def has_clinic_values(self, value: Any) -> bool:
        """Whether an answer (a field mapping) holds a value in one of `clinic_fields`."""
        return isinstance(value, Mapping) and any(
            is_answered(value.get(name)) for name in self.clinic_fields)

    @property
    def clinic_field_labels(self) -> str:
        """The labels of `clinic_fields`, for "… recorded by the clinic"."""
        return ", ".join(f.label for f in self.fields if f.name in self.clinic_fields)

    @property
    def documents(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.is_document)

    def document_kinds(self) -> frozenset[str]:
        return frozenset(f.kind for f in self.fields if f.kind)


@dataclass(frozen=True)
class Domain:
    id: str
    title: str
    summary: str  # "reporting" (domains 0-5) or "clinical" (domains 6-7)
    question_ids: tuple[str, ...]
    applies_when: Condition | None = None


@dataclass(frozen=True)
class SourceGroup:
    name: str
    title: str
    when: Condition


@dataclass(frozen=True)
class Checklist:
    version: str
    title: str
    effective: date
    sources: Mapping[str, str]
    groups: Mapping[str, SourceGroup]
    domains: tuple[Domain, ...]
    questions: tuple[Question, ...]
    file: str = ""
    sha256: str = ""
    question_map: Mapping[str, Question] = dc_field(
        default_factory=_empty, repr=False, compare=False
    )

    def question(self, question_id: str) -> Question:
        return self.question_map[question_id]

    def domain(self, domain_id: str) -> Domain:
        return next(d for d in self.domains if d.id == domain_id)

    @property
    def rules(self) -> tuple[Rule, ...]:
        return tuple(rule for q in self.questions for rule in q.rules)

    @cached_property
    def document_labels(self) -> Mapping[str, str]:
        """Each document kind as the checklist names it ("certificate of analysis", not
        "coa")."""
        return MappingProxyType({field.kind: field.label for question in self.questions
                                 for field in question.documents})


# ---------------------------------------------------------------- loading


def safe_load_yaml(content: bytes | str) -> Any:
    """yaml.safe_load, through libyaml's C safe loader when present (10x faster)."""
    if yaml.__with_libyaml__:
        return yaml.load(content, Loader=yaml.CSafeLoader)
    return yaml.safe_load(content)


def load_checklist(path: str | Path) -> Checklist:
    """Read, parse and validate one checklist file."""
    path = Path(path)
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise ChecklistError(path.name, f"cannot read the file: {exc.strerror}") from exc
    try:
        data = safe_load_yaml(content)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ChecklistError(path.name, f"not valid YAML{where}: {problem}") from exc
    checklist = parse_checklist(data, file=path.name, sha256=hashlib.sha256(content).hexdigest())
    expected = path.stem[1:] if path.stem.startswith("v") else None
    if expected is not None and checklist.version != expected:
        raise ChecklistError(
            path.name, f"declares version {checklist.version!r}; the file name says {expected!r}"
        )
    return checklist


def version_key(version: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", version))


def bundled_versions() -> tuple[str, ...]:
    """The versions shipped in vetting/checklists/, oldest first."""
    versions = (p.stem[1:] for p in BUNDLED_DIR.glob("v*.yaml"))
    return tuple(sorted(versions, key=version_key))


def latest_version() -> str:
    return bundled_versions()[-1]


@cache
def get_checklist(version: str) -> Checklist:
    """A bundled checklist version, loaded once per process."""
    if version not in bundled_versions():
        raise UnknownVersion(
            f"v{version}.yaml",
            f"unknown checklist version {version!r} (known: {', '.join(bundled_versions())})",
        )
    return load_checklist(BUNDLED_DIR / f"v{version}.yaml")


# ---------------------------------------------------------------- parsing


def _mapping(raw: Any, where: str, required: tuple = (), optional: tuple = ()) -> dict:
    if not isinstance(raw, dict):
        raise ConditionError(f"{where} must be a mapping, not {type(raw).__name__}")
    missing = [k for k in required if k not in raw]
    if missing:
        raise ConditionError(f"{where} lacks {', '.join(missing)}")
    unknown = [str(k) for k in raw if k not in required and k not in optional]
    if unknown:
        raise ConditionError(
            f"{where} has unknown key(s) {', '.join(unknown)} "
            f"(allowed: {', '.join((*required, *optional))})"
        )
    return raw


def _text(raw: Any, where: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise ConditionError(f"{where} must be a non-empty text")
    return raw.strip()


def _list(raw: Any, where: str) -> list:
    if not isinstance(raw, list) or not raw:
        raise ConditionError(f"{where} must be a non-empty list")
    return raw


class _Parser:
    """Builds a Checklist from YAML data; every problem becomes a ChecklistError."""

    def __init__(self, data: Any, file: str) -> None:
        self.data = data
        self.file = file
        self.fields: dict[str, dict[str, Field]] = {}
        self.repeatable: set[str] = set()
        self.groups: dict[str, InGroup] = {}
        self.raw_groups: dict = {}
        self.resolving: list[str] = []
        self.rule_ids: set[str] = set()

    def fail(self, problem: str, question: str | None = None) -> ChecklistError:
        return ChecklistError(self.file, problem, question)

    def parse(self, sha256: str) -> Checklist:
        try:
            top = _mapping(
                self.data,
                "the file",
                ("version", "title", "effective", "domains", "questions"),
                ("sources", "source_groups"),
            )
            version, title, effective, sources = self.header(top)
            raw_questions = self.question_shells(top["questions"])
        except ConditionError as exc:
            raise self.fail(str(exc)) from exc
        self.parse_groups(top.get("source_groups") or {})
        domains_raw = self.domain_shells(top["domains"])
        questions = [self.question(raw, sources) for raw in raw_questions]
        domains = self.domains(domains_raw, questions)
        order = {d.id: i for i, d in enumerate(domains)}
        questions.sort(key=lambda q: order[q.domain_id])  # stable: file order within a domain
        return Checklist(
            version=version,
            title=title,
            effective=effective,
            sources=MappingProxyType(dict(sources)),
            groups=MappingProxyType(
                {n: SourceGroup(n, g.title, g.item) for n, g in self.groups.items()}
            ),
            domains=tuple(domains),
            questions=tuple(questions),
            file=self.file,
            sha256=sha256,
            question_map=MappingProxyType({q.id: q for q in questions}),
        )

    def header(self, top: dict) -> tuple[str, str, date, dict[str, str]]:
        version = top["version"]
        if not isinstance(version, str) or not version.strip():
            raise ConditionError(f'version must be a quoted text such as "1", not {version!r}')
        effective = top["effective"]
        if isinstance(effective, str):
            with contextlib.suppress(ValueError):
                effective = date.fromisoformat(effective)
        if not isinstance(effective, date):
            raise ConditionError(f"effective must be a date (YYYY-MM-DD), not {effective!r}")
        sources = top.get("sources") or {}
        if not isinstance(sources, dict):
            raise ConditionError("sources must be a mapping of key: citation")
        for key, text in sources.items():
            _text(text, f"source {key}")
        return version.strip(), _text(top["title"], "title"), effective, sources

    # -- questions: first their fields, so conditions anywhere can refer to them

    def question_shells(self, raw_questions: Any) -> list[dict]:
        for raw in _list(raw_questions, "questions"):
            qid = raw.get("id") if isinstance(raw, dict) else None
            if not isinstance(qid, str) or not QUESTION_ID.match(qid):
                raise ConditionError(
                    f'every question needs an id such as "1.1" (quoted), found {qid!r}'
                )
            if qid in self.fields:
                raise self.fail("the question ID is used twice", qid)
            try:
                _mapping(
                    raw,
                    "the question",
                    ("id", "text", "by", "fields"),
                    ("help", "rules", "applies_when", "repeatable"),
                )
                self.fields[qid] = self.field_shells(raw)
            except ConditionError as exc:
                raise self.fail(str(exc), qid) from exc
            if raw.get("repeatable", False) is True:
                self.repeatable.add(qid)
                if any(f.by != raw["by"] for f in self.fields[qid].values()):
                    # Rows have one answerer: who may change which field of which row, and
                    # what answers the question, are defined per question, not per row.
                    raise self.fail("a repeatable question's fields are all answered by "
                                    "whoever answers the question (no field-level by)", qid)
            elif raw.get("repeatable", False) is not False:
                raise self.fail("repeatable must be true or false", qid)
        return raw_questions

    def field_shells(self, raw: dict) -> dict[str, Field]:
        by = raw["by"]
        if by not in ANSWERED_BY:
            raise ConditionError(f"by must be one of {', '.join(ANSWERED_BY)}, not {by!r}")
        fields: dict[str, Field] = {}
        for raw_field in _list(raw["fields"], "fields"):
            spec = self.field_shell(raw_field, by)
            if spec.name in fields:
                raise ConditionError(f"field {spec.name!r} is defined twice")
            fields[spec.name] = spec
        kinds = [f.kind for f in fields.values() if f.kind]
        if len(kinds) != len(set(kinds)):
            raise ConditionError("two document fields ask for the same kind")
        return fields

    def field_shell(self, raw: Any, question_by: str) -> Field:
        raw = _mapping(
            raw,
            "a field",
            ("name", "type", "label"),
            ("help", "by", "choices", "unit", "integer", "min", "kind", "applies_when"),
        )
        name, ftype = raw["name"], raw["type"]
        if not isinstance(name, str) or not NAME.match(name):
            raise ConditionError(f"field name {name!r} must match [a-z][a-z0-9_]*")
        if ftype not in FIELD_TYPES:
            raise ConditionError(
                f"field {name!r} has unknown type {ftype!r} (types: {', '.join(FIELD_TYPES)})"
            )
        self.check_type_keys(raw, name, ftype)
        by = raw.get("by", question_by)
        if by not in ANSWERED_BY:
            raise ConditionError(f"field {name!r}: by must be vendor or practitioner, not {by!r}")
        minimum = raw.get("min")
        not_number = isinstance(minimum, bool) or not isinstance(minimum, int | float)
        if minimum is not None and not_number:
            raise ConditionError(f"field {name!r}: min must be a number")
        return Field(
            name=name,
            type=ftype,
            label=_text(raw["label"], f"field {name!r} label"),
            by=by,
            help=raw.get("help", "") or "",
            choices=self.choices(raw, name, ftype),
            unit=raw.get("unit"),
            integer=raw.get("integer", False) is True,
            minimum=minimum,
            kind=raw.get("kind"),
        )

    def check_type_keys(self, raw: dict, name: str, ftype: str) -> None:
        allowed = {
            "choices": ("choice", "multi"),
            "unit": ("number",),
            "integer": ("number",),
            "min": ("number",),
            "kind": ("document",),
            "applies_when": ("document",),
        }
        for key, types in allowed.items():
            if key in raw and ftype not in types:
                raise ConditionError(f"field {name!r} of type {ftype} cannot have {key!r}")
        if ftype == "document":
            kind = raw.get("kind")
            if not isinstance(kind, str) or not NAME.match(kind):
                raise ConditionError(f"document field {name!r} needs a kind such as coa")
        if "integer" in raw and not isinstance(raw["integer"], bool):
            raise ConditionError(f"field {name!r}: integer must be true or false")

    def choices(self, raw: dict, name: str, ftype: str) -> Mapping[str, str]:
        if ftype not in ("choice", "multi"):
            return EMPTY
        choices = raw.get("choices")
        if not isinstance(choices, dict) or not choices:
            raise ConditionError(f"field {name!r} of type {ftype} needs choices (value: label)")
        for key, label in choices.items():
            if not isinstance(key, str) or not CHOICE_KEY.match(key):
                hint = ' (quote "yes" and "no" in YAML)' if isinstance(key, bool) else ""
                raise ConditionError(
                    f"field {name!r}: choice value {key!r} must match [a-z0-9][a-z0-9_]*{hint}"
                )
            _text(label, f"field {name!r} choice {key} label")
        return MappingProxyType(dict(choices))

    # -- groups, then each question's conditions

    def scope(self) -> Scope:
        return Scope(self.fields, frozenset(self.repeatable), self.group)

    def parse_groups(self, raw_groups: Any) -> None:
        if not isinstance(raw_groups, dict):
            raise self.fail("source_groups must be a mapping of name: {title, when}")
        self.raw_groups = raw_groups
        for name in raw_groups:
            try:
                self.group(name)
            except ConditionError as exc:
                raise self.fail(str(exc)) from exc

    def group(self, name: Any) -> InGroup:
        if name in self.groups:
            return self.groups[name]
        if not isinstance(name, str) or name not in self.raw_groups:
            known = ", ".join(self.raw_groups) or "none"
            raise ConditionError(f"unknown source group {name!r} (groups: {known})")
        if name in self.resolving:
            cycle = " -> ".join([*self.resolving[self.resolving.index(name) :], name])
            raise ConditionError(f"source groups refer to each other in a cycle: {cycle}")
        self.resolving.append(name)
        try:
            raw = _mapping(self.raw_groups[name], f"source group {name!r}", ("title", "when"))
            title = _text(raw["title"], f"source group {name!r} title")
            self.groups[name] = InGroup(name, title, parse_condition(raw["when"], self.scope()))
        except ConditionError as exc:
            raise ConditionError(f"source group {name!r}: {exc}") from None
        finally:
            self.resolving.pop()
        return self.groups[name]

    def domain_shells(self, raw_domains: Any) -> list[dict]:
        try:
            seen: set[str] = set()
            for raw in _list(raw_domains, "domains"):
                _mapping(raw, "a domain", ("id", "title", "summary"), ("applies_when",))
                if not isinstance(raw["id"], str) or not raw["id"].isdigit() or raw["id"] in seen:
                    raise ConditionError(f"domain id {raw['id']!r} must be a unique quoted number")
                if raw["summary"] not in SUMMARIES:
                    raise ConditionError(
                        f"domain {raw['id']}: summary must be reporting or clinical, "
                        f"not {raw['summary']!r}"
                    )
                seen.add(raw["id"])
        except ConditionError as exc:
            raise self.fail(str(exc)) from exc
        return raw_domains

    def domains(self, raw_domains: list[dict], questions: list[Question]) -> list[Domain]:
        domains = []
        for raw in raw_domains:
            try:
                applies = self.applicability(raw.get("applies_when"))
            except ConditionError as exc:
                raise self.fail(f"domain {raw['id']}: applies_when: {exc}") from exc
            ids = tuple(q.id for q in questions if q.domain_id == raw["id"])
            title = _text(raw["title"], f"domain {raw['id']} title")
            domains.append(Domain(raw["id"], title, raw["summary"], ids, applies))
        return domains

    def applicability(self, raw: Any, own_question: str | None = None) -> Condition | None:
        if raw is None:
            return None
        condition = parse_condition(raw, self.scope())
        if reads_absence(condition):
            # Applicability may only narrow as answers come in; testing whether something
            # is answered would let an answer make other questions appear.
            raise ConditionError("may not test whether something is answered; test values")
        if own_question and any(
            isinstance(n, FieldTest) and n.question == own_question for n in walk(condition)
        ):
            raise ConditionError("a question cannot depend on its own answers")
        return condition

    def question(self, raw: dict, sources: Mapping[str, str]) -> Question:
        qid = raw["id"]
        domain_id = qid.split(".")[0]
        try:
            if domain_id not in {str(d.get("id")) for d in self.data["domains"]}:
                raise ConditionError(f"domain {domain_id} is not defined under domains")
            try:
                applies = self.applicability(raw.get("applies_when"), qid)
            except ConditionError as exc:
                raise ConditionError(f"applies_when: {exc}") from None
            fields = tuple(self.with_applicability(f, raw) for f in self.fields[qid].values())
            rules = tuple(self.rule(r, qid, sources) for r in raw.get("rules") or ())
            return Question(
                id=qid,
                domain_id=domain_id,
                text=_text(raw["text"], "text"),
                by=raw["by"],
                fields=fields,
                rules=rules,
                help=(raw.get("help") or "").strip(),
                repeatable=qid in self.repeatable,
                applies_when=applies,
                field_map=MappingProxyType({f.name: f for f in fields}),
            )
        except ConditionError as exc:
            raise self.fail(str(exc), qid) from exc

    def with_applicability(self, spec: Field, raw_question: dict) -> Field:
        raw = next(f for f in raw_question["fields"] if f["name"] == spec.name)
        if "applies_when" not in raw:
            return spec
        try:
            condition = self.applicability(raw["applies_when"])
        except ConditionError as exc:
            raise ConditionError(f"field {spec.name!r} applies_when: {exc}") from None
        return Field(**{**spec.__dict__, "applies_when": condition})

    def rule(self, raw: Any, qid: str, sources: Mapping[str, str]) -> Rule:
        raw = _mapping(
            raw, "a rule", ("id", "severity", "when", "reason", "sources"), ("unless", "field")
        )
        rule_id = _text(raw["id"], "rule id")
        if rule_id in self.rule_ids:
            raise ConditionError(f"rule id {rule_id!r} is used twice")
        self.rule_ids.add(rule_id)
        where = f"rule {rule_id}"
        if raw["severity"] not in SEVERITIES:
            raise ConditionError(f"{where}: severity must be RED or AMBER, not {raw['severity']!r}")
        cited = _list(raw["sources"], f"{where}: sources")
        unknown = [str(s) for s in cited if s not in sources]
        if unknown:
            raise ConditionError(f"{where}: unknown source key(s) {', '.join(unknown)}")
        try:
            when = parse_condition(raw["when"], self.scope())
            unless = parse_condition(raw["unless"], self.scope()) if "unless" in raw else None
        except ConditionError as exc:
            raise ConditionError(f"{where}: {exc}") from None
        return Rule(
            id=rule_id,
            question_id=qid,
            severity=raw["severity"],
            when=when,
            unless=unless,
            reason=" ".join(_text(raw["reason"], f"{where}: reason").split()),
            sources=tuple(cited),
            field=self.rule_field(raw.get("field"), when, qid, where),
        )

    def rule_field(self, named: Any, when: Condition, qid: str, where: str) -> str | None:
        if named is not None:
            if named not in self.fields[qid]:
                raise ConditionError(f"{where}: field {named!r} is not a field of {qid}")
            return named
        # Default: the first field of this question that the condition tests (not via groups).
        stack = [when]
        while stack:
            node = stack.pop(0)
            if isinstance(node, FieldTest) and node.question == qid:
                return node.field
            if not isinstance(node, InGroup):
                stack[0:0] = list(node.children())
        return None


def parse_checklist(data: Any, *, file: str = "<checklist>", sha256: str = "") -> Checklist:
    """Validate already-loaded YAML data (a dict) into a Checklist."""
    return _Parser(data, file).parse(sha256)
