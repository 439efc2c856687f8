"""A rule set compiled to a plan: named SQL queries over one table of facts per subject.

The plan is data — an ordered list of ``(name, SELECT …)`` steps — so any SQL engine that
can name a query result runs it: DuckDB here (``CREATE TEMP TABLE name AS …``), Spark SQL
with ``CREATE TEMP VIEW name AS …`` (see :mod:`subsidy.columnar.run`). The steps follow the
interactive evaluator (:mod:`subsidy.evaluate`) stage by stage:

1. per rule, the facts it selects, with the policy's area and window (``r<n>_base``);
2. one row per fact and tier with the tier's three-valued truth and the "nearest tier"
   ordering (``r<n>_long``);
3. the hit policy: the highest tier that holds, or every tier (collect); else the unknown
   tiers (needs_info, provisional amount); else the nearest tier (``r<n>_dec``);
4. once-only scopes (company / tier / subject): a later award of the same scope is
   not eligible (``r<n>_out``);
5. chaining: ``met: awarded`` joins the matches of the rule chained on (``aw<n>``),
   ``met: level`` is inlined by the compiler;
6. groups across rules (city and district awards for one event) applied last (``findings``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..fields import BY_SUBJECT, COMMON
from ..ruleset import After, Rule, RuleSet
from .compile import Ctx, and_cols, area_sql, compile_all, first_of, ident, quote, window_sql

FACT_COLUMNS = ("cid", "fid", "fkey", "year", "event_year", "event_date", "window_known",
                "district", "sector", "in_wuhan")
"""Columns every fact table has (besides its subject's fields)."""

FINDING_COLUMNS = ("cid", "rule_id", "rule_order", "year", "fid", "tier_rank", "tier",
                   "status", "amount_wan", "missing", "failing")


def subject_columns(subject: str) -> dict[str, str]:
    """The columns of a subject's fact table beyond :data:`FACT_COLUMNS`, with their kinds."""
    out: dict[str, str] = {}
    for name, spec in BY_SUBJECT.get(subject, {}).items():
        col = ident(name)
        if spec.kind == "ratio":
            out[f"{col}__num"] = "money"
            out[f"{col}__den"] = "money"
        else:
            out[col] = spec.kind
        if subject == "company_year" and name in ("revenue_wan", "main_revenue_wan"):
            out[f"{col}__prior"] = "money"
            out[f"{col}__complete"] = "bool"
    return out


@dataclass
class Plan:
    """Ordered steps; ``findings`` is the last one. ``subjects``: fact tables it reads."""

    steps: list[tuple[str, str]] = field(default_factory=list)
    subjects: set[str] = field(default_factory=set)
    rule_order: list[str] = field(default_factory=list)


def ordered_rules(ruleset: RuleSet) -> list[Rule]:
    """Rules another rule chains on come first (the evaluator's order, for ties too)."""
    rules = list(ruleset.rules.values())
    needs = {r.id: {c.after for c in r.all_conditions() if isinstance(c, After)} for r in rules}
    ordered: list[Rule] = []
    placed: set[str] = set()
    while len(ordered) < len(rules):
        for rule in rules:
            if rule.id not in placed and needs[rule.id] <= placed:
                ordered.append(rule)
                placed.add(rule.id)
    return ordered


def _amount(rule: Rule, tier) -> str:
    award = rule.award
    if award.kind == "fixed":
        return f"CAST({format(tier.amount_wan, 'f')} AS DECIMAL(38,6))" if tier.amount_wan is not None else "NULL"
    if award.kind == "per_unit":
        return f"(CAST({format(award.per_unit_wan, 'f')} AS DECIMAL(38,6)) * {ident(award.unit_field)})"
    if award.kind == "pass_through":
        return ident(award.field)
    return "CAST(NULL AS DECIMAL(38,6))"


_E = {k: f"CAST('1{'0' * k}' AS DECIMAL(38,0))" for k in (4, 10, 26)}


def _near_key(cols, rank: int) -> str:
    """The explainer's "nearest tier" order as one number, smallest nearest: a "first time"
    level already used last, then fewer failed tests, then a money gap before none, then the
    smaller gap, then the lower tier (ties go to the last tier, as ``min(reversed(…))``)."""
    flags = (f"(CASE WHEN {cols.used} THEN 100000 ELSE 0 END + 10 * {cols.failed} + "
             f"CASE WHEN {cols.gap} IS NULL THEN 1 ELSE 0 END)")
    gap = f"CAST(COALESCE({cols.gap}, 0) * 1000000 AS DECIMAL(38,0))"
    return (f"(CAST({flags} AS DECIMAL(38,0)) * {_E[26]} + {gap} * {_E[4]} + {9999 - rank})")


def _scope(rule: Rule) -> str:
    return {"company": quote(rule.id), "tier": "tier_id", "subject": "fkey"}.get(rule.once, "NULL")


def compile_plan(ruleset: RuleSet, keep_not_applicable: bool = False) -> Plan:
    """Every rule of ``ruleset`` (under its readings) as SQL steps ending in ``findings``."""
    plan = Plan()
    index: dict[str, int] = {}
    outputs: list[str] = []
    for n, rule in enumerate(ordered_rules(ruleset)):
        index[rule.id] = n
        plan.rule_order.append(rule.id)
        plan.subjects.add(rule.subject)
        policy = ruleset.policy_of(rule.id)
        joins: dict[str, tuple[int, list[str]]] = {}

        def awarded(cond: After, joins=joins) -> str:
            other = index[cond.after]
            tiers = [t.id for t in ruleset.rules[cond.after].all_tiers()]
            col = "t_any" if cond.tier is None else f"t{tiers.index(cond.tier)}"
            joins.setdefault(cond.after, (other, tiers))
            return f"aw{other}_{col}"

        ctx = Ctx(rule.subject, ruleset, awarded=awarded)
        select = compile_all(rule.select, ctx)
        common = compile_all(rule.conditions, ctx)
        tiers = rule.all_tiers()
        tier_cols = [and_cols([common, compile_all(t.conditions, ctx)]) for t in tiers]

        projected, joined = [], []
        for other_id, (other, other_tiers) in joins.items():
            alias = f"aw{other}"
            cols = ["t_any"] + [f"t{i}" for i in range(len(other_tiers))]
            projected += [f"{alias}.{c} AS {alias}_{c}" for c in cols]
            joined.append(f"LEFT JOIN aw{other} {alias} ON {alias}.cid = f.cid AND {alias}.year = f.year")
            del other_id
        plan.steps.append((f"r{n}_base", (
            f"SELECT f.*{''.join(', ' + p for p in projected)}, {area_sql(policy)} AS _area, "
            f"{window_sql(policy)} AS _win FROM facts_{rule.subject} f {' '.join(joined)} "
            f"WHERE COALESCE({select.truth}, FALSE)")))

        # One row per fact: each tier's truth and its "nearest tier" key. Most facts hold no
        # tier and are decided here; only facts with a tier that holds or is unknown are
        # unfolded into one row per tier.
        wide = ", ".join(f"{c.truth} AS t{i}, {_near_key(c, i)} AS k{i}" for i, c in enumerate(tier_cols))
        false_all = " AND ".join(f"COALESCE(NOT t{i}, FALSE)" for i in range(len(tiers)))
        true_any = " OR ".join(f"COALESCE(t{i}, FALSE)" for i in range(len(tiers)))
        least = f"LEAST({', '.join(f'k{i}' for i in range(len(tiers)))})" if len(tiers) > 1 else "k0"
        plan.steps.append((f"r{n}_wide", (
            f"SELECT w.*, NOT ({false_all}) AS open, ({true_any}) AS held, "
            f"9999 - CAST({least} % 10000 AS INTEGER) AS near FROM (SELECT cid, fid, fkey, year, {wide} "
            f"FROM r{n}_base WHERE _area AND _win AND COALESCE({common.truth}, TRUE)) w")))

        conds = [[*rule.select, *rule.conditions, *t.conditions] for t in tiers]
        parts = []
        for rank, tier in enumerate(tiers):
            parts.append(
                f"SELECT w.cid, w.fid, w.fkey, w.year, {rank} AS tier_rank, {quote(tier.id)} AS tier_id, "
                f"w.t{rank} AS truth, {_amount(rule, tier)} AS amount, "
                f"{first_of(conds[rank], ctx, 'NULL')} AS missing "
                f"FROM r{n}_wide w JOIN r{n}_base b ON b.cid = w.cid AND b.fid = w.fid "
                f"WHERE w.open AND COALESCE(w.t{rank}, TRUE)")
        plan.steps.append((f"r{n}_long", " UNION ALL ".join(parts)))

        if any(c.after == rule.id and c.met == "awarded"
               for r in ruleset.rules.values() for c in r.all_conditions() if isinstance(c, After)):
            flags = ", ".join(f"MAX(CASE WHEN t{i} THEN 1 ELSE 0 END) = 1 AS t{i}" for i in range(len(tiers)))
            plan.steps.append((f"aw{n}", (
                f"SELECT cid, year, TRUE AS t_any, {flags} FROM r{n}_wide WHERE held GROUP BY cid, year")))

        collect = "TRUE" if rule.hit_policy == "collect" else "FALSE"
        pass_through = "TRUE" if rule.award.kind == "pass_through" else "FALSE"
        near_id = "CASE near " + " ".join(f"WHEN {i} THEN {quote(t.id)}" for i, t in enumerate(tiers)) + " END"
        near_failing = ("CASE near " + " ".join(f"WHEN {i} THEN {first_of(conds[i], ctx, 'FALSE')}"
                                                 for i in range(len(tiers))) + " END")
        plan.steps.append((f"r{n}_dec", (
            "WITH w AS (SELECT l.*, "
            "MIN(CASE WHEN truth THEN tier_rank END) OVER (PARTITION BY cid, fid) AS ft, "
            "MIN(CASE WHEN truth IS NULL THEN tier_rank END) OVER (PARTITION BY cid, fid) AS fu "
            f"FROM r{n}_long l) "
            "SELECT cid, fid, fkey, year, tier_rank, tier_id, "
            f"CASE WHEN ft IS NOT NULL THEN (CASE WHEN {pass_through} AND amount IS NULL "
            "THEN 'needs_info' ELSE 'eligible' END) ELSE 'needs_info' END AS status, "
            "amount, "
            f"CASE WHEN ft IS NOT NULL AND {pass_through} AND amount IS NULL THEN {quote(rule.award.field or '')} "
            "WHEN ft IS NULL THEN missing END AS missing, CAST(NULL AS STRING) AS failing "
            f"FROM w WHERE (ft IS NOT NULL AND COALESCE(truth, FALSE) AND ({collect} OR tier_rank = ft)) "
            f"OR (ft IS NULL AND truth IS NULL AND ({collect} OR tier_rank = fu)) "
            "UNION ALL "
            f"SELECT w.cid, w.fid, w.fkey, w.year, w.near AS tier_rank, {near_id} AS tier_id, "
            "'not_eligible' AS status, CAST(NULL AS DECIMAL(38,6)) AS amount, CAST(NULL AS STRING) AS missing, "
            f"{near_failing} AS failing FROM r{n}_wide w JOIN r{n}_base b ON b.cid = w.cid AND b.fid = w.fid "
            "WHERE NOT w.open "
            "UNION ALL "
            "SELECT cid, fid, fkey, year, -1 AS tier_rank, NULL AS tier_id, 'not_eligible' AS status, "
            f"CAST(NULL AS DECIMAL(38,6)) AS amount, NULL AS missing, {first_of(rule.conditions, ctx, 'FALSE')} AS failing "
            f"FROM r{n}_base WHERE _area AND _win AND NOT COALESCE({common.truth}, TRUE)"
            + (" UNION ALL SELECT cid, fid, fkey, year, -1 AS tier_rank, NULL AS tier_id, "
               "'not_applicable' AS status, CAST(NULL AS DECIMAL(38,6)) AS amount, NULL AS missing, "
               "CASE WHEN NOT _area THEN 'area' ELSE 'window' END AS failing "
               f"FROM r{n}_base WHERE NOT (_area AND _win)" if keep_not_applicable else ""))))

        scope = _scope(rule)
        plan.steps.append((f"r{n}_out", (
            "WITH s AS (SELECT d.*, CASE WHEN status = 'eligible' AND " + scope + " IS NOT NULL THEN "
            f"ROW_NUMBER() OVER (PARTITION BY cid, status, {scope} ORDER BY year, fid, tier_rank) "
            f"ELSE 1 END AS nth FROM r{n}_dec d) "
            f"SELECT cid, {quote(rule.id)} AS rule_id, {n} AS rule_order, year, fid, tier_rank, "
            "CASE WHEN tier_id = '-' THEN NULL ELSE tier_id END AS tier, "
            "CASE WHEN nth > 1 THEN 'not_eligible' ELSE status END AS status, "
            "CASE WHEN nth > 1 THEN NULL ELSE amount END AS amount_wan, missing, "
            "CASE WHEN nth > 1 THEN 'once' ELSE failing END AS failing FROM s")))
        outputs.append(f"r{n}_out")

    current = "findings_0"
    plan.steps.append((current, " UNION ALL ".join(f"SELECT * FROM {o}" for o in outputs)))
    for g, group in enumerate(ruleset.groups):
        if group.hit_policy != "highest":
            continue
        members = "rule_id IN (" + ", ".join(quote(r) for r in group.rules) + ")"
        step = f"findings_g{g}"
        plan.steps.append((step, (
            f"WITH g AS (SELECT x.*, CASE WHEN {members} AND status = 'eligible' THEN ROW_NUMBER() OVER "
            f"(PARTITION BY cid, year, {members}, status ORDER BY COALESCE(amount_wan, 0) DESC, "
            f"rule_order, fid, tier_rank) ELSE 1 END AS grank FROM {current} x) "
            "SELECT cid, rule_id, rule_order, year, fid, tier_rank, tier, "
            "CASE WHEN grank > 1 THEN 'not_eligible' ELSE status END AS status, "
            "CASE WHEN grank > 1 THEN NULL ELSE amount_wan END AS amount_wan, missing, "
            f"CASE WHEN grank > 1 THEN {quote('group:' + group.id)} ELSE failing END AS failing FROM g")))
        current = step
    plan.steps.append(("findings", f"SELECT * FROM {current}"))
    return plan


__all__ = ["COMMON", "FACT_COLUMNS", "FINDING_COLUMNS", "Plan", "compile_plan", "ordered_rules",
           "subject_columns"]
