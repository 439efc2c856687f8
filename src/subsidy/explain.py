"""Explanation: the same condition tree the engine compiles, judged in three values with words.

durable_rules only says what matched. To say why something did *not* match, or that a
figure is missing, each condition is judged here over the same fact: True (met), False
(not met, with the gap), or None (unknown — a figure is missing, never read as zero).
Conjunctions follow Kleene logic: one False decides; otherwise one None leaves it unknown.
The evaluator cross-checks its True answers against the engine's matches.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from . import vocab
from .facts import Fact
from .fields import field as field_spec
from .findings import Reason
from .money import format_wan, normalize
from .ruleset import RELAXED, After, AnyOf, Choose, Compare, Condition, coerce_value

_ENUMS: dict[str, dict] = {**vocab.BY_FIELD, "programme": vocab.TALENT_PROGRAMMES}
_SYMBOL = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "=", "!=": "≠"}
_NEGATED = {">=": "<", ">": "≤", "<=": ">", "<": "≥", "==": "≠", "!=": "="}
_UNITS = {"count": "家", "year": "年", "int": ""}


@dataclass(frozen=True)
class Brief:
    """A reason without words, for the fast pass that only needs values and gaps."""

    passed: bool | None
    gap_wan: Decimal | None = None
    code: str | None = None
    missing: str | None = None


@dataclass
class Judgement:
    value: bool | None
    reasons: list[Reason] = field(default_factory=list)


def and_all(parts: list[Judgement]) -> Judgement:
    reasons = [r for p in parts for r in p.reasons]
    if any(p.value is False for p in parts):
        return Judgement(False, reasons)
    if any(p.value is None for p in parts):
        return Judgement(None, reasons)
    return Judgement(True, reasons)


def _enum_text(name: str, code: Any, lang: str = "zh") -> str:
    table = _ENUMS.get(name)
    if table and code in table:
        return vocab.label(table, code, lang)
    return str(code)


def show(kind: str, value: Any, name: str = "", lang: str = "zh") -> str:
    """A value for people: money as 万元/亿元, ratios as %, enums by their labels."""
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
    if kind == "enum" or name in _ENUMS:
        return _enum_text(name, value, lang)
    return str(value)


class Explainer:
    """Judges conditions for one fact; ``awarded(rule_id, year)`` answers `after:` joins."""

    def __init__(self, fact: Fact, chain: Callable[[After, Explainer], Judgement],
                 words: bool = True, relax: bool = False):
        self.fact = fact
        self.chain = chain
        """Answers `after:` conditions (another rule's result for the same company and year)."""
        self.words = words
        """False: judge values and gaps only (no sentences) — most tiers are never shown."""
        self.relax = relax
        """True: read "first reaching/exceeding" as plain reaching/exceeding (`met: level`)."""

    def judge_all(self, conditions: list[Condition]) -> Judgement:
        return and_all([self.judge(c) for c in conditions])

    def judge(self, cond: Condition) -> Judgement:
        if isinstance(cond, Compare):
            return self._compare(cond)
        if isinstance(cond, AnyOf):
            parts = [self.judge(c) for c in cond.any]
            reasons = [r for p in parts for r in p.reasons]
            if any(p.value is True for p in parts):
                return Judgement(True, [r for p in parts if p.value for r in p.reasons])
            value = None if any(p.value is None for p in parts) else False
            if cond.label:
                reasons = [Reason(text=f"{cond.label}：未满足任一项", passed=value)] + reasons
            return Judgement(value, reasons)
        if isinstance(cond, Choose):
            for branch in cond.choose:
                if branch.when is None:
                    return self.judge_all(branch.then)
                guard = self._compare(branch.when)
                if guard.value is None:
                    return Judgement(None, guard.reasons)
                if guard.value:
                    return self.judge_all(branch.then)
            return Judgement(False)
        if isinstance(cond, After):
            return self.chain(cond, self)
        raise TypeError(cond)

    # ------------------------------------------------------------ one comparison

    def _compare(self, cond: Compare) -> Judgement:
        spec = field_spec(self.fact.subject, cond.field)
        assert spec is not None
        if self.relax and cond.op in RELAXED:
            cond = _relaxed(cond)
        actual = self.fact.get(cond.field)
        label = cond.label or spec.zh
        year = f"{self.fact.year}年" if self.fact.subject == "company_year" else ""
        if cond.op in ("first_reach", "first_exceed"):
            return self._first(cond, spec, actual, year)
        if cond.op in ("is_true", "is_false"):
            want = cond.op == "is_true"
            if actual is None:
                return Judgement(None, [self._missing(f"{label}：未填写", spec)])
            ok = bool(actual) == want
            text = f"{label}：{'是' if ok else '否'}" if cond.label else f"{label}：{show('bool', actual)}"
            return Judgement(ok, [Reason(text=text, text_en=f"{spec.en}: {show('bool', actual, lang='en')}",
                                         passed=ok, field=cond.field, actual=show("bool", actual))])
        if cond.op in ("in", "not_in"):
            values = [coerce_value(spec.kind, v) for v in cond.value]
            shown = "、".join(show(spec.kind, v, cond.field) for v in values)
            if actual is None:
                return Judgement(None, [self._missing(f"{label}：未填写（须为{shown}）", spec)])
            ok = (actual in values) == (cond.op == "in")
            have = show(spec.kind, actual, cond.field)
            if cond.label:
                text = f"{label}：{'是' if ok else '否'}（{have}）"
            else:
                verb = "属于" if cond.op == "in" else "不属于"
                text = f"{label}为{have}，{'' if ok else '不'}{verb}{shown}" if cond.op == "in" else \
                    f"{label}为{have}（须{verb}{shown}）"
            return Judgement(ok, [Reason(
                text=text, text_en=f"{spec.en}: {show(spec.kind, actual, cond.field, 'en')}",
                passed=ok, field=cond.field, actual=have, required=shown)])
        required = _coerced(spec.kind, cond.value)
        if not self.words:
            if actual is None:
                return Judgement(None, [Brief(None, missing=spec.source)])
            ok = _OPS[cond.op](actual, required)
            gap = None
            if not ok and cond.op in (">=", ">") and spec.kind == "money":
                gap = required - actual
            return Judgement(ok, [Brief(ok, gap)])
        req_text = show(spec.kind, required, cond.field)
        if actual is None:
            why, provide = self._missing_why(cond.field)
            reason = self._missing(f"{year}{label}{why}，须{_SYMBOL[cond.op]} {req_text}", spec,
                                   required=req_text)
            if provide:
                reason.missing = provide
            return Judgement(None, [reason])
        ok = _OPS[cond.op](actual, required)
        have = show(spec.kind, actual, cond.field)
        sym = _SYMBOL[cond.op] if ok else _NEGATED[cond.op]
        text = f"{year}{label}{have} {sym} {req_text}"
        gap = None
        if not ok and cond.op in (">=", ">") and spec.kind in ("money", "count"):
            gap = normalize(Decimal(required) - Decimal(actual))
            if spec.kind == "money":
                text += f"，还差{format_wan(gap)}"
                if cond.op == ">":
                    text += "以上"
            else:
                text += f"，还差{gap}{_UNITS['count']}"
        return Judgement(ok, [Reason(
            text=text,
            text_en=f"{spec.en} {show(spec.kind, actual, cond.field, 'en')} {sym} {show(spec.kind, required, cond.field, 'en')}",
            passed=ok, field=cond.field, actual=have, required=req_text,
            gap_wan=gap if spec.kind == "money" else None)])

    def _first_outcome(self, cond: Compare, level: Decimal, strict: bool, actual) -> str:
        """How a first-reaching test turns out, decided once for both passes:
        missing / equal / short / reached_before / unknown_history / first."""
        if actual is None:
            return "missing"
        if strict and actual == level:
            return "equal"
        if not (actual > level if strict else actual >= level):
            return "short"
        history = self.fact.history.get(cond.field)
        if history and history.first_at_or_above(level, strict):
            return "reached_before"
        if history is None or not history.complete:
            return "unknown_history"
        return "first"

    def _first(self, cond: Compare, spec, actual, year: str) -> Judgement:
        level = _coerced("money", cond.value)
        strict = cond.op == "first_exceed"
        outcome = self._first_outcome(cond, level, strict, actual)
        value = {"first": True, "missing": None, "unknown_history": None}.get(outcome, False)
        if not self.words:
            gap = level - actual if outcome == "short" else None
            code = outcome if outcome in ("equal", "reached_before") else None
            return Judgement(value, [Brief(value, gap_wan=gap, code=code,
                                           missing=cond.field if value is None else None)])
        verb = "首次突破" if strict else "首次达到"
        label = cond.label or spec.zh
        lvl = format_wan(level)
        history = self.fact.history.get(cond.field)
        if outcome == "missing":
            return Judgement(None, [self._missing(f"{year}{label}未填写，无法判断是否{verb}{lvl}", spec,
                                                  required=lvl)])
        have = format_wan(actual)
        if outcome == "equal":
            return Judgement(False, [Reason(
                text=f"{year}{label}{have}，恰好等于{lvl}；\"突破\"须高于{lvl}（INTERP-GEN-1）",
                text_en=f"{spec.en} equals {format_wan(level, 'en')}; exceeding requires more",
                passed=False, field=cond.field, actual=have, required=f"> {lvl}", code="equal")])
        if outcome == "short":
            gap = normalize(level - actual)
            tail = "以上" if strict else ""
            return Judgement(False, [Reason(
                text=f"{year}{label}{have}，未{verb[2:]}{lvl}，距{lvl}台阶还差{format_wan(gap)}{tail}",
                text_en=f"{spec.en} {format_wan(actual, 'en')} has not reached {format_wan(level, 'en')}",
                passed=False, field=cond.field, actual=have, required=lvl, gap_wan=gap)])
        if outcome == "reached_before":
            before = history.first_at_or_above(level, strict)
            return Judgement(False, [Reason(
                text=f"{label}已于{before}{verb[2:]}{lvl}，{year}不属于{verb}",
                text_en=f"{spec.en} already reached {format_wan(level, 'en')} before; not the first time",
                passed=False, field=cond.field, actual=have, required=lvl, code="reached_before")])
        if outcome == "unknown_history":
            if history is not None and history.prior_peak is not None and history.missing_years:
                years = "、".join(f"{y}年" for y in history.missing_years)
                what, source = f"{years}的{label}", f"years[].{_PROFILE_FIELD.get(cond.field, cond.field)}（{years}）"
            else:
                source = "prior_peak_main_revenue_wan" if cond.field == "main_revenue_wan" else "prior_peak_revenue_wan"
                what = "此前年度最高" + label
                source = f"{source}（{what} / prior peak）"
            return Judgement(None, [Reason(
                text=f"{year}{label}{have}已{verb[2:]}{lvl}，但缺少{what}，无法确认是否{verb}",
                text_en=f"{spec.en} reaches {format_wan(level, 'en')} but earlier history is missing; cannot tell whether it is the first time",
                passed=None, field=cond.field, actual=have, required=lvl, missing=source)])
        peak = history.known_max
        earlier = f"此前最高{format_wan(peak)}" if peak else "此前无收入"
        return Judgement(True, [Reason(
            text=f"{year}{label}{have}，{verb}{lvl}（{earlier}）",
            text_en=f"{spec.en} {format_wan(actual, 'en')} first reaches {format_wan(level, 'en')}",
            passed=True, field=cond.field, actual=have, required=lvl)])

    def _missing_why(self, name: str) -> tuple[str, str | None]:
        """Why a figure is unknown, and what to provide when that is not the field itself."""
        if name == "contribution_growth":
            prev = self.fact.get("contribution_prev_wan")
            if self.fact.get("contribution_wan") is None:
                return "无法计算（当年区级财政贡献未填写）", None
            if prev is None:
                return "无法计算（上一年区级财政贡献未填写）", None
            # Nothing to fill in: a growth from zero is for the office to judge.
            return "无法计算（上一年区级财政贡献为0）", "区级财政贡献增幅（上一年为0，无法计算增幅，须由主管部门认定）"
        return "未填写", None

    def _missing(self, text: str, spec, required: str | None = None) -> Reason:
        return Reason(text=text, text_en=f"{spec.en}: missing", passed=None,
                      required=required, missing=f"{spec.source}（{spec.zh}）")


_RELAXED: dict[int, tuple[Compare, Compare]] = {}


def _relaxed(cond: Compare) -> Compare:
    """The same test without "for the first time" (kept per condition object)."""
    found = _RELAXED.get(id(cond))
    if found is None or found[0] is not cond:
        found = _RELAXED[id(cond)] = (cond, cond.model_copy(update={"op": RELAXED[cond.op]}))
    return found[1]


_PROFILE_FIELD = {"revenue_wan": "revenue_wan", "main_revenue_wan": "main_business_revenue_wan"}
"""The profile column behind a fact's money field (for "fill in this year's figure")."""

_COERCED: dict[tuple[str, str], Any] = {}


def _coerced(kind: str, value: Any) -> Any:
    """Thresholds are parsed once ("100亿" → Decimal), not on every judgement."""
    key = (kind, repr(value))
    found = _COERCED.get(key)
    if found is None:
        found = _COERCED[key] = coerce_value(kind, value)
    return found


_OPS: dict[str, Callable[[Any, Any], bool]] = {
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}
