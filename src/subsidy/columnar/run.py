"""Running a compiled plan on DuckDB, a chunk of companies at a time.

Every stage of the plan is per company, so a population split by company gives the same
findings chunk by chunk: memory stays bounded by the chunk, and a progress bar can move.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from functools import lru_cache

import duckdb
import pyarrow as pa

from ..fields import SUBJECTS
from ..ruleset import RuleSet
from .plan import STEP_LIMIT, Plan, compile_plan

CHUNK = 1_000_000
"""Companies per chunk: about 3 million company-years, a city in one pass; DuckDB keeps the
working tables within its memory limit (spilling beyond it)."""


@lru_cache(maxsize=16)
def _plan_for(version: str, ruleset_id: int, keep_na: bool, ruleset: RuleSet) -> Plan:
    return compile_plan(ruleset, keep_not_applicable=keep_na)


def plan_for(ruleset: RuleSet, keep_not_applicable: bool = False) -> Plan:
    """The compiled plan of a rule set under its readings (cached by version)."""
    return _plan_for(ruleset.version, id(ruleset), keep_not_applicable, ruleset)


def run_chunks(con: duckdb.DuckDBPyConnection, ruleset: RuleSet, *, chunk: int = CHUNK,
               keep_not_applicable: bool = False,
               progress: Callable[[int, int], None] | None = None,
               into: str | None = None) -> Iterator[pa.Table | str]:
    """Findings of every company in ``all_facts_*`` tables, one Arrow table per chunk; or,
    with ``into``, each chunk's findings left in that temporary table (its name yielded),
    for a writer that streams them out without a copy of the whole chunk in Python."""
    plan = plan_for(ruleset, keep_not_applicable)
    if plan.uses_steps:  # the numbers a step ladder is unfolded on
        con.execute(f"CREATE TEMP TABLE IF NOT EXISTS steps_k AS SELECT range AS k FROM range({STEP_LIMIT})")
    companies = con.execute("SELECT count(*), COALESCE(max(cid) + 1, 0) FROM companies").fetchall()[0]
    top = int(companies[1])
    start = 0
    while start < top:
        end = min(top, start + chunk)
        for subject in SUBJECTS:
            con.execute(f"CREATE OR REPLACE TEMP VIEW facts_{subject} AS SELECT * FROM all_facts_{subject} "
                        f"WHERE cid >= {start} AND cid < {end}")
        for name, sql in plan.steps[:-1]:
            kind = "VIEW" if name in plan.views else "TABLE"
            con.execute(f"CREATE OR REPLACE TEMP {kind} {name} AS {sql}")
        if into:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {into} AS {plan.steps[-1][1]}")
            yield into
        else:
            yield con.sql(plan.steps[-1][1]).to_arrow_table()
        for name, _ in reversed(plan.steps[:-1]):
            con.execute(f"DROP {'VIEW' if name in plan.views else 'TABLE'} IF EXISTS {name}")
        if progress:
            progress(end - start, top)
        start = end


def findings_map(table: pa.Table) -> dict[tuple[int, str, int], list[tuple[str, Decimal | None, str | None]]]:
    """Findings by (cid, rule, year): sorted (status, amount, tier) — what the differential
    test compares with the interactive engine."""
    out: dict[tuple[int, str, int], list] = {}
    cols = table.select(["cid", "rule_id", "year", "status", "amount_wan", "tier"]).to_pydict()
    for cid, rule, year, status, amount, tier in zip(*cols.values(), strict=True):
        if amount is not None:
            amount = amount.normalize()
        out.setdefault((cid, rule, year), []).append((status, amount, tier))
    for items in out.values():
        items.sort(key=lambda t: (t[0], str(t[1]), t[2] or ""))
    return out
