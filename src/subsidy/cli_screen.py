"""Command line for whole populations: ``subsidy screen``, ``subsidy sample`` and the
population mode of ``subsidy impact``.

Refusals follow the other commands: a bilingual message on standard error, exit status 2,
never a traceback, and no output file left half-written.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from .cli_common import InterpOpt, RulesOpt, err, out, refuse, ruleset_for
from .money import format_wan_both

MAX_SAMPLE = 5_000_000

LAYOUT_HELP = (
    "企业年度数据文件 / population file (.parquet, .csv UTF-8, .xlsx): 每家企业每年一行 / one row per company and "
    "year. 列名即企业档案字段名 / columns are the profile's field names: 必填 required name, district, sector, "
    "year; 年度指标 yearly figures {years}; 企业层面（每行重复或只填一行）company-level (repeated, or on one "
    "row): credit_code, {company}; JSON 文本 JSON text cells: {json}. 空白 = 缺失，不按0计算 / blank = "
    "missing, never zero. 错误按行号列出并跳过该行或该企业 / bad rows are listed by row number and skipped. "
    "See README: 整体测算."
)


def _layout_help() -> str:
    from .population import COMPANY_MONEY, COMPANY_YEARS, JSON_FIELDS, YEAR_FIELDS

    return LAYOUT_HELP.format(years=", ".join(YEAR_FIELDS), company=", ".join((*COMPANY_YEARS, *COMPANY_MONEY)),
                              json=", ".join(JSON_FIELDS))


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                    TimeElapsedColumn(), console=err, transient=True)


def _stem(path: Path, suffix: str) -> Path:
    return path.with_name(path.name.rsplit(".", 1)[0] + suffix)


def screen(
    population: Annotated[Path, typer.Argument(help="企业年度数据文件 / population file (.parquet, .csv, .xlsx)",
                                               show_default=False)],
    out_path: Annotated[Path, typer.Option("--out", help="结论文件 / findings file (.parquet, .csv, .xlsx)")],
    list_kind: Annotated[str | None, typer.Option("--list", help="eligible：输出免申即享推送清单 / write the push list")] = None,
    list_out: Annotated[Path | None, typer.Option("--list-out", help="推送清单文件 / push list file (default FINDINGS.push.xlsx)")] = None,
    summary: Annotated[Path | None, typer.Option("--summary", help="汇总文件 / summary file (default FINDINGS.summary.xlsx)")] = None,
    register: Annotated[str | None, typer.Option("--register", help="登记簿数据库地址：已申报或已决定的奖励不再推送 / register URL: leave out awards already claimed or decided")] = None,
    support: Annotated[bool, typer.Option("--support/--no-support", help="推送清单包含非资金支持措施 / include non-monetary support in the push list")] = False,
    keep_not_applicable: Annotated[bool, typer.Option("--keep-not-applicable", help="保留不适用（期限/区域外）的行 / keep not_applicable rows")] = False,
    errors_out: Annotated[Path | None, typer.Option("--errors", help="错误行清单 / row errors file (default FINDINGS.errors.csv)")] = None,
    chunk: Annotated[int | None, typer.Option(help="每批企业数（默认一百万：全市一批）/ companies per chunk (default a million: a city in one)", min=1000, max=2_000_000)] = None,
    interp: InterpOpt = None,
    rules: RulesOpt = None,
) -> None:
    """整体测算：全部企业对照全部条款（免申即享推送、公示、预算）/ screen a whole population.

    POPULATION: one row per company and year; see the layout below (and README: 整体测算).
    """
    from .columnar.output import OutputError
    from .columnar.screen import screen_file
    from .population import PopulationError
    from .register import RegisterError

    if list_kind not in (None, "eligible"):
        refuse(f"--list 只支持 eligible / --list takes eligible, got {list_kind!r}")
    ruleset = ruleset_for(rules, interp)
    push = (list_out or _stem(out_path, ".push.xlsx")) if list_kind else None
    summary_path = summary or _stem(out_path, ".summary.xlsx")
    err_path = errors_out or _stem(out_path, ".errors.csv")
    started = time.perf_counter()
    with _progress() as bar:
        task = bar.add_task("读取与校验 / reading", total=1)

        def progress(stage: str, done: int, total: int) -> None:
            if stage == "screen":
                bar.update(task, description="测算 / screening", total=total, advance=done)

        try:
            result = screen_file(population, out_path, ruleset, push_path=push, summary_path=summary_path,
                                 errors_path=err_path, register_url=register,
                                 keep_not_applicable=keep_not_applicable, include_support=support,
                                 **({"chunk": chunk} if chunk else {}), progress=progress)
        except PopulationError as exc:
            refuse(f"企业年度数据文件被拒绝 / population file refused: {exc.zh} / {exc.en}")
        except OutputError as exc:
            refuse(f"{exc.zh} / {exc.en}")
        except RegisterError as exc:
            refuse(str(exc))
        except MemoryError:
            refuse("内存不足：请用 --chunk 减小每批企业数，或按区拆分文件 / out of memory: lower --chunk or "
                   "split the file by district")
    loaded = result.loaded
    if loaded.error_count:
        err.print(Text(f"{loaded.error_count} 处错误，相关行或企业已跳过（未按0计算）/ {loaded.error_count} problems; "
                       f"those rows or companies were skipped, never read as zero — {err_path}", style="yellow"))
        for problem in loaded.errors[:20]:
            err.print(Text(problem.text()))
    table = Table(title=f"整体测算 / screening — {loaded.companies} 家企业 companies, {loaded.rows_used} 行 rows",
                  title_justify="left")
    table.add_column("项目 item")
    table.add_column("数值 value", justify="right")
    table.add_row("结论行 findings", str(result.findings))
    table.add_row("可获得 eligible", str(result.eligible))
    table.add_row("待补充信息 needs_info", str(result.needs_info))
    table.add_row("可获得金额 eligible amount", format_wan_both(result.eligible_wan))
    if push:
        table.add_row("推送 pushed", str(result.pushed))
        table.add_row("已申报/已决定（未推送）already claimed", str(result.already_claimed))
    table.add_row("用时 seconds", f"{time.perf_counter() - started:.1f}")
    out.print(table)
    for kind, path in (result.paths or {}).items():
        out.print(Text(f"{kind}: {path}"))


def sample(
    n: Annotated[int, typer.Option("--n", help="企业数 / number of companies", min=1, max=MAX_SAMPLE)] = 10_000,
    seed: Annotated[int, typer.Option(help="随机种子 / seed")] = 20261202,
    first_year: Annotated[int, typer.Option("--first-year", help="首个年度 / first year", min=1990, max=2098)] = 2019,
    years: Annotated[int, typer.Option(help="年数 / years per company", min=1, max=10)] = 3,
    out_path: Annotated[Path, typer.Option("--out", help="输出文件 / output (.parquet, .csv, .xlsx)")] = Path("population.parquet"),
) -> None:
    """生成测算用的企业样本 / generate a realistic population (see population_sample.MIX)."""
    from .columnar.output import OutputError, format_of, write_table
    from .population_sample import sample_population

    try:
        format_of(out_path)
        if first_year + years - 1 > 2100:
            refuse("年度超出2100 / years beyond 2100")
        started = time.perf_counter()
        table = sample_population(n, seed=seed, first_year=first_year, years=years)
        write_table(table, out_path)
    except OutputError as exc:
        refuse(f"{exc.zh} / {exc.en}")
    out.print(Text(f"{n} 家企业 × {years} 年 → {out_path}（{time.perf_counter() - started:.1f} 秒）"))


def impact_population(population: Path, new_rules: Path | None, interp: list[str] | None,
                      rules: Path | None, limit: int = 20, changes_out: Path | None = None) -> None:
    """``subsidy impact NEW_RULES --population FILE``: the columnar path over a population."""
    from .columnar.output import OutputError, format_of, write_table
    from .columnar.screen import from_file
    from .impact import population_impact
    from .population import PopulationError

    before = ruleset_for(rules, None)
    after = ruleset_for(new_rules, interp) if new_rules else ruleset_for(rules, interp)
    try:
        if changes_out is not None:
            format_of(changes_out)
        screened = from_file(population)
    except PopulationError as exc:
        refuse(f"企业年度数据文件被拒绝 / population file refused: {exc.zh} / {exc.en}")
    except OutputError as exc:
        refuse(f"{exc.zh} / {exc.en}")
    loaded = screened.loaded
    if loaded.error_count:
        err.print(Text(f"{loaded.error_count} 处错误，相关行或企业已跳过（未按0计算）/ {loaded.error_count} problems; "
                       "those rows or companies were skipped", style="yellow"))
        for problem in loaded.errors[:5]:
            err.print(Text(problem.text()))
    with _progress() as bar:
        task = bar.add_task("测算 / screening", total=2)
        result = population_impact(screened, before, after, progress=lambda: bar.advance(task))
    table = Table(title=f"规则改动影响 / impact — {screened.loaded.companies} 家企业 companies · "
                        f"{before.version} → {after.version}", title_justify="left")
    for column in ("规则 rule", "年度 year", "区 district", "变化企业 changed", "增 gained", "减 lost",
                   "金额变化 money moved"):
        table.add_column(column)
    for row in result.by_rule.to_pylist():
        table.add_row(Text(row["rule_id"]), str(row["year"]), Text(row["district"]), str(row["changed"]),
                      str(row["gained"]), str(row["lost"]), format_wan_both(row["delta_wan"]))
    out.print(table)
    out.print(f"合计 total: {format_wan_both(result.total_before)} → {format_wan_both(result.total_after)}")
    changes = result.changes
    if changes_out is not None:
        try:
            write_table(changes, changes_out)
        except OutputError as exc:
            refuse(f"{exc.zh} / {exc.en}")
        out.print(Text(f"变化明细 changes: {changes_out}"))
    listed = Table(title=f"获益或受损的企业（前{limit}）/ companies gaining or losing (first {limit})",
                   title_justify="left")
    for column in ("企业 company", "规则 rule", "年度 year", "之前 before", "之后 after", "金额变化 delta"):
        listed.add_column(column)
    for row in changes.slice(0, limit).to_pylist():
        listed.add_row(Text(row["name"]), row["rule_id"], str(row["year"]), row["before"], row["after"],
                       format_wan_both(row["delta_wan"]))
    out.print(listed)


def register_commands(app: typer.Typer) -> None:
    app.command("screen", epilog=_layout_help())(screen)
    app.command("sample")(sample)
