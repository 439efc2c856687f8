"""Screening a population: load, validate, derive facts, run the compiled rules.

The use case behind ``subsidy screen``, ``subsidy impact --population`` and the 政策测算
page. Findings come out as Arrow tables (company × rule × year × tier, not-applicable rows
left out unless asked for).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from .. import population
from ..profile import Profile
from ..ruleset import RuleSet
from . import facts as cfacts
from .run import CHUNK, connect, run_chunks


@dataclass
class Screened:
    """A loaded population on a DuckDB connection, ready to run any rule set over."""

    con: duckdb.DuckDBPyConnection
    loaded: population.Loaded

    def findings(self, ruleset: RuleSet, *, keep_not_applicable: bool = False, chunk: int = CHUNK,
                 progress: Callable[[int, int], None] | None = None) -> pa.Table:
        tables = list(self.iter_findings(ruleset, keep_not_applicable=keep_not_applicable,
                                         chunk=chunk, progress=progress))
        return pa.concat_tables(tables) if tables else _empty(self.con)

    def iter_findings(self, ruleset: RuleSet, **kwargs):
        return run_chunks(self.con, ruleset, **kwargs)

    def profile(self, cid: int) -> Profile:
        """One company as a validated profile (to open with the interactive engine)."""
        return population.company_profile(self.con, self.loaded, cid)


def _empty(con: duckdb.DuckDBPyConnection) -> pa.Table:
    return pa.table({"cid": pa.array([], pa.int64()), "rule_id": pa.array([], pa.string()),
                     "year": pa.array([], pa.int32()), "status": pa.array([], pa.string()),
                     "amount_wan": pa.array([], pa.decimal128(38, 6)), "tier": pa.array([], pa.string())})


def _prepare(con: duckdb.DuckDBPyConnection, loaded: population.Loaded) -> Screened:
    cfacts.build_facts(con, loaded.parsed)
    return Screened(con, loaded)


def from_file(path, *, max_bytes: int = population.MAX_BYTES, memory_limit: str | None = "2GB") -> Screened:
    """Read, validate and prepare a population file (raises PopulationError when refused)."""
    con = connect(memory_limit)
    loaded = population.load(path, con, max_bytes=max_bytes)
    return _prepare(con, loaded)


def from_profiles(profiles: Iterable[Profile], memory_limit: str | None = "2GB") -> Screened:
    """Profiles laid out as a population (one row per year), validated the same way."""
    con = connect(memory_limit)
    rows = [row for p in profiles for row in population.profile_rows(p)]
    con.register("raw_arrow", population.rows_table(rows))
    con.execute("CREATE OR REPLACE TEMP TABLE raw AS SELECT row_number() OVER () + 1 AS row_no, * FROM raw_arrow")
    con.unregister("raw_arrow")
    loaded = population.validate(con)
    return _prepare(con, loaded)


# ------------------------------------------------------------------ screening to files

FINDINGS_HEADER = {
    "credit_code": "统一社会信用代码", "name": "企业名称", "district": "所在区", "sector": "行业",
    "rule_id": "规则编号", "policy_id": "政策编号", "title": "条款", "level": "层级", "year": "年度",
    "tier": "档次", "status": "结论", "amount_wan": "金额（万元）", "missing": "需补充",
    "failing": "首个未满足条件", "subject": "事项", "source_row": "源文件行号",
}
PUSH_HEADER = {
    **FINDINGS_HEADER, "revenue_wan": "营业收入（万元）", "main_revenue_wan": "主营业务收入（万元）",
    "contribution_wan": "区级财政贡献（万元）", "contribution_growth_pct": "区级财政贡献增幅（%）",
    "contacts": "责任单位", "section": "条款章节",
}
SUMMARY_HEADER = {
    "rule_id": "规则编号", "title": "条款", "year": "年度", "district": "所在区", "level": "层级",
    "eligible": "可获得（家次）", "eligible_wan": "可获得金额（万元）", "needs_info": "待补充信息（家次）",
    "needs_info_wan": "待补充信息的预计金额（万元）", "not_eligible": "不符合（家次）",
}


@dataclass
class ScreenResult:
    loaded: population.Loaded
    findings: int = 0
    eligible: int = 0
    needs_info: int = 0
    pushed: int = 0
    already_claimed: int = 0
    eligible_wan: object = 0
    paths: dict[str, str] | None = None


def _rules_meta(con: duckdb.DuckDBPyConnection, ruleset: RuleSet) -> None:
    rows = []
    for rule in ruleset.rules.values():
        policy = ruleset.policy_of(rule.id)
        rows.append({"rule_id": rule.id, "policy_id": policy.id, "title": rule.title,
                     "level": "city" if policy.area.wuhan else "district",
                     "contacts": "、".join(rule.contacts), "section": rule.section,
                     "amount_kind": rule.award.kind})
    con.register("rules_meta_arrow", pa.Table.from_pylist(rows))
    con.execute("CREATE OR REPLACE TEMP TABLE rules_meta AS SELECT * FROM rules_meta_arrow")
    con.unregister("rules_meta_arrow")


_ENRICH = """
SELECT c.credit_code, c.name, c.district, c.sector, f.rule_id, m.policy_id, m.title, m.level, f.year,
       f.tier, f.status, f.amount_wan, f.missing, f.failing, f.fid AS subject, c.first_row AS source_row
FROM chunk f JOIN companies c ON c.cid = f.cid JOIN rules_meta m ON m.rule_id = f.rule_id
ORDER BY f.cid, f.rule_order, f.year, f.fid, f.tier_rank
"""


def _claimed(register_url: str | None) -> pa.Table | None:
    """Claims the register already holds (claimed or decided), read through its models."""
    if register_url is None:
        return None
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from ..register import ClaimRow, Register

    reg = Register(register_url, create=False)
    try:
        with Session(reg.engine) as s:
            rows = s.execute(select(ClaimRow.credit_code, ClaimRow.name_key, ClaimRow.rule_id,
                                    ClaimRow.year)).all()
    finally:
        reg.dispose()
    return pa.table({"credit_code": pa.array([r[0] for r in rows], pa.string()),
                     "name_key": pa.array([r[1] for r in rows], pa.string()),
                     "rule_id": pa.array([r[2] for r in rows], pa.string()),
                     "year": pa.array([r[3] for r in rows], pa.int32())})


def screen_file(source, out, ruleset: RuleSet, *, push_path=None, summary_path=None,
                register_url: str | None = None, keep_not_applicable: bool = False,
                include_support: bool = False,
                chunk: int = CHUNK, max_bytes: int = population.MAX_BYTES,
                memory_limit: str | None = "2GB",
                progress: Callable[[str, int, int], None] | None = None) -> ScreenResult:
    """Screen a population file: findings, push list and summary, each written whole or not
    at all. Raises PopulationError for a refused file, OutputError for a bad output."""
    from ..claims.model import company_name_key
    from .output import TableWriter, format_of

    for path in (out, push_path, summary_path):
        if path is not None:
            format_of(path)
    if progress:
        progress("read", 0, 1)
    screened = from_file(source, max_bytes=max_bytes, memory_limit=memory_limit)
    con = screened.con
    result = ScreenResult(loaded=screened.loaded, paths={})
    _rules_meta(con, ruleset)
    con.execute("CREATE OR REPLACE TEMP TABLE eligible_all AS SELECT * FROM (SELECT CAST(NULL AS BIGINT) AS cid, "
                "CAST(NULL AS VARCHAR) AS rule_id, 0 AS rule_order, CAST(NULL AS INTEGER) AS year, "
                "CAST(NULL AS VARCHAR) AS fid, 0 AS tier_rank, CAST(NULL AS VARCHAR) AS tier, "
                "CAST(NULL AS DECIMAL(38,6)) AS amount_wan) WHERE FALSE")
    con.execute("CREATE OR REPLACE TEMP TABLE summary_parts (rule_id VARCHAR, year INTEGER, district VARCHAR, "
                "status VARCHAR, n BIGINT, amount DECIMAL(38,6))")
    writer = TableWriter(out, FINDINGS_HEADER)
    try:
        def step(done: int, total: int) -> None:
            if progress:
                progress("screen", done, total)

        for table in screened.iter_findings(ruleset, keep_not_applicable=keep_not_applicable,
                                            chunk=chunk, progress=step):
            con.register("chunk", table)
            writer.write(con.sql(_ENRICH).to_arrow_table())
            con.execute("INSERT INTO eligible_all SELECT cid, rule_id, rule_order, year, fid, tier_rank, tier, "
                        "amount_wan FROM chunk WHERE status = 'eligible'")
            con.execute("INSERT INTO summary_parts SELECT f.rule_id, f.year, c.district, f.status, count(*), "
                        "sum(f.amount_wan) FROM chunk f JOIN companies c ON c.cid = f.cid "
                        "GROUP BY ALL")
            con.unregister("chunk")
            result.findings += table.num_rows
        result.paths["findings"] = str(writer.close())
    except BaseException:
        writer.abort()
        raise
    counts = dict(con.execute("SELECT status, sum(n) FROM summary_parts GROUP BY status").fetchall())
    result.eligible, result.needs_info = int(counts.get("eligible", 0)), int(counts.get("needs_info", 0))
    result.eligible_wan = con.execute("SELECT COALESCE(sum(amount), 0) FROM summary_parts "
                                      "WHERE status = 'eligible'").fetchall()[0][0]
    if summary_path is not None:
        result.paths["summary"] = str(_write_summary(con, summary_path))
    if push_path is not None:
        claimed = _claimed(register_url)
        if claimed is not None:
            con.register("claimed", claimed)
            con.create_function("name_key", company_name_key, ["VARCHAR"], "VARCHAR")
        result.pushed, result.already_claimed = _write_push(con, push_path, claimed is not None,
                                                            include_support)
        result.paths["push"] = str(push_path)
    return result


_PUSH = """
SELECT c.credit_code, c.name, c.district, e.rule_id, m.title, m.section, m.level, e.year, e.tier, e.amount_wan,
       CASE WHEN y.cid IS NOT NULL THEN y.x_revenue_wan END AS revenue_wan,
       CASE WHEN y.cid IS NOT NULL THEN y.x_main_revenue_wan END AS main_revenue_wan,
       CASE WHEN y.cid IS NOT NULL THEN y.x_contribution_wan END AS contribution_wan,
       CASE WHEN y.x_contribution_growth__num IS NOT NULL
            THEN CAST(round(CAST(y.x_contribution_growth__num AS DOUBLE) * 100
                            / CAST(y.x_contribution_growth__den AS DOUBLE), 2) AS VARCHAR) END AS contribution_growth_pct,
       e.fid AS subject, m.contacts
FROM eligible_all e JOIN companies c ON c.cid = e.cid JOIN rules_meta m ON m.rule_id = e.rule_id
LEFT JOIN all_facts_company_year y ON y.cid = e.cid AND y.year = e.year AND e.fid LIKE 'company_year:%'
WHERE {keep}
ORDER BY c.district, e.rule_id, e.year, c.cid
"""


def _write_push(con: duckdb.DuckDBPyConnection, path, with_register: bool,
                include_support: bool = False) -> tuple[int, int]:
    from .output import write_table

    keep = "TRUE" if include_support else "m.amount_kind <> 'none'"
    if with_register:
        keep += (" AND NOT EXISTS (SELECT 1 FROM claimed k WHERE k.rule_id = e.rule_id AND k.year = e.year AND "
                "(k.credit_code = c.credit_code OR k.name_key = name_key(c.name)))")
    table = con.sql(_PUSH.format(keep=keep)).to_arrow_table()
    plain = "TRUE" if include_support else "m.amount_kind <> 'none'"
    total = con.execute("SELECT count(*) FROM eligible_all e JOIN rules_meta m ON m.rule_id = e.rule_id "
                        f"WHERE {plain}").fetchall()[0][0]
    write_table(table, path, PUSH_HEADER)
    return table.num_rows, int(total) - table.num_rows


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


def _write_summary(con: duckdb.DuckDBPyConnection, path):
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
    con.execute("CREATE OR REPLACE TEMP TABLE eligible_all AS SELECT cid, rule_id, rule_order, year, fid, "
                "tier_rank, tier, amount_wan FROM current_findings WHERE status = 'eligible'")
    con.execute("CREATE OR REPLACE TEMP TABLE summary_parts AS SELECT f.rule_id, f.year, c.district, f.status, "
                "count(*) AS n, sum(f.amount_wan) AS amount FROM current_findings f "
                "JOIN companies c ON c.cid = f.cid GROUP BY ALL")


def push_table(screened: Screened, include_support: bool = False) -> pa.Table:
    keep = "TRUE" if include_support else "m.amount_kind <> 'none'"
    return screened.con.sql(_PUSH.format(keep=keep)).to_arrow_table()


def findings_table(screened: Screened) -> pa.Table:
    """The current findings with company and rule columns (as ``subsidy screen`` writes them)."""
    return screened.con.sql(_ENRICH.replace("FROM chunk f", "FROM current_findings f")).to_arrow_table()


def company_ids(screened: Screened, text: str, limit: int = 20) -> list[tuple[int, str, str]]:
    """Companies whose credit code or name contains ``text``: (cid, name, credit code)."""
    pattern = "%" + text.strip().replace("%", "").replace("_", "") + "%"
    return [(int(c), n, code or "") for c, n, code in screened.con.execute(
        "SELECT cid, name, credit_code FROM companies WHERE name LIKE ? OR credit_code LIKE upper(?) "
        "ORDER BY cid LIMIT ?", [pattern, pattern, limit]).fetchall()]
