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

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from . import vocab
from .fields import SUBJECTS, field
from .money import MoneyError, format_wan, parse_money, parse_ratio

DEFAULT_RULES_DIR = Path(__file__).resolve().parents[2] / "rules"
READINGS = ("default", "alternative")
ScopeKind = Literal["company", "tier", "subject", "none"]
HitPolicy = Literal["highest", "collect"]
AwardKind = Literal["fixed", "per_unit", "pass_through", "case_by_case", "none"]
Op = Literal[
    ">=", ">", "<=", "<", "==", "!=", "in", "not_in",
    "first_reach", "first_exceed", "is_true", "is_false",
]


class RuleFileError(ValueError):
    """A rule file that is refused: names the file, the rule id and the problem."""

    def __init__(self, path: str, rule_id: str | None, problem: str):
        self.path, self.rule_id, self.problem = path, rule_id, problem
        where = f"{path}" + (f" 规则 rule {rule_id}" if rule_id else "")
        super().__init__(f"规则文件无效 / rule file refused: {where}: {problem}")


class SwitchError(RuleFileError):
    """A reading switch that names no known INTERP id or no known reading."""

    def __init__(self, problem: str):
        ValueError.__init__(self, f"解释开关无效 / bad interpretation switch: {problem}")
        self.path, self.rule_id, self.problem = "(switch)", None, problem


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---------------------------------------------------------------- conditions


class Compare(_Strict):
    """One test of one fact field: ``{field: revenue_wan, op: first_reach, value: 100亿}``."""

    field: str
    op: Op
    value: Any = None
    label: str | None = None
    """Words for the reason text when the field's own label is not enough."""


class AnyOf(_Strict):
    """At least one of several conditions."""

    any: list[Condition]
    label: str | None = None


class Branch(_Strict):
    when: Compare | None = None
    otherwise: bool = False
    then: list[Condition]

    @model_validator(mode="after")
    def _one_guard(self) -> Branch:
        if (self.when is None) == (not self.otherwise):
            raise ValueError("a branch has either `when` or `otherwise: true`")
        return self


class Choose(_Strict):
    """The first branch whose ``when`` holds decides; ``when`` tests a company attribute.

    This is how one clause states two scales (the bracketed figures of 硚口's tiers apply
    to some sectors, the main figures to the rest).
    """

    choose: list[Branch]

    @model_validator(mode="after")
    def _ends_with_otherwise(self) -> Choose:
        if not self.choose or not self.choose[-1].otherwise:
            raise ValueError("`choose` must end with an `otherwise: true` branch")
        if any(b.otherwise for b in self.choose[:-1]):
            raise ValueError("only the last branch of `choose` may be `otherwise`")
        return self


RELAXED = {"first_reach": ">=", "first_exceed": ">"}
"""How a `met: level` chain reads "for the first time" tests: as plain comparisons."""


class After(_Strict):
    """Chaining on another rule's result for the same company and year.

    ``met: awarded`` — the other rule (or its ``tier``) matched that year: "只在获得该奖励的当年".
    ``met: level`` — the figures of the other rule's ``tier`` are met that year, read without
    "for the first time" (first_reach as >=, first_exceed as >): "满足以上条件". The thresholds
    then stand in one place, the rule chained on.
    """

    after: str
    tier: str | None = None
    met: Literal["awarded", "level"] = "awarded"
    label: str | None = None

    @model_validator(mode="after")
    def _level_needs_tier(self) -> After:
        if self.met == "level" and not self.tier:
            raise ValueError("`met: level` needs the `tier` whose figures must be met")
        return self


Condition = Compare | AnyOf | Choose | After
AnyOf.model_rebuild()
Branch.model_rebuild()
Choose.model_rebuild()


# ---------------------------------------------------------------- rules


class Tier(_Strict):
    id: str
    title: str
    title_en: str | None = None
    amount_wan: Decimal | None = None
    conditions: list[Condition] = []

    @field_validator("amount_wan", mode="before")
    @classmethod
    def _money(cls, value: Any) -> Any:
        return None if value is None else parse_money(value)


class Repeat(_Strict):
    """A ladder without end in the text ("每跨越一个百亿元台阶"), expanded up to ``to``."""

    id: str
    title: str
    title_en: str | None = None
    field: str
    op: Op
    start: Decimal
    step: Decimal
    to: Decimal
    amount_wan: Decimal

    @field_validator("start", "step", "to", "amount_wan", mode="before")
    @classmethod
    def _money(cls, value: Any) -> Any:
        return parse_money(value)

    @model_validator(mode="after")
    def _bounded(self) -> Repeat:
        if self.step <= 0 or self.to < self.start:
            raise ValueError("repeat needs step > 0 and to >= start")
        if (self.to - self.start) / self.step > 200:
            raise ValueError("repeat expands to more than 200 tiers")
        return self


class Award(_Strict):
    kind: AwardKind
    per_unit_wan: Decimal | None = None
    unit_field: str | None = None
    unit_label: str | None = None
    field: str | None = None
    """For pass_through: the fact field whose value is passed on."""
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
        return self


class Rule(_Strict):
    id: str
    title: str
    title_en: str
    section: str
    quote: str
    applicant: str
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
    interpretations: list[str] = []
    contacts: list[str] = []
    notes: list[str] = []
    notes_en: list[str] = []
    not_covered: str | None = None
    """Said as a reason whenever the rule is not met: what the clause does not cover."""
    not_covered_en: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Rule:
        if self.subject not in SUBJECTS:
            raise ValueError(f"unknown subject {self.subject!r}; expected one of {sorted(SUBJECTS)}")
        if self.award.kind in ("fixed",) and not self.tiers and not self.repeat:
            raise ValueError("a fixed award needs tiers with amount_wan")
        for tier in self.tiers:
            if self.award.kind == "fixed" and tier.amount_wan is None:
                raise ValueError(f"tier {tier.id} has no amount_wan")
        ids = [t.id for t in self.all_tiers()]
        if len(ids) != len(set(ids)):
            raise ValueError("tier ids repeat")
        if len(ids) > 1 and self.hit_policy is None:
            raise ValueError("several tiers but no hit_policy (highest | collect): "
                             "say how tiers that match together combine")
        for cond in self.all_conditions():
            _check_condition(self.subject, cond)
        for name in (self.award.unit_field, self.award.field):
            if name and field(self.subject, name) is None:
                raise ValueError(f"award names unknown field {name!r} of {self.subject}")
        return self

    def all_tiers(self) -> list[Tier]:
        """The tiers in rank order, highest first: a repeat ladder (expanded) above the listed tiers."""
        return self._tiers

    @cached_property
    def _tiers(self) -> list[Tier]:
        tiers: list[Tier] = []
        if self.repeat:
            rep = self.repeat
            level, n = rep.start, []
            while level <= rep.to:
                n.append(level)
                level += rep.step
            for lvl in sorted(n, reverse=True):
                yi = f"{(lvl / 10000).normalize():f}亿元"
                tiers.append(Tier(
                    id=f"{rep.id}@{lvl.normalize():f}",
                    title=rep.title.format(level=yi),
                    title_en=(rep.title_en or rep.title).format(level=yi),
                    amount_wan=rep.amount_wan,
                    conditions=[Compare(field=rep.field, op=rep.op, value=lvl)],
                ))
        tiers.extend(self.tiers)
        return tiers or [Tier(id="-", title=self.title, conditions=[])]

    def amount_lines(self) -> list[str]:
        """The clause's amounts in words, one line per tier (a ladder without end as one line):
        what a catalogue or a template shows beside the rule."""
        award = self.award
        if award.kind == "per_unit" and award.per_unit_wan is not None:
            return [f"{format_wan(award.per_unit_wan)} / {award.unit_label or ''}"]
        lines = [f"{t.title}: {format_wan(t.amount_wan)}" for t in self.tiers if t.amount_wan is not None]
        if self.repeat:
            rep = self.repeat
            lines.append(f"每跨越一个{format_wan(rep.step)}台阶（{format_wan(rep.start)}起）: "
                         f"{format_wan(rep.amount_wan)}")
        return lines or [vocab.label(vocab.AMOUNT_KINDS, award.kind)]

    @cached_property
    def fields(self) -> frozenset[str]:
        """Every fact field the rule tests (to show only the notes about those fields)."""
        found: set[str] = set()

        def walk(cond: Condition) -> None:
            if isinstance(cond, Compare):
                found.add(cond.field)
            elif isinstance(cond, AnyOf):
                for sub in cond.any:
                    walk(sub)
            elif isinstance(cond, Choose):
                for branch in cond.choose:
                    if branch.when:
                        walk(branch.when)
                    for sub in branch.then:
                        walk(sub)

        for cond in self.all_conditions():
            walk(cond)
        if self.repeat:
            found.add(self.repeat.field)
        return frozenset(found)

    def all_conditions(self) -> Iterable[Condition]:
        yield from self.select
        yield from self.conditions
        for tier in self.tiers:
            yield from tier.conditions


def _check_condition(subject: str, cond: Condition) -> None:
    if isinstance(cond, Compare):
        spec = field(subject, cond.field)
        if spec is None:
            raise ValueError(f"unknown field {cond.field!r} for subject {subject!r}")
        if cond.op in ("first_reach", "first_exceed") and spec.kind != "money":
            raise ValueError(f"{cond.op} needs a money field, not {cond.field}")
        if cond.op in ("in", "not_in") and not isinstance(cond.value, list):
            raise ValueError(f"{cond.field} {cond.op} needs a list value")
        if cond.op not in ("is_true", "is_false", "in", "not_in"):
            coerce_value(spec.kind, cond.value)
    elif isinstance(cond, AnyOf):
        for sub in cond.any:
            _check_condition(subject, sub)
    elif isinstance(cond, Choose):
        for branch in cond.choose:
            if branch.when:
                _check_condition(subject, branch.when)
            for sub in branch.then:
                _check_condition(subject, sub)


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


# ---------------------------------------------------------------- policies


class Window(_Strict):
    start: dt.date | None = None
    end: dt.date | None = None

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
            return district != "outside_wuhan"
        return district in self.districts

    def text(self) -> str:
        return "武汉市全市" if self.wuhan else "、".join(self.districts)


class Policy(_Strict):
    id: str
    title: str
    title_en: str
    issuer: str
    issued: dt.date
    source: str
    window: Window
    window_note: str | None = None
    area: Area
    monetary: bool


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
    use: Literal["default", "alternative"] = "default"
    """The file's own choice; a user switch overrides it for a run."""


class Group(_Strict):
    """How awards of several rules for the same event combine (a DMN hit policy across rules)."""

    id: str
    title: str
    rules: list[str]
    hit_policy: HitPolicy
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


# ---------------------------------------------------------------- loading


def resolve(node: Any, readings: Mapping[str, str]) -> Any:
    """Replace every ``{by_reading: ID, default: …, alternative: …}`` by the reading in force."""
    if isinstance(node, dict):
        if "by_reading" in node:
            extra = set(node) - {"by_reading", *READINGS}
            if extra:
                raise ValueError(f"by_reading node has unknown keys {sorted(extra)}")
            choice = readings.get(node["by_reading"], "default")
            return resolve(node.get(choice), readings)
        return {key: resolve(value, readings) for key, value in node.items()}
    if isinstance(node, list):
        items = (resolve(item, readings) for item in node)
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


class RuleSet:
    """All rule files of a folder, with the readings in force resolved.

    ``switches`` maps INTERP ids to ``"default"``/``"alternative"``; ids not named take the
    rule file's own ``use``. The version is a hash of the files' bytes and the readings.
    """

    def __init__(self, raw: dict[str, dict], switches: Mapping[str, str] | None = None,
                 digest: str = ""):
        self._raw = raw
        self.interpretations: dict[str, Interpretation] = {}
        for path, data in raw.items():
            for item in data.get("interpretations", []) or []:
                interp = _validate(path, None, Interpretation, item)
                self.interpretations[interp.id] = interp
        switches = dict(switches or {})
        for key, value in switches.items():
            if key not in self.interpretations:
                raise SwitchError(f"未知的解释编号 / unknown interpretation id {key!r}")
            if value not in READINGS:
                raise SwitchError(f"{key}: 应为 default 或 alternative / expected default or alternative, got {value!r}")
        self.readings: dict[str, str] = {
            iid: switches.get(iid, interp.use) for iid, interp in self.interpretations.items()
        }
        self.files: dict[str, PolicyFile] = {
            path: _validate_file(path, resolve(data, self.readings)) for path, data in raw.items()
        }
        self.policies: dict[str, Policy] = {}
        self.rules: dict[str, Rule] = {}
        self.rule_policy: dict[str, str] = {}
        self.groups: list[Group] = []
        self.scale_lines: list[ScaleLine] = []
        for path, pf in self.files.items():
            if pf.policy:
                self.policies[pf.policy.id] = pf.policy
            for rule in pf.rules:
                if rule.id in self.rules:
                    raise RuleFileError(path, rule.id, "规则编号重复 / duplicate rule id")
                if not pf.policy:
                    raise RuleFileError(path, rule.id, "rules need a policy block in the same file")
                self.rules[rule.id] = rule
                self.rule_policy[rule.id] = pf.policy.id
            self.groups.extend(pf.groups)
            self.scale_lines.extend(pf.scale_lines)
        for rule in self.rules.values():
            for iid in rule.interpretations:
                if iid not in self.interpretations:
                    raise RuleFileError(self.path_of(rule.id), rule.id, f"unknown interpretation {iid}")
            for cond in rule.all_conditions():
                if isinstance(cond, After):
                    self._check_after(rule, cond)
        for group in self.groups:
            for rid in group.rules:
                if rid not in self.rules:
                    raise RuleFileError("(groups)", group.id, f"group names unknown rule {rid}")
        self.digest = digest
        switched = json.dumps(sorted(self.readings.items()))
        self.version = "sha256:" + hashlib.sha256((digest + switched).encode()).hexdigest()[:16]

    def _check_after(self, rule: Rule, cond: After) -> None:
        other = self.rules.get(cond.after)
        path = self.path_of(rule.id)
        if other is None:
            raise RuleFileError(path, rule.id, f"`after` names unknown rule {cond.after}")
        if cond.tier and cond.tier not in {t.id for t in other.all_tiers()}:
            raise RuleFileError(path, rule.id, f"`after` names unknown tier {cond.tier} of {cond.after}")
        if cond.met == "level" and other.subject != rule.subject:
            raise RuleFileError(path, rule.id, f"`met: level` needs {cond.after} to judge the same facts ({rule.subject})")

    def with_switches(self, switches: Mapping[str, str] | None) -> RuleSet:
        """The same files under other readings (files are not read again)."""
        return RuleSet(self._raw, switches, self.digest)

    def policy_of(self, rule_id: str) -> Policy:
        return self.policies[self.rule_policy[rule_id]]

    def path_of(self, rule_id: str) -> str:
        for path, pf in self.files.items():
            if any(r.id == rule_id for r in pf.rules):
                return path
        return "?"

    def switched(self) -> dict[str, str]:
        """Readings that differ from the files' defaults (what a report must mention)."""
        return {k: v for k, v in self.readings.items() if v != "default"}


def _validate(path: str, rule_id: str | None, model: type[BaseModel], data: Any) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise RuleFileError(path, rule_id, f"{loc}: {first['msg']}") from None


def _validate_file(path: str, data: Any) -> PolicyFile:
    if not isinstance(data, dict):
        raise RuleFileError(path, None, "顶层应为映射 / top level must be a mapping")
    for item in data.get("rules", []) or []:
        rid = item.get("id") if isinstance(item, dict) else None
        _validate(path, rid, Rule, item)
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
        text = path.read_bytes()
        digest.update(path.name.encode() + b"\0" + text)
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise RuleFileError(path.name, None, f"YAML 语法错误 / YAML syntax: {exc}") from None
        raw[path.name] = data or {}
    base = RuleSet(raw, None, digest.hexdigest())
    for iid in sorted(base.interpretations):
        if _reading_ids(raw) and iid in _reading_ids(raw):
            RuleSet(raw, {iid: "alternative" if base.readings[iid] == "default" else "default"},
                    base.digest)
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
