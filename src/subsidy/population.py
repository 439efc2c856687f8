"""A population file: one row per company and year, read, validated and loaded for screening.

Layout (Parquet, CSV in UTF-8, or xlsx; the header names the columns, order is free):

=============================== ======== =====================================================
column                          level    content
=============================== ======== =====================================================
``name``                        company  企业名称 (required)
``district``                    company  district code as in the profile contract (required)
``sector``                      company  sector code (required)
``year``                        year     the year of the row's figures, 1990..2100 (required)
``credit_code``                 company  统一社会信用代码; the company key when present
``revenue_wan``                 year     营业收入, 万元
``main_business_revenue_wan``   year     主营业务收入, 万元
``district_fiscal_contribution_wan`` year 区级财政贡献, 万元
``scale_entry_year``            company  入库纳统年份
``prior_peak_revenue_wan``      company  highest revenue before the first row's year
``prior_peak_main_revenue_wan`` company  the same for main business revenue
``industry_tags`` ``listings`` ``recognitions`` ``incubator`` ``talent_projects``
``tech_upgrade_projects`` ``park_rating``  company  the profile's JSON value of that field,
                                         as text (e.g. ``[{"board": "star", "date": "2020-07-22"}]``)
=============================== ======== =====================================================

A company is identified by its credit code, or by its name when it has none. Company-level
cells may be repeated on every row of the company or filled in on one row only; two
different values for one company are an error. Money is a plain number of 万元 (at most six
decimals); a blank cell is a missing figure — never zero.

Errors name the row (the line of the file: the header is line 1; in Parquet, the record
number) and the column, in Chinese and English. A bad year row is reported and skipped (the
company's other years remain, and a gap in its history makes "first reaching" answers
need information rather than guess); a bad company-level cell skips the whole company.
"""

from __future__ import annotations

import codecs
import json
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
from pydantic import TypeAdapter, ValidationError

from . import vocab
from .profile import CREDIT_CODE_CHARSET, CREDIT_CODE_WEIGHTS, Profile, dump_profile, parse_profile

REQUIRED = ("name", "district", "sector", "year")
YEAR_MONEY = ("revenue_wan", "main_business_revenue_wan", "district_fiscal_contribution_wan")
COMPANY_SCALARS = ("credit_code", "scale_entry_year", "prior_peak_revenue_wan",
                   "prior_peak_main_revenue_wan")
JSON_FIELDS = ("industry_tags", "listings", "recognitions", "incubator", "talent_projects",
               "tech_upgrade_projects", "park_rating")
COLUMNS = (*REQUIRED, "credit_code", *YEAR_MONEY, *COMPANY_SCALARS[1:], *JSON_FIELDS)
COMPANY_LEVEL = ("name", "district", "sector", *COMPANY_SCALARS, *JSON_FIELDS)

MAX_BYTES = 1 << 30
"""Largest population file read (1 GiB): 650,000 companies × 3 years is about 60 MB of
Parquet or 250 MB of CSV. Larger registers are split by district."""
MAX_XLSX_BYTES = 64 << 20
"""xlsx is unpacked in memory by its reader; larger workbooks should be saved as CSV."""
MAX_TEXT = 4000
"""Longest cell (a JSON list of a company's recognitions fits many times over)."""

_MONEY_RE = r"[0-9]{1,15}(\.[0-9]{0,6}0*)?"
_YEAR_RE = r"[0-9]{4}"


class PopulationError(ValueError):
    """A population file refused as a whole (wrong columns, encoding, size, format)."""

    def __init__(self, zh: str, en: str):
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    value: str
    zh: str
    en: str

    def text(self) -> str:
        shown = self.value if len(self.value) <= 60 else self.value[:57] + "…"
        return f"第{self.row}行 {self.column}「{shown}」：{self.zh} / row {self.row} {self.column}: {self.en}"


@dataclass
class Loaded:
    """What was read: counts and the row errors (bad rows are skipped, never read as zero)."""

    rows: int = 0
    rows_used: int = 0
    companies: int = 0
    errors: list[RowError] = field(default_factory=list)
    first_line: int = 2
    """File line of the first data row (2 below a header; 1 for Parquet records)."""
    parsed: dict[int, dict[str, Any]] = field(default_factory=dict, repr=False)
    """Each company's JSON cells (by cid) as the profile's models."""


# ------------------------------------------------------------------ reading


def _check_utf8(path: Path) -> None:
    """Refuse text that is not UTF-8 (a GBK export from Excel is the usual case)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 22):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                line += chunk[: exc.start].count(b"\n")
                guess = ""
                try:
                    chunk[max(0, exc.start - 64): exc.start + 64].decode("gbk")
                    guess = "（看起来是 GBK 编码）"
                except UnicodeDecodeError:
                    pass
                raise PopulationError(
                    f"CSV 文件不是 UTF-8 编码{guess}，第{line}行附近出现无法识别的字节；请用 Excel"
                    "「另存为 CSV UTF-8」或 iconv -f GBK -t UTF-8 转换后再导入",
                    f"the CSV file is not UTF-8 (near line {line}; GBK?): save it as "
                    "'CSV UTF-8' or convert it with iconv -f GBK -t UTF-8") from None
            line += chunk.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise PopulationError("CSV 文件末尾的字符不完整（不是 UTF-8）",
                                  "the CSV file ends inside a character (not UTF-8)") from None


def _read_xlsx(path: Path) -> pa.Table:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise PopulationError("xlsx 文件已损坏或不是 xlsx 文件", "the xlsx file is damaged or not xlsx") from None
    if unpacked > 4 * MAX_XLSX_BYTES:
        raise PopulationError(
            f"xlsx 解压后过大（{unpacked >> 20} MB）；请另存为 CSV（UTF-8）或 Parquet",
            f"the xlsx unpacks to {unpacked >> 20} MB: save it as CSV (UTF-8) or Parquet")
    book = load_workbook(path, read_only=True, data_only=True)
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if not header:
            raise PopulationError("工作表为空", "the first worksheet is empty")
        names = [str(h).strip() if h is not None else "" for h in header]
        columns: list[list[str | None]] = [[] for _ in names]
        for row in rows:
            if row is None or all(v is None or str(v).strip() == "" for v in row):
                continue
            for i in range(len(names)):
                value = row[i] if i < len(row) else None
                columns[i].append(None if value is None else (repr(value) if isinstance(value, float) else str(value)))
    finally:
        book.close()
    return pa.table({n or f"column{i + 1}": pa.array(c, pa.string()) for i, (n, c) in enumerate(zip(names, columns, strict=True))})


def read_raw(path: str | Path, con: duckdb.DuckDBPyConnection, *, max_bytes: int = MAX_BYTES) -> int:
    """Load the file as text columns into table ``raw`` (with ``row_no``); returns the line of
    the first data row. Refuses oversize files, unknown formats, non-UTF-8 CSV, bad columns."""
    path = Path(path)
    if not path.is_file():
        raise PopulationError(f"找不到文件 {path}", f"no such file: {path}")
    size = path.stat().st_size
    suffix = path.suffix.lower()
    limit = MAX_XLSX_BYTES if suffix == ".xlsx" else max_bytes
    if size > limit:
        raise PopulationError(
            f"文件过大（{size / (1 << 20):.0f} MB，上限 {limit >> 20} MB）；请按区拆分后分别测算",
            f"file too large ({size / (1 << 20):.0f} MB, limit {limit >> 20} MB): split it by district")
    first_line = 2
    try:
        if suffix == ".parquet":
            con.execute("CREATE OR REPLACE TEMP TABLE raw_in AS SELECT * FROM read_parquet(?)", [str(path)])
            first_line = 1
        elif suffix == ".csv":
            _check_utf8(path)
            con.execute("CREATE OR REPLACE TEMP TABLE raw_in AS SELECT * FROM read_csv(?, header = true, "
                        "all_varchar = true, sample_size = -1, strict_mode = true)", [str(path)])
        elif suffix == ".xlsx":
            table = _read_xlsx(path)
            con.register("raw_xlsx", table)
            con.execute("CREATE OR REPLACE TEMP TABLE raw_in AS SELECT * FROM raw_xlsx")
            con.unregister("raw_xlsx")
        else:
            raise PopulationError(f"不支持的文件类型 {suffix or '(无扩展名)'}；应为 .parquet、.csv 或 .xlsx",
                                  f"unsupported file type {suffix or '(none)'}: expected .parquet, .csv or .xlsx")
    except duckdb.Error as exc:
        raise PopulationError(f"无法读取文件：{str(exc).splitlines()[0]}",
                              f"cannot read the file: {str(exc).splitlines()[0]}") from None
    names = [row[0] for row in con.execute("DESCRIBE raw_in").fetchall()]
    stripped = [n.strip() for n in names]
    missing = [c for c in REQUIRED if c not in stripped]
    unknown = [n for n in stripped if n not in COLUMNS]
    dupes = sorted({n for n in stripped if stripped.count(n) > 1})
    if missing or unknown or dupes:
        zh, en = [], []
        if missing:
            zh.append("缺少必填列 " + "、".join(missing))
            en.append("missing required columns " + ", ".join(missing))
        if unknown:
            zh.append("无法识别的列 " + "、".join(unknown))
            en.append("unknown columns " + ", ".join(unknown))
        if dupes:
            zh.append("列名重复 " + "、".join(dupes))
            en.append("repeated columns " + ", ".join(dupes))
        raise PopulationError("；".join(zh) + f"。可用的列：{', '.join(COLUMNS)}",
                              "; ".join(en) + f". Allowed columns: {', '.join(COLUMNS)}")
    select = ", ".join(
        f"NULLIF(trim(CAST(\"{name}\" AS VARCHAR)), '') AS {clean}" for name, clean in zip(names, stripped, strict=True))
    absent = ", ".join(f"CAST(NULL AS VARCHAR) AS {c}" for c in COLUMNS if c not in stripped)
    con.execute(f"CREATE OR REPLACE TEMP TABLE raw AS SELECT row_number() OVER () + {first_line - 1} AS row_no, "
                f"{select}{', ' + absent if absent else ''} FROM raw_in")
    con.execute("DROP TABLE raw_in")
    return first_line


# ------------------------------------------------------------------ validation


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _checks() -> list[tuple[str, str, str, str, str]]:
    """(scope, column, SQL test for a bad value, zh, en) — scope 'row' skips the row,
    'company' skips the company."""
    districts = ", ".join(_q(d) for d in vocab.DISTRICTS)
    sectors = ", ".join(_q(s) for s in vocab.SECTORS)
    money_zh = "应为金额（万元）：不小于0的数字，最多6位小数，不写单位"
    money_en = "expected an amount in 万元: a number >= 0 with at most 6 decimals, no unit"
    out = [
        ("company", "name", "name IS NULL", "企业名称为必填项", "the company name is required"),
        ("company", "name", f"length(name) > {MAX_TEXT // 20}", "企业名称过长", "the name is too long"),
        ("company", "district", f"district IS NULL OR district NOT IN ({districts})",
         "应为武汉市的区或功能区（如 硚口区），或 outside_wuhan", "expected a Wuhan district code (e.g. 硚口区) or outside_wuhan"),
        ("company", "sector", f"sector IS NULL OR sector NOT IN ({sectors})",
         "应为行业代码：" + "、".join(vocab.SECTORS), "expected a sector code: " + ", ".join(vocab.SECTORS)),
        ("row", "year", f"year IS NULL OR NOT regexp_full_match(year, '{_YEAR_RE}') "
         "OR TRY_CAST(year AS INTEGER) NOT BETWEEN 1990 AND 2100",
         "应为1990至2100之间的年份", "expected a year from 1990 to 2100"),
        ("company", "scale_entry_year", f"scale_entry_year IS NOT NULL AND (NOT regexp_full_match(scale_entry_year, '{_YEAR_RE}') "
         "OR TRY_CAST(scale_entry_year AS INTEGER) NOT BETWEEN 1990 AND 2100)",
         "应为1990至2100之间的年份", "expected a year from 1990 to 2100"),
        ("company", "credit_code", "credit_code IS NOT NULL AND NOT regexp_full_match(upper(credit_code), "
         "'[0-9A-HJ-NPQRTUWXY]{18}')",
         "统一社会信用代码应为18位（数字和大写字母，不含 I O Z S V）",
         "a credit code has 18 characters (digits and capitals except I O Z S V)"),
    ]
    for col in YEAR_MONEY:
        out.append(("row", col, f"{col} IS NOT NULL AND NOT regexp_full_match({col}, '{_MONEY_RE}')", money_zh, money_en))
    for col in ("prior_peak_revenue_wan", "prior_peak_main_revenue_wan"):
        out.append(("company", col, f"{col} IS NOT NULL AND NOT regexp_full_match({col}, '{_MONEY_RE}')", money_zh, money_en))
    for col in JSON_FIELDS:
        out.append(("company", col, f"length({col}) > {MAX_TEXT}", f"内容过长（超过{MAX_TEXT}个字符）",
                    f"longer than {MAX_TEXT} characters"))
    return out


def _check_chars(codes: Sequence[str]) -> np.ndarray:
    """Vectorised GB 32100-2015 check: True where the 18th character is right."""
    if not codes:
        return np.zeros(0, dtype=bool)
    lookup = np.full(128, -1, dtype=np.int64)
    for i, ch in enumerate(CREDIT_CODE_CHARSET):
        lookup[ord(ch)] = i
    raw = np.frombuffer("".join(codes).encode("ascii"), dtype=np.uint8).reshape(len(codes), 18)
    values = lookup[raw]
    total = values[:, :17] @ np.array(CREDIT_CODE_WEIGHTS, dtype=np.int64)
    return (31 - total % 31) % 31 == values[:, 17]


_ADAPTERS = {name: TypeAdapter(Profile.model_fields[name].annotation) for name in JSON_FIELDS}


def validate(con: duckdb.DuckDBPyConnection, first_line: int = 2) -> Loaded:
    """Check ``raw``; create ``companies`` (one row per company, ``cid`` from 0) and ``pop``
    (one row per valid company-year) and ``company_json`` (parsed JSON cells, by cid)."""
    loaded = Loaded(first_line=first_line)
    loaded.rows = con.execute("SELECT count(*) FROM raw").fetchall()[0][0]
    con.execute("CREATE OR REPLACE TEMP TABLE raw_k AS SELECT *, COALESCE(upper(credit_code), 'name:' || name) AS ckey FROM raw")
    parts = [f"SELECT {_q(scope)} AS scope, row_no, ckey, {_q(col)} AS col, {col} AS value, {_q(zh)} AS zh, {_q(en)} AS en "
             f"FROM raw_k WHERE {test}" for scope, col, test, zh, en in _checks()]
    parts.append(
        "SELECT 'row', row_no, ckey, 'year', year, '同一企业同一年度重复（与第' || CAST(first_row AS VARCHAR) || '行重复）', "
        "'duplicate company-year (same as row ' || CAST(first_row AS VARCHAR) || ')' FROM (SELECT row_no, ckey, year, "
        "MIN(row_no) OVER (PARTITION BY ckey, year) AS first_row FROM raw_k WHERE year IS NOT NULL) WHERE row_no > first_row")
    # Company-level cells that disagree: found with one aggregate pass, then named per row.
    levels = [c for c in COMPANY_LEVEL if c != "credit_code"]
    counts = ", ".join(f"count(DISTINCT {c}) > 1 AS d_{c}" for c in levels)
    con.execute(f"CREATE OR REPLACE TEMP TABLE mixed AS SELECT * FROM (SELECT ckey, {counts} FROM raw_k "
                f"GROUP BY ckey) WHERE {' OR '.join(f'd_{c}' for c in levels)}")
    for col in levels:
        parts.append(
            f"SELECT 'company', row_no, ckey, {_q(col)}, {col}, '同一企业各行的该项不一致（首次出现于第' || CAST(first_row AS VARCHAR) || '行）', "
            f"'differs between rows of the same company (first given on row ' || CAST(first_row AS VARCHAR) || ')' "
            f"FROM (SELECT r.row_no, r.ckey, r.{col}, first_value(r.{col} IGNORE NULLS) OVER (PARTITION BY r.ckey ORDER BY r.row_no "
            f"ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS first_value, "
            f"MIN(CASE WHEN r.{col} IS NOT NULL THEN r.row_no END) OVER (PARTITION BY r.ckey) AS first_row "
            f"FROM raw_k r JOIN mixed m ON m.ckey = r.ckey WHERE m.d_{col}) "
            f"WHERE {col} IS NOT NULL AND first_value IS NOT NULL AND {col} <> first_value")
    con.execute("CREATE OR REPLACE TEMP TABLE row_errors AS " + " UNION ALL ".join(parts))
    codes = con.execute("SELECT DISTINCT upper(credit_code) FROM raw WHERE credit_code IS NOT NULL AND "
                        "regexp_full_match(upper(credit_code), '[0-9A-HJ-NPQRTUWXY]{18}')").fetchall()
    codes = [c[0] for c in codes]
    bad = [c for c, ok in zip(codes, _check_chars(codes), strict=True) if not ok]
    if bad:
        con.register("bad_codes", pa.table({"code": pa.array(bad, pa.string())}))
        con.execute("INSERT INTO row_errors SELECT 'company', row_no, ckey, 'credit_code', credit_code, "
                    "'统一社会信用代码校验位不正确（GB 32100-2015）', 'the check character is wrong (GB 32100-2015)' "
                    "FROM raw_k WHERE upper(credit_code) IN (SELECT code FROM bad_codes)")
        con.unregister("bad_codes")
    _companies(con)
    json_errors, loaded.parsed = _parse_json_cells(con)
    if json_errors:
        con.register("json_errors", pa.Table.from_pylist(json_errors))
        con.execute("INSERT INTO row_errors SELECT 'company', row_no, ckey, col, value, zh, en FROM json_errors")
        con.unregister("json_errors")
    con.execute("CREATE OR REPLACE TEMP TABLE skip_companies AS SELECT DISTINCT ckey FROM row_errors WHERE scope = 'company'")
    con.execute("""CREATE OR REPLACE TEMP TABLE companies AS
        SELECT c.* FROM companies_all c WHERE c.ckey NOT IN (SELECT ckey FROM skip_companies)""")
    con.execute("""CREATE OR REPLACE TEMP TABLE pop AS
        SELECT c.cid, r.row_no, CAST(r.year AS INTEGER) AS year,
               CAST(r.revenue_wan AS DECIMAL(38,6)) AS revenue_wan,
               CAST(r.main_business_revenue_wan AS DECIMAL(38,6)) AS main_business_revenue_wan,
               CAST(r.district_fiscal_contribution_wan AS DECIMAL(38,6)) AS district_fiscal_contribution_wan
        FROM raw_k r JOIN companies c ON c.ckey = r.ckey
        WHERE r.row_no NOT IN (SELECT row_no FROM row_errors WHERE scope = 'row')""")
    con.execute("DELETE FROM companies WHERE cid NOT IN (SELECT cid FROM pop)")
    loaded.rows_used = con.execute("SELECT count(*) FROM pop").fetchall()[0][0]
    loaded.companies = con.execute("SELECT count(*) FROM companies").fetchall()[0][0]
    loaded.errors = [RowError(int(r), c, v or "", zh, en) for r, c, v, zh, en in con.execute(
        "SELECT row_no, col, value, zh, en FROM row_errors ORDER BY row_no, col").fetchall()]
    return loaded


def _companies(con: duckdb.DuckDBPyConnection) -> None:
    firsts = ", ".join(f"FIRST({c} ORDER BY row_no) FILTER (WHERE {c} IS NOT NULL) AS {c}"
                       for c in COMPANY_LEVEL)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE companies_raw AS
        SELECT ckey, MIN(row_no) AS first_row, {firsts} FROM raw_k GROUP BY ckey""")
    con.execute("""CREATE OR REPLACE TEMP TABLE companies_all AS
        SELECT CAST(row_number() OVER (ORDER BY first_row) - 1 AS BIGINT) AS cid, ckey, first_row, name,
               upper(credit_code) AS credit_code, district, sector,
               TRY_CAST(scale_entry_year AS INTEGER) AS scale_entry_year,
               TRY_CAST(prior_peak_revenue_wan AS DECIMAL(38,6)) AS prior_peak_revenue_wan,
               TRY_CAST(prior_peak_main_revenue_wan AS DECIMAL(38,6)) AS prior_peak_main_revenue_wan, """
                + ", ".join(JSON_FIELDS) + " FROM companies_raw")


def _parse_json_cells(con: duckdb.DuckDBPyConnection) -> tuple[list[dict], dict[int, dict[str, Any]]]:
    """Validate each company's JSON cells with the profile's own models; keep them parsed."""
    wanted = " OR ".join(f"{c} IS NOT NULL" for c in JSON_FIELDS)
    rows = con.execute(f"SELECT cid, ckey, first_row, {', '.join(JSON_FIELDS)} FROM companies_all WHERE {wanted}").fetchall()
    errors: list[dict] = []
    parsed: dict[int, dict[str, Any]] = {}
    for cid, ckey, first_row, *cells in rows:
        values: dict[str, Any] = {}
        for name, text in zip(JSON_FIELDS, cells, strict=True):
            if text is None:
                continue
            try:
                values[name] = _ADAPTERS[name].validate_json(text)
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"])
                errors.append({"row_no": first_row, "ckey": ckey, "col": name, "value": text,
                               "zh": f"JSON 内容无效（{where}）：{first['msg']}",
                               "en": f"invalid JSON value ({where}): {first['msg']}"})
                break
        else:
            parsed[cid] = values
    return errors, parsed


def load(path: str | Path, con: duckdb.DuckDBPyConnection, *, max_bytes: int = MAX_BYTES) -> Loaded:
    """Read and validate a population file into ``companies`` and ``pop`` of ``con``."""
    first_line = read_raw(path, con, max_bytes=max_bytes)
    return validate(con, first_line)


# ------------------------------------------------------------------ profiles ↔ rows


def _cell(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def profile_rows(profile: Profile) -> list[dict[str, str | None]]:
    """A profile as rows of the population layout (one per year; company cells repeated)."""
    data = {k: v for k, v in dump_profile(profile).items() if v is not None}
    company = {c: _cell(data.get(c)) for c in ("name", "district", "sector", *COMPANY_SCALARS)}
    for name in JSON_FIELDS:
        value = data.get(name)
        company[name] = None if value is None or value == [] and name != "industry_tags" else _cell(value)
    rows = []
    for year in profile.years:
        row = dict(company)
        row["year"] = str(year.year)
        for col in YEAR_MONEY:
            value = getattr(year, col)
            row[col] = None if value is None else format(value, "f")
        rows.append(row)
    return rows


def rows_table(rows: Iterable[dict[str, str | None]]) -> pa.Table:
    """Rows of the layout as an Arrow table of text columns (what a CSV holds)."""
    rows = list(rows)
    return pa.table({c: pa.array([r.get(c) for r in rows], pa.string()) for c in COLUMNS})


def company_profile(con: duckdb.DuckDBPyConnection, loaded: Loaded, cid: int) -> Profile:
    """One company of a loaded population as a validated profile (to open it interactively)."""
    company = con.execute("SELECT name, credit_code, district, sector, scale_entry_year, prior_peak_revenue_wan, "
                          "prior_peak_main_revenue_wan FROM companies WHERE cid = ?", [cid]).fetchall()[0]
    if company is None:
        raise KeyError(cid)
    keys = ("name", "credit_code", "district", "sector", "scale_entry_year", "prior_peak_revenue_wan",
            "prior_peak_main_revenue_wan")
    data: dict[str, Any] = {k: v for k, v in zip(keys, company, strict=True) if v is not None}
    data["years"] = [
        {k: v for k, v in zip(("year", *YEAR_MONEY), row, strict=True) if v is not None}
        for row in con.execute(f"SELECT year, {', '.join(YEAR_MONEY)} FROM pop WHERE cid = ? ORDER BY year", [cid]).fetchall()]
    for name, value in loaded.parsed.get(cid, {}).items():
        data[name] = TypeAdapter(Profile.model_fields[name].annotation).dump_python(value, mode="json")
    return parse_profile(data)
