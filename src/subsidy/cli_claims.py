"""Command line for claim verification: ``subsidy template | verify | propose | decide | history``.

Registered on the main ``subsidy`` app by :func:`register_commands`. Like ``subsidy check``,
a refused input (a file too large or unreadable, an unknown claim, a wrong password, a role
that may not do this, a database that cannot be opened) exits with status 2 and a bilingual
message on standard error, never a traceback; a completed verification exits 0 whatever it
found.

Recording and deciding are done as a signed-in user (``--user``, password prompted; see
:mod:`subsidy.cli_auth`): a 经办 records batches and proposes, a 复核 decides.

Write first, print after: what is printed after a commit is plain :class:`rich.text.Text`
built from the stored values, never console markup, so a company name or a note such as
``[/x]`` is shown as it is and cannot make the command fail after the record was made (and a
retry record it twice).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from . import vocab
from .claims import ClaimsFileError, read_claims_file, template_bytes, template_csv
from .cli_auth import UserOpt, sign_in
from .cli_common import InterpOpt, RulesOpt, check_format, check_lang, err, out, refuse, ruleset_for
from .money import format_wan, format_wan_both
from .register import DB_URL_ENV, Register, RegisterError, register_exists
from .ruleset import RuleSet
from .verify import (
    STATUS_LABELS,
    VERDICT_ORDER,
    Verification,
    history_workbook,
    report_workbook,
    run_batch,
)

PROGRESS_FROM = 200
"""Batches with more claims than this show a progress bar (on standard error)."""
TABLE_UP_TO = 300
"""Larger batches print the summary only; the report workbook holds every verdict."""

DbOpt = Annotated[str | None, typer.Option("--db", help=f"登记簿数据库 / register database URL (default ${DB_URL_ENV} or sqlite:///subsidy-register.sqlite)")]


def _register(db: str | None) -> Register:
    try:
        return Register(db)
    except RegisterError as exc:
        refuse(str(exc))


def template(
    target: Annotated[Path, typer.Argument(help="输出文件 .xlsx 或 .csv / output file")],
    example: Annotated[bool, typer.Option("--example", help="填入示例企业和申报 / fill in example companies and claims")] = False,
    rules: RulesOpt = None,
) -> None:
    """生成申报核验模板 / write the claims template (Excel, or CSV)."""
    ruleset = ruleset_for(rules, None)
    try:
        if target.suffix.lower() == ".csv":
            target.write_text(template_csv(rules=ruleset, example=example), encoding="utf-8")
        else:
            if target.suffix.lower() != ".xlsx":
                refuse(f"模板文件应以 .xlsx 或 .csv 结尾 / the template must be .xlsx or .csv: {target}")
            target.write_bytes(template_bytes(rules=ruleset, example=example))
    except OSError as exc:
        refuse(f"无法写入 / cannot write {target}: {exc.strerror}")
    err.print(Text(f"已生成模板 / template written: {target}"))


def verify(
    claims_file: Annotated[Path, typer.Argument(help="申报文件 .xlsx 或 .csv / claims workbook or CSV")],
    report: Annotated[Path | None, typer.Option("--out", help="核验结果工作簿 / write the report workbook (.xlsx)")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table | json")] = "table",
    record: Annotated[bool, typer.Option("--record", help="记入登记簿（经办登录）/ record the verdicts (signed in as a clerk)")] = False,
    user: UserOpt = None,
    db: DbOpt = None,
    chunk_size: Annotated[int, typer.Option("--chunk-size", help="每个事务的申报条数 / claims per transaction")] = 200,
    lang: Annotated[str, typer.Option(help="zh | en")] = "zh",
    interp: InterpOpt = None,
    rules: RulesOpt = None,
) -> None:
    """逐条核验申报 / verify every claim of a workbook against the rules."""
    check_format(fmt)
    check_lang(lang)
    if chunk_size < 1:
        refuse("--chunk-size 应为正整数 / --chunk-size must be positive")
    if report is not None and report.suffix.lower() != ".xlsx":
        refuse(f"--out 应为 .xlsx 文件 / --out must be an .xlsx file: {report}")
    ruleset = ruleset_for(rules, interp)
    try:
        batch = read_claims_file(claims_file, rules=ruleset)
    except ClaimsFileError as exc:
        refuse(str(exc))
        return
    # The register is consulted whenever there is one (an approved one-time award makes a
    # claim a duplicate), so the CLI and the page give the same verdicts; it is created
    # only when recording.
    register = _register(db) if (record or register_exists(db)) else None
    official = None
    if record:
        assert register is not None
        official = sign_in(register, user, ("clerk",), ("记入登记簿", "recording")).username
    try:
        verification = _run(batch, ruleset, register, record, official, chunk_size)
    except RegisterError as exc:
        refuse(str(exc))
        return
    if report is not None:
        try:
            report_workbook(verification, report, rules=ruleset)
        except OSError as exc:
            refuse(f"无法写入 / cannot write {report}: {exc.strerror}")
    if fmt == "json":
        sys.stdout.write(json.dumps(verification.contract(), ensure_ascii=False, indent=2) + "\n")
    else:
        print_verification(verification, lang)
    if report is not None:
        err.print(Text(f"核验结果已写入 / report written: {report}"))
    if record and register is not None:
        err.print(Text(f"已记入登记簿 / recorded in {register.display_url}（批次 batch {verification.batch_id}）"))


def _run(batch: Any, ruleset: RuleSet, register: Register | None, record: bool,
         official: str | None, chunk_size: int) -> Verification:
    total = len(batch.claims)
    if total <= PROGRESS_FROM:
        return run_batch(batch, rules=ruleset, register=register, record=record,
                         official=official, chunk_size=chunk_size)
    with Progress(TextColumn("核验 verifying"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=err, transient=True) as bar:
        task = bar.add_task("verify", total=total)
        return run_batch(batch, rules=ruleset, register=register, record=record, official=official,
                         chunk_size=chunk_size,
                         progress=lambda done, _total: bar.update(task, completed=done))


def print_verification(verification: Verification, lang: str = "zh") -> None:
    """Verdicts (for batches up to :data:`TABLE_UP_TO` claims), problems, and the summary."""
    zh = lang != "en"
    if len(verification.verdicts) <= TABLE_UP_TO:
        table = Table(title="核验结果" if zh else "Verdicts", show_lines=True, title_justify="left")
        for head in (("行", "Row"), ("企业", "Company"), ("奖励条款", "Award"), ("年度", "Year"),
                     ("申报", "Claimed"), ("核定", "Computed"), ("结论", "Verdict"), ("理由", "Reasons")):
            table.add_column(head[0] if zh else head[1])
        for v in verification.verdicts:
            ident = f"{v.claim.sheet}:{v.claim.row}" + (f"\n#{v.register_claim_id}" if v.register_claim_id else "")
            table.add_row(Text(ident), Text(v.company or v.claim.company_name or ""),
                          Text.assemble(v.rule.title, "\n", (v.rule.id, "dim")),
                          str(v.claim.year), format_wan(v.claimed_wan, lang),
                          format_wan(v.computed_wan, lang) if v.computed_wan is not None else "—",
                          _styled(v.status, lang), Text(v.reasons_text(lang)))
        out.print(table)
    if verification.problems:
        table = Table(title=f"{'问题行（未核验）' if zh else 'Rows with problems (not verified)'}"
                            f"（{len(verification.problems)}）", title_justify="left", show_lines=True)
        for head in (("表", "Sheet"), ("行", "Row"), ("列", "Column"), ("问题", "Problem")):
            table.add_column(head[0] if zh else head[1])
        for problem in verification.problems[:100]:
            table.add_row(Text(problem.sheet), str(problem.row), Text(problem.field),
                          Text(problem.message_zh if zh else problem.message_en))
        out.print(table)
        if len(verification.problems) > 100:
            out.print(Text(f"… {len(verification.problems) - 100} more"))
    summary = verification.summary()
    table = Table(title="汇总" if zh else "Summary", title_justify="left")
    table.add_column("结论" if zh else "Verdict")
    table.add_column("条数" if zh else "Claims", justify="right")
    for status in VERDICT_ORDER:
        table.add_row(_styled(status, lang), str(summary["by_status"][status]))
    out.print(table)
    money = format_wan_both if zh else (lambda value: format_wan(value, "en"))
    out.print(Text(f"{'申报金额合计' if zh else 'Claimed'}: {money(summary['claimed_wan'])}  ·  "
                   f"{'核实通过' if zh else 'Confirmed'}: {money(summary['confirmed_wan'])}  ·  "
                   f"{'按规则核定' if zh else 'Supported by the rules'}: {money(summary['supported_wan'])}"))
    switched = {k: v for k, v in verification.readings.items() if v != "default"}
    readings = "、".join(f"{k}={v}" for k, v in switched.items()) or ("全部默认解释" if zh else "all default readings")
    out.print(Text(f"规则版本 ruleset {verification.ruleset_version} · 解释 readings: {readings}", style="dim"))


_STYLE = {"confirmed": "green", "amount_differs": "yellow", "not_eligible": "red",
          "needs_documents": "cyan", "out_of_scope": "magenta", "duplicate": "bold red"}


def _styled(status: str, lang: str) -> Text:
    return Text(vocab.label(STATUS_LABELS, status, lang), style=_STYLE.get(status, ""))


AmountOpt = Annotated[str | None, typer.Option("--amount", help="批准金额（万元），默认为核定金额 / approved amount (万元), default: the computed one")]
NoteOpt = Annotated[str, typer.Option("--note", help="备注（与核验结论不一致时必填）/ note (required against the verdict)")]


def _check_claim_id(claim_id: int) -> None:
    """A claim id no register can hold is refused before anything is opened (no overflow)."""
    if not 1 <= claim_id < 2**63:
        refuse(f"申报编号应为正整数 / the claim id must be a positive whole number, got {claim_id}")


def propose(
    claim_id: Annotated[int, typer.Argument(help="登记簿申报编号 / claim id in the register")],
    action: Annotated[str, typer.Argument(help="approve（批准）| reject（驳回）| return（退回补充材料）")],
    note: NoteOpt = "",
    amount: AmountOpt = None,
    user: UserOpt = None,
    db: DbOpt = None,
) -> None:
    """经办：提出对一条申报的决定，交复核 / a clerk proposes a decision for a reviewer."""
    _check_claim_id(claim_id)
    register = _register(db)
    clerk = sign_in(register, user, ("clerk",), ("提出决定", "proposing"))
    try:
        proposal = register.propose(claim_id, action, clerk, note, amount)
        claim = register.claim(claim_id)
    except RegisterError as exc:
        refuse(str(exc))
    amount_text = f" {format_wan(proposal.approved_wan)}" if proposal.approved_wan is not None else ""
    out.print(Text(f"提议编号 proposal #{proposal.id}：申报 #{claim.id} {claim.company_name} · {claim.rule_title} · "
                   f"{claim.year}年 → {proposal.label()}{amount_text}（{proposal.proposer}），待复核 / waiting for a reviewer"))


def decide(
    claim_id: Annotated[int, typer.Argument(help="登记簿申报编号 / claim id in the register")],
    action: Annotated[str, typer.Argument(help="approve（批准）| reject（驳回）| return（退回补充材料）")],
    note: NoteOpt = "",
    amount: AmountOpt = None,
    user: UserOpt = None,
    db: DbOpt = None,
) -> None:
    """复核：对经办的提议作出决定（新记录，从不覆盖）/ a reviewer decides on a clerk's proposal."""
    _check_claim_id(claim_id)
    register = _register(db)
    reviewer = sign_in(register, user, ("reviewer",), ("作出决定", "deciding"))
    try:
        decision = register.decide(claim_id, action, reviewer, note, amount)
        claim = register.claim(claim_id)
    except RegisterError as exc:
        refuse(str(exc))
    amount_text = f" {format_wan(decision.approved_wan)}" if decision.approved_wan is not None else ""
    out.print(Text(f"决定编号 decision #{decision.id}：申报 #{claim.id} {claim.company_name} · {claim.rule_title} · "
                   f"{claim.year}年 → {decision.label()}{amount_text}（提议 {decision.proposer}，复核 {decision.official}，"
                   f"{decision.decided_at.astimezone():%Y-%m-%d %H:%M}）"))
    if len(claim.decisions) > 1:
        previous = claim.decisions[-2]
        out.print(Text(f"此前的决定 previous: #{previous.id} {previous.label()}（{previous.official}，"
                       f"{previous.decided_at.astimezone():%Y-%m-%d %H:%M}），记录保留 / kept", style="dim"))


def history(
    company: Annotated[str, typer.Argument(help="统一社会信用代码或企业名称 / credit code or company name")],
    report: Annotated[Path | None, typer.Option("--out", help="导出 .xlsx / export to a workbook")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table | json")] = "table",
    user: UserOpt = None,
    db: DbOpt = None,
) -> None:
    """查看企业的申报与决定记录（登录后）/ a company's claims and decisions (signed in)."""
    check_format(fmt)
    register = _register(db)
    sign_in(register, user, ("clerk", "reviewer"), ("查看记录", "reading the register"))
    try:
        items = register.history(company)
    except RegisterError as exc:
        refuse(str(exc))
        return
    if report is not None:
        try:
            history_workbook(items, report)
        except OSError as exc:
            refuse(f"无法写入 / cannot write {report}: {exc.strerror}")
        err.print(Text(f"已导出 / exported: {report}"))
    if fmt == "json":
        sys.stdout.write(json.dumps([_history_json(item) for item in items], ensure_ascii=False,
                                    indent=2, default=str) + "\n")
        return
    if not items:
        out.print(Text(f"登记簿中没有「{company}」的申报 / no claims of {company!r} in the register"))
        return
    table = Table(title=Text(f"{items[0].company_name} 申报与决定记录"), show_lines=True, title_justify="left")
    for head in ("申报编号", "奖励条款", "年度", "申报", "核定", "核验结论", "决定记录"):
        table.add_column(head)
    for item in items:
        result = item.latest_result
        decisions = "\n".join(
            f"#{d.id} {d.label()}"
            + (f" {format_wan(d.approved_wan)}" if d.approved_wan is not None and d.action == "approve" else "")
            + f" · {d.proposer} → {d.official} · {d.decided_at.astimezone():%Y-%m-%d %H:%M}"
            + (f" · {d.note}" if d.note else "") for d in item.decisions) or "未决定"
        if item.open_proposal is not None:
            p = item.open_proposal
            decisions += f"\n待复核 waiting: 提议 #{p.id} {p.label()}（{p.proposer}）"
        table.add_row(str(item.id), Text.assemble(item.rule_title, "\n", (item.rule_id, "dim")), str(item.year),
                      format_wan(item.claimed_wan),
                      format_wan(result.computed_wan) if result and result.computed_wan is not None else "—",
                      _styled(result.status, "zh") if result else "—", Text(decisions))
    out.print(table)


def _history_json(item: Any) -> dict[str, Any]:
    from .money import to_json_number

    return {
        "claim_id": item.id, "company": item.company_name, "credit_code": item.credit_code,
        "rule_id": item.rule_id, "rule_title": item.rule_title, "year": item.year,
        "claimed_wan": to_json_number(item.claimed_wan), "source": item.source_name,
        "sheet": item.sheet, "row": item.row,
        "results": [{"id": r.id, "status": r.status, "computed_wan": to_json_number(r.computed_wan),
                     "ruleset_version": r.ruleset_version, "verified_at": r.verified_at.isoformat(),
                     "verified_by": r.verified_by} for r in item.results],
        "proposals": [{"id": p.id, "action": p.action, "proposer": p.proposer, "note": p.note,
                       "approved_wan": to_json_number(p.approved_wan), "proposed_at": p.proposed_at.isoformat(),
                       "decision_id": p.decision_id} for p in item.proposals],
        "decisions": [{"id": d.id, "action": d.action, "official": d.official, "proposer": d.proposer,
                       "proposal_id": d.proposal_id, "approved_wan": to_json_number(d.approved_wan),
                       "computed_wan": to_json_number(d.computed_wan), "note": d.note,
                       "decided_at": d.decided_at.isoformat(), "result_id": d.result_id,
                       "status_at_decision": d.status_at_decision,
                       "ruleset_version": d.ruleset_version, "readings": d.readings}
                      for d in item.decisions],
        "current_decision": item.current_decision.action if item.current_decision else None,
    }


def register_commands(app: typer.Typer) -> None:
    """Add the claim commands (and ``users``, ``register``, ``publish``) to the ``subsidy`` app."""
    from . import cli_auth, cli_publish

    cli_auth.register_commands(app)
    cli_publish.register_commands(app)
    app.command("template")(template)
    app.command("verify")(verify)
    app.command("propose")(propose)
    app.command("decide")(decide)
    app.command("history")(history)
