"""A rule set compiled to a plan: named SQL queries over one table of facts per subject.

The plan is data — an ordered list of ``(name, SELECT …)`` steps — so any SQL engine that
can name a query result runs it: DuckDB here (``CREATE TEMP TABLE name AS …``), Spark SQL
with temporary views (:mod:`subsidy.columnar.spark`). Conditions compile themselves
(``to_columns`` in :mod:`subsidy.conditions`); this module only assembles them, following
the interactive evaluator (:mod:`subsidy.evaluate`) stage by stage, per rule in the order
where a rule comes after the rules it chains on or matches:

0. ``lagged_<subject>``: once per subject whose rules read figures ``k`` years later (``at:``),
   its facts with those figures joined;
1. ``r<n>_wide``: the facts the rule selects, with the policy's area and window and the
   matches of rules it chains on; one row per fact, each tier's three-valued truth and what
   the "nearest tier" is chosen by, and the figures the later steps read. Facts failing a
   condition common to every tier go straight to ``r<n>_off`` (not eligible, a view);
2. ``r<n>_dec``: the hit policy — the highest tier that holds, or every tier (collect), one
   finding per step of a step ladder; else the unknown tiers (needs information, provisional
   amount); else the nearest tier (not eligible); outside area or window, not applicable;
   matching awards (``minimum``) read the matched rule's findings of the same event;
3. ``r<n>_out``: one-time scopes, counting earlier events before the window where the rule
   says ``once_counts: ever``;
4. ``aw<n>``: the rule's matches per company and year, for rules chaining on it;
   ``r<n>_all``: all the rule's findings (a view);
5. groups across rules (the higher award for one event or year), applied last.

Findings carry the year the award is paid (the event's year plus ``year_offset``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from decimal import Decimal

from .. import vocab
from ..conditions import After, Condition
from ..facts import date_number
from ..ruleset import Policy, Rule, RuleSet
from .facts import history_fields, subject_columns
from .sql import MONEY, Cols, and_cols, ident, money, quote

FINDING_COLUMNS = ("cid", "rule_id", "rule_order", "year", "fid", "tier_rank", "tier", "status", "amount_wan",
                   "missing", "failing")

STEP_LIMIT = 10_000
"""Rows of the ``steps_k`` numbers table a step ladder is unfolded on (as ``_MAX_STEPS``)."""


class PlanError(ValueError):
    """A rule the columnar plan cannot express (said in both languages)."""


@dataclass
class Plan:
    """Ordered steps; ``findings`` is the last one. ``subjects``: fact tables it reads."""

    steps: list[tuple[str, str]] = field(default_factory=list)
    subjects: set[str] = field(default_factory=set)
    rule_order: list[str] = field(default_factory=list)
    uses_steps: bool = False
    views: set[str] = field(default_factory=set)
    """Steps cheap enough to stay views (read once, computed where read); the others are
    materialised."""


@dataclass
class _Ctx:
    """What conditions compile against (:class:`subsidy.conditions.Columns`)."""

    subject: str
    ruleset: RuleSet
    aw_index: dict[str, int]
    needs: dict[str, set[str | None]]
    relax: bool = False
    columns: dict[str, str] = field(default_factory=dict)
    """Columns computed once per fact in the base step (name → SQL)."""

    def spec(self, name: str):
        spec = self.ruleset.vocabulary.field(self.subject, name)
        if spec is None:
            raise PlanError(f"事实“{self.subject}”没有字段 {name} / unknown field {name!r} of {self.subject}")
        return spec

    def col(self, name: str) -> str:
        return ident(name)

    def has_history(self, name: str) -> bool:
        return self.subject == "company_year" and name in history_fields()

    def awarded(self, cond: After) -> str:
        other = self.aw_index[cond.after]
        self.needs.setdefault(cond.after, set()).add(cond.tier)
        tiers = [t.id for t in self.ruleset.rules[cond.after].all_tiers()]
        return f"aw{other}_t_any" if cond.tier is None else f"aw{other}_t{tiers.index(cond.tier)}"

    def level_conditions(self, cond: After) -> list[Condition]:
        rule = self.ruleset.rules[cond.after]
        tier = next(t for t in rule.all_tiers() if t.id == cond.tier)
        return [*rule.select, *rule.conditions, *tier.conditions]

    def relaxed(self) -> _Ctx:
        return replace(self, relax=True)

    def all_of(self, conditions: list[Condition]) -> Cols:
        return and_cols([c.to_columns(self) for c in conditions])

    def computed(self, name: str, sql: str) -> str:
        column = "c_" + name
        self.columns.setdefault(column, sql)
        return column

    def words(self, cond: Condition) -> str:
        rules = self.ruleset.rules
        return cond.describe("zh", lambda name: self.ruleset.vocabulary.field(self.subject, name),
                             lambda rid: rules[rid].title if rid in rules else rid)


# ------------------------------------------------------------------ small SQL pieces


def area_sql(policy: Policy) -> str:
    if policy.area.wuhan:
        return f"(district <> {quote(vocab.OUTSIDE_WUHAN)})"
    if not policy.area.districts:
        return "FALSE"
    return "(district IN (" + ", ".join(quote(d) for d in policy.area.districts) + "))"


def window_sql(policy: Policy) -> str:
    """Inside the policy's period: a dated event by its date, else by the event's year; an
    event whose year is not known yet is left to the rule's conditions."""
    window = policy.window
    by_date, by_year = [], []
    if window.start:
        by_date.append(f"event_date >= {date_number(window.start)}")
        by_year.append(f"event_year >= {window.start.year}")
    if window.end:
        by_date.append(f"event_date <= {date_number(window.end)}")
        by_year.append(f"event_year <= {window.end.year}")
    if not by_date:
        return "TRUE"
    return (f"(CASE WHEN NOT window_known THEN TRUE WHEN event_date IS NOT NULL "
            f"THEN ({' AND '.join(by_date)}) ELSE ({' AND '.join(by_year)}) END)")


def before_sql(rule: Rule, policy: Policy) -> str:
    """An earlier event that uses up a one-time award (``once_counts: ever``)."""
    start = policy.window.start
    if rule.once_counts != "ever" or start is None:
        return "FALSE"
    return (f"(CASE WHEN event_date IS NOT NULL THEN event_date < {date_number(start)} "
            f"WHEN event_year IS NOT NULL THEN event_year < {start.year} ELSE FALSE END)")


def _first(conditions: list[Condition], ctx: _Ctx, want: str) -> str:
    """The words of the first condition that fails (``want="FALSE"``) or the field of the first
    that is unknown (``"NULL"``), as a SQL CASE; NULL when there is none."""
    arms = []
    for cond in conditions:
        cols = cond.to_columns(ctx)
        test = f"NOT ({cols.truth})" if want == "FALSE" else f"({cols.truth}) IS NULL"
        text = cols.label if want == "FALSE" else (cols.missing or cols.label)
        arms.append(f"WHEN {test} THEN {quote(text)}")
    return f"(CASE {' '.join(arms)} END)" if arms else "CAST(NULL AS STRING)"


def _nearness(cols: Cols) -> tuple[str, str]:
    """The judgement's "nearest tier" order (``evaluate._closeness``) as two columns: a small
    integer — a "first time" level already used last, then fewer failed tests, then a money
    gap before none — and the money gap; the smaller pair is nearer, and ties go to the later
    tier (``min(reversed(…))``)."""
    flags = (f"(CASE WHEN {cols.used} THEN 100000 ELSE 0 END + 10 * {cols.failed} + "
             f"CASE WHEN {cols.gap} IS NULL THEN 1 ELSE 0 END)")
    return flags, cols.gap


def _least(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"LEAST({', '.join(items)})"


_WORDS = re.compile(r"\b(CAST|AS|DECIMAL|STRING|BIGINT|NULL)\b")
_LITERAL = re.compile(r"[\s\d.,()+\-*|]*")
"""What is left of a literal SQL expression once its strings and type words are removed."""


def facts_of(ruleset: RuleSet, subject: str) -> str:
    """The table a rule over ``subject`` reads: its facts, or :func:`lagged` ones."""
    return f"lagged_{subject}" if any(s == subject for s, _ in ruleset.offsets) else f"facts_{subject}"


def lagged(ruleset: RuleSet, subject: str) -> str | None:
    """The facts of ``subject`` with the figures ``k`` years after each fact's year that its
    rules read (``at:``), joined once for every rule over them; None when none reads any."""
    by_k: dict[int, list[str]] = {}
    for name in sorted(name for s, name in ruleset.offsets if s == subject):
        base, _, k = name.partition("@")
        by_k.setdefault(int(k), []).append(base)
    if not by_k:
        return None
    joins, projected = [], []
    cy_cols = subject_columns("company_year")
    for k, bases in sorted(by_k.items()):
        alias = f"lag{k}"
        joins.append(f"LEFT JOIN facts_company_year {alias} ON {alias}.cid = f.cid AND {alias}.year = f.year + {k}")
        for base in bases:
            col = ident(base)
            for suffix in ("", "__num", "__den"):
                if col + suffix in cy_cols:
                    projected.append(f"{alias}.{col}{suffix} AS {ident(f'{base}@{k}')}{suffix}")
    return f"SELECT f.*, {', '.join(projected)} FROM facts_{subject} f {' '.join(joins)}"


def _integral(value: Decimal) -> bool:
    return value == value.to_integral_value()


# ------------------------------------------------------------------ one rule


class _RulePlan:
    """The steps of one rule (see the module docstring)."""

    def __init__(self, ruleset: RuleSet, rule: Rule, n: int, aw_index: dict[str, int],
                 matched_by: set[str], keep_na: bool, chained: bool):
        self.rs, self.rule, self.n = ruleset, rule, n
        self.policy = ruleset.policy_of(rule.id)
        self.needs: dict[str, set[str | None]] = {}
        self.ctx = _Ctx(rule.subject, ruleset, aw_index, self.needs)
        self.tiers = rule.all_tiers()
        self.keep_na = keep_na or rule.id in matched_by
        self.uses_steps = False
        self.chained = chained
        """Another rule chains on this one's matches (``met: awarded``)."""
        self.wcols: dict[str, str] = {}
        """Figures the hit policy reads, computed in the wide step (SQL → column alias)."""

    # -- amounts and tiers

    def _offset(self, tier) -> int:
        return tier.year_offset if tier.year_offset is not None else self.rule.year_offset

    def _amount(self, tier, matched: str | None = None) -> str:
        award = self.rule.award
        if award.kind == "fixed":
            return money(tier.amount_wan) if tier.amount_wan is not None else f"CAST(NULL AS {MONEY})"
        if award.kind == "per_unit":
            return f"({money(award.per_unit_wan)} * {ident(award.unit_field)})"
        if award.kind == "pass_through":
            return f"CAST({ident(award.field)} AS {MONEY})"
        if award.kind == "minimum" and tier.matches and matched is not None and award.ratio is not None:
            return f"({matched} * {money(award.ratio)})"
        return f"CAST(NULL AS {MONEY})"

    def _steps(self, tier):
        steps = self.rule.steps_of(tier)
        if steps is None or self.rule.repeat is None:
            return None
        start, step = steps.bounds()
        if not (_integral(start) and _integral(step)):
            raise PlanError(f"{self.rule.id}: 台阶须为整万元 / the columnar plan needs whole-万元 steps")
        self.uses_steps = True
        return steps

    def _step_id(self, level: str) -> str:
        return f"{quote(self.rule.repeat.id + '@')} || CAST(CAST({level} AS BIGINT) AS STRING)"

    def _shown(self, i: int) -> tuple[str, str, str]:
        """(tier id, amount, paid-year offset) of tier ``i`` as a finding names it when it is
        not met: a step ladder names its next step."""
        tier = self.tiers[i]
        steps = self._steps(tier)
        if steps is not None:
            return (self._w(self._step_id(steps.column_next(self.ctx)), "ft IS NULL"),
                    money(self.rule.repeat.amount_wan), str(self.rule.year_offset))
        tid = "CAST(NULL AS STRING)" if tier.id == "-" else quote(tier.id)
        if tier.matches:
            return tid, self._amount(tier, self._matched(tier)[0]), str(self._offset(tier))
        return tid, self._w(self._amount(tier)), str(self._offset(tier))

    # -- steps

    def steps(self) -> list[tuple[str, str]]:
        rule, n, ctx = self.rule, self.n, self.ctx
        select = ctx.all_of(rule.select)
        common = ctx.all_of(rule.conditions)
        tier_cols = [and_cols([common, ctx.all_of(t.conditions)]) for t in self.tiers]
        out: list[tuple[str, str]] = []

        # 1. base: the facts the rule selects (with the later years' figures, ``lagged``)
        # and the matches of the rules it chains on
        joins, projected = [], []
        # Chains are compiled first (they register the columns they read), then joined.
        tier_sql = [(c.truth, _nearness(c)) for c in tier_cols]
        decide = self._decide(tier_cols)  # registers the figures it reads (and their columns) first
        off_failing = _first(rule.conditions, ctx, "FALSE")
        for other in self.needs:
            m = self.ctx.aw_index[other]
            width = len(self.rs.rules[other].all_tiers())
            cols = ["t_any"] + [f"t{i}" for i in range(width)]
            projected += [f"aw{m}.{c} AS aw{m}_{c}" for c in cols]
            joins.append(f"LEFT JOIN aw{m} ON aw{m}.cid = f.cid AND aw{m}.year = f.year")
        base = (
            f"SELECT b.*, {area_sql(self.policy)} AS _area, {window_sql(self.policy)} AS _win, "
            f"{before_sql(rule, self.policy)} AS _before{''.join(f', {v} AS {k}' for k, v in ctx.columns.items())} "
            f"FROM (SELECT f.*{''.join(', ' + p for p in projected)} "
            f"FROM {facts_of(self.rs, rule.subject)} f {' '.join(joins)}) b WHERE COALESCE({select.truth}, FALSE)"
            # Facts outside the area or window are only kept where a finding or a count needs
            # them: most of a city is outside a district's rules.
            + ("" if self.keep_na else
               f" AND (({area_sql(self.policy)} AND {window_sql(self.policy)}) OR {before_sql(rule, self.policy)})"))

        # Facts inside area and window that fail a condition common to every tier (a
        # services firm under an industrial clause: most of a city under most city-wide
        # clauses) are not eligible whatever the tiers say: they skip the steps below and
        # become findings where they are read (``r<n>_off``, a view).
        off = f"COALESCE(({common.truth}) = FALSE AND _area AND _win, FALSE)" if rule.conditions else None
        if off:
            out.append((f"r{n}_off", (
                f"SELECT cid, {quote(rule.id)} AS rule_id, {n} AS rule_order, year + {rule.year_offset} AS year, fid, "
                f"0 AS tier_rank, CAST(NULL AS STRING) AS tier, 'not_eligible' AS status, "
                f"CAST(NULL AS {MONEY}) AS amount_wan, CAST(NULL AS STRING) AS missing, {off_failing} AS failing "
                f"FROM ({base}) b WHERE {off}")))

        # 2. wide: one row per fact, every tier's truth and nearness, and the few figures the
        # later steps read. The hit policy is compiled first: it registers those figures
        # (``_w``), so that the materialised step carries them and not every fact column.
        count = len(self.tiers)
        first_true = "CASE " + " ".join(f"WHEN t{i} THEN {i}" for i in range(count)) + " END"
        first_unknown = "CASE " + " ".join(f"WHEN t{i} IS NULL THEN {i}" for i in range(count)) + " END"
        # The nearness of tiers is only asked when every tier fails and the common conditions
        # do not (then no tier is named): computed in a CASE, only for those rows.
        asked = "ft IS NULL AND fu IS NULL AND c_t IS DISTINCT FROM FALSE"
        nearness = ", ".join(f"CASE WHEN {asked} THEN {f} END AS f{i}, CASE WHEN {asked} THEN {g} END AS g{i}"
                             for i, (_, (f, g)) in enumerate(tier_sql))
        fmin = _least([f"f{i}" for i in range(count)])
        gmin = _least([f"CASE WHEN f{i} = fmin THEN g{i} END" for i in range(count)])
        near = ("CASE " + " ".join(f"WHEN f{i} = fmin AND (gmin IS NULL OR g{i} = gmin) THEN {i}"
                                   for i in reversed(range(count))) + " END")
        extra, kept = [], []
        for tier in self.tiers:
            steps = self._steps(tier)
            if steps is not None:
                low, high = steps.column_range(ctx)
                extra += [f"{low} AS s_low", f"{high} AS s_high"]
                kept += ["s_low", "s_high"]
        by = f", {ident(rule.once_by)} AS _by" if rule.once_by else ", CAST(NULL AS STRING) AS _by"
        truths = ", ".join(f"{t} AS t{i}" for i, (t, _) in enumerate(tier_sql))
        keep = ["cid", "fid", "fkey", "year", "_area", "_win", "_before", "c_t",
                *(f"t{i}" for i in range(count)), "ft", "fu", "near", *kept, "_by"]
        figures = "".join(f", {sql} AS {alias}" for sql, alias in self.wcols.items())
        out.append((f"r{n}_wide", (
            f"SELECT {', '.join(keep)}{figures} FROM ("
            f"SELECT v.*, {near} AS near FROM (SELECT v.*, {gmin} AS gmin FROM (SELECT v.*, {fmin} AS fmin FROM ("
            f"SELECT v.*, {nearness} FROM (SELECT w.*, {first_true} AS ft, {first_unknown} AS fu FROM ("
            f"SELECT b.*, {common.truth} AS c_t, {truths}{''.join(', ' + e for e in extra)}{by} "
            f"FROM ({base}) b{f' WHERE NOT {off}' if off else ''}) w) v) v) v) v) w")))

        # 3. the hit policy, per fact
        out.append((f"r{n}_dec", decide))
        # 4. one-time scopes
        out.append((f"r{n}_out", self._scoped()))
        # 5. all the rule's findings
        out.append((f"r{n}_all", f"SELECT * FROM r{n}_out" + (f" UNION ALL SELECT * FROM r{n}_off" if off else "")))
        return out

    def views(self) -> set[str]:
        """Without a one-time scope, the hit policy and its output are read once, straight
        through: views. A scope numbers the decisions (read twice), so they are kept. The
        findings that skip the steps, and all the rule's findings, are views."""
        n = self.n
        return {f"r{n}_off", f"r{n}_all"} | ({f"r{n}_dec", f"r{n}_out"} if self.rule.once == "none" else set())

    def _w(self, sql: str, when: str | None = None) -> str:
        """A figure of the fact the hit policy reads, computed in the wide step (only where
        ``when`` holds) and read there as ``w.<alias>``. Literals stay inline."""
        if _LITERAL.fullmatch(_WORDS.sub("", re.sub(r"'[^']*'", "", sql))):
            return sql
        if when:
            sql = f"CASE WHEN {when} THEN {sql} END"
        alias = self.wcols.setdefault(sql, f"e{len(self.wcols)}")
        return f"w.{alias}"

    def _matched_join(self) -> tuple[str, list[str]]:
        """The matched rules' findings of the same event, for matching (minimum) awards: per
        matched rule, the amount it was awarded (its last eligible finding) and its first
        finding's status (``mt<m>_amount``, ``mt<m>_status``)."""
        joins, cols = [], []
        for other_id in sorted({t.matches for t in self.tiers if t.matches}):
            m = self.ctx.aw_index[other_id]
            joins.append(
                f"LEFT JOIN (SELECT cid, fid, max_by(amount_wan, tier_rank) AS a FROM r{m}_out WHERE status = 'eligible' "
                f"GROUP BY cid, fid) ma{m} ON ma{m}.cid = w.cid AND ma{m}.fid = w.fid "
                f"LEFT JOIN (SELECT cid, fid, min_by(status, tier_rank) AS s FROM r{m}_all GROUP BY cid, fid) ms{m} "
                f"ON ms{m}.cid = w.cid AND ms{m}.fid = w.fid")
            cols += [f"ma{m}.a AS mt{m}_amount", f"ms{m}.s AS mt{m}_status"]
        return " ".join(joins), cols

    def _matched(self, tier) -> tuple[str, str]:
        m = self.ctx.aw_index[tier.matches]
        return f"w.mt{m}_amount", f"w.mt{m}_status"

    def _decide(self, tier_cols: list[Cols]) -> str:
        rule, n, ctx = self.rule, self.n, self.ctx
        collect = rule.hit_policy == "collect"
        join, mt_cols = self._matched_join()
        src = f"FROM (SELECT w.*{''.join(', ' + c for c in mt_cols)} FROM r{n}_wide w {join}) w"
        inside = "w._area AND w._win"
        cols = "w.cid, w.fid, w.fkey, w.year, w._by"
        parts = []
        for i, tier in enumerate(self.tiers):
            pick = f"{inside} AND w.t{i}" + ("" if collect else f" AND w.ft = {i}")
            steps = self._steps(tier)
            if steps is not None:
                level = steps.column_level("s.k")
                if collect:
                    source = f"{src} JOIN steps_k s ON s.k >= w.s_low AND s.k < w.s_high"
                else:
                    source = f"{src} JOIN steps_k s ON s.k = w.s_high - 1"
                parts.append(
                    f"SELECT {cols}, {i} * 1000000 + (w.s_high - s.k) AS tier_rank, {self._step_id(level)} AS tier, "
                    f"{quote(self.rule.id + '#')} || {self._step_id(level)} AS scope_tier, 'eligible' AS status, "
                    f"{money(rule.repeat.amount_wan)} AS amount, w.year + {rule.year_offset} AS pay_year, "
                    f"CAST(NULL AS STRING) AS missing, CAST(NULL AS STRING) AS failing {source} WHERE {pick}")
                continue
            status = "'eligible'"
            if tier.matches:
                mt_amount, mt_status = self._matched(tier)
                amount = self._amount(tier, mt_amount)
                refused = f"{mt_status} IN ('not_eligible', 'not_applicable')"
                status = (f"CASE WHEN {refused} THEN 'not_eligible' "
                          f"WHEN {amount} IS NULL THEN 'needs_info' ELSE 'eligible' END")
                amount = f"CASE WHEN {refused} THEN NULL ELSE {amount} END"
            else:
                amount = self._w(self._amount(tier))
                if rule.award.kind in ("pass_through", "minimum"):
                    status = f"CASE WHEN {amount} IS NULL THEN 'needs_info' ELSE 'eligible' END"
            missing = f"CASE WHEN {amount} IS NULL THEN {quote(rule.award.field or tier.matches or '')} END"
            tid = "CAST(NULL AS STRING)" if tier.id == "-" else quote(tier.id)
            parts.append(
                f"SELECT {cols}, {i} * 1000000 AS tier_rank, {tid} AS tier, {quote(self.rule.id + '#' + tier.id)} AS scope_tier, "
                f"{status} AS status, {amount} AS amount, w.year + {self._offset(tier)} AS pay_year, "
                f"{missing} AS missing, CAST(NULL AS STRING) AS failing {src} WHERE {pick}")
        # needs information: the unknown tiers (all of them under collect, else the first)
        for i in range(len(self.tiers)):
            tid, amount, offset = self._shown(i)
            conds = [*rule.select, *rule.conditions, *self.tiers[i].conditions]
            pick = f"{inside} AND w.ft IS NULL AND w.t{i} IS NULL" + ("" if collect else f" AND w.fu = {i}")
            parts.append(
                f"SELECT {cols}, {i} * 1000000 AS tier_rank, {tid} AS tier, CAST(NULL AS STRING) AS scope_tier, "
                f"'needs_info' AS status, {amount} AS amount, "
                f"w.year + {offset} AS pay_year, {self._w(_first(conds, ctx, 'NULL'), f'ft IS NULL AND t{i} IS NULL')} "
                f"AS missing, "
                f"CAST(NULL AS STRING) AS failing {src} WHERE {pick}")
        # not eligible: the nearest tier (none when a condition common to all tiers fails)
        near_tier = "CASE w.near " + " ".join(f"WHEN {i} THEN {self._shown(i)[0]}" for i in range(len(self.tiers))) + " END"
        near_fail = self._w("CASE near " + " ".join(
            f"WHEN {i} THEN {_first([*rule.conditions, *t.conditions], ctx, 'FALSE')}"
            for i, t in enumerate(self.tiers)) + " END", "ft IS NULL AND fu IS NULL")
        parts.append(
            f"SELECT {cols}, 0 AS tier_rank, CASE WHEN w.c_t = FALSE THEN CAST(NULL AS STRING) ELSE {near_tier} END AS tier, "
            f"CAST(NULL AS STRING) AS scope_tier, 'not_eligible' AS status, CAST(NULL AS {MONEY}) AS amount, "
            f"w.year + {rule.year_offset} AS pay_year, CAST(NULL AS STRING) AS missing, {near_fail} AS failing "
            f"{src} WHERE {inside} AND w.ft IS NULL AND w.fu IS NULL")
        if self.keep_na:
            parts.append(
                f"SELECT {cols}, 0 AS tier_rank, CAST(NULL AS STRING) AS tier, CAST(NULL AS STRING) AS scope_tier, "
                f"'not_applicable' AS status, CAST(NULL AS {MONEY}) AS amount, w.year + {rule.year_offset} AS pay_year, "
                f"CAST(NULL AS STRING) AS missing, CASE WHEN NOT w._area THEN 'area' ELSE 'window' END AS failing "
                f"{src} WHERE NOT ({inside})")
        return " UNION ALL ".join(parts)

    def _scope(self, tier_col: str) -> str:
        rule = self.rule
        if rule.once == "company":
            return quote(rule.id)
        if rule.once == "tier":
            return tier_col
        if rule.once == "subject":
            if rule.once_by:
                return f"{quote(rule.id + '@')} || COALESCE(CAST(_by AS STRING), 'None')"
            return f"{quote(rule.id + '@')} || fkey"
        return "CAST(NULL AS STRING)"

    def _scoped(self) -> str:
        rule, n = self.rule, self.n
        scope = self._scope("scope_tier")
        prior = ""
        if rule.once != "none" and rule.once_counts == "ever" and self.policy.window.start is not None:
            # Earlier events (before the window, anywhere) that matched a tier use the award up.
            # A tier scope names the rule's tier (as the engine's earlier matches do); the
            # other scopes do not depend on the tier.
            if rule.once == "tier":
                rows = " UNION ALL ".join(
                    f"SELECT cid, {quote(rule.id + '#' + t.id)} AS scope FROM r{n}_wide "
                    f"WHERE _before AND COALESCE(t{i}, FALSE)" for i, t in enumerate(self.tiers))
            else:
                held = " OR ".join(f"COALESCE(t{i}, FALSE)" for i in range(len(self.tiers)))
                rows = f"SELECT cid, {self._scope('NULL')} AS scope FROM r{n}_wide WHERE _before AND ({held})"
            prior = f"LEFT JOIN (SELECT DISTINCT cid, scope FROM ({rows}) p) pr ON pr.cid = s.cid AND pr.scope = s.scope"
        used = "pr.scope IS NOT NULL" if prior else "FALSE"
        once = f"(s.nth > 1 OR {used})"
        numbered = (f"SELECT d.*, {scope} AS scope, ROW_NUMBER() OVER (PARTITION BY cid, {scope} "
                    f"ORDER BY year, fid, tier_rank) AS nth FROM r{n}_dec d WHERE status = 'eligible' AND {scope} IS NOT NULL")
        rest = (f"SELECT d.*, {scope} AS scope, 1 AS nth FROM r{n}_dec d "
                f"WHERE NOT (status = 'eligible' AND {scope} IS NOT NULL)")
        if rule.once == "none":
            numbered, rest = None, f"SELECT d.*, CAST(NULL AS STRING) AS scope, 1 AS nth FROM r{n}_dec d"
        source = rest if numbered is None else f"{numbered} UNION ALL {rest}"
        return (
            f"WITH s AS ({source}) "
            f"SELECT s.cid, {quote(rule.id)} AS rule_id, {n} AS rule_order, s.pay_year AS year, s.fid, s.tier_rank, s.tier, "
            f"CASE WHEN s.status = 'eligible' AND {once} THEN 'not_eligible' ELSE s.status END AS status, "
            f"CASE WHEN s.status = 'eligible' AND {once} THEN NULL ELSE s.amount END AS amount_wan, "
            f"s.missing, CASE WHEN s.status = 'eligible' AND {once} THEN 'once' ELSE s.failing END "
            f"AS failing FROM s {prior}")

    def awarded_step(self) -> tuple[str, str] | None:
        """``aw<n>``: per company and year, whether the rule (or each tier) matched."""
        if not self.chained:
            return None
        flags = ", ".join(f"MAX(CASE WHEN t{i} THEN 1 ELSE 0 END) = 1 AS t{i}" for i in range(len(self.tiers)))
        return (f"aw{self.n}", (
            f"SELECT cid, year, TRUE AS t_any, {flags} FROM r{self.n}_wide "
            f"WHERE _area AND _win AND ft IS NOT NULL GROUP BY cid, year"))


# ------------------------------------------------------------------ the whole rule set


def compile_plan(ruleset: RuleSet, keep_not_applicable: bool = False) -> Plan:
    """Every rule of ``ruleset`` (under its readings) as SQL steps ending in ``findings``."""
    plan = Plan()
    aw_index: dict[str, int] = {}
    chained = {c.after for r in ruleset.rules.values() for c in r.afters() if c.met == "awarded"}
    matched_by = {t.matches for r in ruleset.rules.values() for t in r.all_tiers() if t.matches}
    support = [r.id for r in ruleset.rules.values() if r.award.kind == "none"]
    for subject in sorted({r.subject for r in ruleset.rules.values()}):
        sql = lagged(ruleset, subject)
        if sql:
            plan.steps.append((f"lagged_{subject}", sql))
    for n, rule in enumerate(ruleset.ordered):
        aw_index[rule.id] = n
        plan.rule_order.append(rule.id)
        plan.subjects.add(rule.subject)
        one = _RulePlan(ruleset, rule, n, aw_index, matched_by, keep_not_applicable, rule.id in chained)
        plan.steps += one.steps()
        plan.views |= one.views()
        plan.uses_steps |= one.uses_steps
        step = one.awarded_step()
        if step:
            plan.steps.append(step)

    # Groups across rules rewrite only their members' findings, one group after another.
    source = {rule_id: f"r{aw_index[rule_id]}_all" for rule_id in plan.rule_order}
    for g, group in enumerate(ruleset.groups):
        if group.hit_policy != "highest":
            continue
        present = [r for r in group.rules if r in source]
        members = "(" + ", ".join(quote(r) for r in present) + ")"
        order = "CASE rule_id " + " ".join(f"WHEN {quote(r)} THEN {i}" for i, r in enumerate(group.rules)) + " END"
        key, x_key = ("fid", "x.fid") if group.same == "event" else ("CAST(year AS STRING)", "CAST(x.year AS STRING)")
        step = f"group{g}"
        tables: dict[str, list[str]] = {}
        for r in present:
            tables.setdefault(source[r], []).append(r)
        current = " UNION ALL ".join(
            f"SELECT * FROM {t} WHERE rule_id IN ({', '.join(quote(r) for r in rs)})" for t, rs in tables.items())
        plan.steps.append((step, (
            f"WITH cur AS ({current}), "
            f"m AS (SELECT cid, {key} AS gkey, rule_id, {order} AS gorder, "
            f"SUM(COALESCE(amount_wan, CAST(0 AS {MONEY}))) AS tot FROM cur "
            f"WHERE status = 'eligible' AND rule_id IN {members} GROUP BY cid, {key}, rule_id), "
            f"r AS (SELECT cid, gkey, rule_id, ROW_NUMBER() OVER (PARTITION BY cid, gkey ORDER BY tot DESC, gorder) AS rk "
            f"FROM m) "
            f"SELECT x.cid, x.rule_id, x.rule_order, x.year, x.fid, x.tier_rank, x.tier, "
            f"CASE WHEN r.rk > 1 THEN 'not_eligible' ELSE x.status END AS status, "
            f"CASE WHEN r.rk > 1 THEN NULL ELSE x.amount_wan END AS amount_wan, x.missing, "
            f"CASE WHEN r.rk > 1 THEN {quote('group:' + group.id)} ELSE x.failing END AS failing "
            f"FROM cur x LEFT JOIN r ON x.status = 'eligible' AND r.cid = x.cid AND r.gkey = {x_key} "
            f"AND r.rule_id = x.rule_id")))
        for r in present:
            source[r] = step
    keep = "TRUE" if keep_not_applicable else "status <> 'not_applicable'"
    drop = (f" AND NOT (status = 'not_applicable' AND rule_id IN ({', '.join(quote(r) for r in support)}))"
            if support else "")
    tables: dict[str, list[str]] = {}
    for rule_id, table in source.items():
        tables.setdefault(table, []).append(rule_id)
    parts = []
    for table, rules in tables.items():
        only = "" if table.endswith("_all") else f" AND rule_id IN ({', '.join(quote(r) for r in rules)})"
        parts.append(f"SELECT {', '.join(FINDING_COLUMNS)} FROM {table} WHERE {keep}{drop}{only}")
    plan.steps.append(("findings", " UNION ALL ".join(parts)))
    return plan


__all__ = ["FINDING_COLUMNS", "Plan", "PlanError", "compile_plan"]
