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
from rich.table import Table
from rich.text import Text

from . import vocab
from .cli_claims import register_commands
from .cli_common import (
    InterpOpt,
    RulesOpt,
    check_format,
    check_lang,
    err,
    out,
    plain,
    refuse,
    ruleset_for,
    shown,
    styled,
)
from .cli_screen import register_commands as register_screen_commands
from .evaluate import evaluate
from .findings import STATUS_ORDER, Finding, Report
from .money import format_wan, format_wan_both
from .profile import MAX_PROFILE_BYTES, ProfileError, load_profile, profile_json_schema
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
        text = _read_bounded(profile)
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


def _read_bounded(source: str | Path) -> bytes:
    """A profile file's bytes (``-``: standard input), never more than one byte past the
    size limit: a larger file is refused by :func:`load_profile` without being read whole."""
    if str(source) == "-":
        return sys.stdin.buffer.read(MAX_PROFILE_BYTES + 1)
    with open(source, "rb") as handle:
        return handle.read(MAX_PROFILE_BYTES + 1)


def print_report(report: Report, ruleset: RuleSet, lang: str = "zh") -> None:
    """A readable table per status, with the total and the readings in force."""
    zh = lang != "en"
    out.print(styled("[bold]{}[/]  {}", report.company,
                     f"统一社会信用代码 {report.credit_code}" if report.credit_code else ""))
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
        out.print(Text.assemble(("提示 / hint: ", "yellow"), shown(hint.text if zh else hint.text_en)))
    _print_readings(report, ruleset, zh)
    total = format_wan_both(report.total_wan) if zh else format_wan(report.total_wan, "en")
    out.print(styled("[bold]{}: {}[/]", "可获得定额奖励合计" if zh else "Total of eligible amounts", total))
    switched = {k: v for k, v in report.readings.items() if v != "default"}
    readings = "、".join(f"{k}={v}" for k, v in switched.items()) or ("全部默认解释" if zh else "all default readings")
    out.print(styled("[dim]规则版本 ruleset {} · 解释 readings: {}[/]", report.ruleset_version, readings))


_MARK = {True: "✓", False: "✗", None: "?"}


def _finding_cells(f: Finding, zh: bool, lang: str) -> tuple[Text, str, Text]:
    """Clause, amount and reasons (with notes and what to provide) of one finding, as text
    (reasons quote the profile's own names, which are never read as markup)."""
    lines = [plain(f"{_MARK[r.passed]} {r.text if zh else (r.text_en or r.text)}") for r in f.reasons]
    if f.missing:
        lines.append(plain(("需补充：" if zh else "Provide: ") + "；".join(f.missing)))
    for note in (f.notes if zh else (f.notes_en or f.notes)):
        lines.append(plain(("说明：" if zh else "Note: ") + note, style="dim"))
    tier = f.tier_title if zh else (f.tier_title_en or f.tier_title)
    title = f.title if zh else f.title_en
    if tier and f.tier_title != f.title:
        title += "\n" + tier
    clause = styled("{}\n[dim]{} · {}[/]", title, f.rule_id, f.clause.section)
    reasons = Text("\n").join(lines)
    return clause, _amount_text(f.amount_wan, f.amount_kind, "zh" if zh else "en"), reasons


def _print_readings(report: Report, ruleset: RuleSet, zh: bool) -> None:
    """The note of every reading that shaped an eligible or needs-information finding."""
    used = sorted({i for f in report.results if f.status in ("eligible", "needs_info") for i in f.interpretations})
    for iid in used:
        interp = ruleset.interpretations.get(iid)
        if interp is None:
            continue
        reading = getattr(interp, report.readings.get(iid, "default"))
        title = interp.title if zh else (interp.title_en or interp.title)
        out.print(Text.assemble((f"{iid} ", "bold"), shown(f"{title}：" if zh else f"{title}: "),
                                shown(reading.label_in("zh" if zh else "en")), " — ",
                                shown(reading.text_in("zh" if zh else "en")), style="dim"))


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
        table = Table(title=styled("{}\n[dim]{} · {} · 期限 {} · 区域 {}[/]", policy.title, policy.id,
                                   policy.issuer, policy.window.text(), policy.area.text()),
                      show_lines=True, title_justify="left")
        table.add_column("规则 rule", no_wrap=True)
        table.add_column("条款 clause")
        table.add_column("金额 amount")
        table.add_column("原文 quote")
        for rule in ruleset.rules.values():
            if ruleset.rule_policy[rule.id] != policy.id:
                continue
            table.add_row(rule.id, styled("{}\n[dim]{}[/]", rule.title, rule.section),
                          "\n".join(rule.amount_lines()), rule.quote)
        out.print(table)
    out.print(styled("[dim]规则版本 ruleset {}[/]", ruleset.version))


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
                population.append(load_profile(_read_bounded(path)))
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
    for stream in (sys.stdout, sys.stderr):
        # a character that cannot be encoded (a lone surrogate from an argument) is written
        # as an escape rather than ending the command
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    try:
        app()
    except SystemExit:
        raise
    except KeyboardInterrupt:
        err.print("已中断 / interrupted")
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 — last line of defence for the CLI face
        err.print(Text.assemble(("内部错误 / internal error: ", "bold red"), shown(f"{type(exc).__name__}: {exc}")))
        sys.exit(1)


if __name__ == "__main__":
    main()
