"""Screening a population: load, validate, derive facts, run the compiled rules.

The use case behind ``subsidy screen``, ``subsidy impact --population`` and the 政策测算
page. Findings come out as Arrow tables (company × rule × year × tier, not-applicable rows
left out unless asked for).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from .. import population, vocab
from ..money_display import wan_unit
from ..profile import Profile
from ..ruleset import RuleSet
from .run import CHUNK, run_chunks


def connect(memory_limit: str | None = "2GB", threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with a memory ceiling (DuckDB spills to disk beyond it)."""
    con = duckdb.connect(":memory:")
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    con.execute("SET preserve_insertion_order = false")
    return con


@dataclass
class Screened:
    """A loaded population on a DuckDB connection, ready to run any rule set over.

    The fact tables are built on the first screening, not on loading: loading and validating
    a file needs nothing of the compiled plan.
    """

    con: duckdb.DuckDBPyConnection
    loaded: population.Loaded
    _facts: bool = field(default=False, repr=False)

    def ensure_facts(self) -> None:
        """Build the plan's fact tables from ``companies``, ``pop`` and the parsed cells, once."""
        if not self._facts:
            from . import facts as cfacts

            cfacts.build_facts(self.con, self.loaded.parsed)
            self._facts = True

    def findings(self, ruleset: RuleSet, *, keep_not_applicable: bool = False, chunk: int = CHUNK,
                 progress: Callable[[int, int], None] | None = None) -> pa.Table:
        tables = list(self.iter_findings(ruleset, keep_not_applicable=keep_not_applicable,
                                         chunk=chunk, progress=progress))
        return pa.concat_tables(tables) if tables else _empty(self.con)

    def iter_findings(self, ruleset: RuleSet, **kwargs: Any) -> Iterator[pa.Table | str]:
        self.ensure_facts()
        return run_chunks(self.con, ruleset, **kwargs)

    def profile(self, cid: int) -> Profile:
        """One company as a validated profile (to open with the interactive engine)."""
        return population.company_profile(self.con, self.loaded, cid)


def _empty(con: duckdb.DuckDBPyConnection) -> pa.Table:
    return pa.table({"cid": pa.array([], pa.int64()), "rule_id": pa.array([], pa.string()),
                     "year": pa.array([], pa.int32()), "status": pa.array([], pa.string()),
                     "amount_wan": pa.array([], pa.decimal128(38, 6)), "tier": pa.array([], pa.string())})


def from_file(path: str | Path, *, max_bytes: int = population.MAX_BYTES,
              memory_limit: str | None = "2GB") -> Screened:
    """Read and validate a population file (raises PopulationError when refused)."""
    con = connect(memory_limit)
    try:
        loaded = population.load(path, con, max_bytes=max_bytes)
    except BaseException:
        con.close()
        raise
    return Screened(con, loaded)


def from_profiles(profiles: Iterable[Profile], memory_limit: str | None = "2GB") -> Screened:
    """Profiles laid out as a population (one row per year) and loaded exactly as a file is:
    :func:`population.profile_rows` → the same table ``raw`` → the same validation."""
    con = connect(memory_limit)
    rows = [row for p in profiles for row in population.profile_rows(p)]
    loaded = population.load_rows(population.rows_table(rows), con)
    return Screened(con, loaded)


# ------------------------------------------------------------------ screening to files

FINDINGS_HEADER = {
    "credit_code": "统一社会信用代码", "name": "企业名称", "district": "所在区", "sector": "行业",
    "rule_id": "规则编号", "policy_id": "政策编号", "title": "条款", "level": "层级", "year": "年度",
    "tier": "档次", "status": "结论", "amount_wan": "金额（万元）", "missing": "需补充",
    "failing": "首个未满足条件", "subject": "事项", "source_row": "源文件行号",
}
FIGURES: tuple[str, ...] = population.YEAR_FIELDS
"""The indicator figures shown beside an award: every yearly figure of the award's year."""
PUSH_HEADER = {
    "credit_code": "统一社会信用代码", "name": "企业名称", "district": "所在区", "rule_id": "规则编号",
    "title": "条款", "section": "条款章节", "level": "层级", "year": "年度", "tier": "档次",
    "amount_wan": "金额（万元）",
    **{f.profile: f.zh + ("（万元）" if f.profile in population.YEAR_MONEY else "")
       for f in vocab.VOCABULARY.yearly if f.profile in FIGURES},
    "contribution_growth_pct": "区级财政贡献增幅（%）", "subject": "事项", "contacts": "责任单位",
}
PUSH_HEADER_EN = {
    "credit_code": "Unified social credit code", "name": "Company name", "district": "District",
    "rule_id": "Rule id", "title": "Award", "section": "Section", "level": "Level", "year": "Year",
    "tier": "Tier", "amount_wan": f"Amount ({wan_unit('en')})",
    **{f.profile: f.en[:1].upper() + f.en[1:] + (f" ({wan_unit('en')})" if f.profile in population.YEAR_MONEY else "")
       for f in vocab.VOCABULARY.yearly if f.profile in FIGURES},
    "contribution_growth_pct": "Growth of district fiscal contribution (%)", "subject": "Subject",
    "contacts": "Responsible units (Chinese names)",
}
"""The push list's headers in English (the list downloaded from the English page)."""
SUMMARY_HEADER = {
    "rule_id": "规则编号", "title": "条款", "year": "年度", "district": "所在区", "level": "层级",
    "eligible": "可获得（家次）", "eligible_wan": "可获得金额（万元）", "needs_info": "待补充信息（家次）",
    "needs_info_wan": "待补充信息的预计金额（万元）", "not_eligible": "不符合（家次）",
}
ERRORS_HEADER = {"row": "行号", "column": "列", "value": "内容", "problem": "问题", "problem_en": "problem"}


@dataclass
class ScreenResult:
    """Counts of one screening and the files written (by kind: findings, push, summary)."""

    loaded: population.Loaded
    findings: int = 0
    eligible: int = 0
    needs_info: int = 0
    pushed: int = 0
    already_claimed: int = 0
    eligible_wan: object = 0
    paths: dict[str, str] = field(default_factory=dict)


def _rules_meta(con: duckdb.DuckDBPyConnection, ruleset: RuleSet) -> None:
    rows = []
    for rule in ruleset.rules.values():
        policy = ruleset.policy_of(rule.id)
        rows.append({"rule_id": rule.id, "policy_id": policy.id, "title": rule.title,
                     "level": getattr(rule, "level", None) or getattr(policy, "level", None)
                     or ("city" if policy.area.wuhan else "district"),
                     "contacts": "、".join(rule.contacts), "section": rule.section,
                     "amount_kind": rule.award.kind})
    con.register("rules_meta_arrow", pa.Table.from_pylist(rows))
    con.execute("CREATE OR REPLACE TEMP TABLE rules_meta AS SELECT * FROM rules_meta_arrow")
    con.unregister("rules_meta_arrow")


_ENRICH = """
SELECT c.credit_code, c.name, c.district, c.sector, f.rule_id, m.policy_id, m.title, m.level, f.year,
       f.tier, f.status, f.amount_wan, f.missing, f.failing, f.fid AS subject, k.first_row AS source_row
FROM chunk f JOIN companies c ON c.cid = f.cid JOIN company_rows k ON k.cid = f.cid
JOIN rules_meta m ON m.rule_id = f.rule_id
"""
_BATCH = 200_000
"""Rows per batch written out (a Parquet row group)."""
_ORDER = " ORDER BY f.cid, f.rule_order, f.year, f.fid, f.tier_rank"
"""Findings read by people (CSV, xlsx) come company by company. A Parquet file is read by
programs, which sort as they need: sorting millions of wide rows would cost more than the
screening itself."""


def _claimed(register_url: str | None) -> pa.Table | None:
    """Every award the register holds a claim for — claimed, proposed or decided in any way —
    as (credit code, name key, rule, year): such an award is not pushed again."""
    if register_url is None:
        return None
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.orm import Session

    from ..register import Register, RegisterError, register_exists
    from ..register.schema import ClaimRow

    if not register_exists(register_url):
        raise RegisterError("找不到登记簿数据库（--register 指向的文件不存在）",
                            "no register database there (the --register file does not exist)")
    reg = Register(register_url, create=False)
    try:
        with Session(reg.engine) as s:
            rows = s.execute(select(ClaimRow.credit_code, ClaimRow.name_key, ClaimRow.rule_id,
                                    ClaimRow.year)).all()
    except SQLAlchemyError as exc:
        raise reg._error(exc) from None
    finally:
        reg.dispose()
    return pa.table({"credit_code": pa.array([r[0] for r in rows], pa.string()),
                     "name_key": pa.array([r[1] for r in rows], pa.string()),
                     "rule_id": pa.array([r[2] for r in rows], pa.string()),
                     "year": pa.array([r[3] for r in rows], pa.int32())})


def _start_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE OR REPLACE TEMP TABLE eligible_all (cid BIGINT, rule_id VARCHAR, rule_order INTEGER, "
                "year INTEGER, fid VARCHAR, tier_rank INTEGER, tier VARCHAR, amount_wan DECIMAL(38,6))")
    con.execute("CREATE OR REPLACE TEMP TABLE summary_parts (rule_id VARCHAR, year INTEGER, district VARCHAR, "
                "status VARCHAR, n BIGINT, amount DECIMAL(38,6))")


def _add_chunk(con: duckdb.DuckDBPyConnection, source: str) -> None:
    con.execute(f"INSERT INTO eligible_all SELECT cid, rule_id, rule_order, year, fid, tier_rank, tier, "
                f"amount_wan FROM {source} WHERE status = 'eligible'")
    con.execute(f"INSERT INTO summary_parts SELECT f.rule_id, f.year, c.district, f.status, count(*), "
                f"sum(f.amount_wan) FROM {source} f JOIN companies c ON c.cid = f.cid GROUP BY ALL")


def write_errors(con: duckdb.DuckDBPyConnection, path: str | Path) -> Path:
    """Every row error of the loaded file (not only the first listed), worded in both
    languages, as CSV or xlsx — written whole or not at all."""
    from .output import TableWriter

    writer = TableWriter(path, ERRORS_HEADER)
    try:
        cursor = con.execute("SELECT row_no, col, value, zh, en FROM row_errors ORDER BY row_no, col")
        while batch := cursor.fetchmany(50_000):
            rows = []
            for row, col, value, zh, en in batch:
                if zh is None:
                    zh, en = population.model_message(col, value or "")
                rows.append({"row": int(row), "column": col, "value": value, "problem": zh, "problem_en": en})
            writer.write(pa.Table.from_pylist(rows, schema=pa.schema([
                ("row", pa.int64()), ("column", pa.string()), ("value", pa.string()),
                ("problem", pa.string()), ("problem_en", pa.string())])))
        return writer.close()
    except BaseException:
        writer.abort()
        raise


def screen_file(source: str | Path, out: str | Path, ruleset: RuleSet, *, push_path: str | Path | None = None,
                summary_path: str | Path | None = None, errors_path: str | Path | None = None,
                register_url: str | None = None, keep_not_applicable: bool = False,
                include_support: bool = False, chunk: int = CHUNK, max_bytes: int = population.MAX_BYTES,
                memory_limit: str | None = "2GB",
                progress: Callable[[str, int, int], None] | None = None) -> ScreenResult:
    """Screen a population file: findings, push list, summary and row errors, each written
    whole or not at all (a temporary file renamed at the end; on any failure every file of
    this run is removed). Raises PopulationError for a refused file, OutputError for a bad
    output name, RegisterError for a register that cannot be read."""
    from .output import TableWriter, format_of

    for path in (out, push_path, summary_path, errors_path):
        if path is not None:
            format_of(path)
    if progress:
        progress("read", 0, 1)
    claimed = _claimed(register_url) if push_path is not None else None  # refuse early
    screened = from_file(source, max_bytes=max_bytes, memory_limit=memory_limit)
    con = screened.con
    result = ScreenResult(loaded=screened.loaded)
    written: list[Path] = []
    try:
        _rules_meta(con, ruleset)
        _start_tables(con)
        writer = TableWriter(out, FINDINGS_HEADER)
        try:
            def step(done: int, total: int) -> None:
                if progress:
                    progress("screen", done, total)

            enrich = _ENRICH + ("" if format_of(out) == ".parquet" else _ORDER)
            for name in screened.iter_findings(ruleset, keep_not_applicable=keep_not_applicable,
                                               chunk=chunk, progress=step, into="chunk"):
                for batch in con.sql(enrich).to_arrow_reader(_BATCH):
                    writer.write(pa.Table.from_batches([batch]))
                _add_chunk(con, name)
                result.findings += con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]
                con.execute(f"DROP TABLE {name}")
            written.append(writer.close(empty_schema=_findings_schema(con)))
        except BaseException:
            writer.abort()
            raise
        result.paths["findings"] = str(out)
        counts = dict(con.execute("SELECT status, sum(n) FROM summary_parts GROUP BY status").fetchall())
        result.eligible, result.needs_info = int(counts.get("eligible", 0)), int(counts.get("needs_info", 0))
        result.eligible_wan = con.execute("SELECT COALESCE(sum(amount), 0) FROM summary_parts "
                                          "WHERE status = 'eligible'").fetchall()[0][0]
        if summary_path is not None:
            written.append(_write_summary(con, summary_path))
            result.paths["summary"] = str(summary_path)
        if push_path is not None:
            if claimed is not None:
                con.register("claimed", claimed)
                from ..claims.model import company_name_key

                con.create_function("name_key", company_name_key, ["VARCHAR"], "VARCHAR")
            table, result.already_claimed = push_list(con, claimed is not None, include_support)
            result.pushed = table.num_rows
            from .output import write_table

            written.append(write_table(table, push_path, PUSH_HEADER))
            result.paths["push"] = str(push_path)
        if errors_path is not None and result.loaded.error_count:
            written.append(write_errors(con, errors_path))
            result.paths["errors"] = str(errors_path)
    except BaseException:
        for path in written:
            Path(path).unlink(missing_ok=True)
        raise
    finally:
        con.close()
    return result


def _findings_schema(con: duckdb.DuckDBPyConnection) -> pa.Schema:
    return pa.schema([("credit_code", pa.string()), ("name", pa.string()), ("district", pa.string()),
                      ("sector", pa.string()), ("rule_id", pa.string()), ("policy_id", pa.string()),
                      ("title", pa.string()), ("level", pa.string()), ("year", pa.int32()),
                      ("tier", pa.string()), ("status", pa.string()), ("amount_wan", pa.decimal128(38, 6)),
                      ("missing", pa.string()), ("failing", pa.string()), ("subject", pa.string()),
                      ("source_row", pa.int64())])


def _push_sql(keep: str) -> str:
    figures = ", ".join(f"y.{f}" for f in FIGURES)
    growth = ""
    if "district_fiscal_contribution_wan" in FIGURES:
        growth = (", CASE WHEN p.district_fiscal_contribution_wan > 0 AND y.district_fiscal_contribution_wan IS NOT NULL "
                  "THEN CAST(round(CAST((y.district_fiscal_contribution_wan - p.district_fiscal_contribution_wan) "
                  "AS DOUBLE) * 100 / CAST(p.district_fiscal_contribution_wan AS DOUBLE), 2) AS VARCHAR) END "
                  "AS contribution_growth_pct")
    return f"""
SELECT c.credit_code, c.name, c.district, e.rule_id, m.title, m.section, m.level, e.year, e.tier, e.amount_wan,
       {figures}{growth}, e.fid AS subject, m.contacts
FROM eligible_all e JOIN companies c ON c.cid = e.cid JOIN rules_meta m ON m.rule_id = e.rule_id
LEFT JOIN pop y ON y.cid = e.cid AND y.year = e.year
LEFT JOIN pop p ON p.cid = e.cid AND p.year = e.year - 1
WHERE {keep}
ORDER BY c.district, e.rule_id, e.year, c.cid, e.tier_rank
"""


def push_list(con: duckdb.DuckDBPyConnection, with_register: bool = False,
              include_support: bool = False) -> tuple[pa.Table, int]:
    """The push list (免申即享): eligible monetary awards with the figures of their year and the
    responsible units, without those the register already holds (``claimed``); and how many
    were left out for that reason."""
    plain = "TRUE" if include_support else "m.amount_kind <> 'none'"
    keep = plain
    if with_register:
        keep += (" AND NOT EXISTS (SELECT 1 FROM claimed k WHERE k.rule_id = e.rule_id AND k.year = e.year AND "
                 "(k.credit_code = c.credit_code OR k.name_key = name_key(c.name)))")
    table = con.sql(_push_sql(keep)).to_arrow_table()
    total = con.execute("SELECT count(*) FROM eligible_all e JOIN rules_meta m ON m.rule_id = e.rule_id "
                        f"WHERE {plain}").fetchall()[0][0]
    return table, int(total) - table.num_rows


def summary_table(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """Counts and money by rule, year, district and level (the budget forecast)."""
    return con.sql("""
        SELECT s.rule_id, m.title, s.year, s.district, m.level,
               sum(CASE WHEN status = 'eligible' THEN n ELSE 0 END) AS eligible,
               COALESCE(sum(CASE WHEN status = 'eligible' THEN amount END), 0) AS eligible_wan,
               sum(CASE WHEN status = 'needs_info' THEN n ELSE 0 END) AS needs_info,
               COALESCE(sum(CASE WHEN status = 'needs_info' THEN amount END), 0) AS needs_info_wan,
               sum(CASE WHEN status = 'not_eligible' THEN n ELSE 0 END) AS not_eligible
        FROM summary_parts s JOIN rules_meta m ON m.rule_id = s.rule_id
        GROUP BY s.rule_id, m.title, s.year, s.district, m.level
        ORDER BY s.rule_id, s.year, s.district""").to_arrow_table()


def _write_summary(con: duckdb.DuckDBPyConnection, path: str | Path) -> Path:
    from .output import write_table

    return write_table(summary_table(con), path, SUMMARY_HEADER)


# ------------------------------------------------------------------ in memory (the app)


def tables_for(screened: Screened, findings: pa.Table, ruleset: RuleSet) -> None:
    """Make ``findings`` the current result of ``screened``: the push list, the summary and
    the enriched findings are then read with :func:`summary_table`, :func:`push_table` and
    :func:`findings_table`."""
    con = screened.con
    _rules_meta(con, ruleset)
    con.register("current_findings", findings)
    _start_tables(con)
    _add_chunk(con, "current_findings")


def push_table(screened: Screened, include_support: bool = False) -> pa.Table:
    """The push list of the current result (see :func:`tables_for`)."""
    return push_list(screened.con, False, include_support)[0]


def findings_table(screened: Screened) -> pa.Table:
    """The current findings with company and rule columns (as ``subsidy screen`` writes them)."""
    return screened.con.sql((_ENRICH + _ORDER).replace("FROM chunk f", "FROM current_findings f")).to_arrow_table()


def company_ids(screened: Screened, text: str, limit: int = 20) -> list[tuple[int, str, str]]:
    """Companies whose credit code or name contains ``text``: (cid, name, credit code)."""
    pattern = "%" + text.strip().replace("%", "").replace("_", "") + "%"
    return [(int(c), n, code or "") for c, n, code in screened.con.execute(
        "SELECT cid, name, credit_code FROM companies WHERE name LIKE ? OR credit_code LIKE upper(?) "
        "ORDER BY cid LIMIT ?", [pattern, pattern, limit]).fetchall()]
