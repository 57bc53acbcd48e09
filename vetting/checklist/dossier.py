"""The dossier format: one assessment's answers and evidence as JSON (docs/dossier-format.md).

``parse_dossier`` validates strictly and turns JSON values into the typed answers the
engine reads; an invalid dossier is a ``DossierError`` naming, in one line each, the
question, the field and what is wrong: every answer and document in error (the first
problem of each), so that a file is corrected in one go. ``dossier_to_dict`` is the
inverse, for export.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .engine import Evidence
from .schema import Checklist, ChecklistError, Field, Question, UnknownVersion, get_checklist

FORMAT = "clinic-vetting-dossier"
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# The bounds of a value, as the checklist pages enforce them too (vetting.forms.checklist):
# a text answer is at most TEXT_MAX_LENGTH characters; a number is at most NUMBER_LIMIT
# either way, far beyond any quantity the checklist asks for (10^18 particles/mL).
TEXT_MAX_LENGTH = 2000
NUMBER_LIMIT = 10**18
SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")
TOP_KEYS = ("format", "checklist_version", "product", "answers", "evidence",
            "expected_evidence")
EVIDENCE_KEYS = ("name", "kind", "sha256")

Value = str | int | float | date | tuple[str, ...]
Row = Mapping[str, Value]


# Problems listed at most; the rest are counted.
MAX_PROBLEMS = 20


class DossierError(ValueError):
    """An invalid dossier. `problems` lists each problem in one line; the message is that
    line, or for several a first line counting them and then one line each."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or [message]

    @classmethod
    def of(cls, problems: list[str], *, source: str | None = None) -> DossierError:
        lead = f"{source}: " if source else ""
        listed = [f"{lead}{problem}" for problem in problems[:MAX_PROBLEMS]]
        if len(problems) > MAX_PROBLEMS:
            more = len(problems) - MAX_PROBLEMS
            listed.append(f"{lead}and {more} more problem{'s' if more > 1 else ''}")
        if len(problems) == 1:
            return cls(listed[0], listed)
        return cls("\n".join([f"{lead}{len(problems)} problems:",
                              *(f"- {line[len(lead):]}" for line in listed)]), listed)


@dataclass(frozen=True)
class Dossier:
    checklist: Checklist
    answers: Mapping[str, Row | tuple[Row, ...]]  # rows (a tuple) for a repeatable question
    evidence: Mapping[str, tuple[Evidence, ...]]
    product: Mapping[str, str]
    # Documents named (by an earlier dossier) but not held: kept on a round trip, never
    # evidence to the rules (an export from the app lists what the clinic holds).
    expected_evidence: Mapping[str, tuple[Evidence, ...]] = dataclass_field(
        default_factory=lambda: MappingProxyType({}))

    @property
    def version(self) -> str:
        return self.checklist.version


class StrictJSONError(ValueError):
    """JSON that Python reads but a dossier may not hold."""


def _reject_constant(name: str) -> None:
    raise StrictJSONError(f"{name} is not a number JSON allows")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    duplicate = next((k for k in keys if keys.count(k) > 1), None)
    if duplicate is not None:
        raise StrictJSONError(f"key {duplicate!r} appears twice in one object")
    return dict(pairs)


def decode_json(text: str) -> Any:
    """A dossier's JSON, read strictly (the command and the import page alike): a key given
    twice in one object, NaN or Infinity, values nested thousands deep and numbers
    thousands of digits long are refused with a ValueError saying which."""
    try:
        return json.loads(text.removeprefix("\ufeff"),  # a byte-order mark some editors write
                          object_pairs_hook=_unique_keys, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{exc.msg} (line {exc.lineno}, column {exc.colno})") from exc
    except StrictJSONError:
        raise
    except RecursionError as exc:
        raise ValueError("its values nest too deeply") from exc
    except ValueError as exc:  # Python's limit on an integer's digits (4,300)
        raise ValueError("it holds a number thousands of digits long") from exc


def load_dossier(
    path: str | Path, *, checklists: Callable[[str], Checklist] = get_checklist
) -> Dossier:
    """Read and validate a dossier file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise DossierError(f"{path.name}: cannot read the file: {reason}") from exc
    try:
        data = decode_json(text)
    except ValueError as exc:
        raise DossierError(f"{path.name}: not valid JSON: {exc}") from exc
    return parse_dossier(data, source=path.name, checklists=checklists)


def parse_dossier(
    data: Any,
    *,
    source: str = "dossier",
    checklists: Callable[[str], Checklist] = get_checklist,
) -> Dossier:
    """Validate decoded JSON against its checklist version into a Dossier."""
    try:
        return _parse(data, checklists)
    except DossierError as exc:
        raise DossierError.of(exc.problems, source=source) from None


def _check_text(data: Any) -> None:
    """Every key and text of the dossier is storable text: JSON can spell a lone UTF-16
    surrogate ("\\ud800") or a NUL character, which no database text column holds."""
    stack = [data]
    while stack:  # not recursive: the JSON parser allows nesting deeper than Python's stack
        value = stack.pop()
        if isinstance(value, dict):
            stack += [*value.keys(), *value.values()]
        elif isinstance(value, list):
            stack += value
        elif isinstance(value, str):
            if "\x00" in value:
                raise DossierError(f"the text {value[:40]!r} holds a NUL character")
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise DossierError(f"the text {value[:40]!r} is not valid Unicode (it holds "
                                   "half of a UTF-16 pair)") from None


def _parse(data: Any, checklists: Callable[[str], Checklist]) -> Dossier:
    if not isinstance(data, dict):
        raise DossierError("the dossier must be a JSON object")
    _check_text(data)
    unknown = [k for k in data if k not in TOP_KEYS]
    if unknown:
        raise DossierError(f"unknown key {unknown[0]!r} (allowed: {', '.join(TOP_KEYS)})")
    if data.get("format", FORMAT) != FORMAT:
        raise DossierError(f"format must be {FORMAT!r}, not {data['format']!r}")
    for key in ("checklist_version", "answers"):
        if key not in data:
            raise DossierError(f"missing {key!r}")
    version = data["checklist_version"]
    if not isinstance(version, str):
        raise DossierError(f'checklist_version must be a string such as "1", not {version!r}')
    try:
        checklist = checklists(version)
    except UnknownVersion as exc:
        raise DossierError(exc.problem) from None
    except ChecklistError as exc:  # the version's file is there, but malformed
        raise DossierError(f"checklist version {version!r}: {exc}") from None
    # Every part is read, and every problem found is reported at once.
    problems: list[str] = []

    def each(read: Callable[[], Any]) -> Any:
        try:
            return read()
        except DossierError as exc:
            problems.extend(exc.problems)
            return {}

    answers = each(lambda: _answers(data["answers"], checklist, problems))
    evidence = each(lambda: _evidence(data.get("evidence", {}), checklist, problems))
    product = each(lambda: _product(data.get("product", {})))
    expected = each(lambda: _evidence(data.get("expected_evidence", {}), checklist, problems,
                                      key="expected_evidence"))
    for qid, items in expected.items():  # a file is held or expected, not both
        held = {e.sha256 for e in evidence.get(qid, ())}
        if any(e.sha256 in held for e in items):
            problems.append(f"expected_evidence for {qid}: a file listed in evidence for "
                            f"{qid} too (the same SHA-256)")
    if problems:
        raise DossierError(problems[0], problems)  # listed by parse_dossier
    return Dossier(
        checklist=checklist,
        answers=MappingProxyType(answers),
        evidence=MappingProxyType(evidence),
        product=MappingProxyType(product),
        expected_evidence=MappingProxyType(expected),
    )


def _product(raw: Any) -> dict[str, str]:
    if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
        raise DossierError("product must be an object of texts (e.g. name, vendor)")
    return dict(raw)


def _question(checklist: Checklist, qid: Any) -> Question:
    question = checklist.question_map.get(qid)
    if question is None:
        raise DossierError(f"unknown question {qid!r} in checklist {checklist.version}")
    return question


# ---------------------------------------------------------------- answers


def _answers(raw: Any, checklist: Checklist, problems: list[str]
             ) -> dict[str, Row | tuple[Row, ...]]:
    """The answers; each question's first problem goes to `problems`."""
    if not isinstance(raw, dict):
        raise DossierError("answers must be an object keyed by question ID")
    answers: dict[str, Row | tuple[Row, ...]] = {}
    for qid, value in raw.items():
        try:
            answers[qid] = _answer(checklist, qid, value)
        except DossierError as exc:
            problems.append(str(exc))
    return answers


def _answer(checklist: Checklist, qid: Any, value: Any) -> Row | tuple[Row, ...]:
    question = _question(checklist, qid)
    if not question.repeatable:
        return _row(value, question, f"question {qid}")
    if not isinstance(value, list):
        raise DossierError(f"question {qid}: a repeatable question takes a list of rows")
    return tuple(_row(row, question, f"question {qid}, row {i}")
                 for i, row in enumerate(value, 1))


def _row(raw: Any, question: Question, where: str) -> Row:
    if not isinstance(raw, dict):
        raise DossierError(f"{where}: answers must be an object of field: value")
    row: dict[str, Value] = {}
    for name, value in raw.items():
        field = question.field_map.get(name)
        if field is None:
            known = ", ".join(f.name for f in question.fields if not f.is_document)
            raise DossierError(f"{where}: unknown field {name!r} (fields: {known})")
        if field.is_document:
            raise DossierError(
                f"{where}, field {name}: a document is listed under evidence, kind {field.kind!r}"
            )
        if value is None:
            continue  # null: not answered
        typed = _value(field, value, f"{where}, field {name}")
        if typed != "":
            row[name] = typed
    return MappingProxyType(row)


def _value(field: Field, value: Any, where: str) -> Value:
    parse = _PARSERS[field.type]
    return parse(field, value, where)


def _choice(field: Field, value: Any, where: str) -> str:
    if not isinstance(value, str) or value not in field.allowed_values:
        raise DossierError(
            f"{where}: {value!r} is not a choice (choices: {', '.join(field.allowed_values)})"
        )
    return value


def _multi(field: Field, value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise DossierError(f"{where}: expected a list of choices, not {value!r}")
    chosen = [_choice(field, item, where) for item in value]
    if len(set(chosen)) != len(chosen):
        raise DossierError(f"{where}: a choice is listed twice")
    return tuple(c for c in field.choices if c in chosen)  # checklist order


def _number(field: Field, value: Any, where: str) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DossierError(f"{where}: expected a number, not {value!r}")
    # Compared before anything turns it into a float: a whole number of 400 digits has none.
    if isinstance(value, float) and not math.isfinite(value) or abs(value) > NUMBER_LIMIT:
        shown = f"{value!r}" if len(repr(value)) <= 30 else f"a number of {len(str(value))} digits"
        raise DossierError(f"{where}: {shown} is out of range (at most 10^18 either way)")
    if field.integer:
        if value != int(value):
            raise DossierError(f"{where}: expected a whole number, not {value!r}")
        value = int(value)
    if field.minimum is not None and value < field.minimum:
        raise DossierError(f"{where}: {value!r} is below the minimum {field.minimum:g}")
    return value


def _date(field: Field, value: Any, where: str) -> date:
    try:
        if isinstance(value, str) and DATE.match(value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise DossierError(f"{where}: expected a date YYYY-MM-DD, not {value!r}")


def _text(field: Field, value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise DossierError(f"{where}: expected a text, not {value!r}")
    # Line breaks as "\n" whichever way they were written (a browser sends "\r\n").
    value = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(value) > TEXT_MAX_LENGTH:
        raise DossierError(f"{where}: a text of at most {TEXT_MAX_LENGTH} characters, not "
                           f"{len(value)}")
    return value


_PARSERS: dict[str, Callable[[Field, Any, str], Value]] = {
    "yn": _choice,
    "choice": _choice,
    "multi": _multi,
    "number": _number,
    "date": _date,
    "text": _text,
}


# ---------------------------------------------------------------- evidence


def _evidence(raw: Any, checklist: Checklist, problems: list[str], *, key: str = "evidence"
              ) -> dict[str, tuple[Evidence, ...]]:
    """The documents listed; each question's first problem goes to `problems`."""
    if not isinstance(raw, dict):
        raise DossierError(f"{key} must be an object keyed by question ID")
    evidence = {}
    for qid, items in raw.items():
        try:
            question = _question(checklist, qid)
            if not isinstance(items, list):
                raise DossierError(f"{key} for {qid}: expected a list of documents")
            documents = tuple(_document(item, question, f"{key} for {qid}, item {i}")
                              for i, item in enumerate(items, 1))
            digests = [d.sha256 for d in documents]
            twice = next((n for n, digest in enumerate(digests, 1)
                          if digest in digests[:n - 1]), None)
            if twice is not None:
                raise DossierError(f"{key} for {qid}, item {twice}: the same file (SHA-256) "
                                   "is listed twice")
            evidence[qid] = documents
        except DossierError as exc:
            problems.append(str(exc))
    return evidence


def _document(raw: Any, question: Question, where: str) -> Evidence:
    if not isinstance(raw, dict) or set(raw) != set(EVIDENCE_KEYS):
        raise DossierError(f"{where}: expected an object with exactly {', '.join(EVIDENCE_KEYS)}")
    name, kind, digest = raw["name"], raw["kind"], raw["sha256"]
    if not isinstance(name, str) or not name.strip():
        raise DossierError(f"{where}: name must be a non-empty text")
    kinds = sorted(question.document_kinds())
    if kind not in kinds:
        allowed = ", ".join(kinds) or "none: this question asks for no document"
        raise DossierError(f"{where}: kind {kind!r} is not asked for here (kinds: {allowed})")
    if not isinstance(digest, str) or not SHA256.match(digest):
        raise DossierError(f"{where}: sha256 must be 64 hexadecimal characters")
    return Evidence(name.strip(), kind, digest.lower())


# ---------------------------------------------------------------- export


def _export_value(value: Value) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def _export_row(row: Row) -> dict[str, Any]:
    return {name: _export_value(value) for name, value in row.items()}


def dossier_to_dict(dossier: Dossier) -> dict[str, Any]:
    """The JSON-ready form of a dossier; parse_dossier(dossier_to_dict(d)) equals d."""
    answers: dict[str, Any] = {}
    for question in dossier.checklist.questions:  # checklist order, for stable files
        if question.id not in dossier.answers:
            continue
        value = dossier.answers[question.id]
        answers[question.id] = (
            [_export_row(r) for r in value] if question.repeatable else _export_row(value)
        )
    return {
        "format": FORMAT,
        "checklist_version": dossier.version,
        "product": dict(dossier.product),
        "answers": answers,
        "evidence": _export_evidence(dossier.evidence),
        **({"expected_evidence": _export_evidence(dossier.expected_evidence)}
           if dossier.expected_evidence else {}),
    }


def _export_evidence(evidence: Mapping[str, tuple[Evidence, ...]]) -> dict[str, list[dict]]:
    return {qid: [{"name": e.name, "kind": e.kind, "sha256": e.sha256} for e in items]
            for qid, items in evidence.items()}
