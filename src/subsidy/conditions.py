"""The rule language's conditions: one class per kind, each owning its whole meaning.

A condition written in a rule file (``{field: revenue_wan, op: first_reach, value: 100亿}``)
is parsed into one of the classes below. Each class owns, in one place:

- ``check``      — its load-time validation (field, unit, names against the vocabulary),
- ``to_durable`` — its durable_rules expression (the engine that decides, one company),
- ``judge``      — its three-valued judgement with words (actual / required / gap / missing),
- ``to_columns`` — its columnar (SQL) expressions (the engine that screens a whole population),
- ``describe``   — its sentence in the rule catalogue,
- ``walk``       — its sub-conditions (for anything that must visit every condition).

A new backend is one more method per class; a new kind of condition is one more class
registered in :data:`KINDS`. Nothing outside this module dispatches on the kind of a
condition. The backends are held to the same answers by tests (the engine against the
judgement on every evaluation; the columnar plan against both on generated populations).

"First reaching" and "first exceeding" are defined once, in :class:`FirstReach`: the engine
expression and the judgement with words sit side by side and are tested against each other
on every evaluation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Discriminator, Tag, model_validator

from .columnar.sql import MONEY, Cols, and_cols, any_true, failed_of, floor_div, greatest
from .columnar.sql import literal as sql_literal
from .columnar.sql import total as sql_total
from .findings import Reason
from .money import MoneyError, format_wan, normalize, parse_money, parse_ratio, ratio_to_ppm, to_fen

if TYPE_CHECKING:
    from .vocabulary import Field, Vocabulary

_SYMBOL = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "=", "!=": "≠"}
_NEGATED = {">=": "<", ">": "≤", "<=": ">", "<": "≥", "==": "≠", "!=": "="}
_FLIPPED = {">=": "<", ">": "<=", "<=": ">", "<": ">=", "==": "!=", "!=": "=="}
_SQL_OP = {">=": ">=", ">": ">", "<=": "<=", "<": "<", "==": "=", "!=": "<>"}
_DURABLE = {">=": "$gte", ">": "$gt", "<=": "$lte", "<": "$lt", "!=": "$neq"}
_UNITS = {"count": "家", "year": "年", "int": ""}
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    ">=": lambda a, b: a >= b, ">": lambda a, b: a > b, "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b, "==": lambda a, b: a == b, "!=": lambda a, b: a != b,
}


class RuleProblem(ValueError):
    """A condition refused at load time: where (path), what (value), what is allowed."""

    def __init__(self, path: str, zh: str, en: str, value: Any = None,
                 allowed: list[str] | None = None, suggestion: str = ""):
        self.path, self.zh, self.en, self.value = path, zh, en, value
        self.allowed, self.suggestion = allowed or [], suggestion
        super().__init__(self.render())

    def render(self) -> str:
        parts = [f"{self.path}: {self.zh} / {self.en}"]
        if self.value is not None:
            parts.append(f"写的是 / found: {self.value!r}")
        if self.suggestion:
            parts.append(f"是否应为 / did you mean: {self.suggestion}")
        if self.allowed:
            shown = ", ".join(self.allowed[:40]) + (" …" if len(self.allowed) > 40 else "")
            parts.append(f"可用 / allowed: {shown}")
        return "；".join(parts)


# ---------------------------------------------------------------------- value helpers


def coerce_value(kind: str, value: Any) -> Any:
    """A threshold from YAML in the field's unit: money → Decimal 万元, ratio → Decimal."""
    try:
        if kind == "money":
            return parse_money(value)
        if kind == "ratio":
            return parse_ratio(value)
        if kind in ("count", "year", "int"):
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"expected a whole number, got {value!r}")
            return value
    except MoneyError as exc:
        raise ValueError(str(exc)) from exc
    return value


_COERCED: dict[tuple[str, str], Any] = {}


def coerced(kind: str, value: Any) -> Any:
    """Thresholds are parsed once ("100亿" → Decimal), not on every judgement."""
    key = (kind, repr(value))
    found = _COERCED.get(key)
    if found is None:
        found = _COERCED[key] = coerce_value(kind, value)
    return found


def engine_value(kind: str, value: Any) -> Any:
    """A threshold as the engine compares it: money in integer 分, ratios in integer ppm."""
    value = coerced(kind, value)
    if kind == "money":
        return to_fen(value)
    if kind == "ratio":
        return ratio_to_ppm(Decimal(value))
    return value


def show(kind: str, value: Any, name: str = "", lang: str = "zh") -> str:
    """A value for people: money as 万元/亿元, ratios as %, enums by their labels."""
    from . import vocab

    if value is None:
        return "未填写" if lang == "zh" else "missing"
    if kind == "money":
        return format_wan(Decimal(value), "en" if lang == "en" else "zh")
    if kind == "ratio":
        return f"{normalize(Decimal(value) * 100).quantize(Decimal('0.01'))}%".replace(".00%", "%")
    if kind in _UNITS:
        return f"{value}{_UNITS[kind] if lang == 'zh' else ''}"
    if kind == "bool":
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    table = vocab.BY_FIELD.get(name.partition("@")[0])
    if table is not None:
        return vocab.label(table, value, lang)
    return str(value)


def durable_or(items: list[dict]) -> dict:
    """durable_rules' disjunction (a single test stands alone)."""
    return items[0] if len(items) == 1 else {"$or": items}


def durable_and(items: list[dict]) -> dict:
    """durable_rules' conjunction (a single test stands alone)."""
    return items[0] if len(items) == 1 else {"$and": items}


_or, _and = durable_or, durable_and


class Judgement:
    """A three-valued answer (True met, False not met, None unknown) and its reasons."""

    __slots__ = ("value", "reasons")

    def __init__(self, value: bool | None, reasons: list | None = None):
        self.value = value
        self.reasons = reasons if reasons is not None else []


def and_all(parts: list[Judgement]) -> Judgement:
    """Kleene conjunction: one False decides; otherwise one None leaves it unknown."""
    reasons = [r for p in parts for r in p.reasons]
    if any(p.value is False for p in parts):
        return Judgement(False, reasons)
    if any(p.value is None for p in parts):
        return Judgement(None, reasons)
    return Judgement(True, reasons)


class Brief:
    """A reason without words, for the fast pass that only needs values and gaps."""

    __slots__ = ("passed", "gap_wan", "code", "missing")

    def __init__(self, passed: bool | None, gap_wan: Decimal | None = None,
                 code: str | None = None, missing: str | None = None):
        self.passed, self.gap_wan, self.code, self.missing = passed, gap_wan, code, missing


class Judge(Protocol):
    """What a condition needs to judge itself: the fact and how to answer chains."""

    fact: Any
    words: bool
    relax: bool

    def spec(self, name: str) -> Field: ...
    def chain(self, cond: After) -> Judgement: ...
    def judge_all(self, conditions: list[Condition]) -> Judgement: ...


class Columns(Protocol):
    """What a condition needs to compile itself to columns: the fact table's columns, its
    fields, and how chains on other rules are joined (see :mod:`subsidy.columnar.plan`)."""

    subject: str
    relax: bool

    def spec(self, name: str) -> Field: ...
    def col(self, name: str) -> str: ...
    def has_history(self, name: str) -> bool: ...
    def awarded(self, cond: After) -> str: ...
    def level_conditions(self, cond: After) -> list[Condition]: ...
    def relaxed(self) -> Columns: ...
    def all_of(self, conditions: list[Condition]) -> Cols: ...
    def words(self, cond: Condition) -> str: ...
    def computed(self, name: str, sql: str) -> str:
        """A column computed once per fact before the tiers are judged (as the engine's
        precomputed figures); returns its name."""


class CheckContext(Protocol):
    """What load-time checks need: the subject, the vocabulary and the other rules."""

    subject: str
    vocabulary: Vocabulary

    def tiers_of(self, rule_id: str) -> list[str] | None: ...
    def subject_of(self, rule_id: str) -> str | None: ...


# ---------------------------------------------------------------------- the kinds


class _Kind(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    tag: ClassVar[str]

    def walk(self) -> Iterator[Condition]:
        """This condition and every condition inside it."""
        yield self  # type: ignore[misc]

    def check(self, ctx: CheckContext, path: str) -> None:
        """Load-time validation; raises :class:`RuleProblem`."""

    def to_durable(self, subject: str, relax: bool = False) -> dict | None:
        """The durable_rules expression (None: nothing to test on the fact itself)."""
        raise NotImplementedError

    def negated_durable(self, subject: str) -> dict:
        """The expression for "not this" (only tests of company attributes need one)."""
        raise RuleProblem("when", "只能用简单比较作为选择条件", "only a plain test can guard a branch")

    def judge(self, j: Judge) -> Judgement:
        raise NotImplementedError

    def to_columns(self, ctx: Columns) -> Cols:
        """The condition as SQL over one fact table (:class:`~subsidy.columnar.sql.Cols`)."""
        raise NotImplementedError

    def describe(self, lang: str, spec_of: Callable[[str], Field | None],
                 title_of: Callable[[str], str]) -> str:
        raise NotImplementedError

    def ladder(self, attrs: Mapping[str, Any]) -> list[FirstReach]:
        """First-reaching tests reachable for a company with these attributes (for charts)."""
        return []

    def admits(self, attrs: Mapping[str, Any]) -> bool | None:
        """For a test of a company attribute (sector, district): does the company pass?"""
        return None

    precomputes: ClassVar[bool] = False
    """True for kinds whose engine test reads a figure computed on the fact beforehand."""

    def precompute(self, fact: Any) -> dict[str, Any]:
        """Figures the engine test reads that the fact does not carry by itself."""
        return {}


class _FieldTest(_Kind):
    """What every test of one fact field shares: the field, a label, and optional offsets."""

    field: str
    label: str | None = None
    """Words for the reason text when the field's own label is not enough."""
    at: list[int] | None = None
    """Test the company-year figure ``k`` years after the fact's year, for every k listed
    ("入库当年起连续2年": ``at: [0, 1]``; "入库次年": ``at: [1]``). All must hold."""

    def names(self) -> list[str]:
        if self.at is None:
            return [self.field]
        return [f"{self.field}@{k}" for k in self.at]

    def _check_field(self, ctx: CheckContext, path: str) -> Field:
        vocab = ctx.vocabulary
        if self.at is not None:
            if not self.at:
                raise RuleProblem(f"{path}.at", "at 不能为空", "at must list at least one offset")
            if vocab.fields.get("company_year", {}).get(self.field) is None:
                allowed = sorted(vocab.fields.get("company_year", {}))
                from .vocabulary import suggest
                raise RuleProblem(f"{path}.field", "带 at 的条件只能检验年度指标",
                                  "a test with `at` reads a company-year figure", self.field,
                                  allowed, suggest(self.field, allowed))
        spec = vocab.field(ctx.subject, self.names()[0])
        if spec is None:
            from .vocabulary import suggest
            allowed = vocab.field_names(ctx.subject)
            raise RuleProblem(f"{path}.field", f"事实“{ctx.subject}”没有这个字段",
                              f"unknown field for subject {ctx.subject!r}", self.field, allowed,
                              suggest(self.field, allowed))
        return spec

    def _per_offset(self, make: Callable[[str], Judgement]) -> Judgement:
        return and_all([make(name) for name in self.names()])

    def _year_of(self, j: Judge, name: str) -> int | None:
        """The year a tested figure belongs to (for words): the fact's, shifted by ``@k``."""
        base, at, offset = name.partition("@")
        if at:
            return j.fact.year + int(offset)
        return j.fact.year if j.fact.subject == "company_year" else None

    def _label(self, spec: Field, lang: str = "zh") -> str:
        if lang == "en":
            return spec.en
        return self.label or spec.zh

    def _columns(self, ctx: Columns, parts: list[Cols]) -> Cols:
        """The tests of every offset, with the condition's words and the field to provide."""
        return and_cols(parts, label=ctx.words(self), missing=ctx.spec(self.names()[0]).source)


class Compare(_FieldTest):
    """``{field: contribution_wan, op: ">=", value: 2000万}`` — a comparison with a threshold."""

    tag: ClassVar[str] = "compare"
    op: Literal[">=", ">", "<=", "<", "==", "!="]
    value: Any = None

    def check(self, ctx: CheckContext, path: str) -> None:
        spec = self._check_field(ctx, path)
        try:
            coerce_value(spec.kind, self.value)
        except ValueError as exc:
            raise RuleProblem(f"{path}.value", f"取值不是{spec.zh}的单位", "value not in the field's unit",
                              self.value) from exc
        if spec.kind == "enum" and spec.vocabulary:
            _check_codes(ctx, spec, [self.value], f"{path}.value")

    def to_durable(self, subject: str, relax: bool = False) -> dict:
        return _and([self._durable_one(subject, name, self.op) for name in self.names()])

    def _durable_one(self, subject: str, name: str, op: str) -> dict:
        from .fields import field as spec_of

        spec = spec_of(subject, name)
        assert spec is not None
        value = engine_value(spec.kind, self.value)
        if op == "==":
            return {name: value}
        return {_DURABLE[op]: {name: value}}

    def negated_durable(self, subject: str) -> dict:
        if self.at is not None:
            return super().negated_durable(subject)
        return self._durable_one(subject, self.field, _FLIPPED[self.op])

    def admits(self, attrs: Mapping[str, Any]) -> bool | None:
        if self.field not in attrs or self.at is not None:
            return None
        return _OPS[self.op](attrs[self.field], self.value)

    def judge(self, j: Judge) -> Judgement:
        return self._per_offset(lambda name: self._judge_one(j, name))

    def _judge_one(self, j: Judge, name: str) -> Judgement:
        spec = j.spec(name)
        actual = j.fact.get(name)
        required = coerced(spec.kind, self.value)
        if not j.words:
            if actual is None:
                return Judgement(None, [Brief(None, missing=spec.source)])
            ok = _OPS[self.op](actual, required)
            gap = required - actual if not ok and self.op in (">=", ">") and spec.kind == "money" else None
            return Judgement(ok, [Brief(ok, gap)])
        year = self._year_of(j, name)
        when = f"{year}年" if year is not None else ""
        label = self._label(spec)
        req_text = show(spec.kind, required, name)
        if actual is None:
            why, provide, provide_en = missing_words(j, name, spec, year)
            return Judgement(None, [Reason(
                text=f"{when}{label}{why}，须{_SYMBOL[self.op]} {req_text}",
                text_en=f"{spec.en}{f' ({year})' if year else ''}: missing", passed=None,
                field=name, required=req_text, missing=f"{spec.source}（{spec.zh}）",
                missing_text=provide, missing_text_en=provide_en)])
        ok = _OPS[self.op](actual, required)
        have = show(spec.kind, actual, name)
        sym = _SYMBOL[self.op] if ok else _NEGATED[self.op]
        text = f"{when}{label}{have} {sym} {req_text}"
        if required == "" and self.op == "!=":  # "given": a name that must not be empty
            text = f"{label}：{have}" if ok else f"{label}：未填写"
        gap = None
        if not ok and self.op in (">=", ">") and spec.kind in ("money", "count"):
            gap = normalize(Decimal(required) - Decimal(actual))
            if spec.kind == "money":
                text += f"，还差{format_wan(gap)}" + ("以上" if self.op == ">" else "")
            else:
                text += f"，还差{gap}{_UNITS['count']}"
        return Judgement(ok, [Reason(
            text=text,
            text_en=f"{spec.en}{f' ({year})' if year else ''} {show(spec.kind, actual, name, 'en')} "
                    f"{sym} {show(spec.kind, required, name, 'en')}",
            passed=ok, field=name, actual=have, required=req_text,
            gap_wan=gap if spec.kind == "money" else None)])

    def to_columns(self, ctx: Columns) -> Cols:
        return self._columns(ctx, [self._column(ctx, name) for name in self.names()])

    def _column(self, ctx: Columns, name: str) -> Cols:
        spec = ctx.spec(name)
        col = ctx.col(name)
        required = coerced(spec.kind, self.value)
        op = _SQL_OP[self.op]
        if spec.kind == "ratio":  # compared without division: num/den ? n/d  ⇔  num·d ? n·den
            num, den = Decimal(required).as_integer_ratio()
            truth = f"({col}__num * {den} {op} {num} * {col}__den)"
        else:
            truth = f"({col} {op} {sql_literal(spec.kind, required)})"
        gap = "NULL"
        if self.op in (">=", ">") and spec.kind == "money":
            gap = f"(CASE WHEN NOT {truth} THEN {sql_literal('money', required)} - {col} END)"
        return Cols(truth, failed_of(truth), gap)

    def describe(self, lang, spec_of, title_of) -> str:
        spec = spec_of(self.names()[0])
        kind = spec.kind if spec else "text"
        name = (self.label if lang != "en" else None) or (
            (spec.en if lang == "en" else spec.zh) if spec else self.field)
        value = show(kind, coerce_value(kind, self.value), self.field, lang)
        return f"{_offsets(self.at, lang)}{name} {_SYMBOL[self.op]} {value}"


class InSet(_FieldTest):
    """``{field: board, op: in, value: [domestic_main, star]}`` — membership of a set of codes."""

    tag: ClassVar[str] = "set"
    op: Literal["in", "not_in"]
    value: list[Any]

    def check(self, ctx: CheckContext, path: str) -> None:
        spec = self._check_field(ctx, path)
        if spec.kind == "enum" or spec.vocabulary:
            _check_codes(ctx, spec, self.value, f"{path}.value")
        else:
            for i, item in enumerate(self.value):
                try:
                    coerce_value(spec.kind, item)
                except ValueError as exc:
                    raise RuleProblem(f"{path}.value[{i}]", f"取值不是{spec.zh}的单位",
                                      "value not in the field's unit", item) from exc

    def _values(self, subject: str, name: str) -> list[Any]:
        from .fields import field as spec_of

        spec = spec_of(subject, name)
        assert spec is not None
        return [engine_value(spec.kind, v) for v in self.value]

    def to_durable(self, subject: str, relax: bool = False) -> dict:
        return _and([self._durable_one(subject, name, self.op == "in") for name in self.names()])

    def _durable_one(self, subject: str, name: str, inside: bool) -> dict:
        values = self._values(subject, name)
        if inside:
            return _or([{name: v} for v in values])
        return _and([{"$ex": {name: 1}}] + [{"$neq": {name: v}} for v in values])

    def negated_durable(self, subject: str) -> dict:
        if self.at is not None:
            return super().negated_durable(subject)
        return self._durable_one(subject, self.field, self.op != "in")

    def admits(self, attrs: Mapping[str, Any]) -> bool | None:
        if self.field not in attrs or self.at is not None:
            return None
        return (attrs[self.field] in self.value) == (self.op == "in")

    def judge(self, j: Judge) -> Judgement:
        return self._per_offset(lambda name: self._judge_one(j, name))

    def _judge_one(self, j: Judge, name: str) -> Judgement:
        spec = j.spec(name)
        actual = j.fact.get(name)
        values = [coerced(spec.kind, v) for v in self.value]
        if not j.words:
            if actual is None:
                return Judgement(None, [Brief(None, missing=spec.source)])
            return Judgement((actual in values) == (self.op == "in"), [Brief(None)])
        label = self._label(spec)
        shown = "、".join(show(spec.kind, v, name) for v in values)
        if actual is None:
            year = self._year_of(j, name)
            _why, provide, provide_en = missing_words(j, name, spec, year)
            return Judgement(None, [Reason(
                text=f"{label}：未填写（须为{shown}）", text_en=f"{spec.en}: missing", passed=None,
                required=shown, missing=f"{spec.source}（{spec.zh}）", field=name,
                missing_text=provide, missing_text_en=provide_en)])
        ok = (actual in values) == (self.op == "in")
        have = show(spec.kind, actual, name)
        if self.label:
            text = f"{label}：{'是' if ok else '否'}（{have}）"
        elif self.op == "in":
            text = f"{label}为{have}，{'' if ok else '不'}属于{shown}"
        else:
            text = f"{label}为{have}（须不属于{shown}）"
        return Judgement(ok, [Reason(
            text=text, text_en=f"{spec.en}: {show(spec.kind, actual, name, 'en')}",
            passed=ok, field=name, actual=have, required=shown)])

    def to_columns(self, ctx: Columns) -> Cols:
        parts = []
        for name in self.names():
            spec = ctx.spec(name)
            values = ", ".join(sql_literal(spec.kind, coerced(spec.kind, v)) for v in self.value)
            negate = "" if self.op == "in" else "NOT "
            # The fast pass counts no failure for a membership test (its reason is neutral).
            parts.append(Cols(f"({ctx.col(name)} {negate}IN ({values}))"))
        return self._columns(ctx, parts)

    def describe(self, lang, spec_of, title_of) -> str:
        spec = spec_of(self.names()[0])
        kind = spec.kind if spec else "text"
        if self.label and lang != "en":
            return self.label
        name = (spec.en if lang == "en" else spec.zh) if spec else self.field
        sep = ", " if lang == "en" else "、"
        values = sep.join(show(kind, coerce_value(kind, v), self.field, lang) for v in self.value)
        if lang == "en":
            return f"{name} {'is one of' if self.op == 'in' else 'is none of'}: {values}"
        return f"{name}{'为' if self.op == 'in' else '不是'}{values}{'之一' if len(self.value) > 1 else ''}"


class Truth(_FieldTest):
    """``{field: in_catalogue, op: is_true}`` — a yes/no fact."""

    tag: ClassVar[str] = "truth"
    op: Literal["is_true", "is_false"]

    def check(self, ctx: CheckContext, path: str) -> None:
        spec = self._check_field(ctx, path)
        if spec.kind != "bool":
            raise RuleProblem(f"{path}.op", f"{self.op} 只能用于是/否字段", f"{self.op} needs a yes/no field",
                              self.field)

    def to_durable(self, subject: str, relax: bool = False) -> dict:
        return _and([{name: self.op == "is_true"} for name in self.names()])

    def negated_durable(self, subject: str) -> dict:
        return {self.field: self.op != "is_true"}

    def admits(self, attrs: Mapping[str, Any]) -> bool | None:
        if self.field not in attrs:
            return None
        return bool(attrs[self.field]) == (self.op == "is_true")

    def judge(self, j: Judge) -> Judgement:
        return self._per_offset(lambda name: self._judge_one(j, name))

    def _judge_one(self, j: Judge, name: str) -> Judgement:
        spec = j.spec(name)
        actual = j.fact.get(name)
        want = self.op == "is_true"
        if not j.words:
            if actual is None:
                return Judgement(None, [Brief(None, missing=spec.source)])
            return Judgement(bool(actual) == want, [Brief(None)])
        label = self._label(spec)
        if actual is None:
            _why, provide, provide_en = missing_words(j, name, spec, self._year_of(j, name))
            return Judgement(None, [Reason(
                text=f"{label}：未填写", text_en=f"{spec.en}: missing", passed=None,
                missing=f"{spec.source}（{spec.zh}）", field=name,
                missing_text=provide, missing_text_en=provide_en)])
        ok = bool(actual) == want
        if self.label:
            text = f"{label}：{'是' if ok else '否'}"
            shown = "是" if ok else "否"
        else:
            text = f"{label}：{show('bool', actual)}"
            shown = show("bool", actual)
        return Judgement(ok, [Reason(text=text, text_en=f"{spec.en}: {show('bool', actual, lang='en')}",
                                     passed=ok, field=name, actual=shown)])

    def to_columns(self, ctx: Columns) -> Cols:
        want = "TRUE" if self.op == "is_true" else "FALSE"
        return self._columns(ctx, [Cols(f"({ctx.col(name)} = {want})") for name in self.names()])

    def describe(self, lang, spec_of, title_of) -> str:
        spec = spec_of(self.names()[0])
        if self.label and lang != "en":
            return self.label if self.op == "is_true" else f"{self.label}：否"
        name = (spec.en if lang == "en" else spec.zh) if spec else self.field
        yes = self.op == "is_true"
        if lang == "en":
            return f"{name}: {'yes' if yes else 'no'}"
        return name if yes else f"{name}：否"


RELAXED = {"first_reach": ">=", "first_exceed": ">"}
"""How a `met: level` chain reads "for the first time" tests: as plain comparisons."""


class FirstReach(_FieldTest):
    """``{field: revenue_wan, op: first_reach, value: 100亿}`` — "首次达到" (>=) or, with
    ``first_exceed``, "首次突破" (>): this year at the level, and no earlier year at it.

    "Earlier" is the whole history: the profile's earlier years and the declared peak before
    them. Without a complete history the answer is unknown (needs information), unless an
    earlier year already reached the level (then it is not the first time).
    """

    tag: ClassVar[str] = "first"
    op: Literal["first_reach", "first_exceed"]
    value: Any

    @property
    def strict(self) -> bool:
        return self.op == "first_exceed"

    def check(self, ctx: CheckContext, path: str) -> None:
        spec = self._check_field(ctx, path)
        if self.at is not None:
            raise RuleProblem(f"{path}.at", "“首次”条件不能带 at", "a first-reaching test takes no `at`")
        if spec.kind != "money":
            raise RuleProblem(f"{path}.op", f"{self.op} 只能用于金额字段", f"{self.op} needs a money field",
                              self.field)
        try:
            coerce_value("money", self.value)
        except ValueError as exc:
            raise RuleProblem(f"{path}.value", "应为金额（如 100亿、2000万）", "expected an amount (100亿, 2000万)",
                              self.value) from exc

    def level(self) -> Decimal:
        return coerced("money", self.value)

    def to_durable(self, subject: str, relax: bool = False) -> dict:
        level = engine_value("money", self.value)
        name = self.field
        if relax:
            return {("$gt" if self.strict else "$gte"): {name: level}}
        at, before = ("$gt", "$lte") if self.strict else ("$gte", "$lt")
        return _and([{at: {name: level}}, {before: {f"{name}__prior": level}},
                     {f"{name}__complete": True}])

    def ladder(self, attrs: Mapping[str, Any]) -> list[FirstReach]:
        return [self]

    def reached(self, value: Decimal) -> bool:
        level = self.level()
        return value > level if self.strict else value >= level

    def reached_before(self, history: Any) -> str | None:
        """Where the figure already reached the level before: "2019年" or "此前年度"."""
        if history is None:
            return None
        for year, value in history.earlier:
            if value is not None and self.reached(value):
                return f"{year}年"
        if history.prior_peak is not None and self.reached(history.prior_peak):
            return "此前年度"
        return None

    def outcome(self, actual: Decimal | None, history: Any) -> str:
        """missing / equal / short / reached_before / unknown_history / first."""
        if actual is None:
            return "missing"
        if self.strict and actual == self.level():
            return "equal"
        if not self.reached(actual):
            return "short"
        if self.reached_before(history):
            return "reached_before"
        if history is None or not history.complete:
            return "unknown_history"
        return "first"

    def judge(self, j: Judge) -> Judgement:
        spec = j.spec(self.field)
        actual = j.fact.get(self.field)
        if j.relax:
            return Compare(field=self.field, op=RELAXED[self.op], value=self.value,
                           label=self.label).judge(j)
        history = j.fact.history.get(self.field)
        level = self.level()
        outcome = self.outcome(actual, history)
        value = {"first": True, "missing": None, "unknown_history": None}.get(outcome, False)
        if not j.words:
            gap = level - actual if outcome == "short" else None
            code = outcome if outcome in ("equal", "reached_before") else None
            return Judgement(value, [Brief(value, gap_wan=gap, code=code,
                                           missing=self.field if value is None else None)])
        year = f"{j.fact.year}年" if j.fact.subject == "company_year" else ""
        verb = "首次突破" if self.strict else "首次达到"
        label = self._label(spec)
        lvl = format_wan(level)
        if outcome == "missing":
            _why, provide, provide_en = missing_words(j, self.field, spec, j.fact.year)
            return Judgement(None, [Reason(
                text=f"{year}{label}未填写，无法判断是否{verb}{lvl}", text_en=f"{spec.en}: missing",
                passed=None, required=lvl, missing=f"{spec.source}（{spec.zh}）", field=self.field,
                missing_text=provide, missing_text_en=provide_en)])
        have = format_wan(actual)
        if outcome == "equal":
            return Judgement(False, [Reason(
                text=f"{year}{label}{have}，恰好等于{lvl}；\"突破\"须高于{lvl}（INTERP-GEN-1）",
                text_en=f"{spec.en} equals {format_wan(level, 'en')}; exceeding requires more",
                passed=False, field=self.field, actual=have, required=f"> {lvl}", code="equal")])
        if outcome == "short":
            gap = normalize(level - actual)
            tail = "以上" if self.strict else ""
            return Judgement(False, [Reason(
                text=f"{year}{label}{have}，未{verb[2:]}{lvl}，距{lvl}台阶还差{format_wan(gap)}{tail}",
                text_en=f"{spec.en} {format_wan(actual, 'en')} has not reached {format_wan(level, 'en')}",
                passed=False, field=self.field, actual=have, required=lvl, gap_wan=gap)])
        if outcome == "reached_before":
            before = self.reached_before(history)
            return Judgement(False, [Reason(
                text=f"{label}已于{before}{verb[2:]}{lvl}，{year}不属于{verb}",
                text_en=f"{spec.en} already reached {format_wan(level, 'en')} before; not the first time",
                passed=False, field=self.field, actual=have, required=lvl, code="reached_before")])
        if outcome == "unknown_history":
            return Judgement(None, [self._unknown_history(j, spec, history, label, have, lvl, verb, year)])
        peak = history.known_max
        earlier = f"此前最高{format_wan(peak)}" if peak else "此前无收入"
        return Judgement(True, [Reason(
            text=f"{year}{label}{have}，{verb}{lvl}（{earlier}）",
            text_en=f"{spec.en} {format_wan(actual, 'en')} first reaches {format_wan(level, 'en')}",
            passed=True, field=self.field, actual=have, required=lvl)])

    def to_columns(self, ctx: Columns) -> Cols:
        if ctx.relax:
            return Compare(field=self.field, op=RELAXED[self.op], value=self.value,
                           label=self.label).to_columns(ctx)
        col = ctx.col(self.field)
        level = sql_literal("money", self.level())
        at = ">" if self.strict else ">="
        prior, complete = _history_columns(ctx, self.field)
        before = f"({prior} IS NOT NULL AND {prior} {at} {level})"
        truth = (f"(CASE WHEN {col} IS NULL THEN NULL WHEN NOT ({col} {at} {level}) THEN FALSE "
                 f"WHEN {before} THEN FALSE WHEN NOT {complete} THEN NULL ELSE TRUE END)")
        equal = f"{col} = {level}" if self.strict else "FALSE"
        gap = (f"(CASE WHEN {col} IS NULL THEN NULL WHEN {equal} THEN CAST(0 AS {MONEY}) "
               f"WHEN NOT ({col} {at} {level}) THEN {level} - {col} END)")
        used = f"(COALESCE({col} {at} {level}, FALSE) AND {before})"
        return Cols(truth, failed_of(truth), gap, used, label=ctx.words(self),
                    missing=ctx.spec(self.field).source)

    def _unknown_history(self, j, spec, history, label, have, lvl, verb, year) -> Reason:
        if history is not None and history.prior_peak is not None and history.missing_years:
            years = "、".join(f"{y}年" for y in history.missing_years)
            what = f"{years}的{label}"
            source = f"years[].{spec.profile or self.field}（{years}）"
            provide = f"请补充{what}（用于判断{j.fact.year}年是否{verb}{lvl}）"
            provide_en = (f"Please add {spec.en} for {', '.join(str(y) for y in history.missing_years)} "
                          f"(to tell whether {j.fact.year} is the first time)")
        else:
            what = "此前年度最高" + label
            peak_field = "prior_peak_main_revenue_wan" if self.field == "main_revenue_wan" else "prior_peak_revenue_wan"
            source = f"{peak_field}（{what} / prior peak）"
            provide = f"请补充{what}（此前没有收入填0；用于判断{j.fact.year}年是否{verb}{lvl}）"
            provide_en = (f"Please add the highest {spec.en} of any earlier year (0 if none), to tell "
                          f"whether {j.fact.year} is the first time")
        return Reason(
            text=f"{year}{label}{have}已{verb[2:]}{lvl}，但缺少{what}，无法确认是否{verb}",
            text_en=f"{spec.en} reaches {format_wan(self.level(), 'en')} but earlier history is missing; "
                    "cannot tell whether it is the first time",
            passed=None, field=self.field, actual=have, required=lvl, missing=source,
            missing_text=provide, missing_text_en=provide_en)

    def describe(self, lang, spec_of, title_of) -> str:
        spec = spec_of(self.field)
        name = (self.label if lang != "en" else None) or (
            (spec.en if lang == "en" else spec.zh) if spec else self.field)
        level = format_wan(self.level(), "en" if lang == "en" else "zh")
        if lang == "en":
            return f"{name} {'first exceeds' if self.strict else 'first reaches'} {level}"
        return f"{name}{'首次突破' if self.strict else '首次达到'}{level}"


_MAX_STEPS = 10_000
"""A bound on the steps one figure can cross (far above any company: 100万亿 in 100亿 steps)."""


class Steps(_FieldTest):
    """"每跨越一个百亿元台阶": steps at ``start``, ``start + step``, … with no upper limit.

    Met when the figure first exceeds (``first_exceed``; or first reaches, ``first_reach``) at
    least one step this year; :meth:`crossed` says which. The steps are computed from the
    figure and its history, never listed, so a company at 5000亿 gets every step it crosses.
    """

    tag: ClassVar[str] = "steps"
    op: Literal["first_reach", "first_exceed"]
    start: Any
    step: Any
    precomputes: ClassVar[bool] = True

    @property
    def strict(self) -> bool:
        return self.op == "first_exceed"

    def bounds(self) -> tuple[Decimal, Decimal]:
        return coerced("money", self.start), coerced("money", self.step)

    def check(self, ctx: CheckContext, path: str) -> None:
        spec = self._check_field(ctx, path)
        if spec.kind != "money":
            raise RuleProblem(f"{path}.field", "台阶只能用于金额字段", "steps need a money field", self.field)
        try:
            start, step = self.bounds()
        except ValueError as exc:
            raise RuleProblem(path, "start 和 step 应为金额", "start and step must be amounts",
                              (self.start, self.step)) from exc
        if step <= 0 or start <= 0:
            raise RuleProblem(path, "start 和 step 须大于0", "start and step must be above zero",
                              (self.start, self.step))

    @property
    def key(self) -> str:
        """The fact field the engine reads: how many steps are crossed for the first time."""
        start, step = (engine_value("money", v) for v in (self.start, self.step))
        return f"{self.field}__steps_{self.op}_{start}_{step}"

    def _passes(self, value: Decimal, level: Decimal) -> bool:
        return value > level if self.strict else value >= level

    def _index_above(self, value: Decimal) -> int:
        """The index of the lowest step the value does not pass (0 = ``start``)."""
        start, step = self.bounds()
        if not self._passes(value, start):
            return 0
        k = int((value - start) // step)
        while self._passes(value, start + k * step):
            k += 1
        return k

    def crossed(self, fact: Any) -> list[Decimal] | None:
        """The steps first passed this year, lowest first; None when the history is too short
        to tell (and the figure passes some step not passed before)."""
        actual = fact.get(self.field)
        if actual is None:
            return None
        start, step = self.bounds()
        history = fact.history.get(self.field)
        top = self._index_above(actual)
        peak = history.known_max if history is not None else None
        low = self._index_above(peak) if peak is not None else 0
        levels = [start + k * step for k in range(low, min(top, low + _MAX_STEPS))]
        if not levels:
            return []
        if history is None or not history.complete:
            return None
        return levels

    def _just_at(self, value: Decimal) -> bool:
        """Exactly on a step not passed before, under the strict reading."""
        start, step = self.bounds()
        return self.strict and value >= start and (value - start) % step == 0

    def next_level(self, fact: Any) -> Decimal:
        start, step = self.bounds()
        actual = fact.get(self.field)
        return start + self._index_above(actual if actual is not None else Decimal(0)) * step

    def precompute(self, fact: Any) -> dict[str, Any]:
        if fact.subject != "company_year":
            return {}
        levels = self.crossed(fact)
        return {} if levels is None else {self.key: len(levels)}

    def to_durable(self, subject: str, relax: bool = False) -> dict:
        if relax:
            raise RuleProblem("met", "台阶不能用于 met: level", "steps cannot stand in a `met: level` chain")
        return {"$gte": {self.key: 1}}

    def ladder(self, attrs: Mapping[str, Any]) -> list[FirstReach]:
        """The first steps as first-reaching tests (for a chart of the next award)."""
        start, step = self.bounds()
        return [FirstReach(field=self.field, op=self.op, value=start + k * step) for k in range(50)]

    def _column_index(self, value: str) -> str:
        """SQL of :meth:`_index_above`: how many steps ``value`` passes."""
        start, step = self.bounds()
        above = f"({value} - {sql_literal('money', start)})"
        whole = floor_div(above, step)
        if self.strict:  # steps strictly below the value: ceil(above / step)
            passes = f"{value} > {sql_literal('money', start)}"
            count = f"(CASE WHEN {whole} * {sql_literal('money', step)} = {above} THEN {whole} ELSE {whole} + 1 END)"
        else:
            passes = f"{value} >= {sql_literal('money', start)}"
            count = f"({whole} + 1)"
        return f"(CASE WHEN {passes} THEN {count} ELSE 0 END)"

    def column_range(self, ctx: Columns) -> tuple[str, str]:
        """Columns of the step indices first passed this year: ``low <= k < high`` (see
        :meth:`crossed`), computed once per fact."""
        prior, _ = _history_columns(ctx, self.field)
        key = self.key  # the engine's precomputed field: one name for one ladder everywhere
        low = ctx.computed(f"{key}_low", self._column_index(prior))
        top = ctx.computed(f"{key}_top", self._column_index(ctx.col(self.field)))
        return low, f"LEAST({top}, {low} + {_MAX_STEPS})"

    def column_level(self, index: str) -> str:
        """SQL of the level of step ``index`` (``start + index × step``)."""
        start, step = self.bounds()
        return f"({sql_literal('money', start)} + {index} * {sql_literal('money', step)})"

    def column_next(self, ctx: Columns) -> str:
        """SQL of :meth:`next_level`: the lowest step the figure does not pass."""
        col = ctx.col(self.field)
        index = ctx.computed(f"{self.key}_next",
                             self._column_index(f"COALESCE({col}, CAST(0 AS {MONEY}))"))
        return self.column_level(index)

    def to_columns(self, ctx: Columns) -> Cols:
        if ctx.relax:
            raise RuleProblem("met", "台阶不能用于 met: level", "steps cannot stand in a `met: level` chain")
        col = ctx.col(self.field)
        _, complete = _history_columns(ctx, self.field)
        low, high = self.column_range(ctx)
        none = f"({high} - {low} <= 0)"
        truth = (f"(CASE WHEN {col} IS NULL THEN NULL WHEN {none} THEN FALSE "
                 f"WHEN NOT {complete} THEN NULL ELSE TRUE END)")
        gap = f"(CASE WHEN {col} IS NOT NULL AND {none} THEN {self.column_next(ctx)} - {col} END)"
        return Cols(truth, failed_of(truth), gap, label=ctx.words(self), missing=ctx.spec(self.field).source)

    def judge(self, j: Judge) -> Judgement:
        spec = j.spec(self.field)
        levels = self.crossed(j.fact)
        actual = j.fact.get(self.field)
        value = None if levels is None else bool(levels)
        nxt = self.next_level(j.fact)
        if not j.words:
            gap = nxt - actual if value is False and actual is not None else None
            return Judgement(value, [Brief(value, gap_wan=gap, missing=self.field if value is None else None)])
        year = f"{j.fact.year}年" if j.fact.subject == "company_year" else ""
        label = self._label(spec)
        verb = "首次突破" if self.strict else "首次达到"
        if actual is None:
            _why, provide, provide_en = missing_words(j, self.field, spec, j.fact.year)
            return Judgement(None, [Reason(
                text=f"{year}{label}未填写，无法判断是否跨越台阶", text_en=f"{spec.en}: missing", passed=None,
                missing=f"{spec.source}（{spec.zh}）", field=self.field, missing_text=provide,
                missing_text_en=provide_en)])
        have = format_wan(actual)
        if levels is None:
            history = j.fact.history.get(self.field)
            first = FirstReach(field=self.field, op=self.op, value=self.bounds()[0], label=self.label)
            return Judgement(None, [first._unknown_history(j, spec, history, label, have,
                                                           "台阶", verb, year)])
        if levels:
            shown = "、".join(format_wan(v) for v in levels)
            return Judgement(True, [Reason(
                text=f"{year}{label}{have}，{verb}{shown}台阶",
                text_en=f"{spec.en} {format_wan(actual, 'en')} first passes "
                        + ", ".join(format_wan(v, "en") for v in levels),
                passed=True, field=self.field, actual=have, required=shown)])
        gap = normalize(nxt - actual)
        if self.strict and gap == 0 or self._just_at(actual):
            at = format_wan(actual)
            return Judgement(False, [Reason(
                text=f"{year}{label}{have}，恰好等于{at}台阶；\"跨越\"须高于台阶（INTERP-GEN-3）",
                text_en=f"{spec.en} equals the {format_wan(actual, 'en')} step; crossing requires more",
                passed=False, field=self.field, actual=have, required=f"> {at}", code="equal")])
        return Judgement(False, [Reason(
            text=f"{year}{label}{have}，未跨越新的台阶，距{format_wan(nxt)}台阶还差{format_wan(gap)}"
                 + ("以上" if self.strict else ""),
            text_en=f"{spec.en} {format_wan(actual, 'en')} passes no new step; the next is {format_wan(nxt, 'en')}",
            passed=False, field=self.field, actual=have, required=format_wan(nxt), gap_wan=gap)])

    def describe(self, lang, spec_of, title_of) -> str:
        spec = spec_of(self.field)
        start, step = self.bounds()
        name = (spec.en if lang == "en" else spec.zh) if spec else self.field
        if lang == "en":
            return (f"{name} {'first exceeds' if self.strict else 'first reaches'} a further step of "
                    f"{format_wan(step, 'en')} (from {format_wan(start, 'en')}, no upper limit)")
        return (f"{name}每{'首次突破' if self.strict else '首次达到'}一个{format_wan(step)}台阶"
                f"（{format_wan(start)}起，不设上限）")


class AnyOf(_Kind):
    """``{any: [condition, condition]}`` — at least one of several conditions."""

    tag: ClassVar[str] = "any"
    any: list[Condition]
    label: str | None = None

    def walk(self) -> Iterator[Condition]:
        yield self
        for sub in self.any:
            yield from sub.walk()

    def check(self, ctx: CheckContext, path: str) -> None:
        for i, sub in enumerate(self.any):
            sub.check(ctx, f"{path}.any[{i}]")

    def to_durable(self, subject: str, relax: bool = False) -> dict | None:
        parts = [p for p in (c.to_durable(subject, relax) for c in self.any) if p]
        return _or(parts) if parts else None

    def ladder(self, attrs: Mapping[str, Any]) -> list[FirstReach]:
        return [t for c in self.any for t in c.ladder(attrs)]

    def judge(self, j: Judge) -> Judgement:
        parts = [c.judge(j) for c in self.any]
        if any(p.value is True for p in parts):
            return Judgement(True, [r for p in parts if p.value for r in p.reasons])
        value = None if any(p.value is None for p in parts) else False
        reasons = [r for p in parts for r in p.reasons]
        if self.label and j.words:
            reasons = [Reason(text=f"{self.label}：未满足任一项", passed=value)] + reasons
        return Judgement(value, reasons)

    def to_columns(self, ctx: Columns) -> Cols:
        parts = [c.to_columns(ctx) for c in self.any]
        truth = "(" + " OR ".join(p.truth for p in parts) + ")"

        def held_or_all(values: list[str], held: list[str], combine: Callable[[list[str]], str]) -> str:
            # When one part holds, only the holding parts' tests count (as in the judgement).
            return f"(CASE WHEN {truth} THEN {combine(held)} ELSE {combine(values)} END)"

        return Cols(
            truth,
            held_or_all([p.failed for p in parts],
                        [f"(CASE WHEN {p.truth} THEN {p.failed} ELSE 0 END)" for p in parts], sql_total),
            held_or_all([p.gap for p in parts], [f"(CASE WHEN {p.truth} THEN {p.gap} END)" for p in parts],
                        greatest),
            held_or_all([p.used for p in parts], [f"COALESCE({p.truth} AND {p.used}, FALSE)" for p in parts],
                        any_true),
            label=ctx.words(self), missing="；".join(dict.fromkeys(p.missing for p in parts if p.missing)))

    def describe(self, lang, spec_of, title_of) -> str:
        sep = "; " if lang == "en" else "；"
        inner = sep.join(c.describe(lang, spec_of, title_of) for c in self.any)
        head = (self.label if lang != "en" else None) or ("any of" if lang == "en" else "满足其一")
        return f"{head}{': ' if lang == 'en' else '：'}{inner}"


class AllOf(_Kind):
    """``{all: [condition, condition]}`` — every one of several conditions (inside ``any``)."""

    tag: ClassVar[str] = "all"
    all: list[Condition]
    label: str | None = None

    def walk(self) -> Iterator[Condition]:
        yield self
        for sub in self.all:
            yield from sub.walk()

    def check(self, ctx: CheckContext, path: str) -> None:
        for i, sub in enumerate(self.all):
            sub.check(ctx, f"{path}.all[{i}]")

    def to_durable(self, subject: str, relax: bool = False) -> dict | None:
        parts = [p for p in (c.to_durable(subject, relax) for c in self.all) if p]
        return _and(parts) if parts else None

    def ladder(self, attrs: Mapping[str, Any]) -> list[FirstReach]:
        return [t for c in self.all for t in c.ladder(attrs)]

    def judge(self, j: Judge) -> Judgement:
        judged = j.judge_all(self.all)
        if self.label and j.words:
            mark = {True: "是", False: "否", None: "待补充信息"}[judged.value]
            judged.reasons.insert(0, Reason(text=f"{self.label}：{mark}", passed=judged.value))
        return judged

    def to_columns(self, ctx: Columns) -> Cols:
        inner = ctx.all_of(self.all)
        return Cols(inner.truth, inner.failed, inner.gap, inner.used, label=ctx.words(self), missing=inner.missing)

    def describe(self, lang, spec_of, title_of) -> str:
        sep = " and " if lang == "en" else "且"
        inner = sep.join(c.describe(lang, spec_of, title_of) for c in self.all)
        return f"{self.label}（{inner}）" if self.label and lang != "en" else inner


class Branch(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    when: Condition | None = None
    otherwise: bool = False
    then: list[Condition]

    @model_validator(mode="after")
    def _one_guard(self) -> Branch:
        if (self.when is None) == (not self.otherwise):
            raise ValueError("a branch has either `when` or `otherwise: true`")
        return self


class Choose(_Kind):
    """The first branch whose ``when`` holds decides; ``when`` tests a company attribute.

    This is how one clause states two scales (the bracketed figures of 硚口's tiers apply
    to some sectors, the main figures to the rest).
    """

    tag: ClassVar[str] = "choose"
    choose: list[Branch]

    @model_validator(mode="after")
    def _ends_with_otherwise(self) -> Choose:
        if not self.choose or not self.choose[-1].otherwise:
            raise ValueError("`choose` must end with an `otherwise: true` branch")
        if any(b.otherwise for b in self.choose[:-1]):
            raise ValueError("only the last branch of `choose` may be `otherwise`")
        return self

    def walk(self) -> Iterator[Condition]:
        yield self
        for branch in self.choose:
            if branch.when is not None:
                yield from branch.when.walk()
            for sub in branch.then:
                yield from sub.walk()

    def check(self, ctx: CheckContext, path: str) -> None:
        for i, branch in enumerate(self.choose):
            if branch.when is not None:
                branch.when.check(ctx, f"{path}.choose[{i}].when")
                if not isinstance(branch.when, Compare | InSet | Truth):
                    raise RuleProblem(f"{path}.choose[{i}].when", "选择条件只能是简单比较",
                                      "a branch guard must be a plain test")
            for k, sub in enumerate(branch.then):
                sub.check(ctx, f"{path}.choose[{i}].then[{k}]")

    def to_durable(self, subject: str, relax: bool = False) -> dict:
        branches, earlier = [], []
        for branch in self.choose:
            then = [p for p in (c.to_durable(subject, relax) for c in branch.then) if p]
            if branch.when is not None:
                branches.append(_and(earlier + [branch.when.to_durable(subject)] + then))
                earlier.append(branch.when.negated_durable(subject))
            else:
                branches.append(_and(earlier + then) if earlier + then else {"$ex": {"fid": 1}})
        return _or(branches)

    def branch_for(self, attrs: Mapping[str, Any]) -> Branch | None:
        for branch in self.choose:
            if branch.when is None or branch.when.admits(attrs) is True:
                return branch
            if branch.when.admits(attrs) is None:
                return None
        return None

    def ladder(self, attrs: Mapping[str, Any]) -> list[FirstReach]:
        branch = self.branch_for(attrs)
        return [t for c in branch.then for t in c.ladder(attrs)] if branch else []

    def judge(self, j: Judge) -> Judgement:
        for branch in self.choose:
            if branch.when is None:
                return j.judge_all(branch.then)
            guard = branch.when.judge(j)
            if guard.value is None:
                return Judgement(None, guard.reasons)
            if guard.value:
                return j.judge_all(branch.then)
        return Judgement(False)

    def to_columns(self, ctx: Columns) -> Cols:
        unknown = {"truth": "NULL", "failed": "0", "gap": "NULL", "used": "FALSE"}
        arms: dict[str, list[str]] = {key: [] for key in unknown}
        last: Cols | None = None
        for branch in self.choose:
            then = ctx.all_of(branch.then)
            if branch.when is None:
                last = then
                continue
            guard = branch.when.to_columns(ctx).truth
            for key, value in unknown.items():  # an unknown guard leaves the choice unknown
                arms[key] += [f"WHEN ({guard}) IS NULL THEN {value}", f"WHEN {guard} THEN {getattr(then, key)}"]
        assert last is not None  # validated at load: a choose ends with `otherwise`
        built = {key: f"(CASE {' '.join(arms[key])} ELSE {getattr(last, key)} END)" if arms[key]
                 else getattr(last, key) for key in unknown}
        return Cols(built["truth"], built["failed"], built["gap"], built["used"], label=ctx.words(self),
                    missing=last.missing)

    def describe(self, lang, spec_of, title_of) -> str:
        sep, comma = ("; ", ", ") if lang == "en" else ("；", "，")
        parts = []
        for branch in self.choose:
            then = comma.join(c.describe(lang, spec_of, title_of) for c in branch.then)
            if branch.when is not None:
                guard = branch.when.describe(lang, spec_of, title_of)
                parts.append(f"if {guard}: {then}" if lang == "en" else f"{guard}的，{then}")
            else:
                parts.append(f"otherwise: {then}" if lang == "en" else f"其他企业，{then}")
        return sep.join(parts)


class After(_Kind):
    """Chaining on another rule's result for the same company and year.

    ``met: awarded`` — the other rule (or its ``tier``) matched that year: "只在获得该奖励的当年".
    ``met: level`` — the figures of the other rule's ``tier`` are met that year, read without
    "for the first time" (first_reach as >=, first_exceed as >): "满足以上条件". The thresholds
    then stand in one place, the rule chained on.
    """

    tag: ClassVar[str] = "after"
    after: str
    tier: str | None = None
    met: Literal["awarded", "level"] = "awarded"
    label: str | None = None

    @model_validator(mode="after")
    def _level_needs_tier(self) -> After:
        if self.met == "level" and not self.tier:
            raise ValueError("`met: level` needs the `tier` whose figures must be met")
        return self

    def check(self, ctx: CheckContext, path: str) -> None:
        tiers = ctx.tiers_of(self.after)
        if tiers is None:
            raise RuleProblem(f"{path}.after", "链式条件指向不存在的规则", "`after` names an unknown rule",
                              self.after, ctx.rule_ids(), _suggest(self.after, ctx.rule_ids()))
        if self.tier and self.tier not in tiers:
            raise RuleProblem(f"{path}.tier", f"规则 {self.after} 没有这一档", f"{self.after} has no such tier",
                              self.tier, tiers, _suggest(self.tier, tiers))
        if self.met == "level" and ctx.subject_of(self.after) != ctx.subject:
            raise RuleProblem(f"{path}.met", f"`met: level` 须两条规则判断同一种事实（{ctx.subject}）",
                              f"`met: level` needs {self.after} to judge the same facts ({ctx.subject})")

    def to_durable(self, subject: str, relax: bool = False) -> None:
        return None

    def join(self) -> dict:
        """The durable_rules pattern of the fact this condition joins on."""
        kind = "award" if self.met == "awarded" else "level"
        test = [{"fact_kind": kind}, {"rule_id": self.after}, {"year": {"f": "year"}}]
        if self.tier:
            test.append({"tier": self.tier})
        return _and(test)

    def judge(self, j: Judge) -> Judgement:
        return j.chain(self)

    def to_columns(self, ctx: Columns) -> Cols:
        if self.met == "level":  # the other rule's figures, inlined and read without "first"
            inner = ctx.relaxed().all_of(ctx.level_conditions(self))
            return Cols(inner.truth, inner.failed, inner.gap, inner.used, label=ctx.words(self),
                        missing=inner.missing)
        truth = f"COALESCE({ctx.awarded(self)}, FALSE)"
        return Cols(truth, failed_of(truth), label=ctx.words(self))

    def describe(self, lang, spec_of, title_of) -> str:
        if self.label and lang != "en":
            return self.label
        title = title_of(self.after)
        if lang == "en":
            return f"the same year, {title} {'is awarded' if self.met == 'awarded' else 'figures are met'}"
        return f"当年{'获得' if self.met == 'awarded' else '达到'}「{title}」{'' if self.met == 'awarded' else '的标准'}"


class Undetermined(_Kind):
    """``{undetermined: 原文"一定标准"未载明具体数额}`` — a condition the text leaves open.

    It is never met by the engine and always judged unknown: the finding is *needs
    information* with the note, never eligible on a guessed line.
    """

    tag: ClassVar[str] = "undetermined"
    undetermined: str
    undetermined_en: str | None = None

    def to_durable(self, subject: str, relax: bool = False) -> dict:
        return {"$ex": {"__undetermined__": 1}}

    def judge(self, j: Judge) -> Judgement:
        if not j.words:
            return Judgement(None, [Brief(None, missing="undetermined")])
        return Judgement(None, [Reason(
            text=self.undetermined, text_en=self.undetermined_en or self.undetermined, passed=None,
            missing=f"（须由主管部门认定 / to be decided by the office）{self.undetermined}",
            missing_text=f"须由主管部门认定：{self.undetermined}",
            missing_text_en=f"To be decided by the office: {self.undetermined_en or self.undetermined}")])

    def to_columns(self, ctx: Columns) -> Cols:
        return Cols("CAST(NULL AS BOOLEAN)", label=self.undetermined, missing="undetermined")

    def describe(self, lang, spec_of, title_of) -> str:
        return (self.undetermined_en or self.undetermined) if lang == "en" else self.undetermined


# ---------------------------------------------------------------------- parsing


_BY_OP = {">=": "compare", ">": "compare", "<=": "compare", "<": "compare", "==": "compare",
          "!=": "compare", "in": "set", "not_in": "set", "is_true": "truth", "is_false": "truth",
          "first_reach": "first", "first_exceed": "first"}
_BY_KEY = ("any", "all", "choose", "after", "undetermined")


def _kind_of(value: Any) -> str:
    """Which kind of condition a YAML mapping is (by its key, or by its ``op``)."""
    if isinstance(value, BaseModel):
        return getattr(value, "tag", "compare")
    if isinstance(value, dict):
        for key in _BY_KEY:
            if key in value:
                return key
        if "step" in value:
            return "steps"
        return _BY_OP.get(str(value.get("op")), "compare")
    return "compare"


Condition = Annotated[
    Annotated[Compare, Tag("compare")] | Annotated[InSet, Tag("set")]
    | Annotated[Truth, Tag("truth")] | Annotated[FirstReach, Tag("first")]
    | Annotated[Steps, Tag("steps")] | Annotated[AnyOf, Tag("any")] | Annotated[AllOf, Tag("all")]
    | Annotated[Choose, Tag("choose")]
    | Annotated[After, Tag("after")] | Annotated[Undetermined, Tag("undetermined")],
    Discriminator(_kind_of),
]
"""Any condition of the rule language, parsed by its shape."""

KINDS: dict[str, type[_Kind]] = {
    cls.tag: cls for cls in (Compare, InSet, Truth, FirstReach, Steps, AnyOf, AllOf, Choose, After,
                             Undetermined)}
"""Every kind of condition by its tag: a backend adds one method to each."""

AnyOf.model_rebuild()
AllOf.model_rebuild()
Branch.model_rebuild()
Choose.model_rebuild()

OPS = tuple(_BY_OP)


# ---------------------------------------------------------------------- helpers


def _suggest(value: str, allowed: list[str]) -> str:
    from .vocabulary import suggest

    return suggest(value, allowed)


def _check_codes(ctx: CheckContext, spec: Field, values: list[Any], path: str) -> None:
    """Every code a rule names must be one the vocabulary (and so a profile) can hold."""
    if not spec.vocabulary:
        return
    table = ctx.vocabulary.codes(spec.vocabulary)
    allowed = list(table)
    for i, value in enumerate(values):
        if value not in table:
            raise RuleProblem(f"{path}[{i}]" if len(values) > 1 or path.endswith("value") else path,
                              f"“{value}”不在词表 {spec.vocabulary} 中", f"{value!r} is not in the "
                              f"vocabulary {spec.vocabulary}", value, allowed, _suggest(str(value), allowed))


def _offsets(at: list[int] | None, lang: str) -> str:
    if not at:
        return ""
    if lang == "en":
        return "in " + ", ".join("the same year" if k == 0 else f"year +{k}" for k in at) + ": "
    words = {0: "当年", 1: "次年", 2: "第三年"}
    return "、".join(words.get(k, f"第{k + 1}年") for k in at) + "："


def _history_columns(ctx: Columns, name: str) -> tuple[str, str]:
    """The columns of a figure's history: the highest earlier value, and whether it is complete
    (a fact without history has neither: "first" is then unknown, as in :class:`FirstReach`)."""
    if not ctx.has_history(name):
        return f"CAST(NULL AS {MONEY})", "FALSE"
    col = ctx.col(name)
    return f"{col}__prior", f"COALESCE({col}__complete, FALSE)"


def missing_words(j: Judge, name: str, spec: Field, year: int | None) -> tuple[str, str, str]:
    """Why a figure is unknown, and what to provide, in words: "请补充2018年的区级财政贡献
    （用于计算2019年增幅）" — never a field path (that stays in the JSON's ``missing``)."""
    fact = j.fact
    when = f"{year}年的" if year is not None else ""
    if spec.stem is not None and name.partition("@")[0].endswith("_growth"):
        from .fields import field as spec_of

        base = spec_of("company_year", spec.stem)
        base_zh = base.zh if base else spec.zh
        base_en = base.en if base else spec.en
        suffix = name.partition("@")[2]
        this = fact.get(f"{spec.stem}@{suffix}" if suffix else spec.stem)
        stem = spec.stem.removesuffix("_wan")
        prev = fact.get(f"{stem}_prev_wan@{suffix}" if suffix else f"{stem}_prev_wan")
        if year is None:
            year = fact.year
        if this is None:
            return (f"无法计算（当年{base_zh}未填写）", f"请补充{year}年的{base_zh}（用于计算{year}年增幅）",
                    f"Please add {base_en} for {year} (to compute its growth)")
        if prev is None:
            return (f"无法计算（上一年{base_zh}未填写）",
                    f"请补充{year - 1}年的{base_zh}（用于计算{year}年增幅）",
                    f"Please add {base_en} for {year - 1} (to compute the growth of {year})")
        return (f"无法计算（上一年{base_zh}为0）",
                f"{year - 1}年{base_zh}为0，无法计算{year}年增幅，须由主管部门认定",
                f"{base_en} of {year - 1} is 0: the growth of {year} cannot be computed; the office decides")
    if spec.stem is not None:  # previous year's figure
        y = (year or fact.year) - 1
        base = spec.zh.removeprefix("上一年")
        return "未填写", f"请补充{y}年的{base}", f"Please add {spec.en} ({y})"
    return ("未填写", f"请补充{when}{spec.zh}",
            f"Please add {spec.en}" + (f" for {year}" if year is not None else ""))


__all__ = [
    "KINDS", "OPS", "RELAXED", "AllOf", "AnyOf", "After", "Steps", "Branch", "Brief", "CheckContext", "Choose", "Columns",
    "Compare", "Condition", "FirstReach", "InSet", "Judge", "Judgement", "RuleProblem", "Truth",
    "Undetermined", "and_all", "coerce_value", "coerced", "engine_value", "missing_words", "show",
]
