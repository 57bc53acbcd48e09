"""The condition language of checklist files: a plain all / any / not tree over answers.

Conditions are parsed from YAML mappings into small frozen objects; nothing is ever
passed to ``eval``. Evaluation is three-valued (Kleene logic): a test of a field that
is not answered is *not known* (``None``), and ``not``, ``all`` and ``any`` propagate
that. A rule fires only when its condition is definitely true; a question applies
unless its condition is definitely false (when we cannot yet tell, we ask).

Pure Python: no Django imports, so the engine runs anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

Truth = bool | None  # None: not known, because a field it reads is not answered

YN_CHOICES: Mapping[str, str] = {"yes": "yes", "no": "no", "unknown": "unknown"}
FIELD_REF = re.compile(r"^(\d+\.\d+)\.([a-z][a-z0-9_]*)$")
QUESTION_ID = re.compile(r"^\d+\.\d+$")


class ConditionError(ValueError):
    """A condition in a checklist file is malformed; the message names the problem."""


def is_answered(value: Any) -> bool:
    """An answer is given unless it is absent, None, blank text or an empty selection (a
    multiple choice with nothing ticked says nothing)."""
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list | tuple | set | frozenset | dict):
        return bool(value)
    return value is not None


class FieldSpec(Protocol):
    """What the parser needs to know about a field (schema.Field provides it)."""

    name: str
    type: str
    label: str
    choices: Mapping[str, str]
    kind: str | None
    unit: str | None


# ---------------------------------------------------------------- evaluation context


class Context:
    """Answers, attached document kinds and the evaluation date, as conditions read them.

    ``answers`` maps question ID to {field: value} (or, for a repeatable question, a
    list of such rows); ``kinds`` maps question ID to the document kinds attached.
    """

    __slots__ = ("answers", "kinds", "on_date", "clinic_fields", "row_question", "row",
                 "group_cache")

    def __init__(
        self,
        answers: Mapping[str, Any],
        kinds: Mapping[str, frozenset[str]],
        on_date: date,
        clinic_fields: Mapping[str, frozenset[str]] | None = None,
    ) -> None:
        self.answers = answers
        self.kinds = kinds
        self.on_date = on_date
        # Per vendor question, the fields the clinic records in it: they do not answer it.
        self.clinic_fields = clinic_fields or {}
        self.row_question: str | None = None
        self.row: Mapping[str, Any] | None = None
        # Groups never read repeatable fields (the parser refuses it), so one result
        # per group holds for the whole evaluation, rows included.
        self.group_cache: dict[str, Truth] = {}

    def value(self, question: str, field: str, kind: str | None) -> Any:
        """The answer to one field; a document field reads True when attached."""
        if kind is not None:
            return True if kind in self.kinds.get(question, ()) else None
        if question == self.row_question and self.row is not None:
            return self.row.get(field)
        answer = self.answers.get(question)
        return answer.get(field) if isinstance(answer, Mapping) else None

    def question_answered(self, question: str) -> bool:
        """A question is answered when any field has a value or any document is attached;
        a vendor question not by the clinic's own fields alone (what the vendor states
        is still missing)."""
        if self.kinds.get(question):
            return True
        answer = self.answers.get(question)
        if isinstance(answer, Mapping):
            ignored = self.clinic_fields.get(question, ())
            return any(is_answered(v) for k, v in answer.items() if k not in ignored)
        if isinstance(answer, Sequence) and not isinstance(answer, str):
            return any(
                is_answered(v) for row in answer if isinstance(row, Mapping) for v in row.values()
            )
        return False

    def rows(self, question: str) -> list[Mapping[str, Any]]:
        answer = self.answers.get(question)
        if isinstance(answer, Sequence) and not isinstance(answer, str):
            return [row for row in answer if isinstance(row, Mapping)]
        return []


# ---------------------------------------------------------------- operators on fields


def _norm_text(value: Any) -> Any:
    # Lot numbers are copied by hand: ignore case and spaces when comparing them.
    return "".join(value.split()).casefold() if isinstance(value, str) else value


def _compare(value: Any, arg: Any, ctx: Context, test: Callable[[Any, Any], bool]) -> Truth:
    if isinstance(arg, FieldTest):  # compared with another field
        other = ctx.value(arg.question, arg.field, None)
        if not is_answered(other):
            return None
        return test(_norm_text(value), _norm_text(other))
    return test(value, arg)


@dataclass(frozen=True)
class Operator:
    name: str
    types: frozenset[str]  # field types the operator fits
    arg: str  # "none", "values", "value", "number", "field"
    test: Callable[[Any, Any, Context], Truth]
    phrase: str  # English, with {f} for the field and {a} for the argument
    reads_absence: bool = False  # true for answered / not_answered: never "not known"
    phrase_one: str = ""  # the phrase when the argument is a single value

    def render(self, field: str, arg_text: str, single: bool) -> str:
        phrase = self.phrase_one if single and self.phrase_one else self.phrase
        return phrase.format(f=field, a=arg_text)


CHOICE_TYPES = frozenset({"choice", "yn"})
ANY_TYPE = frozenset({"yn", "choice", "multi", "number", "date", "text", "document"})

OPERATORS: dict[str, Operator] = {
    op.name: op
    for op in (
        Operator("equals", CHOICE_TYPES, "value", lambda v, a, c: v in a, "{f} is {a}"),
        Operator(
            "in",
            CHOICE_TYPES,
            "values",
            lambda v, a, c: v in a,
            "{f} is one of {a}",
            False,
            "{f} is {a}",
        ),
        Operator(
            "not_in",
            CHOICE_TYPES,
            "values",
            lambda v, a, c: v not in a,
            "{f} is none of {a}",
            False,
            "{f} is not {a}",
        ),
        Operator(
            "not_yes",
            frozenset({"yn"}),
            "none",
            lambda v, a, c: v in ("no", "unknown"),
            "{f} is one of “no”, “unknown”",
        ),
        Operator(
            "contains_any",
            frozenset({"multi"}),
            "values",
            lambda v, a, c: bool(set(v) & a),
            "{f} include any of {a}",
            False,
            "{f} include {a}",
        ),
        Operator(
            "contains_none",
            frozenset({"multi"}),
            "values",
            lambda v, a, c: not set(v) & a,
            "{f} include none of {a}",
        ),
        Operator(
            "lacks_any",
            frozenset({"multi"}),
            "values",
            lambda v, a, c: not a <= set(v),
            "{f} lack at least one of {a}",
        ),
        Operator(
            "contains_only",
            frozenset({"multi"}),
            "values",
            lambda v, a, c: bool(v) and set(v) <= a,
            "{f} include only {a}",
        ),
        Operator(
            "greater_than",
            frozenset({"number"}),
            "number",
            lambda v, a, c: _compare(v, a, c, lambda x, y: x > y),
            "{f} is greater than {a}",
        ),
        Operator(
            "less_than",
            frozenset({"number"}),
            "number",
            lambda v, a, c: _compare(v, a, c, lambda x, y: x < y),
            "{f} is less than {a}",
        ),
        Operator(
            "differs_from",
            frozenset({"text", "choice", "number", "date"}),
            "field",
            lambda v, a, c: _compare(v, a, c, lambda x, y: x != y),
            "{f} differs from {a}",
        ),
        Operator(
            "before_today",
            frozenset({"date"}),
            "none",
            lambda v, a, c: v < c.on_date,
            "{f} is before the evaluation date",
        ),
        Operator(
            "answered",
            ANY_TYPE,
            "none",
            lambda v, a, c: is_answered(v),
            "{f} is answered",
            reads_absence=True,
        ),
        Operator(
            "not_answered",
            ANY_TYPE,
            "none",
            lambda v, a, c: not is_answered(v),
            "{f} is not answered",
            reads_absence=True,
        ),
    )
}
UNARY = frozenset(name for name, op in OPERATORS.items() if op.arg == "none")
BINARY = frozenset(OPERATORS) - UNARY


# ---------------------------------------------------------------- condition nodes


class Condition(Protocol):
    def evaluate(self, ctx: Context) -> Truth: ...

    def render(self) -> str: ...

    def children(self) -> Sequence[Condition]: ...


@dataclass(frozen=True)
class FieldTest:
    """One test of one field, e.g. ``{field: 1.1.source, equals: undisclosed}``."""

    op: Operator
    question: str
    field: str
    kind: str | None  # set for a document field
    label: str  # e.g. "2.2 expiry date"
    arg: Any = None  # frozenset of values, a number, or another FieldTest (a field)
    arg_text: str = ""

    def evaluate(self, ctx: Context) -> Truth:
        value = ctx.value(self.question, self.field, self.kind)
        if not self.op.reads_absence and not is_answered(value):
            return None
        return self.op.test(value, self.arg, ctx)

    def render(self) -> str:
        if self.kind is not None:  # documents read better as attached / not attached
            return f"{self.label} is {'attached' if self.op.name == 'answered' else 'not attached'}"
        single = isinstance(self.arg, frozenset) and len(self.arg) == 1
        return self.op.render(self.label, self.arg_text, single)

    def children(self) -> Sequence[Condition]:
        return ()


@dataclass(frozen=True)
class All:
    items: tuple[Condition, ...]

    def evaluate(self, ctx: Context) -> Truth:
        result: Truth = True
        for item in self.items:
            truth = item.evaluate(ctx)
            if truth is False:
                return False
            if truth is None:
                result = None
        return result

    def render(self) -> str:
        return " and ".join(_wrap(item, self) for item in self.items)

    def children(self) -> Sequence[Condition]:
        return self.items


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Condition, ...]

    def evaluate(self, ctx: Context) -> Truth:
        result: Truth = False
        for item in self.items:
            truth = item.evaluate(ctx)
            if truth is True:
                return True
            if truth is None:
                result = None
        return result

    def render(self) -> str:
        return " or ".join(_wrap(item, self) for item in self.items)

    def children(self) -> Sequence[Condition]:
        return self.items


@dataclass(frozen=True)
class Not:
    item: Condition

    def evaluate(self, ctx: Context) -> Truth:
        truth = self.item.evaluate(ctx)
        return None if truth is None else not truth

    def render(self) -> str:
        return f"not ({self.item.render()})"

    def children(self) -> Sequence[Condition]:
        return (self.item,)


@dataclass(frozen=True)
class AnyRow:
    """True when the inner condition holds for at least one row of a repeatable question."""

    question: str
    item: Condition

    def evaluate(self, ctx: Context) -> Truth:
        rows = ctx.rows(self.question)
        if not rows:
            return None
        saved = ctx.row_question, ctx.row
        result: Truth = False
        try:
            ctx.row_question = self.question
            for row in rows:
                ctx.row = row
                truth = self.item.evaluate(ctx)
                if truth is True:
                    return True
                if truth is None:
                    result = None
        finally:
            ctx.row_question, ctx.row = saved
        return result

    def render(self) -> str:
        return f"in at least one row of {self.question}: ({self.item.render()})"

    def children(self) -> Sequence[Condition]:
        return (self.item,)


@dataclass(frozen=True)
class InGroup:
    """A named condition from the file's ``source_groups``."""

    name: str
    title: str
    item: Condition

    def evaluate(self, ctx: Context) -> Truth:
        if self.name not in ctx.group_cache:
            ctx.group_cache[self.name] = self.item.evaluate(ctx)
        return ctx.group_cache[self.name]

    def render(self) -> str:
        return f"the product is in the group “{self.title}”"

    def children(self) -> Sequence[Condition]:
        return (self.item,)


@dataclass(frozen=True)
class QuestionAnswered:
    question: str

    def evaluate(self, ctx: Context) -> Truth:
        return ctx.question_answered(self.question)

    def render(self) -> str:
        return f"question {self.question} is answered"

    def children(self) -> Sequence[Condition]:
        return ()


def _wrap(item: Condition, parent: Condition) -> str:
    """Parenthesise a nested and/or so the English reads unambiguously."""
    text = item.render()
    nested = isinstance(item, All | AnyOf) and type(item) is not type(parent)
    return f"({text})" if nested and len(item.children()) > 1 else text


def walk(condition: Condition) -> Iterator[Condition]:
    """Every node of a condition, groups' conditions included."""
    yield condition
    for child in condition.children():
        yield from walk(child)


def fields_read(condition: Condition) -> frozenset[tuple[str, str]]:
    """(question ID, field name) of every field the condition reads."""
    tests = [node for node in walk(condition) if isinstance(node, FieldTest)]
    tests += [test.arg for test in tests if isinstance(test.arg, FieldTest)]
    return frozenset((test.question, test.field) for test in tests)


def reads_absence(condition: Condition) -> bool:
    """True when the condition tests whether something is answered."""
    return any(
        isinstance(node, QuestionAnswered)
        or (isinstance(node, FieldTest) and node.op.reads_absence)
        for node in walk(condition)
    )


# ---------------------------------------------------------------- parsing


class Scope:
    """What a condition may refer to while it is parsed from a checklist file."""

    def __init__(
        self,
        fields: Mapping[str, Mapping[str, FieldSpec]],
        repeatable: frozenset[str],
        group: Callable[[str], InGroup],
        *,
        row_question: str | None = None,
    ) -> None:
        self.fields = fields
        self.repeatable = repeatable
        self.group = group
        self.row_question = row_question

    def in_row(self, question: str) -> Scope:
        return Scope(self.fields, self.repeatable, self.group, row_question=question)

    def field(self, ref: Any) -> tuple[str, FieldSpec]:
        if not isinstance(ref, str) or not (match := FIELD_REF.match(ref)):
            raise ConditionError(
                f"field reference {ref!r} is not of the form QUESTION.FIELD (e.g. 1.1.source)"
            )
        question, name = match.groups()
        if question not in self.fields:
            raise ConditionError(f"field {ref} names question {question}, which does not exist")
        spec = self.fields[question].get(name)
        if spec is None:
            known = ", ".join(self.fields[question])
            raise ConditionError(f"question {question} has no field {name!r} (fields: {known})")
        in_other_row = question in self.repeatable and self.row_question != question
        if in_other_row and spec.type != "document":
            raise ConditionError(
                f"field {ref} belongs to the repeatable question {question}: "
                f'test it inside {{any_row: "{question}", when: ...}}'
            )
        return question, spec


def parse_condition(raw: Any, scope: Scope) -> Condition:
    """Parse one condition mapping; raise ConditionError naming the problem."""
    if not isinstance(raw, dict) or not raw:
        raise ConditionError(
            f"a condition must be a mapping such as {{field: 1.1.source, equals: plant}}, "
            f"not {raw!r}"
        )
    if "field" in raw:
        return _parse_binary(raw, scope)
    if "any_row" in raw:
        return _parse_any_row(raw, scope)
    if len(raw) != 1:
        raise ConditionError(f"a condition has exactly one operator, not {sorted(map(str, raw))}")
    ((key, value),) = raw.items()
    if key in ("all", "any"):
        return _parse_list(key, value, scope)
    if key == "not":
        return Not(parse_condition(value, scope))
    if key == "group":
        return scope.group(value)
    if key == "question_answered":
        if value not in scope.fields:
            raise ConditionError(f"question_answered names {value!r}, which is not a question")
        return QuestionAnswered(value)
    if key in UNARY:
        return _field_test(OPERATORS[key], value, scope)
    if key in BINARY:
        raise ConditionError(f"operator {key!r} is written {{field: QUESTION.FIELD, {key}: ...}}")
    raise ConditionError(f"unknown operator {key!r} (known: {', '.join(_known_keys())})")


def _known_keys() -> list[str]:
    return ["all", "any", "not", "any_row", "group", "question_answered", *OPERATORS]


def _parse_list(key: str, value: Any, scope: Scope) -> Condition:
    if not isinstance(value, list) or not value:
        raise ConditionError(f"{key!r} takes a non-empty list of conditions")
    items = tuple(parse_condition(item, scope) for item in value)
    return All(items) if key == "all" else AnyOf(items)


def _parse_any_row(raw: dict, scope: Scope) -> Condition:
    if set(raw) != {"any_row", "when"}:
        raise ConditionError("any_row takes exactly: {any_row: QUESTION, when: CONDITION}")
    question = raw["any_row"]
    if question not in scope.repeatable:
        raise ConditionError(f"any_row names {question!r}, which is not a repeatable question")
    return AnyRow(question, parse_condition(raw["when"], scope.in_row(question)))


def _parse_binary(raw: dict, scope: Scope) -> Condition:
    ops = [key for key in raw if key != "field"]
    if len(ops) != 1:
        raise ConditionError(
            f"a field test has one operator next to 'field', not {sorted(map(str, ops))}"
        )
    name = ops[0]
    if name not in BINARY:
        if name in UNARY:
            raise ConditionError(f"{name!r} is written {{{name}: QUESTION.FIELD}}")
        raise ConditionError(f"unknown operator {name!r} (known: {', '.join(_known_keys())})")
    return _field_test(OPERATORS[name], raw["field"], scope, raw[name])


def _field_test(op: Operator, ref: Any, scope: Scope, arg: Any = None) -> FieldTest:
    question, spec = scope.field(ref)
    if spec.type not in op.types:
        raise ConditionError(
            f"operator {op.name!r} does not fit field {ref} of type {spec.type} "
            f"(it fits: {', '.join(sorted(op.types))})"
        )
    label = f"{question} {spec.label}"
    value, text = _parse_arg(op, spec, ref, arg, scope)
    return FieldTest(op, question, spec.name, spec.kind, label, value, text)


def _parse_arg(op: Operator, spec: FieldSpec, ref: str, arg: Any, scope: Scope) -> tuple[Any, str]:
    if op.arg == "none":
        return None, ""
    if op.arg in ("value", "values"):
        return _parse_values(op, spec, ref, arg)
    if op.arg == "number" and not isinstance(arg, dict):
        if isinstance(arg, bool) or not isinstance(arg, int | float):
            raise ConditionError(f"{op.name!r} on {ref} takes a number or {{field: ...}}")
        unit = f" {spec.unit}" if spec.unit else ""
        return arg, f"{arg:g}{unit}"
    if not isinstance(arg, dict) or set(arg) != {"field"}:
        raise ConditionError(f"{op.name!r} on {ref} takes another field: {{field: QUESTION.FIELD}}")
    other = _field_test(OPERATORS["answered"], arg["field"], scope)
    other_spec = scope.fields[other.question][other.field]
    if other_spec.type != spec.type:
        raise ConditionError(
            f"{op.name!r} compares {ref} ({spec.type}) with {arg['field']} ({other_spec.type})"
        )
    return other, other.label


def _parse_values(op: Operator, spec: FieldSpec, ref: str, arg: Any) -> tuple[Any, str]:
    choices = YN_CHOICES if spec.type == "yn" else spec.choices
    values = [arg] if op.arg == "value" else arg
    if not isinstance(values, list) or not values:
        raise ConditionError(f"{op.name!r} on {ref} takes a non-empty list of values")
    for value in values:
        if not isinstance(value, str) or value not in choices:
            hint = ' (quote "yes" and "no" in YAML)' if isinstance(value, bool) else ""
            raise ConditionError(
                f"{value!r} is not a choice of {ref} (choices: {', '.join(choices)}){hint}"
            )
    text = ", ".join(f"“{choices[v]}”" for v in values)
    return frozenset(values), text
