"""Impact of a rule change on a population, before it ships.

A rule maintainer edits a copy of ``rules/`` (or flips a reading) and compares: for every
company of a population (the examples, a folder of profiles, or a generated sample), which
findings change status or amount, rule by rule, and how the total awarded moves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .evaluate import evaluate
from .findings import Finding
from .money import normalize
from .profile import Profile
from .ruleset import RuleSet


@dataclass
class RuleImpact:
    rule_id: str
    changed: int = 0
    total_before: Decimal = Decimal(0)
    total_after: Decimal = Decimal(0)
    transitions: dict[str, int] = field(default_factory=dict)
    """"eligible→not_eligible" → count."""
    examples: list[str] = field(default_factory=list)


@dataclass
class Impact:
    companies: int
    before_version: str
    after_version: str
    rules: dict[str, RuleImpact]

    @property
    def total_before(self) -> Decimal:
        return normalize(sum((r.total_before for r in self.rules.values()), Decimal(0)))

    @property
    def total_after(self) -> Decimal:
        return normalize(sum((r.total_after for r in self.rules.values()), Decimal(0)))


def _index(findings: Iterable[Finding]) -> dict[tuple, list[Finding]]:
    """Findings by (rule, year, subject); a rule may give several (one per tier collected)."""
    out: dict[tuple, list[Finding]] = {}
    for f in findings:
        if f.status == "not_applicable":
            continue  # outside a policy's area or period: a new policy's reach is not a change
        out.setdefault((f.rule_id, f.year, f.subject), []).append(f)
    return out


def _state(found: list[Finding] | None) -> tuple[str, Decimal | None]:
    if not found:
        return ("absent", None)
    statuses = "+".join(sorted({f.status for f in found}))
    amounts = [f.amount_wan for f in found if f.status == "eligible" and f.amount_wan is not None]
    return (statuses, normalize(sum(amounts, Decimal(0))) if amounts else None)


def compare(profiles: Iterable[Profile], before: RuleSet, after: RuleSet, examples: int = 3) -> Impact:
    """Evaluate every profile under both rule sets and tally the differences per rule."""
    rules: dict[str, RuleImpact] = {}
    count = 0
    for profile in profiles:
        count += 1
        old = _index(evaluate(profile, rules=before).results)
        new = _index(evaluate(profile, rules=after).results)
        for key in old.keys() | new.keys():
            entry = rules.setdefault(key[0], RuleImpact(key[0]))
            was, now = _state(old.get(key)), _state(new.get(key))
            entry.total_before += was[1] or 0
            entry.total_after += now[1] or 0
            if was != now:
                entry.changed += 1
                move = f"{was[0]}→{now[0]}" if was[0] != now[0] else f"{was[0]} 金额 {was[1]}→{now[1]}"
                entry.transitions[move] = entry.transitions.get(move, 0) + 1
                if len(entry.examples) < examples:
                    entry.examples.append(f"{profile.name} {key[1]}年: {move}")
    return Impact(companies=count, before_version=before.version, after_version=after.version,
                  rules=dict(sorted(rules.items())))


# ---------------------------------------------------------------- over a whole population


@dataclass
class PopulationImpact:
    """A rule change over a population, on the columnar path.

    ``by_rule``: per rule, year and district — companies whose answer changed, how many
    gained and lost, and the money moved (eligible amounts after minus before).
    ``changes``: one row per company, rule and year that changed, largest money first.
    Only changes that matter count: a company moving between eligible, needs_info and
    "nothing" (not eligible, or outside the window or area), or a changed eligible amount —
    not a not-eligible row becoming not applicable.
    """

    by_rule: Any
    """pyarrow.Table: rule_id, year, district, changed, gained, lost, delta_wan."""
    changes: Any
    """pyarrow.Table: name, credit_code, district, rule_id, year, before, after, before_wan,
    after_wan, delta_wan — largest money first."""
    total_before: Decimal
    total_after: Decimal


_STATE = """
SELECT cid, rule_id, year,
       MAX(CASE status WHEN 'eligible' THEN 2 WHEN 'needs_info' THEN 1 ELSE 0 END) AS rank,
       COALESCE(SUM(CASE WHEN status = 'eligible' THEN amount_wan END), 0) AS wan,
       string_agg(DISTINCT status, '+' ORDER BY status) AS statuses
FROM {table} GROUP BY cid, rule_id, year
"""


def population_impact(screened: Any, before: RuleSet, after: RuleSet,
                      progress: Callable[[], None] | None = None) -> PopulationImpact:
    """Compare the findings of ``before`` and ``after`` rule sets over a screened population
    (:class:`subsidy.columnar.screen.Screened`); ``progress`` is called after each run."""
    con = screened.con
    con.register("impact_before", screened.findings(before))
    if progress:
        progress()
    con.register("impact_after", screened.findings(after))
    if progress:
        progress()
    con.execute(f"CREATE OR REPLACE TEMP TABLE impact_old AS {_STATE.format(table='impact_before')}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE impact_new AS {_STATE.format(table='impact_after')}")
    con.execute("""CREATE OR REPLACE TEMP TABLE impact_diff AS
        SELECT COALESCE(o.cid, n.cid) AS cid, COALESCE(o.rule_id, n.rule_id) AS rule_id,
               COALESCE(o.year, n.year) AS year, COALESCE(o.rank, 0) AS rank_before,
               COALESCE(n.rank, 0) AS rank_after, COALESCE(o.wan, 0) AS before_wan,
               COALESCE(n.wan, 0) AS after_wan, COALESCE(o.statuses, 'not_applicable') AS before,
               COALESCE(n.statuses, 'not_applicable') AS after
        FROM impact_old o FULL OUTER JOIN impact_new n
          ON o.cid = n.cid AND o.rule_id = n.rule_id AND o.year = n.year
        WHERE COALESCE(o.rank, 0) <> COALESCE(n.rank, 0) OR COALESCE(o.wan, 0) <> COALESCE(n.wan, 0)""")
    by_rule = con.sql("""
        SELECT d.rule_id, d.year, c.district, count(DISTINCT d.cid) AS changed,
               count(DISTINCT CASE WHEN d.rank_after > d.rank_before OR d.after_wan > d.before_wan THEN d.cid END) AS gained,
               count(DISTINCT CASE WHEN d.rank_after < d.rank_before OR d.after_wan < d.before_wan THEN d.cid END) AS lost,
               SUM(d.after_wan - d.before_wan) AS delta_wan
        FROM impact_diff d JOIN companies c ON c.cid = d.cid
        GROUP BY d.rule_id, d.year, c.district ORDER BY d.rule_id, d.year, c.district""").to_arrow_table()
    changes = con.sql("""
        SELECT c.name, c.credit_code, c.district, d.rule_id, d.year, d.before, d.after, d.before_wan,
               d.after_wan, d.after_wan - d.before_wan AS delta_wan
        FROM impact_diff d JOIN companies c ON c.cid = d.cid
        ORDER BY abs(d.after_wan - d.before_wan) DESC, c.cid, d.rule_id, d.year""").to_arrow_table()
    totals = con.execute("SELECT (SELECT COALESCE(SUM(wan), 0) FROM impact_old), "
                         "(SELECT COALESCE(SUM(wan), 0) FROM impact_new)").fetchall()[0]
    con.unregister("impact_before")
    con.unregister("impact_after")
    return PopulationImpact(by_rule=by_rule, changes=changes, total_before=normalize(Decimal(totals[0])),
                            total_after=normalize(Decimal(totals[1])))
