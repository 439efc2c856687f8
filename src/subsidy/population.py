"""A population file: one row per company and year, validated and loaded for screening.

Why columns are the profile's own field names: a population is many profiles laid flat, so
the same words, bounds and refusals apply — a row the profile model would refuse is refused
here, naming its row and column, in Chinese and English. The layout follows the model and the
vocabulary (a new yearly figure in ``rules/`` is a new column; nothing here lists them):

======================================== ======== ================================================
column                                   level    content
======================================== ======== ================================================
``name``, ``district``, ``sector``       company  required, as in the profile
``year``                                 year     1990..2100; blank only on a row of company
                                                  cells alone (a company without yearly figures)
``credit_code``                          company  统一社会信用代码 (check character verified); the
                                                  company key — the name when absent
every figure of ``years[]`` (``revenue_wan``, year     万元 (≤ 6 decimals, ≤ 10^9) or a whole number,
``tax_paid_wan``, ``city_services_revenue_rank`` …)    as the vocabulary declares; blank = missing
``scale_entry_year``, ``prior_peak_*_wan``  company  as in the profile
``industry_tags``, ``scale_entries``,      company  the profile's JSON value of that field as text,
``listings``, ``recognitions``,                     e.g. ``[{"kind": "industry", "year": 2020}]``
``incubator``, ``talent_projects``,
``tech_upgrade_projects``, ``park_rating``
======================================== ======== ================================================

Company-level cells may be repeated on every row of the company or filled on one row only;
two different values for one company are an error. A blank cell is a missing figure, never
zero. A bad year cell skips that row (the company's other years remain; a gap in its history
makes "first reaching" answer *needs information*, never a guess); a bad company-level cell
skips the company; two rows for one company-year are both skipped, each naming the other.

Why the checks are SQL: 650,000 companies × 3 years must load in seconds, so the scalar cells
are tested by DuckDB with the model's bounds written as SQL; each refused cell then gets the
*model's own message* by validating that one value with the profile model (few cells, the
exact wording of :mod:`subsidy.profile`). The JSON cells are validated by the profile model
itself, once per distinct combination of cells. ``tests/test_population_hostile.py`` checks
that the SQL refuses every value the model refuses.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
from pydantic import BaseModel, ValidationError

from . import vocab
from .population_files import MAX_BYTES, PopulationError, read_from_input, read_into
from .profile import (
    CREDIT_CODE_CHARSET,
    CREDIT_CODE_WEIGHTS,
    MAX_COUNT,
    MAX_MONEY_WAN,
    MAX_TEXT_CHARS,
    MAX_YEAR,
    MIN_YEAR,
    MONEY_EXPECTED_EN,
    MONEY_EXPECTED_ZH,
    Profile,
    ProfileError,
    YearFigures,
    dump_profile,
    parse_profile,
    read_json,
)
from .profile_errors import problems_from_errors

__all__ = [
    "COLUMNS",
    "COMPANY_LEVEL",
    "COMPANY_MONEY",
    "JSON_FIELDS",
    "MAX_BYTES",
    "MAX_LISTED_ERRORS",
    "REQUIRED",
    "YEAR_FIELDS",
    "Loaded",
    "PopulationError",
    "RowError",
    "company_profile",
    "load",
    "profile_rows",
    "rows_table",
    "validate",
]

# ------------------------------------------------------------------ the layout, from the model


def _structured(annotation: Any) -> bool:
    """True for a list, dict or model field (carried as JSON text in a cell)."""
    origin = typing.get_origin(annotation)
    if origin in (list, dict):
        return True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return True
    return any(_structured(arg) for arg in typing.get_args(annotation))


REQUIRED = ("name", "district", "sector", "year")
"""Required columns (``year`` may be blank on a row that carries company cells only)."""
YEAR_FIELDS: tuple[str, ...] = tuple(n for n in YearFigures.model_fields if n != "year")
"""Every figure of ``years[]`` (from the vocabulary through the model)."""
_FIGURE_KIND = {f.profile: f.kind for f in vocab.VOCABULARY.yearly}
YEAR_MONEY: tuple[str, ...] = tuple(n for n in YEAR_FIELDS if _FIGURE_KIND.get(n) in ("money", "ratio"))
YEAR_COUNTS: tuple[str, ...] = tuple(n for n in YEAR_FIELDS if n not in YEAR_MONEY)
JSON_FIELDS: tuple[str, ...] = tuple(
    n for n, f in Profile.model_fields.items() if n != "years" and _structured(f.annotation))
_SCALARS = tuple(n for n in Profile.model_fields if n != "years" and n not in JSON_FIELDS)
COMPANY_MONEY: tuple[str, ...] = tuple(n for n in _SCALARS if n.endswith("_wan"))
"""Company-level amounts (every ``prior_peak_*``)."""
COMPANY_YEARS: tuple[str, ...] = tuple(n for n in _SCALARS if n.endswith("_year"))
_KNOWN_SCALARS = {"name", "credit_code", "district", "sector", *COMPANY_MONEY, *COMPANY_YEARS}
assert set(_SCALARS) == _KNOWN_SCALARS, f"a profile field the population layout cannot carry: {set(_SCALARS) - _KNOWN_SCALARS}"
COLUMNS: tuple[str, ...] = ("name", "district", "sector", "year", "credit_code", *YEAR_FIELDS,
                            *COMPANY_YEARS, *COMPANY_MONEY, *JSON_FIELDS)
"""Every column a population file may have (the first four are required)."""
COMPANY_LEVEL: tuple[str, ...] = ("name", "credit_code", "district", "sector", *COMPANY_YEARS,
                                  *COMPANY_MONEY, *JSON_FIELDS)

MAX_CELL_CHARS = 200_000
"""Longest JSON cell (a profile is at most 1 MB; a company's thousand recognitions fit)."""
MAX_LISTED_ERRORS = 10_000
"""Row errors kept in memory; every one is in the connection's ``row_errors`` table."""

_FORBIDDEN = r"[\x00-\x1f\x7f-\x9f\x{202a}-\x{202e}\x{2066}-\x{2069}]"
"""The profile's forbidden characters (control, direction overrides), as an RE2 class."""
_BLANK_CLASS = "[" + "".join(f"\\x{{{c:x}}}" for c in range(0x110000) if chr(c).isspace()) + "\\x{feff}]"
_BLANKS = f"^{_BLANK_CLASS}+|{_BLANK_CLASS}+$"
"""Surrounding blanks as Python's ``str.strip`` sees them (the profile strips text), and a stray
byte-order mark, as an RE2 pattern (DuckDB's ``trim`` with a character list is far slower)."""
_MONEY_RE = r"[0-9]{1,10}(\.[0-9]{0,6}0*)?"
_COUNT_RE = r"[0-9]{1,7}"
_YEAR_RE = r"[0-9]{4}"
_CODE_RE = r"[0-9A-HJ-NPQRTUWXY]{18}"


@dataclass(frozen=True)
class RowError:
    """One refused cell: its row in the file, its column, the value and why, in both languages."""

    row: int
    column: str
    value: str
    zh: str
    en: str

    def text(self, lang: str | None = None) -> str:
        shown = self.value if len(self.value) <= 60 else self.value[:57] + "…"
        shown = shown.encode("unicode_escape").decode("ascii") if any(
            ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in shown) else shown
        zh = f"第 {self.row} 行「{self.column}」{shown!r}：{self.zh}"
        en = f"row {self.row}, column {self.column} {shown!r}: {self.en}"
        return zh if lang == "zh" else en if lang == "en" else f"{zh} / {en}"


@dataclass
class Loaded:
    """What was read: counts and the row errors (bad rows are skipped, never read as zero)."""

    rows: int = 0
    rows_used: int = 0
    companies: int = 0
    errors: list[RowError] = field(default_factory=list)
    """The first :data:`MAX_LISTED_ERRORS` errors by row; all are in table ``row_errors``."""
    error_count: int = 0
    first_line: int = 2
    """Row number of the first data row (2 below a header; 1 for Parquet records)."""
    parsed: dict[int, dict[str, Any]] = field(default_factory=dict, repr=False)
    """Each company's JSON cells (by cid) as the profile's own models; only cells present."""


# ------------------------------------------------------------------ reading


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def read_raw(path: str | Path, con: duckdb.DuckDBPyConnection, *, max_bytes: int = MAX_BYTES) -> int:
    """Read the file into table ``raw`` (``row_no`` and one text column per layout column,
    blanks as NULL); return the row number of the first data row. Refuses the whole file for
    a wrong, missing or repeated column (and everything :func:`read_into` refuses)."""
    names, first_line = read_into(path, con, max_bytes=max_bytes)
    _check_header(names)
    select = ", ".join(f"NULLIF(regexp_replace(CAST(c{i} AS VARCHAR), {_q(_BLANKS)}, '', 'g'), '') AS {name}"
                       for i, name in enumerate(names))
    absent = "".join(f", CAST(NULL AS VARCHAR) AS {c}" for c in COLUMNS if c not in names)
    read_from_input(con, f"CREATE OR REPLACE TEMP TABLE raw AS SELECT CAST(rowid + {first_line} AS BIGINT) "
                         f"AS row_no, {select}{absent} FROM raw_in")
    if not con.execute("SELECT count(*) FROM raw").fetchall()[0][0]:
        raise PopulationError("文件没有数据行（只有表头）", "the file has no data rows (only a header)")
    return first_line


def _check_header(names: Sequence[str]) -> None:
    missing = [c for c in REQUIRED if c not in names]
    unknown = [n for n in names if n not in COLUMNS]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if not (missing or unknown or repeated):
        return
    zh, en = [], []
    if missing:
        zh.append("缺少必填列 " + "、".join(missing))
        en.append("missing required columns " + ", ".join(missing))
    if unknown:
        shown = [repr(n[:40]) if not n.isprintable() else n[:40] for n in unknown[:10]]
        zh.append("无法识别的列 " + "、".join(shown))
        en.append("unknown columns " + ", ".join(shown))
    if repeated:
        zh.append("列名重复 " + "、".join(repeated))
        en.append("repeated columns " + ", ".join(repeated))
    raise PopulationError("；".join(zh) + f"。可用的列（第 1 行）：{', '.join(COLUMNS)}",
                          "; ".join(en) + f". Allowed columns (row 1): {', '.join(COLUMNS)}")


# ------------------------------------------------------------------ validation


def _money_test(col: str) -> str:
    return (f"{col} IS NOT NULL AND (NOT regexp_full_match({col}, '{_MONEY_RE}') "
            f"OR CAST({col} AS DECIMAL(38,6)) > {MAX_MONEY_WAN})")


def _count_test(col: str) -> str:
    return (f"{col} IS NOT NULL AND (NOT regexp_full_match({col}, '{_COUNT_RE}') "
            f"OR CAST({col} AS BIGINT) > {MAX_COUNT})")


def _year_test(col: str, required: bool = False) -> str:
    test = (f"NOT regexp_full_match({col}, '{_YEAR_RE}') "
            f"OR CAST({col} AS INTEGER) NOT BETWEEN {MIN_YEAR} AND {MAX_YEAR}")
    return f"{col} IS NULL OR {test}" if required else f"{col} IS NOT NULL AND ({test})"


def _checks() -> list[tuple[str, str, str]]:
    """(scope, column, SQL true for a refused cell): scope ``row`` skips the row, ``company``
    the company. The bounds are the profile's (imported, not restated)."""
    districts = ", ".join(_q(d) for d in vocab.DISTRICTS)
    sectors = ", ".join(_q(s) for s in vocab.SECTORS)
    year_figures = " OR ".join(f"{c} IS NOT NULL" for c in YEAR_FIELDS)
    out = [
        ("company", "name", f"name IS NULL OR length(name) > {MAX_TEXT_CHARS} "
                            f"OR regexp_matches(name, '{_FORBIDDEN}')"),
        ("company", "district", f"district IS NULL OR district NOT IN ({districts})"),
        ("company", "sector", f"sector IS NULL OR sector NOT IN ({sectors})"),
        ("row", "year", f"({_year_test('year')}) OR (year IS NULL AND ({year_figures}))"),
        ("company", "credit_code", f"credit_code IS NOT NULL AND NOT regexp_full_match(upper(credit_code), '{_CODE_RE}')"),
    ]
    out += [("row", c, _money_test(c)) for c in YEAR_MONEY]
    out += [("row", c, _count_test(c)) for c in YEAR_COUNTS]
    out += [("company", c, _year_test(c)) for c in COMPANY_YEARS]
    out += [("company", c, _money_test(c)) for c in COMPANY_MONEY]
    out += [("company", c, f"length({c}) > {MAX_CELL_CHARS}") for c in JSON_FIELDS]
    return out


def _check_chars(codes: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Vectorised GB 32100-2015 check: True where the 18th character is right. ``codes`` are
    18 ASCII characters each (matched by the code pattern), read straight from Arrow's bytes:
    no Python string per code."""
    if not len(codes):
        return np.zeros(0, dtype=bool)
    array = (codes.combine_chunks() if isinstance(codes, pa.ChunkedArray) else codes).cast(pa.large_string())
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)[array.offset: array.offset + len(array) + 1]
    raw = np.frombuffer(array.buffers()[2], dtype=np.uint8)[offsets[0]: offsets[-1]].reshape(len(array), 18)
    lookup = np.full(256, -1, dtype=np.int32)
    for i, ch in enumerate(CREDIT_CODE_CHARSET):
        lookup[ord(ch)] = i
    total = np.zeros(len(raw), dtype=np.int32)
    for position, weight in enumerate(CREDIT_CODE_WEIGHTS):  # column by column: no 18-wide copy
        total += lookup[raw[:, position]] * weight
    return (31 - total % 31) % 31 == lookup[raw[:, 17]]


_PROBE = {"name": "企业", "district": next(iter(vocab.DISTRICTS)), "sector": next(iter(vocab.SECTORS))}


_CELL_MONEY = ("应为不带单位、不带正负号和指数的数字（万元），例如 1500 或 2300.5",
               "expected a plain number of 万元 without unit, sign or exponent, e.g. 1500 or 2300.5")


@lru_cache(maxsize=4096)
def model_message(column: str, value: str) -> tuple[str, str]:
    """The profile model's own words for refusing ``value`` in ``column`` (validated alone,
    inside a minimal profile); a general sentence when the model itself would accept it (the
    file's stricter form: plain numbers without exponent or sign)."""
    if column in YEAR_FIELDS or column == "year":
        data: dict[str, Any] = {**_PROBE, "years": [{"year": value if column == "year" else 2020,
                                                      **({column: value} if column != "year" else {})}]}
    else:
        data = {**_PROBE, column: value}
    try:
        parse_profile(data)
    except ProfileError as exc:
        problem = exc.problems[0]
        # A cell is typed, not sent as JSON: the model's "number or numeric string" is said
        # in the file's own words.
        return (problem.message_zh.replace(MONEY_EXPECTED_ZH, _CELL_MONEY[0]),
                problem.message_en.replace(MONEY_EXPECTED_EN, _CELL_MONEY[1]))
    if column in YEAR_MONEY or column in COMPANY_MONEY:
        return _CELL_MONEY
    if column in YEAR_COUNTS:
        return ("应为不带正负号的整数，例如 12", "expected a whole number without sign, e.g. 12")
    return ("应为四位数的年份，例如 2020", "expected a four-digit year, e.g. 2020")


def validate(con: duckdb.DuckDBPyConnection, first_line: int = 2) -> Loaded:
    """Check table ``raw``; create ``companies`` (one row per company, dense ``cid`` from 0),
    ``pop`` (one row per valid company-year), ``company_rows`` (each company's key and first
    row), ``pop_rows`` (the row of each company-year) and ``row_errors``."""
    loaded = Loaded(first_line=first_line)
    loaded.rows = con.execute("SELECT count(*) FROM raw").fetchall()[0][0]
    _company_keys(con)
    _companies(con)
    # The JSON cells are validated by Python while DuckDB checks every other cell (it lets go
    # of Python's lock while it runs): neither waits for the other.
    combinations = _json_combinations(con)
    with ThreadPoolExecutor(max_workers=1) as pool:
        checked = pool.submit(_check_cells, con)
        try:
            loaded.parsed, refused = _parse_json_cells(combinations)
        finally:
            checked.result()
    if refused:
        _json_errors(con, refused)
    con.execute(f"CREATE OR REPLACE TEMP VIEW kept AS SELECT r.* FROM raw_k r WHERE {_kept_sql(con)}")
    # cid: dense from 0 over the companies that keep at least one row, in file order
    con.execute("""CREATE OR REPLACE TEMP TABLE company_rows AS
        SELECT CAST(row_number() OVER (ORDER BY a.first_row) - 1 AS BIGINT) AS cid, a.ckey, a.first_row
        FROM companies_all a WHERE a.ckey IN (SELECT ckey FROM kept)""")
    company_cols = ", ".join(
        ["a.name", "a.credit_code", "a.district", "a.sector"]
        + [f"CAST(a.{c} AS INTEGER) AS {c}" for c in COMPANY_YEARS]
        + [f"CAST(a.{c} AS DECIMAL(38,6)) AS {c}" for c in COMPANY_MONEY])
    con.execute(f"""CREATE OR REPLACE TEMP TABLE companies AS
        SELECT k.cid, {company_cols} FROM company_rows k JOIN companies_all a ON a.ckey = k.ckey ORDER BY k.cid""")
    year_cols = ", ".join([f"CAST(r.{c} AS DECIMAL(38,6)) AS {c}" for c in YEAR_MONEY]
                          + [f"CAST(r.{c} AS INTEGER) AS {c}" for c in YEAR_COUNTS])
    con.execute("""CREATE OR REPLACE TEMP TABLE pop_rows AS
        SELECT k.cid, CAST(r.year AS INTEGER) AS year, r.row_no FROM kept r JOIN company_rows k ON k.ckey = r.ckey
        WHERE r.year IS NOT NULL""")
    # the figures of the rows kept, found by row number (a join on numbers, the rows already chosen)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE pop AS
        SELECT k.cid, k.year, {year_cols}
        FROM pop_rows k JOIN raw_k r ON r.row_no = k.row_no ORDER BY k.cid, k.year""")
    if loaded.parsed:
        con.register("parsed_rows", pa.table({"first_row": pa.array(list(loaded.parsed), pa.int64())}))
        cids = dict(con.execute("SELECT first_row, cid FROM company_rows "
                                "WHERE first_row IN (SELECT first_row FROM parsed_rows)").fetchall())
        con.unregister("parsed_rows")
        loaded.parsed = {cids[r]: cells for r, cells in loaded.parsed.items() if r in cids}
    con.execute("DROP VIEW kept")
    con.execute("DROP TABLE raw_k")
    con.execute("DROP TABLE companies_all")
    loaded.rows_used = con.execute("SELECT count(*) FROM pop").fetchall()[0][0]
    loaded.companies = con.execute("SELECT count(*) FROM companies").fetchall()[0][0]
    loaded.error_count = con.execute("SELECT count(*) FROM row_errors").fetchall()[0][0]
    loaded.errors = _worded_errors(con)
    return loaded


def _company_keys(con: duckdb.DuckDBPyConnection) -> None:
    """Table ``raw`` becomes ``raw_k``, each row with its company key (``ckey``): its credit
    code, also on rows of the same name that leave it blank (company cells may be filled once);
    the name when the company has no code at all.

    Why a column added in place: copying every cell into a new table only to add a key costs
    more than writing the key."""
    con.execute("""CREATE OR REPLACE TEMP TABLE name_codes AS
        SELECT name, MIN(upper(credit_code)) AS code FROM raw WHERE credit_code IS NOT NULL
        GROUP BY name HAVING MIN(upper(credit_code)) = MAX(upper(credit_code))""")
    con.execute("ALTER TABLE raw RENAME TO raw_k")
    con.execute("ALTER TABLE raw_k ADD COLUMN ckey VARCHAR")
    # A row with neither name nor code is a company of its own (refused for its name): a
    # NULL key would make every "not a refused company" test unknown, and drop the file.
    con.execute("UPDATE raw_k SET ckey = COALESCE('code:' || upper(credit_code), 'name:' || name, "
                "'row:' || CAST(row_no AS VARCHAR))")
    con.execute("UPDATE raw_k SET ckey = 'code:' || n.code FROM name_codes n "
                "WHERE raw_k.credit_code IS NULL AND n.name = raw_k.name")
    con.execute("DROP TABLE name_codes")


def _kept_sql(con: duckdb.DuckDBPyConnection) -> str:
    """The rows kept: neither of a refused company nor refused themselves. A test against no
    refusals is left out (``NOT IN`` an empty list is true for every row): a clean file's rows
    are not looked up at all."""
    scopes = dict(con.execute("SELECT scope, count(*) FROM row_errors GROUP BY scope").fetchall())
    tests = (["r.ckey NOT IN (SELECT ckey FROM row_errors WHERE scope = 'company')"] if scopes.get("company") else [])
    tests += ["r.row_no NOT IN (SELECT row_no FROM row_errors WHERE scope = 'row')"] if scopes.get("row") else []
    return " AND ".join(tests) or "TRUE"


def _duplicates_sql() -> str:
    """Every row of a repeated company-year, each naming the other rows: none of them wins."""
    return (
        "SELECT 'row', r.row_no, r.ckey, 'year', r.year, "
        "'同一企业同一年度有多行（第 ' || others || ' 行），这几行都未采用', "
        "'the same company and year is on several rows (rows ' || others || '); none of them is used' "
        "FROM raw_k r JOIN (SELECT ckey, year, array_to_string(list(row_no ORDER BY row_no), '、') AS others "
        f"FROM raw_k WHERE regexp_full_match(year, '{_YEAR_RE}') GROUP BY ckey, year HAVING count(*) > 1) d "
        "ON d.ckey = r.ckey AND d.year = r.year")


_MIXED = tuple(c for c in COMPANY_LEVEL if c != "credit_code")


def _disagreements_sql() -> list[str]:
    """Company-level cells that differ between a company's rows (flagged by ``companies_all``'s
    one aggregate pass), named on each row that differs from the first value given (ordered
    work only for the few companies flagged)."""
    return [
        f"SELECT 'company', row_no, ckey, {_q(col)}, {col}, "
        f"'同一企业各行的该项不一致（第 ' || CAST(first_row AS VARCHAR) || ' 行为另一个值）', "
        f"'differs between rows of the same company (row ' || CAST(first_row AS VARCHAR) || ' has another value)' "
        f"FROM (SELECT r.row_no, r.ckey, r.{col}, MIN(CASE WHEN r.{col} IS NOT NULL THEN r.row_no END) "
        f"OVER (PARTITION BY r.ckey) AS first_row, "
        f"first_value(r.{col} IGNORE NULLS) OVER (PARTITION BY r.ckey ORDER BY r.row_no "
        f"ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS first_value "
        f"FROM raw_k r JOIN companies_all a ON a.ckey = r.ckey WHERE a.{col}__mixed) "
        f"WHERE {col} IS NOT NULL AND {col} <> first_value"
        for col in _MIXED]


def _check_credit_codes(con: duckdb.DuckDBPyConnection) -> None:
    """Refuse every row of a well-formed credit code whose check character is wrong."""
    codes = con.sql(
        "SELECT DISTINCT upper(credit_code) AS code FROM raw_k WHERE credit_code IS NOT NULL AND "
        f"regexp_full_match(upper(credit_code), '{_CODE_RE}')").to_arrow_table().column(0)
    bad = codes.filter(pa.array(~_check_chars(codes)))
    if len(bad):
        con.register("bad_codes", pa.table({"code": bad}))
        con.execute("INSERT INTO row_errors SELECT 'company', row_no, ckey, 'credit_code', credit_code, NULL, NULL "
                    "FROM raw_k WHERE upper(credit_code) IN (SELECT code FROM bad_codes)")
        con.unregister("bad_codes")


def _companies(con: duckdb.DuckDBPyConnection) -> None:
    """``companies_all``: one row per company key (named by its first row), in one aggregate
    pass: a value of every company-level cell (the only one, unless flagged), the row it is
    first given on, and whether another row of the company gives another value.

    Why a hash of each row's company cells first: most companies repeat the same cells on every
    row, and one hash per row settles that far faster than comparing each column; only the
    companies whose rows differ are looked at column by column (:func:`_flag_mixed`)."""
    firsts = ", ".join(
        f"any_value({c}) AS {c}, FALSE AS {c}__mixed"
        + (f", CASE WHEN any_value({c}) IS NOT NULL THEN MIN(row_no) END AS {c}__row" if c in JSON_FIELDS else "")
        for c in _MIXED)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE companies_all AS
        SELECT ckey, MIN(row_no) AS first_row, FIRST(upper(credit_code)) FILTER (WHERE credit_code IS NOT NULL)
               AS credit_code, {firsts}, MIN(cells_hash) <> MAX(cells_hash) AS rows_differ
        FROM (SELECT *, hash({', '.join(_MIXED)}) AS cells_hash FROM raw_k) GROUP BY ckey""")
    _flag_mixed(con)


def _flag_mixed(con: duckdb.DuckDBPyConnection) -> None:
    """For the companies whose rows differ: each company-level cell flagged when two rows give
    two values (hashes differ: numbers aggregate far faster than text), and the row each JSON
    cell is first given on, with its value there (the one checked and reported, whichever
    thread met which row first)."""
    mixed = ", ".join(
        f"COALESCE(MIN(CASE WHEN {c} IS NOT NULL THEN hash({c}) END) <> MAX(CASE WHEN {c} IS NOT NULL THEN hash({c}) END), "
        f"FALSE) AS {c}__mixed"
        + (f", MIN(CASE WHEN {c} IS NOT NULL THEN row_no END) AS {c}__row, "
           f"arg_min({c}, row_no) FILTER (WHERE {c} IS NOT NULL) AS {c}__first" if c in JSON_FIELDS else "")
        for c in _MIXED)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE companies_mixed AS
        SELECT r.ckey, {mixed} FROM raw_k r SEMI JOIN (SELECT ckey FROM companies_all WHERE rows_differ) d
          ON d.ckey IS NOT DISTINCT FROM r.ckey
        GROUP BY r.ckey""")
    sets = ", ".join(f"{c}__mixed = m.{c}__mixed"
                     + (f", {c}__row = m.{c}__row, {c} = m.{c}__first" if c in JSON_FIELDS else "")
                     for c in _MIXED)
    con.execute(f"UPDATE companies_all SET {sets} FROM companies_mixed m WHERE companies_all.ckey IS NOT DISTINCT FROM m.ckey")
    con.execute("DROP TABLE companies_mixed")


def _check_cells(con: duckdb.DuckDBPyConnection) -> None:
    """``row_errors`` of every cell but the JSON ones: the bounds as SQL, repeated company-years,
    company cells that differ between rows, credit codes whose check character is wrong."""
    parts = [f"SELECT {_q(scope)} AS scope, row_no, ckey, {_q(col)} AS col, {col} AS value, "
             f"CAST(NULL AS VARCHAR) AS zh, CAST(NULL AS VARCHAR) AS en FROM raw_k WHERE {test}"
             for scope, col, test in _checks()]
    parts.append(_duplicates_sql())
    parts += _disagreements_sql()
    con.execute("CREATE OR REPLACE TEMP TABLE row_errors AS " + " UNION ALL ".join(parts))
    _check_credit_codes(con)


_Problems = tuple[tuple[str, str, str], ...]
_Refused = dict[int, tuple[tuple[str | None, ...], _Problems]]


def _json_combinations(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    """Each distinct combination of JSON cells given (SQL finds them faster than Python), with
    the companies that give it (by their first row)."""
    wanted = " OR ".join(f"{c} IS NOT NULL" for c in JSON_FIELDS)
    return con.execute(f"SELECT {', '.join(JSON_FIELDS)}, list(first_row) FROM companies_all WHERE {wanted} "
                       "GROUP BY ALL").fetchall()


def _parse_json_cells(combinations: list[tuple[Any, ...]]) -> tuple[dict[int, dict[str, Any]], _Refused]:
    """Validate each company's JSON cells with the profile model itself, once per distinct
    combination of cells (most companies share a few); return them parsed, by the company's
    first row, and the refused ones with their problems. Companies given the same cells share
    one parsed object (which :func:`subsidy.columnar.facts.build_facts` uses to derive their
    facts once)."""
    parsed: dict[int, dict[str, Any]] = {}
    refused: _Refused = {}
    for *cells, firsts in combinations:
        values, problems = _json_cells(tuple(cells))
        if problems:
            refused.update(dict.fromkeys(firsts, (tuple(cells), problems)))
        else:
            parsed.update(dict.fromkeys(firsts, values))
    return parsed, refused


def _json_errors(con: duckdb.DuckDBPyConnection, refused: _Refused) -> None:
    """Each refused JSON cell into ``row_errors``, on the row of its company where it was given."""
    con.register("refused_rows", pa.table({"first_row": pa.array(list(refused), pa.int64())}))
    found = con.execute(f"SELECT first_row, ckey, {', '.join(c + '__row' for c in JSON_FIELDS)} FROM companies_all "
                        "WHERE first_row IN (SELECT first_row FROM refused_rows)").fetchall()
    con.unregister("refused_rows")
    errors: list[dict[str, Any]] = []
    for first_row, ckey, *rows in found:
        cells, problems = refused[first_row]
        for name, zh, en in problems:
            i = JSON_FIELDS.index(name)
            errors.append({"scope": "company", "row_no": rows[i], "ckey": ckey, "col": name,
                           "value": cells[i], "zh": zh, "en": en})
    con.register("json_errors", pa.Table.from_pylist(errors))
    con.execute("INSERT INTO row_errors SELECT scope, row_no, ckey, col, value, zh, en FROM json_errors")
    con.unregister("json_errors")


@lru_cache(maxsize=65_536)
def _json_cells(cells: tuple[str | None, ...]) -> tuple[dict[str, Any], _Problems]:
    """The JSON cells of one company validated by the profile model: (values by field name,
    problems as (column, zh, en)). Bounded like a profile file (size, nesting, key twice).

    A cell that cannot be read as JSON is all that is said (its company's other cells are
    not validated); otherwise every cell's refusals, in the model's field order. Each cell is
    validated on its own (:func:`_json_cell`): the model checks these fields one by one, and
    a city's companies share far fewer cells than combinations of them."""
    checked = [(name, _json_cell(name, text)) for name, text in zip(JSON_FIELDS, cells, strict=True)
               if text is not None]
    unreadable = tuple(p for _, (readable, _, problems) in checked if not readable for p in problems)
    if unreadable:
        return {}, unreadable
    problems = tuple(p for _, (_, _, problems) in checked for p in problems)
    if problems:
        return {}, problems
    return {name: value for name, (_, value, _) in checked}, ()


@lru_cache(maxsize=65_536)
def _json_cell(name: str, text: str) -> tuple[bool, Any, _Problems]:
    """One JSON cell validated by the profile model: (whether it is JSON at all, its value,
    the problems as (column, zh, en))."""
    try:
        data = read_json(text)
    except ProfileError as exc:
        p = exc.problems[0]
        return False, None, ((name, f"JSON 文本无法读取：{p.message_zh}", f"the JSON text cannot be read: {p.message_en}"),)
    try:
        profile = Profile.model_validate({**_PROBE, name: data})
    except ValidationError as exc:
        from .profile import _MODEL_AT

        problems = []
        for p in problems_from_errors(exc.errors(), Profile, _MODEL_AT):
            column = p.field.split("[")[0].split(".")[0]
            problems.append((column if column in JSON_FIELDS else JSON_FIELDS[0], p.message_zh, p.message_en))
        return True, None, tuple(problems)
    return True, getattr(profile, name), ()


def _worded_errors(con: duckdb.DuckDBPyConnection) -> list[RowError]:
    """The first errors by row, each worded — by the profile model itself where SQL found it."""
    out = []
    rows = con.execute("SELECT row_no, col, value, zh, en FROM row_errors ORDER BY row_no, col "
                       f"LIMIT {MAX_LISTED_ERRORS}").fetchall()
    for row, col, value, zh, en in rows:
        if zh is None:
            zh, en = model_message(col, value if value is not None else "")
        out.append(RowError(int(row), col, value or "", zh, en))
    return out


def load(path: str | Path, con: duckdb.DuckDBPyConnection, *, max_bytes: int = MAX_BYTES) -> Loaded:
    """Read and validate a population file into ``companies`` and ``pop`` of ``con``; raise
    :class:`PopulationError` when the file as a whole is refused."""
    first_line = read_raw(path, con, max_bytes=max_bytes)
    return validate(con, first_line)


def load_rows(table: pa.Table, con: duckdb.DuckDBPyConnection) -> Loaded:
    """Rows of the layout (an Arrow table of text columns, e.g. :func:`rows_table`) loaded the
    way a file is: the same table ``raw``, the same validation."""
    con.register("rows_arrow", table)
    cols = ", ".join(f"CAST({c} AS VARCHAR) AS c{i}" for i, c in enumerate(table.column_names))
    con.execute("SET preserve_insertion_order = true")
    con.execute(f"CREATE OR REPLACE TEMP TABLE raw_in AS SELECT {cols} FROM rows_arrow")
    con.execute("SET preserve_insertion_order = false")
    con.unregister("rows_arrow")
    _check_header(table.column_names)
    select = ", ".join(f"NULLIF(regexp_replace(c{i}, {_q(_BLANKS)}, '', 'g'), '') AS {name}"
                       for i, name in enumerate(table.column_names))
    absent = "".join(f", CAST(NULL AS VARCHAR) AS {c}" for c in COLUMNS if c not in table.column_names)
    con.execute(f"CREATE OR REPLACE TEMP TABLE raw AS SELECT CAST(rowid + 2 AS BIGINT) AS row_no, {select}{absent} "
                "FROM raw_in")
    con.execute("DROP TABLE raw_in")
    return validate(con, 2)


# ------------------------------------------------------------------ profiles ↔ rows


def _cell(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def profile_rows(profile: Profile) -> list[dict[str, str | None]]:
    """A profile as rows of the population layout (one per year; company cells repeated).

    Empty lists are left blank (the profile's default) except ``industry_tags``, where
    ``[]`` ("none of them") differs from absent ("not stated").
    """
    data = dump_profile(profile)
    company: dict[str, str | None] = {c: _cell(getattr(profile, c)) for c in _SCALARS}
    for name in JSON_FIELDS:
        value = data.get(name)
        company[name] = None if value is None or (value == [] and name != "industry_tags") else _cell(value)
    if not profile.years:  # a company without yearly figures: one row of company cells
        return [{**company, "year": None, **dict.fromkeys(YEAR_FIELDS)}]
    rows = []
    for figures in profile.years:
        row = dict(company)
        row["year"] = str(figures.year)
        for col in YEAR_FIELDS:
            row[col] = _cell(getattr(figures, col))
        rows.append(row)
    return rows


def rows_table(rows: Iterable[dict[str, str | None]]) -> pa.Table:
    """Rows of the layout as an Arrow table of text columns (what a CSV holds)."""
    rows = list(rows)
    return pa.table({c: pa.array([r.get(c) for r in rows], pa.string()) for c in COLUMNS})


def company_profile(con: duckdb.DuckDBPyConnection, loaded: Loaded, cid: int) -> Profile:
    """One company of a loaded population as a validated profile (to open it with the
    interactive engine). Raises KeyError for an unknown cid."""
    scalars = ("name", "credit_code", "district", "sector", *COMPANY_YEARS, *COMPANY_MONEY)
    found = con.execute(f"SELECT {', '.join(scalars)} FROM companies WHERE cid = ?", [cid]).fetchall()
    if not found:
        raise KeyError(cid)
    data: dict[str, Any] = {k: v for k, v in zip(scalars, found[0], strict=True) if v is not None}
    data["years"] = [
        {k: v for k, v in zip(("year", *YEAR_FIELDS), row, strict=True) if v is not None}
        for row in con.execute(f"SELECT year, {', '.join(YEAR_FIELDS)} FROM pop WHERE cid = ? ORDER BY year",
                               [cid]).fetchall()]
    data.update(loaded.parsed.get(cid, {}))
    return parse_profile(data)
