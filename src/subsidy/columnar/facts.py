"""Fact tables for the columnar plan: one table per subject, one row per fact.

The company-year facts (the bulk: every company, every year) are derived in SQL with window
functions, generically from the vocabulary's yearly figures: each figure's value (with its
stand-in figure where the vocabulary names one), its previous year's value and growth, the
highest earlier value and whether that history is complete — what
:func:`subsidy.facts.derive_facts` gives a profile's years.

Every other fact (register entries, listings, recognitions, incubator years, talent and
technology-upgrade projects, park ratings, the company's titles in the year judged) is
derived by :func:`subsidy.facts.derive_facts` itself, so its meaning is written once. They
depend only on a company's district, sector, last year, legacy register entry and its
event cells; companies without event cells share those facts by that signature (a few
thousand signatures for a whole city), companies with event cells are derived one by one.

Tables read: ``companies`` and ``pop`` (see :mod:`subsidy.population`). Tables written:
``all_facts_<subject>`` for every subject.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Any

import duckdb
import pyarrow as pa

from .. import vocab
from ..facts import Fact, date_number, derive_facts
from ..fields import BY_SUBJECT, SUBJECTS
from ..profile import Profile, YearFigures
from .sql import MONEY, ident, quote

FACT_COLUMNS = ("cid", "fid", "fkey", "year", "event_year", "event_date", "window_known",
                "district", "sector", "in_wuhan")
"""Columns every fact table has (besides its subject's fields)."""

_ARROW = {"money": pa.decimal128(38, 6), "count": pa.int64(), "int": pa.int64(), "year": pa.int32(),
          "bool": pa.bool_(), "enum": pa.string(), "text": pa.string()}
_BASE = {"cid": pa.int64(), "fid": pa.string(), "fkey": pa.string(), "year": pa.int32(),
         "event_year": pa.int32(), "event_date": pa.int32(), "window_known": pa.bool_(),
         "district": pa.string(), "sector": pa.string(), "in_wuhan": pa.bool_()}


def history_fields() -> frozenset[str]:
    """Company-year money figures that carry a history (prior peak, completeness)."""
    return frozenset(f.fact for f in vocab.VOCABULARY.yearly if f.kind == "money")


def subject_columns(subject: str) -> dict[str, str]:
    """The columns of a subject's fact table beyond :data:`FACT_COLUMNS`, with their kinds."""
    out: dict[str, str] = {}
    history = history_fields() if subject == "company_year" else frozenset()
    for name, spec in BY_SUBJECT.get(subject, {}).items():
        col = ident(name)
        if spec.kind == "ratio":
            out[f"{col}__num"] = "money"
            out[f"{col}__den"] = "money"
        else:
            out[col] = spec.kind
        if name in history:
            out[f"{col}__prior"] = "money"
            out[f"{col}__complete"] = "bool"
    return out


# ------------------------------------------------------------------ company-years in SQL


def _profile_column(fact_name: str) -> str:
    return next(f.profile for f in vocab.VOCABULARY.yearly if f.fact == fact_name)


def _peak_column(fact_name: str) -> str | None:
    """The profile's declared prior peak of a figure (as ``facts._prior_peak`` reads it)."""
    name = f"prior_peak_{fact_name}"
    return name if name in Profile.model_fields else None


def company_year_sql() -> str:
    """The company-year facts of ``pop`` × ``companies``, from the vocabulary's figures.

    Every window is over a company's years in order (the year before, the years before, the
    first year), computed in one step over the yearly figures alone: DuckDB sorts the rows once
    for them all, and the company's cells (district, sector, declared peaks) join after."""
    figures = vocab.VOCABULARY.yearly
    values, peaks = [], []
    for figure in figures:
        value = f"p.{figure.profile}"
        declared = [c for c in (_peak_column(figure.fact),) if c]
        if figure.fallback:
            value = f"COALESCE({value}, p.{_profile_column(figure.fallback)})"
            declared += [c for c in (_peak_column(figure.fallback),) if c]
        peak = ("COALESCE(" + ", ".join(f"c.{c}" for c in declared) + ")" if len(declared) > 1
                else f"c.{declared[0]}" if declared else None)
        values.append(f"{value} AS v_{figure.fact}")
        if figure.kind == "money":
            peaks.append(f"{peak or f'CAST(NULL AS {MONEY})'} AS pk_{figure.fact}")
    windows, outs = ["MIN(year) OVER w AS first_year"], []
    for figure in figures:
        v = f"v_{figure.fact}"
        col = ident(figure.fact)
        outs.append(f"{v} AS {col}")
        if figure.kind != "money":
            continue
        if figure.fact.endswith("_wan"):
            stem = figure.fact.removesuffix("_wan")
            windows.append(f"CASE WHEN LAG(year) OVER w = year - 1 THEN LAG({v}) OVER w END AS prev_{figure.fact}")
            prev = f"prev_{figure.fact}"
            outs.append(f"{prev} AS {ident(stem + '_prev_wan')}")
            growth = ident(stem + "_growth")
            outs.append(f"CASE WHEN {v} IS NOT NULL AND {prev} IS NOT NULL AND {prev} <> 0 "
                        f"THEN {v} - {prev} END AS {growth}__num")
            outs.append(f"CASE WHEN {v} IS NOT NULL AND {prev} IS NOT NULL AND {prev} <> 0 "
                        f"THEN {prev} END AS {growth}__den")
        windows.append(f"MAX({v}) OVER before AS max_{figure.fact}")
        windows.append(f"COUNT({v}) OVER before AS count_{figure.fact}")
        outs.append(f"GREATEST(pk_{figure.fact}, max_{figure.fact}) AS {col}__prior")
        outs.append(f"(pk_{figure.fact} IS NOT NULL AND count_{figure.fact} = year - first_year) AS {col}__complete")
    return f"""
WITH y AS (SELECT p.cid, p.year, {', '.join(values)} FROM pop p),
z AS (SELECT y.*, {', '.join(windows)} FROM y
      WINDOW w AS (PARTITION BY cid ORDER BY year),
             before AS (PARTITION BY cid ORDER BY year ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)),
k AS (SELECT c.cid AS company, c.district, c.sector, {', '.join(peaks)} FROM companies c)
SELECT cid, 'company_year:' || CAST(year AS VARCHAR) AS fid, CAST(year AS VARCHAR) AS fkey, year,
       year AS event_year, CAST(NULL AS INTEGER) AS event_date, TRUE AS window_known,
       district, sector, district <> {quote(vocab.OUTSIDE_WUHAN)} AS in_wuhan, {', '.join(outs)}
FROM z JOIN k ON k.company = z.cid
"""


# ------------------------------------------------------------------ other facts, derived once


def _schema(subject: str) -> pa.Schema:
    cols = subject_columns(subject)
    return pa.schema([*(pa.field(n, t) for n, t in _BASE.items()),
                      *(pa.field(n, _ARROW[k]) for n, k in cols.items())])


def _row(key: int, fact: Fact) -> dict[str, Any]:
    row: dict[str, Any] = {
        "cid": key, "fid": fact.id, "fkey": fact.key, "year": fact.year,
        "event_year": fact.window_year if fact.window_known else None,
        "event_date": date_number(fact.date) if fact.date else None,
        "window_known": fact.window_known, "district": fact.values["district"],
        "sector": fact.values["sector"], "in_wuhan": fact.values["in_wuhan"]}
    values = fact.values
    for name, col in _named(fact.subject):
        row[col] = values.get(name)
    return row


@lru_cache(maxsize=64)
def _named(subject: str) -> tuple[tuple[str, str], ...]:
    return tuple((name, ident(name)) for name in BY_SUBJECT.get(subject, {}))


@lru_cache(maxsize=1)
def _blank_profile() -> Profile:
    """A profile of nothing but its required words, copied for each signature (a copy with
    the event cells put in is several times cheaper than building the model anew)."""
    return Profile.model_construct(
        name="", credit_code=None, district=vocab.OUTSIDE_WUHAN, sector=next(iter(vocab.SECTORS)),
        industry_tags=None, scale_entry_year=None, prior_peak_revenue_wan=None,
        prior_peak_main_revenue_wan=None, scale_entries=[], years=[], listings=[], recognitions=[],
        incubator=None, talent_projects=[], tech_upgrade_projects=[], park_rating=None)


@lru_cache(maxsize=256)
def _last_year(year: int) -> YearFigures:
    """The year judged, without figures (event facts never read them; shared, never changed)."""
    return YearFigures.model_construct(year=year)


def _minimal_profile(district: str, sector: str, last_year: int, entry_year: int | None,
                     cells: dict[str, Any]) -> Profile:
    """Just what event facts depend on: the last year (the year judged), the legacy entry
    and the event cells; figures are left out (company-year facts come from SQL)."""
    return _blank_profile().model_copy(update={
        "district": district, "sector": sector,
        "industry_tags": cells.get("industry_tags"), "scale_entry_year": entry_year,
        "scale_entries": cells.get("scale_entries") or [], "years": [_last_year(last_year)],
        "listings": cells.get("listings") or [], "recognitions": cells.get("recognitions") or [],
        "incubator": cells.get("incubator"), "talent_projects": cells.get("talent_projects") or [],
        "tech_upgrade_projects": cells.get("tech_upgrade_projects") or [],
        "park_rating": cells.get("park_rating")})


def _event_rows(rows: dict[str, list[dict[str, Any]]], key: int, profile: Profile) -> None:
    for fact in derive_facts(profile):
        if fact.subject != "company_year":
            rows[fact.subject].append(_row(key, fact))


def _entry_kind_sql(sector: str) -> str:
    """The register a legacy ``scale_entry_year`` is read as an entry of (the profile's
    ``entries``: by the sector, :data:`vocab.SECTOR_ENTRY_KIND`), as SQL; NULL when none."""
    cases = " ".join(f"WHEN {quote(code)} THEN {quote(kind)}" for code, kind in vocab.SECTOR_ENTRY_KIND.items())
    return f"CASE {sector} {cases} END" if cases else "CAST(NULL AS VARCHAR)"


def _signatures(con: duckdb.DuckDBPyConnection, parsed: dict[int, dict[str, Any]]) -> list[tuple[int, str, int, Any, int]]:
    """Create ``fact_signature`` (each company with a year: its district, sector and the number
    of its signature) and return every signature as (number, a sector of it, last year, legacy
    entry year, a company of it).

    Why a signature leaves out the district and sector: event facts carry them as values only
    (``district``, ``sector``, ``in_wuhan``), put in per company in SQL, so a whole city shares
    far fewer signatures; the sector's one other use, the register a legacy entry year is read
    as, is part of the signature. The cells are told apart by their parsed object: companies
    given the same cells share one (:func:`subsidy.population._parse_json_cells`), so grouping
    needs no comparison of their content."""
    groups: dict[int, int] = {}
    cells_of = [groups.setdefault(id(cells), len(groups)) for cells in parsed.values()]
    con.register("fact_cells_arrow", pa.table({"cid": pa.array(list(parsed), pa.int64()),
                                               "cells": pa.array(cells_of, pa.int64())}))
    entry_kind = f"CASE WHEN c.scale_entry_year IS NOT NULL THEN {_entry_kind_sql('c.sector')} END"
    con.execute(f"""CREATE OR REPLACE TEMP TABLE fact_signature AS
        SELECT c.cid, c.district, c.sector, m.last_year, c.scale_entry_year AS entry_year,
               CAST(dense_rank() OVER (ORDER BY m.last_year, c.scale_entry_year, {entry_kind}, k.cells) - 1
                    AS BIGINT) AS sig
        FROM companies c JOIN (SELECT cid, max(year) AS last_year FROM pop GROUP BY cid) m ON m.cid = c.cid
        LEFT JOIN fact_cells_arrow k ON k.cid = c.cid""")
    con.unregister("fact_cells_arrow")
    return con.execute("SELECT sig, arg_min(sector, cid), any_value(last_year), any_value(entry_year), min(cid) "
                       "FROM fact_signature GROUP BY sig ORDER BY sig").fetchall()


def build_facts(con: duckdb.DuckDBPyConnection, parsed: dict[int, dict[str, Any]]) -> dict[str, int]:
    """Create ``all_facts_<subject>`` for every subject from ``companies``, ``pop`` and the
    companies' parsed event cells; returns the number of facts per subject.

    The company-year facts are SQL alone: DuckDB computes them on its own threads (it lets go
    of Python's lock while it runs) while Python derives the event facts."""
    signatures = _signatures(con, parsed)
    with ThreadPoolExecutor(max_workers=1) as pool:
        company_years = pool.submit(
            con.execute, f"CREATE OR REPLACE TEMP TABLE all_facts_company_year AS {company_year_sql()}")
        try:
            shared = _event_facts(signatures, parsed)
        finally:
            company_years.result()
    counts = {"company_year": con.execute("SELECT count(*) FROM all_facts_company_year").fetchall()[0][0]}
    company = {"district": "m.district", "sector": "m.sector", "in_wuhan": f"m.district <> {quote(vocab.OUTSIDE_WUHAN)}"}
    for subject, rows in shared.items():
        schema = _schema(subject)
        columns = ", ".join(f"{company[c]} AS {c}" if c in company else f"e.{c}" for c in schema.names if c != "cid")
        con.register("facts_shared_arrow", pa.Table.from_pylist(rows, schema=schema))
        con.execute(f"""CREATE OR REPLACE TEMP TABLE all_facts_{subject} AS
            SELECT m.cid, {columns} FROM fact_signature m JOIN facts_shared_arrow e ON e.cid = m.sig""")
        con.unregister("facts_shared_arrow")
        counts[subject] = con.execute(f"SELECT count(*) FROM all_facts_{subject}").fetchall()[0][0]
    return counts


def _event_facts(signatures: list[tuple[int, str, int, Any, int]],
                 parsed: dict[int, dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Every subject's facts but the company-year's, once per signature (numbered by it in
    column ``cid``). Companies alike in everything event facts depend on share them (most of a
    city has no events, or only industry tags); the district is a placeholder's until SQL."""
    shared: dict[str, list[dict[str, Any]]] = {s: [] for s in SUBJECTS if s != "company_year"}
    for number, sector, last, entry, cid in signatures:
        cells = parsed.get(cid) or {}
        _event_rows(shared, number, _minimal_profile(vocab.OUTSIDE_WUHAN, sector, last, entry, cells))
    return shared


__all__ = ["FACT_COLUMNS", "build_facts", "company_year_sql", "history_fields",
           "subject_columns"]
