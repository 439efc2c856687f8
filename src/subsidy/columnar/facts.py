"""Fact tables for the columnar plan: one table per subject, one row per fact.

The company-year facts (the bulk: every company, every year) are derived in SQL with
window functions — the prior peak, whether the history is complete, main revenue falling
back to revenue, the contribution's growth over the previous year (NULL from a zero or
missing base). Events that come from a company's JSON cells (listings, recognitions,
incubator, talent and technology-upgrade projects, park rating, industry tags) are few;
they are derived by :func:`subsidy.facts.derive_facts` itself, so their meaning is written
once.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from typing import Any

import duckdb
import pyarrow as pa

from ..facts import Fact, date_number, derive_facts
from ..fields import SUBJECTS
from ..profile import Profile, YearFigures
from .plan import FACT_COLUMNS, subject_columns

_ARROW = {"money": pa.decimal128(38, 6), "count": pa.int64(), "int": pa.int32(), "year": pa.int32(),
          "bool": pa.bool_(), "enum": pa.string(), "text": pa.string(), "ratio": pa.decimal128(38, 6)}
_BASE = {"cid": pa.int64(), "fid": pa.string(), "fkey": pa.string(), "year": pa.int32(),
         "event_year": pa.int32(), "event_date": pa.int32(), "window_known": pa.bool_(),
         "district": pa.string(), "sector": pa.string(), "in_wuhan": pa.bool_()}
FROM_EVENTS = ("listing", "recognition", "incubator_year", "incubator_recognition", "talent_project",
               "tech_upgrade_payment", "park_rating", "company")

_COMPANY_YEAR = """
WITH y AS (
  SELECT p.cid, p.year, c.district, c.sector, p.revenue_wan AS rev,
         COALESCE(p.main_business_revenue_wan, p.revenue_wan) AS main,
         p.district_fiscal_contribution_wan AS contribution,
         CASE WHEN LAG(p.year) OVER (PARTITION BY p.cid ORDER BY p.year) = p.year - 1
              THEN LAG(p.district_fiscal_contribution_wan) OVER (PARTITION BY p.cid ORDER BY p.year) END
           AS prev,
         c.prior_peak_revenue_wan AS rev_peak,
         COALESCE(c.prior_peak_main_revenue_wan, c.prior_peak_revenue_wan) AS main_peak
  FROM pop p JOIN companies c ON c.cid = p.cid)
SELECT cid, 'company_year:' || CAST(year AS VARCHAR) AS fid, CAST(year AS VARCHAR) AS fkey, year,
       year AS event_year, CAST(NULL AS INTEGER) AS event_date, TRUE AS window_known,
       district, sector, district <> 'outside_wuhan' AS in_wuhan,
       rev AS x_revenue_wan, main AS x_main_revenue_wan, contribution AS x_contribution_wan,
       prev AS x_contribution_prev_wan,
       CASE WHEN contribution IS NOT NULL AND prev IS NOT NULL AND prev <> 0 THEN contribution - prev END
         AS x_contribution_growth__num,
       prev AS x_contribution_growth__den,
       GREATEST(rev_peak, MAX(rev) OVER before) AS x_revenue_wan__prior,
       (rev_peak IS NOT NULL AND COUNT(rev) OVER before = year - MIN(year) OVER (PARTITION BY cid))
         AS x_revenue_wan__complete,
       GREATEST(main_peak, MAX(main) OVER before) AS x_main_revenue_wan__prior,
       (main_peak IS NOT NULL AND COUNT(main) OVER before = year - MIN(year) OVER (PARTITION BY cid))
         AS x_main_revenue_wan__complete
FROM y
WINDOW before AS (PARTITION BY cid ORDER BY year ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
"""

_SCALE_ENTRY = """
SELECT cid, 'scale_entry' AS fid, 'scale_entry' AS fkey, scale_entry_year AS year, scale_entry_year AS event_year,
       CAST(NULL AS INTEGER) AS event_date, TRUE AS window_known, district, sector,
       district <> 'outside_wuhan' AS in_wuhan
FROM companies WHERE scale_entry_year IS NOT NULL
"""

_COMPANY = """
SELECT c.cid, 'company' AS fid, 'company' AS fkey, y.year, y.year AS event_year, CAST(NULL AS INTEGER) AS event_date,
       TRUE AS window_known, c.district, c.sector, c.district <> 'outside_wuhan' AS in_wuhan,
       CASE WHEN e.cid IS NULL THEN FALSE ELSE e.x_listed END AS x_listed,
       CASE WHEN e.cid IS NULL THEN FALSE ELSE e.x_is_high_tech END AS x_is_high_tech,
       {tags}
FROM companies c JOIN (SELECT cid, MAX(year) AS year FROM pop GROUP BY cid) y ON y.cid = c.cid
LEFT JOIN ev_company e ON e.cid = c.cid
"""


@lru_cache(maxsize=32)
def _columns(subject: str) -> tuple[str, ...]:
    return tuple(subject_columns(subject))


def _schema(subject: str) -> pa.Schema:
    cols = subject_columns(subject)
    return pa.schema([*(pa.field(n, t) for n, t in _BASE.items()),
                      *(pa.field(n, _ARROW[k]) for n, k in cols.items())])


def _row(cid: int, fact: Fact) -> dict[str, Any]:
    row: dict[str, Any] = {
        "cid": cid, "fid": fact.id, "fkey": fact.key, "year": fact.year,
        "event_year": fact.window_year if fact.window_known else None,
        "event_date": date_number(fact.date) if fact.date else None,
        "window_known": fact.window_known, "district": fact.values["district"],
        "sector": fact.values["sector"], "in_wuhan": fact.values["in_wuhan"]}
    for col in _columns(fact.subject):
        value = fact.values.get(col[2:])
        row[col] = Decimal(value) if isinstance(value, Decimal) else value
    return row


def event_facts(companies: dict[int, tuple[str, str, list[int]]],
                parsed: dict[int, dict[str, Any]]) -> dict[str, pa.Table]:
    """Facts of the JSON-cell events, by subject, from the interactive fact derivation.

    ``companies`` maps cid → (district, sector, years) for the companies in ``parsed``.
    """
    rows: dict[str, list[dict[str, Any]]] = {s: [] for s in FROM_EVENTS}
    for cid, cells in parsed.items():
        if cid not in companies:
            continue
        district, sector, years = companies[cid]
        if cells.keys() == {"industry_tags"}:  # the common case: only the company fact changes
            tags = set(cells["industry_tags"])
            rows["company"].append({
                "cid": cid, "fid": "company", "fkey": "company", "year": max(years), "event_year": max(years),
                "event_date": None, "window_known": True, "district": district, "sector": sector,
                "in_wuhan": district != "outside_wuhan", "x_listed": False, "x_is_high_tech": False,
                **{c: c[len("x_tag_"):] in tags for c in _columns("company") if c.startswith("x_tag_")}})
            continue
        # Only the last year matters to event facts (a pending project is judged as of it).
        years = years[-1:]
        profile = Profile.model_construct(
            name="", credit_code=None, district=district, sector=sector, industry_tags=cells.get("industry_tags"),
            scale_entry_year=None, prior_peak_revenue_wan=None, prior_peak_main_revenue_wan=None,
            years=[YearFigures.model_construct(year=y, revenue_wan=None, main_business_revenue_wan=None,
                                               district_fiscal_contribution_wan=None) for y in years],
            listings=cells.get("listings") or [], recognitions=cells.get("recognitions") or [],
            incubator=cells.get("incubator"), talent_projects=cells.get("talent_projects") or [],
            tech_upgrade_projects=cells.get("tech_upgrade_projects") or [], park_rating=cells.get("park_rating"))
        for fact in derive_facts(profile):
            if fact.subject in rows:
                rows[fact.subject].append(_row(cid, fact))
    return {s: pa.Table.from_pylist(r, schema=_schema(s)) for s, r in rows.items()}


def build_facts(con: duckdb.DuckDBPyConnection, parsed: dict[int, dict[str, Any]],
                progress: Callable[[str], None] | None = None) -> dict[str, int]:
    """Create ``all_facts_<subject>`` for every subject from ``companies`` and ``pop``."""
    counts: dict[str, int] = {}
    con.execute(f"CREATE OR REPLACE TEMP TABLE all_facts_company_year AS {_COMPANY_YEAR}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE all_facts_scale_entry AS {_SCALE_ENTRY}")
    info: dict[int, tuple[str, str, list[int]]] = {}
    if parsed:
        con.register("parsed_ids", pa.table({"cid": pa.array(list(parsed), pa.int64())}))
        for cid, district, sector, years in con.execute(
                "SELECT c.cid, c.district, c.sector, list(p.year ORDER BY p.year) FROM companies c "
                "JOIN pop p ON p.cid = c.cid WHERE c.cid IN (SELECT cid FROM parsed_ids) "
                "GROUP BY c.cid, c.district, c.sector").fetchall():
            info[cid] = (district, sector, years)
        con.unregister("parsed_ids")
    events = event_facts(info, parsed)
    for subject, table in events.items():
        name = f"ev_{subject}"
        con.register(f"{name}_arrow", table)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_arrow")
        con.unregister(f"{name}_arrow")
        if subject != "company":
            con.execute(f"CREATE OR REPLACE TEMP TABLE all_facts_{subject} AS SELECT * FROM {name}")
    tags = ", ".join(f"CASE WHEN e.cid IS NULL THEN CAST(NULL AS BOOLEAN) ELSE e.{t} END AS {t}"
                     for t in subject_columns("company") if t.startswith("x_tag_"))
    con.execute(f"CREATE OR REPLACE TEMP TABLE all_facts_company AS {_COMPANY.format(tags=tags)}")
    for subject in SUBJECTS:
        counts[subject] = con.execute(f"SELECT count(*) FROM all_facts_{subject}").fetchall()[0][0]
    return counts


def fact_columns(subject: str) -> list[str]:
    return [*FACT_COLUMNS, *subject_columns(subject)]
