"""Rule files: one YAML per policy document, loaded, validated strictly, and resolved.

A rule file carries everything about a clause that is not logic: the policy's window and
area, the verbatim quote, thresholds, amounts, tiers, hit policy, once-only scope, and the
readings of ambiguous text (INTERP ids). Any value in a rule file may depend on a reading::

    hit_policy: {by_reading: INTERP-QK-3, default: highest, alternative: collect}

Loading validates the file under every reading (each INTERP flipped on its own), so a
bad alternative is refused at load time, not when a user flips a switch. Unknown keys are
refused (``extra="forbid"``): a misplaced key is an error, never silently ignored.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    ValidationError,
    field_validator,
    model_validator,
)

from . import vocab
from .conditions import (
    RELAXED,
    After,
    Condition,
    RuleProblem,
    Steps,
)
from .money import format_wan, parse_money
from .vocabulary import Vocabulary, read_yaml, suggest

DEFAULT_RULES_DIR = Path(__file__).resolve().parents[2] / "rules"
READINGS = ("default", "alternative")
ScopeKind = Literal["company", "tier", "subject", "none"]
HitPolicy = Literal["highest", "collect"]
AwardKind = Literal["fixed", "per_unit", "pass_through", "case_by_case", "none", "minimum"]
Level = Literal["city", "district", "zone"]
Op = Literal["first_reach", "first_exceed"]


class RuleFileError(ValueError):
    """A rule file that is refused: names the file, the rule id and the problem."""

    def __init__(self, path: str, rule_id: str | None, problem: str, *, what: str = "规则 rule"):
        self.path, self.rule_id, self.problem = path, rule_id, problem
        where = f"文件 file {path}" + (f" · {what} {rule_id}" if rule_id else "")
        super().__init__(f"规则文件无效 / rule file refused: {where}: {problem}")


class SwitchError(RuleFileError):
    """A reading switch that names no known INTERP id or no known reading."""

    def __init__(self, problem: str):
        ValueError.__init__(self, f"解释开关无效 / bad interpretation switch: {problem}")
        self.path, self.rule_id, self.problem = "(switch)", None, problem


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


RELAXED = RELAXED  # re-exported: how a `met: level` chain reads "first" tests


# ---------------------------------------------------------------- rules


class Tier(_Strict):
    id: str
    title: str
    title_en: str | None = None
    amount_wan: Decimal | None = None
    rank: int | None = None
    """Order among tiers where the amount does not say it (higher ranks first)."""
    year_offset: int | None = None
    """Paid this many years after the event, for this tier (default: the rule's)."""
    matches: str | None = None
    """For a ``minimum`` award ("不低于1:1配套"): the rule whose award for the same event it
    matches; the amount is at least ``ratio`` times that award."""
    conditions: list[Condition] = []

    @field_validator("amount_wan", mode="before")
    @classmethod
    def _money(cls, value: Any) -> Any:
        return None if value is None else parse_money(value)


class Repeat(_Strict):
    """A ladder without end in the text ("每跨越一个百亿元台阶"): steps from ``start`` every
    ``step``, with no upper limit; each step first passed earns ``amount_wan``."""

    id: str
    title: str
    """With ``{level}`` where the step is named: ``跨越{level}台阶``."""
    title_en: str | None = None
    field: str
    op: Op
    start: Decimal
    step: Decimal
    amount_wan: Decimal

    @field_validator("start", "step", "amount_wan", mode="before")
    @classmethod
    def _money(cls, value: Any) -> Any:
        return parse_money(value)

    @model_validator(mode="after")
    def _bounded(self) -> Repeat:
        if self.step <= 0 or self.start <= 0:
            raise ValueError("repeat needs start > 0 and step > 0")
        return self

    def condition(self) -> Steps:
        return _steps(self.field, self.op, self.start, self.step)

    def tier_at(self, level: Decimal) -> Tier:
        """The tier of one step, as findings name it (``S@2000000``, "跨越200亿元台阶")."""
        yi = f"{(level / 10000).normalize():f}亿元"
        bn = f"RMB {(level / 100000).normalize():f} bn"  # an English title names no Chinese unit
        return Tier(id=f"{self.id}@{level.normalize():f}", title=self.title.format(level=yi),
                    title_en=self.title_en.format(level=bn) if self.title_en else self.title.format(level=yi),
                    amount_wan=self.amount_wan, rank=1, conditions=[])


_STEPS: dict[tuple, Steps] = {}


def _steps(field: str, op: str, start: Decimal, step: Decimal) -> Steps:
    """One Steps condition per ladder (rules are rebuilt per reading; the condition is not)."""
    key = (field, op, start, step)
    if key not in _STEPS:
        _STEPS[key] = Steps(field=field, op=op, start=start, step=step)
    return _STEPS[key]


class Award(_Strict):
    kind: AwardKind
    per_unit_wan: Decimal | None = None
    unit_field: str | None = None
    unit_label: str | None = None
    unit_label_en: str | None = None
    field: str | None = None
    """For pass_through: the fact field whose value is passed on."""
    ratio: Decimal | None = None
    """For minimum (matching support): at least this many times the matched award."""
    note: str | None = None
    note_en: str | None = None

    @field_validator("per_unit_wan", mode="before")
    @classmethod
    def _money(cls, value: Any) -> Any:
        return None if value is None else parse_money(value)

    @model_validator(mode="after")
    def _complete(self) -> Award:
        if self.kind == "per_unit" and (self.per_unit_wan is None or not self.unit_field):
            raise ValueError("per_unit award needs per_unit_wan and unit_field")
        if self.kind == "pass_through" and not self.field:
            raise ValueError("pass_through award needs field")
        if self.kind == "minimum" and self.ratio is None:
            raise ValueError("a minimum (matching) award needs its ratio (e.g. ratio: 1 for 1:1)")
        return self


class Rule(_Strict):
    id: str
    title: str
    title_en: str
    section: str
    heading: str | None = None
    """The heading path as it stands in the source text (三、工作任务 / (二)… / 1.…)."""
    source_line: int | None = None
    """The line of the source file (docs/sources/) where the quote starts."""
    quote: str
    applicant: str
    applicant_en: str | None = None
    """Who applies, in English words (the catalogue's English page shows no Chinese)."""
    subject: str
    select: list[Condition] = []
    """Which facts the rule is about at all; a fact failing these gets no finding."""
    conditions: list[Condition] = []
    tiers: list[Tier] = []
    repeat: Repeat | None = None
    hit_policy: HitPolicy | None = None
    """How several matching tiers combine (DMN: highest = PRIORITY, collect = COLLECT); a rule
    with more than one tier must declare it, so no conflict is ever resolved silently."""
    award: Award
    once: ScopeKind = "none"
    once_by: str | None = None
    """With ``once: subject``: the fact field whose value is the one-time scope (``leader``:
    once per person, whatever the number of projects) instead of the event itself."""
    once_counts: Literal["policy", "ever"] = "policy"
    """Which earlier grants use up a one-time award: those under this policy ("policy"), or any
    earlier event, also before the policy's window ("ever": 首次纳入 means first ever)."""
    year_offset: int = 0
    """The award is paid this many years after the event (稳规: the year after entry)."""
    level: Level | None = None
    """City, district or zone award (default: the policy's); a district's matching support in
    a city document is a district award."""
    payer: str | None = None
    """Who pays (市级财政, 企业所在区), when the text says."""
    interpretations: list[str] = []
    contacts: list[str] = []
    notes: list[str] = []
    notes_en: list[str] = []
    not_covered: str | None = None
    """Said as a reason whenever the rule is not met: what the clause does not cover."""
    not_covered_en: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Rule:
        if self.award.kind in ("fixed", "minimum") and not self.tiers and not self.repeat:
            raise ValueError(f"a {self.award.kind} award needs tiers with amount_wan")
        for tier in self.tiers:
            if self.award.kind == "fixed" and tier.amount_wan is None:
                raise ValueError(f"tier {tier.id} has no amount_wan")
            if self.award.kind == "minimum" and not tier.matches:
                raise ValueError(f"tier {tier.id}: a minimum (matching) award needs `matches: rule id`")
        ids = [t.id for t in self.all_tiers()]
        if len(ids) != len(set(ids)):
            raise ValueError("tier ids repeat")
        if len(ids) > 1 and self.hit_policy is None:
            raise ValueError("several tiers but no hit_policy (highest | collect): "
                             "say how tiers that match together combine")
        return self

    def all_tiers(self) -> list[Tier]:
        """The tiers by meaning, highest first: by ``rank`` where given, then by amount, then
        by id — never by their order in the file (moving a tier changes nothing)."""
        return self._tiers

    @cached_property
    def _tiers(self) -> list[Tier]:
        tiers: list[Tier] = list(self.tiers)
        if self.repeat:
            rep = self.repeat
            tiers.append(Tier(id=rep.id, title=rep.title.format(level="每个"),
                              title_en=rep.title_en.format(level="each") if rep.title_en
                              else rep.title.format(level="每个"),
                              amount_wan=rep.amount_wan, rank=1, conditions=[rep.condition()]))
        if not tiers:
            return [Tier(id="-", title=self.title, conditions=[])]
        return sorted(tiers, key=_tier_order)

    def steps_of(self, tier: Tier) -> Steps | None:
        """The step ladder a tier stands for (its findings are one per step passed)."""
        if self.repeat and tier.id == self.repeat.id:
            return tier.conditions[0]  # type: ignore[return-value]
        return None

    def amount_lines(self, lang: str = "zh") -> list[str]:
        """The clause's amounts in words, one line per tier (a ladder without end as one line):
        what a catalogue or a template shows beside the rule."""
        if lang == "en":
            return self._amount_lines_en()
        award = self.award
        if award.kind == "per_unit" and award.per_unit_wan is not None:
            return [f"{format_wan(award.per_unit_wan)} / {award.unit_label or ''}"]
        lines = [f"{t.title}: {format_wan(t.amount_wan)}" for t in self.tiers if t.amount_wan is not None]
        if self.repeat:
            rep = self.repeat
            lines.append(f"每跨越一个{format_wan(rep.step)}台阶（{format_wan(rep.start)}起）: "
                         f"{format_wan(rep.amount_wan)}")
        return lines or [vocab.label(vocab.AMOUNT_KINDS, award.kind)]

    def _amount_lines_en(self) -> list[str]:
        """:meth:`amount_lines` in English, amounts written as the English pages write them
        (a tier without an English title is named by its id)."""
        from .money_display import wan_short

        award = self.award
        if award.kind == "per_unit" and award.per_unit_wan is not None:
            return [f"{wan_short(award.per_unit_wan, 'en')} / {award.unit_label_en or ''}".rstrip(" /")]
        lines = [f"{t.title_en or t.id}: {wan_short(t.amount_wan, 'en')}"
                 for t in self.tiers if t.amount_wan is not None]
        if self.repeat:
            rep = self.repeat
            lines.append(f"each further step ({wan_short(rep.start, 'en')} on, every "
                         f"{wan_short(rep.step, 'en')}): {wan_short(rep.amount_wan, 'en')}")
        return lines or [vocab.label(vocab.AMOUNT_KINDS, award.kind, "en")]

    @cached_property
    def fields(self) -> frozenset[str]:
        """Every fact field the rule tests (to show only the notes about those fields)."""
        found = {name for cond in self.walk() for name in getattr(cond, "names", lambda: [])()}
        if self.repeat:
            found.add(self.repeat.field)
        return frozenset(found)

    def walk(self) -> Iterable[Condition]:
        """Every condition of the rule, nested ones included."""
        for cond in self.all_conditions():
            yield from cond.walk()

    def afters(self) -> list[After]:
        """The chains of this rule on other rules (`after:`)."""
        return [c for c in self.walk() if getattr(c, "tag", "") == "after"]

    def all_conditions(self) -> Iterable[Condition]:
        yield from self.select
        yield from self.conditions
        for tier in self.all_tiers():
            yield from tier.conditions


def _tier_order(tier: Tier) -> tuple:
    """Highest first: declared rank, then amount, then id (a stable, file-order-free order)."""
    rank = -tier.rank if tier.rank is not None else 0
    amount = -(tier.amount_wan or Decimal(0))
    return (rank, amount, tier.id)


# ---------------------------------------------------------------- policies


def _date_only(value: Any) -> Any:
    """A window bound is a date written YYYY-MM-DD; a bare year is refused with that said."""
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError(f"应写成日期 YYYY-MM-DD（如 {value}-01-01），不能只写年份 {value} / "
                         f"write a date as YYYY-MM-DD (e.g. {value}-01-01), not a bare year")
    if isinstance(value, dt.datetime):
        raise ValueError("应写成日期 YYYY-MM-DD，不带时间 / write a date without a time")
    return value


class Window(_Strict):
    start: dt.date | None = None
    end: dt.date | None = None

    _dates = field_validator("start", "end", mode="before")(_date_only)

    def contains(self, year: int, date: dt.date | None = None) -> bool:
        """A dated event is judged by its date; a year-only event by its year."""
        if date is not None:
            return (self.start is None or date >= self.start) and (self.end is None or date <= self.end)
        return (self.start is None or year >= self.start.year) and (self.end is None or year <= self.end.year)

    def text(self) -> str:
        start = self.start.isoformat() if self.start else "…"
        end = self.end.isoformat() if self.end else "…"
        return f"{start} 至 {end}"


class Area(_Strict):
    """``wuhan: true`` for any Wuhan district or zone, else the listed districts."""

    wuhan: bool = False
    districts: list[str] = []

    def contains(self, district: str) -> bool:
        if self.wuhan:
            return district != vocab.OUTSIDE_WUHAN
        return district in self.districts

    def text(self) -> str:
        return "武汉市全市" if self.wuhan else "、".join(self.districts)


class Policy(_Strict):
    id: str
    title: str
    title_en: str
    issuer: str
    issued: dt.date | None = None
    """The day the document was issued; None where the text leaves it blank (say so below)."""
    issued_note: str | None = None
    """How the text gives the date when no day is known ("2018年*月*日", "2022年，日期未载明")."""
    doc_number: str | None = None
    """The document number where the text has one (武政规〔2022〕23号)."""
    source: str
    source_reliability: Literal["official", "repost"] = "official"
    """``repost``: the text is a reposted copy, not an official one; users are told so."""
    window: Window
    window_note: str | None = None
    area: Area
    level: Level | None = None
    """City, district or zone (default: from the area — all of Wuhan is a city policy)."""
    payer: str | None = None
    monetary: bool

    _issued = field_validator("issued", mode="before")(_date_only)

    @property
    def award_level(self) -> str:
        if self.level:
            return self.level
        if self.area.wuhan:
            return "city"
        if self.area.districts and all(d in vocab.ZONES for d in self.area.districts):
            return "zone"
        return "district"

    def issued_text(self) -> str:
        if self.issued is not None:
            return self.issued.isoformat()
        return self.issued_note or "日期未载明 / date not stated"

    @property
    def reliability_note(self) -> str | None:
        if self.source_reliability == "repost":
            return "转载文本，以官方原文为准 / reposted text, the official text prevails"
        return None


class Reading(_Strict):
    label: str
    label_en: str | None = None
    text: str
    text_en: str | None = None

    def label_in(self, lang: str = "zh") -> str:
        return (self.label_en or self.label) if lang == "en" else self.label

    def text_in(self, lang: str = "zh") -> str:
        return (self.text_en or self.text) if lang == "en" else self.text


class Interpretation(_Strict):
    id: str
    title: str
    title_en: str | None = None
    note: str
    note_en: str | None = None
    default: Reading
    alternative: Reading
    use: str = "default"
    """The file's own choice; a user switch overrides it for a run."""

    @model_validator(mode="after")
    def _use(self) -> Interpretation:
        if self.use not in READINGS:
            raise ValueError(f"解释 {self.id} 的 use 应为 default 或 alternative，写的是 {self.use!r} / "
                             f"use of {self.id} must be default or alternative, not {self.use!r}")
        return self


class Group(_Strict):
    """How awards of several rules for the same event combine (a DMN hit policy across rules)."""

    id: str
    title: str
    title_en: str | None = None
    rules: list[str]
    hit_policy: HitPolicy
    same: Literal["event", "year"] = "event"
    """What "the same" means: the same event (one entry, one company-year; the default), or
    any events of the same year."""
    interpretations: list[str] = []


class ScaleLine(_Strict):
    """A dated national statistical line for 规上/限上 (for hints only, never an award)."""

    sectors: list[str]
    field: Literal["main_revenue_wan", "revenue_wan"]
    min_wan: Decimal
    since: int
    until: int | None = None
    label: str
    label_en: str | None = None

    @field_validator("min_wan", mode="before")
    @classmethod
    def _money(cls, value: Any) -> Any:
        return parse_money(value)


class PolicyFile(_Strict):
    """One resolved rule file (every ``by_reading`` replaced by the reading in force)."""

    anchors: dict[str, Any] = {}
    """Free-form YAML anchors the rules refer to (contact lists, sector lists)."""
    policy: Policy | None = None
    interpretations: list[Interpretation] = []
    rules: list[Rule] = []
    groups: list[Group] = []
    scale_lines: list[ScaleLine] = []
    vocabulary: dict[str, Any] = {}
    """Codes and figures this file declares (read by :mod:`subsidy.vocabulary`)."""


# ---------------------------------------------------------------- loading


def resolve(node: Any, readings: Mapping[str, str], known: Iterable[str] | None = None,
            where: str = "") -> Any:
    """Replace every ``{by_reading: ID, default: …, alternative: …}`` by the reading in force.

    ``known`` (the declared INTERP ids): a ``by_reading`` naming another id is refused, never
    quietly read as its default.
    """
    known = set(known) if known is not None else None
    return _resolve(node, readings, known, where)


def _resolve(node: Any, readings: Mapping[str, str], known: set[str] | None, where: str) -> Any:
    if isinstance(node, dict):
        if "by_reading" in node:
            iid = node["by_reading"]
            extra = set(node) - {"by_reading", *READINGS}
            if extra:
                raise RuleProblem(where or "by_reading", "by_reading 只能有 default 和 alternative 两边",
                                  "a by_reading node has only default and alternative", sorted(extra),
                                  list(READINGS))
            if known is not None and iid not in known:
                raise RuleProblem(f"{where}.by_reading".lstrip("."), "未声明的解释编号",
                                  "unknown interpretation id", iid, sorted(known), suggest(iid, known))
            choice = readings.get(iid, "default")
            return _resolve(node.get(choice), readings, known, where)
        return {key: _resolve(value, readings, known, f"{where}.{key}".lstrip("."))
                for key, value in node.items()}
    if isinstance(node, list):
        items = (_resolve(item, readings, known, f"{where}[{i}]") for i, item in enumerate(node))
        return [item for item in items if item is not None]
    return node


def _reading_ids(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["by_reading"]} if "by_reading" in node else set()
        for value in node.values():
            found |= _reading_ids(value)
        return found
    if isinstance(node, list):
        return set().union(*(_reading_ids(item) for item in node)) if node else set()
    return set()


class _Check:
    """What a condition's load-time check needs (see :class:`subsidy.conditions.CheckContext`)."""

    def __init__(self, ruleset: RuleSet, subject: str):
        self._rs, self.subject, self.vocabulary = ruleset, subject, ruleset.vocabulary

    def tiers_of(self, rule_id: str) -> list[str] | None:
        rule = self._rs.rules.get(rule_id)
        return None if rule is None else [t.id for t in rule.all_tiers()]

    def subject_of(self, rule_id: str) -> str | None:
        rule = self._rs.rules.get(rule_id)
        return None if rule is None else rule.subject

    def rule_ids(self) -> list[str]:
        return sorted(self._rs.rules)


class RuleSet:
    """All rule files of a folder, with the readings in force resolved.

    ``switches`` maps INTERP ids to ``"default"``/``"alternative"``; ids not named take the
    rule file's own ``use``. The version is a hash of the files' bytes and the readings.
    Every name a rule uses (a district, a sector, a title, a field, an INTERP id, a rule id in
    a group or chain) is checked here against the vocabulary and the other rules.
    """

    def __init__(self, raw: dict[str, dict], switches: Mapping[str, str] | None = None,
                 digest: str = "", vocabulary: Vocabulary | None = None):
        self._raw = raw
        try:
            self.vocabulary = vocabulary or Vocabulary.from_documents(raw)
        except ValueError as exc:
            raise RuleFileError("vocabulary", None, str(exc)) from None
        self.interpretations: dict[str, Interpretation] = {}
        self.interp_path: dict[str, str] = {}
        for path, data in raw.items():
            for i, item in enumerate(data.get("interpretations", []) or []):
                interp = _validate(path, None, Interpretation, item, f"interpretations[{i}]")
                if interp.id in self.interpretations:
                    raise RuleFileError(path, interp.id, "解释编号重复 / duplicate interpretation id",
                                        what="解释 reading")
                self.interpretations[interp.id] = interp
                self.interp_path[interp.id] = path
        switches = dict(switches or {})
        for key, value in switches.items():
            if key not in self.interpretations:
                hint = suggest(key, self.interpretations)
                raise SwitchError(f"未知的解释编号 / unknown interpretation id {key!r}"
                                  + (f"；是否应为 / did you mean {hint}" if hint else ""))
            if value not in READINGS:
                raise SwitchError(f"{key}: 应为 default 或 alternative / expected default or alternative, got {value!r}")
        self.readings: dict[str, str] = {
            iid: switches.get(iid, interp.use) for iid, interp in self.interpretations.items()
        }
        self.files: dict[str, PolicyFile] = {}
        for path, data in raw.items():
            try:
                resolved = resolve(data, self.readings, self.interpretations)
            except RuleProblem as exc:
                raise RuleFileError(path, None, exc.render()) from None
            self.files[path] = _validate_file(path, resolved)
        self.policies: dict[str, Policy] = {}
        self.rules: dict[str, Rule] = {}
        self.rule_policy: dict[str, str] = {}
        self._rule_path: dict[str, tuple[str, int]] = {}
        self.groups: list[Group] = []
        self.scale_lines: list[ScaleLine] = []
        for path, pf in self.files.items():
            if pf.policy:
                if pf.policy.id in self.policies:
                    raise RuleFileError(path, pf.policy.id, "政策编号重复 / duplicate policy id",
                                        what="政策 policy")
                self.policies[pf.policy.id] = pf.policy
                self._check_policy(path, pf.policy)
            for index, rule in enumerate(pf.rules):
                if rule.id in self.rules:
                    raise RuleFileError(path, rule.id, "规则编号重复 / duplicate rule id")
                if not pf.policy:
                    raise RuleFileError(path, rule.id, "规则须与政策（policy:）写在同一文件 / "
                                                       "rules need a policy block in the same file")
                self.rules[rule.id] = rule
                self.rule_policy[rule.id] = pf.policy.id
                self._rule_path[rule.id] = (path, index)
            self.groups.extend(pf.groups)
            self.scale_lines.extend(pf.scale_lines)
        for rule in self.rules.values():
            self._check_rule(rule)
        for path, pf in self.files.items():
            for i, group in enumerate(pf.groups):
                self._check_group(path, i, group)
        self.digest = digest
        switched = json.dumps(sorted(self.readings.items()))
        self.version = "sha256:" + hashlib.sha256((digest + switched).encode()).hexdigest()[:16]

    # -------------------------------------------------------------- checks

    def _check_policy(self, path: str, policy: Policy) -> None:
        districts = self.vocabulary.codes("districts")
        for i, district in enumerate(policy.area.districts):
            if district not in districts:
                raise RuleFileError(path, policy.id, RuleProblem(
                    f"policy.area.districts[{i}]", "不是词表中的区或功能区",
                    "not a district or zone of the vocabulary", district, list(districts),
                    suggest(district, districts)).render(), what="政策 policy")

    def _check_rule(self, rule: Rule) -> None:
        path, index = self._rule_path[rule.id]
        where = f"rules[{index}]"
        ctx = _Check(self, rule.subject)
        subjects = self.vocabulary.codes("subjects")
        try:
            if rule.subject not in subjects:
                raise RuleProblem(f"{where}.subject", "未知的事实种类", "unknown subject", rule.subject,
                                  list(subjects), suggest(rule.subject, subjects))
            for part in ("select", "conditions"):
                for i, cond in enumerate(getattr(rule, part)):
                    cond.check(ctx, f"{where}.{part}[{i}]")
            for t, tier in enumerate(rule.tiers):
                for i, cond in enumerate(tier.conditions):
                    cond.check(ctx, f"{where}.tiers[{t}]({tier.id}).conditions[{i}]")
                if tier.matches and tier.matches not in self.rules:
                    raise RuleProblem(f"{where}.tiers[{t}].matches", "配套指向不存在的规则",
                                      "`matches` names an unknown rule", tier.matches,
                                      sorted(self.rules), suggest(tier.matches, self.rules))
            if rule.repeat:
                rule.repeat.condition().check(ctx, f"{where}.repeat")
            for name in (rule.award.unit_field, rule.award.field, rule.once_by):
                if name and self.vocabulary.field(rule.subject, name) is None:
                    allowed = self.vocabulary.field_names(rule.subject)
                    raise RuleProblem(f"{where}.award", f"事实“{rule.subject}”没有这个字段",
                                      f"unknown field for subject {rule.subject!r}", name, allowed,
                                      suggest(name, allowed))
            for i, iid in enumerate(rule.interpretations):
                if iid not in self.interpretations:
                    raise RuleProblem(f"{where}.interpretations[{i}]", "未声明的解释编号",
                                      "unknown interpretation id", iid, sorted(self.interpretations),
                                      suggest(iid, self.interpretations))
        except RuleProblem as exc:
            raise RuleFileError(path, rule.id, exc.render()) from None

    def _check_group(self, path: str, index: int, group: Group) -> None:
        for k, rid in enumerate(group.rules):
            if rid not in self.rules:
                raise RuleFileError(path, group.id, RuleProblem(
                    f"groups[{index}].rules[{k}]", "组中列出了不存在的规则", "the group lists an unknown rule",
                    rid, sorted(self.rules), suggest(rid, self.rules)).render(), what="组 group")
        for k, iid in enumerate(group.interpretations):
            if iid not in self.interpretations:
                raise RuleFileError(path, group.id, RuleProblem(
                    f"groups[{index}].interpretations[{k}]", "未声明的解释编号", "unknown interpretation id",
                    iid, sorted(self.interpretations), suggest(iid, self.interpretations)).render(),
                    what="组 group")

    # -------------------------------------------------------------- questions

    def with_switches(self, switches: Mapping[str, str] | None) -> RuleSet:
        """The same files under other readings (files are not read again)."""
        return RuleSet(self._raw, switches, self.digest, self.vocabulary)

    def policy_of(self, rule_id: str) -> Policy:
        return self.policies[self.rule_policy[rule_id]]

    def path_of(self, rule_id: str) -> str:
        found = self._rule_path.get(rule_id)
        return found[0] if found else "?"

    def level_of(self, rule_id: str) -> str:
        """City, district or zone: the rule's own, else its policy's."""
        return self.rules[rule_id].level or self.policy_of(rule_id).award_level

    def switched(self) -> dict[str, str]:
        """Readings that differ from the files' defaults (what a report must mention)."""
        return {k: v for k, v in self.readings.items() if v != "default"}

    @cached_property
    def offsets(self) -> frozenset[tuple[str, str]]:
        """Every (subject, ``field@k``) a rule tests: the figures facts must carry."""
        return frozenset((rule.subject, name) for rule in self.rules.values()
                         for cond in rule.walk() for name in getattr(cond, "names", lambda: [])()
                         if "@" in name)

    @cached_property
    def ordered(self) -> list[Rule]:
        """The rules in an order where a rule comes after every rule it chains on (`after:`)
        or matches (`matches:`), so their results are known when it is decided."""
        rules = list(self.rules.values())
        needs = {r.id: {c.after for c in r.afters()} | {t.matches for t in r.tiers if t.matches}
                 for r in rules}
        ordered: list[Rule] = []
        placed: set[str] = set()
        while len(ordered) < len(rules):
            ready = [r for r in rules if r.id not in placed and needs[r.id] <= placed]
            if not ready:
                cycle = sorted(set(self.rules) - placed)
                raise RuleFileError("(chains)", None, f"规则互相链式引用 / rules chain on each other: {cycle}")
            for rule in ready:
                ordered.append(rule)
                placed.add(rule.id)
        return ordered


_PYDANTIC_WORDS = {
    "extra_forbidden": ("未知的键", "unknown key"),
    "missing": ("缺少必填的键", "missing required key"),
    "literal_error": ("取值不在允许的范围内", "value not allowed"),
    "date_from_datetime_inexact": ("应写成日期 YYYY-MM-DD", "write a date as YYYY-MM-DD"),
    "date_parsing": ("应写成日期 YYYY-MM-DD", "write a date as YYYY-MM-DD"),
    "date_type": ("应写成日期 YYYY-MM-DD", "write a date as YYYY-MM-DD"),
}


def _validate(path: str, rule_id: str | None, model: type[BaseModel], data: Any,
              where: str = "", what: str = "规则 rule") -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"] if not str(p).startswith(("function-", "tagged-")))
        loc = f"{where}.{loc}".strip(".") or "(顶层 / top level)"
        words = _PYDANTIC_WORDS.get(first["type"])
        msg = first["msg"].removeprefix("Value error, ")
        if words:
            problem = f"{words[0]} / {words[1]}"
            if first["type"] == "extra_forbidden":
                allowed = _allowed_keys(model, first["loc"])
                if allowed:
                    problem += f"；可用 / allowed: {', '.join(allowed)}"
                    hint = suggest(str(first["loc"][-1]), allowed)
                    if hint:
                        problem += f"；是否应为 / did you mean: {hint}"
            elif first["type"] == "literal_error":
                problem += f"（{msg}）；写的是 / found: {first.get('input')!r}"
            elif first["type"].startswith("date"):
                problem += f"；写的是 / found: {first.get('input')!r}"
        else:
            problem = msg
        raise RuleFileError(path, rule_id, f"{loc}: {problem}", what=what) from None


def _allowed_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    """The keys a mapping at ``loc`` may have (for "unknown key" messages)."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int) or current is None:
            continue
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            current = None
            continue
        current = _inner_model(fields[part].annotation)
    fields = getattr(current, "model_fields", None)
    return sorted(fields) if fields else []


def _inner_model(annotation: Any) -> Any:
    import typing

    for arg in (annotation, *typing.get_args(annotation)):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
        for inner in typing.get_args(arg):
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                return inner
    return None


def _validate_file(path: str, data: Any) -> PolicyFile:
    if not isinstance(data, dict):
        raise RuleFileError(path, None, "顶层应为映射 / top level must be a mapping")
    for i, item in enumerate(data.get("rules", []) or []):
        rid = item.get("id") if isinstance(item, dict) else None
        _validate(path, rid, Rule, item, f"rules[{i}]")
    if isinstance(data.get("policy"), dict):
        _validate(path, data["policy"].get("id"), Policy, data["policy"], "policy", what="政策 policy")
    return _validate(path, None, PolicyFile, data)


def load_rules(directory: str | Path | None = None,
               switches: Mapping[str, str] | None = None) -> RuleSet:
    """Load and validate every ``*.yaml`` of ``directory`` (default: the project's rules/).

    Each file is validated under its defaults and under every reading flipped on its own.
    """
    folder = Path(directory) if directory else DEFAULT_RULES_DIR
    paths = sorted(folder.glob("*.yaml"))
    if not paths:
        raise RuleFileError(str(folder), None, "没有规则文件 / no rule files (*.yaml)")
    raw: dict[str, dict] = {}
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
        try:
            data = read_yaml(path)
        except Exception as exc:  # noqa: BLE001 — every YAML error is the file's problem
            raise RuleFileError(path.name, None, f"YAML 语法错误 / YAML syntax: {exc}") from None
        raw[path.name] = copy.deepcopy(data) or {}
    base = RuleSet(raw, None, digest.hexdigest())
    used = _reading_ids(raw)
    for iid in sorted(base.interpretations):
        if iid in used:
            RuleSet(raw, {iid: "alternative" if base.readings[iid] == "default" else "default"},
                    base.digest, base.vocabulary)
    return base.with_switches(switches) if switches else base


def parse_switches(items: Iterable[str]) -> dict[str, str]:
    """``["INTERP-QK-1=alternative"]`` → ``{"INTERP-QK-1": "alternative"}``."""
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise SwitchError(f"应为 ID=default|alternative / expected ID=default|alternative, got {item!r}")
        out[key.strip()] = value.strip()
    return out
