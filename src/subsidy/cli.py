"""Command line: ``subsidy check | rules | schema``.

Exit status 0 on a completed evaluation (whatever it found), 2 on a refused profile or rule
file, with a bilingual message on standard error and never a traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from . import vocab
from .cli_claims import register_commands
from .cli_common import InterpOpt, RulesOpt, check_format, check_lang, err, out, refuse, ruleset_for
from .cli_screen import register_commands as register_screen_commands
from .evaluate import evaluate
from .findings import STATUS_ORDER, Finding, Report
from .money import format_wan, format_wan_both
from .profile import ProfileError, load_profile, profile_json_schema
from .ruleset import RuleSet

app = typer.Typer(
    help="武汉产业政策奖补资格计算器 / Wuhan industrial-policy award eligibility calculator",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
@app.command()
def check(
    profile: Annotated[str, typer.Argument(help="企业档案 JSON 文件，- 表示标准输入 / profile JSON, - for stdin")],
    year: Annotated[int | None, typer.Option(help="只看该年度事件 / only events of this year")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table | json")] = "table",
    lang: Annotated[str, typer.Option(help="zh | en")] = "zh",
    interp: InterpOpt = None,
    rules: RulesOpt = None,
) -> None:
    """核查一家企业可获得的奖励 / evaluate one company profile."""
    check_format(fmt)
    check_lang(lang)
    if year is not None and not 1990 <= year <= 2100:
        refuse(f"--year 应在1990至2100之间 / --year must be within 1990..2100, got {year}")
    try:
        text = sys.stdin.buffer.read() if profile == "-" else Path(profile).read_bytes()
    except OSError as exc:
        refuse(f"无法读取档案文件 / cannot read the profile file {profile!r}: {exc.strerror}")
    try:
        parsed = load_profile(text)
    except ProfileError as exc:
        refuse(f"企业档案无效 / profile refused:\n{exc}")
    ruleset = ruleset_for(rules, interp)
    report = evaluate(parsed, rules=ruleset, year=year)
    if fmt == "json":
        sys.stdout.write(json.dumps(report.contract(), ensure_ascii=False, indent=2) + "\n")
    else:
        print_report(report, ruleset, lang)


def print_report(report: Report, ruleset: RuleSet, lang: str = "zh") -> None:
    """A readable table per status, with the total and the readings in force."""
    zh = lang != "en"
    out.print(f"[bold]{report.company}[/]  " + (f"统一社会信用代码 {report.credit_code}" if report.credit_code else ""))
    groups = report.by_status()
    for status in STATUS_ORDER:
        items = groups[status]
        if not items:
            continue
        count = f"（{len(items)}）" if zh else f" ({len(items)})"
        table = Table(title=vocab.label(vocab.STATUSES, status, lang) + count, show_lines=True,
                      title_justify="left")
        table.add_column("年度" if zh else "Year", no_wrap=True)
        table.add_column("条款" if zh else "Clause")
        table.add_column("金额" if zh else "Amount", justify="right", no_wrap=True)
        table.add_column("理由" if zh else "Reasons")
        for f in items:
            table.add_row(str(f.year or ""), *_finding_cells(f, zh, lang))
        out.print(table)
    for hint in report.hints:
        out.print(Text.assemble(("提示 / hint: ", "yellow"), hint.text if zh else hint.text_en))
    _print_readings(report, ruleset, zh)
    total = format_wan_both(report.total_wan) if zh else format_wan(report.total_wan, "en")
    out.print(f"[bold]{'可获得定额奖励合计' if zh else 'Total of eligible amounts'}: {total}[/]")
    switched = {k: v for k, v in report.readings.items() if v != "default"}
    readings = "、".join(f"{k}={v}" for k, v in switched.items()) or ("全部默认解释" if zh else "all default readings")
    out.print(f"[dim]规则版本 ruleset {report.ruleset_version} · 解释 readings: {readings}[/]")


_MARK = {True: "✓", False: "✗", None: "?"}


def _finding_cells(f: Finding, zh: bool, lang: str) -> tuple[str, str, str]:
    """Clause, amount and reasons (with notes and what to provide) of one finding, escaped."""
    lines = [f"{_MARK[r.passed]} {escape(r.text if zh else (r.text_en or r.text))}" for r in f.reasons]
    if f.missing:
        lines.append(("需补充：" if zh else "Provide: ") + escape("；".join(f.missing)))
    for note in (f.notes if zh else (f.notes_en or f.notes)):
        lines.append(f"[dim]{'说明：' if zh else 'Note: '}{escape(note)}[/]")
    tier = f.tier_title if zh else (f.tier_title_en or f.tier_title)
    title = escape(f.title if zh else f.title_en)
    if tier and f.tier_title != f.title:
        title += "\n" + escape(tier)
    clause = f"{title}\n[dim]{f.rule_id} · {escape(f.clause.section)}[/]"
    return clause, _amount_text(f.amount_wan, f.amount_kind, "zh" if zh else "en"), "\n".join(lines)


def _print_readings(report: Report, ruleset: RuleSet, zh: bool) -> None:
    """The note of every reading that shaped an eligible or needs-information finding."""
    used = sorted({i for f in report.results if f.status in ("eligible", "needs_info") for i in f.interpretations})
    for iid in used:
        interp = ruleset.interpretations.get(iid)
        if interp is None:
            continue
        reading = getattr(interp, report.readings.get(iid, "default"))
        title = interp.title if zh else (interp.title_en or interp.title)
        out.print(Text.assemble((f"{iid} ", "bold"), f"{title}：" if zh else f"{title}: ",
                                reading.label_in("zh" if zh else "en"), " — ",
                                reading.text_in("zh" if zh else "en"), style="dim"))


def _amount_text(amount, kind: str, lang: str) -> str:
    if amount is not None:
        return format_wan(amount, lang)
    return vocab.label(vocab.AMOUNT_KINDS, kind, lang)


@app.command("rules")
def rules_catalogue(
    fmt: Annotated[str, typer.Option("--format", help="table | json")] = "table",
    interp: InterpOpt = None,
    rules: RulesOpt = None,
) -> None:
    """规则目录：每条条款的期限、区域、金额和原文 / the rule catalogue."""
    check_format(fmt)
    ruleset = ruleset_for(rules, interp)
    if fmt == "json":
        data = {
            "ruleset_version": ruleset.version,
            "readings": ruleset.readings,
            "policies": [p.model_dump(mode="json") for p in ruleset.policies.values()],
            "rules": [
                {**r.model_dump(mode="json", exclude={"tiers", "repeat", "select", "conditions"}),
                 "policy_id": ruleset.rule_policy[r.id],
                 "tiers": [{"id": t.id, "title": t.title, "amount_wan": str(t.amount_wan) if t.amount_wan is not None else None}
                           for t in r.all_tiers()]}
                for r in ruleset.rules.values()
            ],
        }
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return
    for policy in ruleset.policies.values():
        table = Table(title=f"{policy.title}\n[dim]{policy.id} · {policy.issuer} · 期限 {policy.window.text()} · 区域 {policy.area.text()}[/]",
                      show_lines=True, title_justify="left")
        table.add_column("规则 rule", no_wrap=True)
        table.add_column("条款 clause")
        table.add_column("金额 amount")
        table.add_column("原文 quote")
        for rule in ruleset.rules.values():
            if ruleset.rule_policy[rule.id] != policy.id:
                continue
            table.add_row(rule.id, f"{rule.title}\n[dim]{rule.section}[/]",
                          escape("\n".join(rule.amount_lines())), escape(rule.quote))
        out.print(table)
    out.print(f"[dim]规则版本 ruleset {ruleset.version}[/]")


@app.command()
def impact(
    new_rules: Annotated[Path | None, typer.Argument(help="修改后的规则目录 / the changed rules folder")] = None,
    sample: Annotated[int, typer.Option(help="生成的样本企业数 / size of the generated sample")] = 1000,
    profiles: Annotated[Path | None, typer.Option(help="企业档案 JSON 目录 / a folder of profile JSON files instead")] = None,
    interp: InterpOpt = None,
    rules: RulesOpt = None,
    population: Annotated[Path | None, typer.Option(help="企业年度数据文件（整体测算）/ a population file (columnar path)")] = None,
    changes: Annotated[Path | None, typer.Option(help="变化明细输出文件 / write the changed companies to this file")] = None,
) -> None:
    """规则改动影响评估 / what a rule change does to a population, rule by rule."""
    if population is not None:
        from .cli_screen import impact_population

        return impact_population(population, new_rules, interp, rules, changes_out=changes)
    from .impact import compare
    from .sample import sample_profiles

    before = ruleset_for(rules, None)
    after = ruleset_for(new_rules, interp) if new_rules else ruleset_for(rules, interp)
    if profiles is not None:
        population = []
        for path in sorted(profiles.glob("*.json")):
            try:
                population.append(load_profile(path.read_bytes()))
            except ProfileError as exc:
                refuse(f"{path.name}: {exc}")
    else:
        population = sample_profiles(sample)
    result = compare(population, before, after)
    table = Table(title=f"规则改动影响 / impact — {result.companies} 家企业 companies · "
                        f"{result.before_version} → {result.after_version}", title_justify="left")
    for column in ("规则 rule", "变化 changed", "奖励合计 before", "奖励合计 after", "变化类型 transitions", "示例 examples"):
        table.add_column(column)
    for entry in result.rules.values():
        if not entry.changed and entry.total_before == entry.total_after:
            continue
        table.add_row(entry.rule_id, str(entry.changed), format_wan(entry.total_before), format_wan(entry.total_after),
                      "\n".join(f"{k}: {v}" for k, v in entry.transitions.items()), "\n".join(entry.examples))
    out.print(table)
    out.print(f"合计 total: {format_wan_both(result.total_before)} → {format_wan_both(result.total_after)}")


@app.command()
def schema() -> None:
    """打印企业档案的 JSON Schema / print the profile's JSON Schema."""
    sys.stdout.write(json.dumps(profile_json_schema(), ensure_ascii=False, indent=2) + "\n")


register_commands(app)  # template, verify, decide, history (claim verification)
register_screen_commands(app)  # screen, sample (whole populations)


def main() -> None:
    """Console entry point: no traceback ever reaches the user."""
    try:
        app()
    except SystemExit:
        raise
    except KeyboardInterrupt:
        err.print("已中断 / interrupted")
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 — last line of defence for the CLI face
        err.print(Text.assemble(("内部错误 / internal error: ", "bold red"), f"{type(exc).__name__}: {exc}"))
        sys.exit(1)


if __name__ == "__main__":
    main()
