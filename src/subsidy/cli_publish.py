"""Command line for what the district publishes and sends: ``subsidy publish gongshi | notice``.

Both read the register (signed in as a 经办 or 复核) for one batch (``--batch``) or for the
decisions of a period (``--from`` / ``--to``), and write .xlsx or printable .html by the
output's suffix. See :mod:`subsidy.publish`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from .cli_auth import DbOpt, UserOpt, open_register, sign_in
from .cli_common import RulesOpt, err, refuse, ruleset_for
from .publish import DEFAULT_DAYS, gongshi_html, gongshi_xlsx, notice_html, notice_xlsx
from .register import ClaimHistory, Register, RegisterError

publish_app = typer.Typer(help="公示名单与一次告知书 / publicity list and one-time notices", no_args_is_help=True)

BatchOpt = Annotated[int | None, typer.Option("--batch", help="批次编号 / batch id")]
FromOpt = Annotated[str | None, typer.Option("--from", help="决定日期起（含）YYYY-MM-DD / decided on or after")]
ToOpt = Annotated[str | None, typer.Option("--to", help="决定日期止（含）YYYY-MM-DD / decided on or before")]
OutOpt = Annotated[Path, typer.Option("--out", help="输出 .xlsx 或 .html / output file")]


def _day(text: str | None, option: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        refuse(f"{option} 应为日期 YYYY-MM-DD / {option} is a date YYYY-MM-DD, got {text!r}")


def _histories(register: Register, batch: int | None, since: str | None, until: str | None) -> list[ClaimHistory]:
    start, end = _day(since, "--from"), _day(until, "--to")
    if batch is None and start is None and end is None:
        refuse("请指定 --batch 批次，或 --from/--to 期间 / give --batch, or --from and/or --to")
    local = dt.datetime.now().astimezone().tzinfo
    try:
        return register.histories(
            batch_id=batch,
            since=dt.datetime.combine(start, dt.time(), local) if start else None,
            until=dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), local) if end else None)
    except RegisterError as exc:
        refuse(str(exc))


def _write(out: Path, data: bytes | str) -> None:
    try:
        if isinstance(data, str):
            out.write_text(data, encoding="utf-8")
        else:
            out.write_bytes(data)
    except OSError as exc:
        refuse(f"无法写入 / cannot write {out}: {exc.strerror}")
    err.print(Text(f"已写入 / written: {out}"))


def _suffix(out: Path) -> str:
    suffix = out.suffix.lower()
    if suffix not in (".xlsx", ".html"):
        refuse(f"--out 应为 .xlsx 或 .html 文件 / --out must be .xlsx or .html: {out}")
    return suffix


@publish_app.command("gongshi")
def gongshi(
    out: OutOpt,
    batch: BatchOpt = None,
    since: FromOpt = None,
    until: ToOpt = None,
    start: Annotated[str | None, typer.Option("--start", help="公示开始日期，默认今天 / first day (default today)")] = None,
    days: Annotated[int, typer.Option("--days", help="公示天数 / days of publicity")] = DEFAULT_DAYS,
    objection: Annotated[str, typer.Option("--objection", help="异议受理单位和联系方式 / where to object")] = "",
    user: UserOpt = None,
    db: DbOpt = None,
    rules: RulesOpt = None,
) -> None:
    """公示名单：批准的申报 / the publicity list of approved claims (.xlsx or .html)."""
    suffix = _suffix(out)
    if not 1 <= days <= 60:
        refuse("--days 应在1至60之间 / --days must be within 1..60")
    if len(objection) > 500:
        refuse("--objection 不超过500字 / --objection is at most 500 characters")
    first = _day(start, "--start") or dt.date.today()
    register = open_register(db)
    sign_in(register, user, ("clerk", "reviewer"), ("生成公示名单", "the publicity list"))
    items = _histories(register, batch, since, until)
    ruleset = ruleset_for(rules, None)
    if suffix == ".xlsx":
        _write(out, gongshi_xlsx(items, start=first, days=days, objection=objection, rules=ruleset))
    else:
        _write(out, gongshi_html(items, start=first, days=days, objection=objection, rules=ruleset))


@publish_app.command("notice")
def notice(
    out: OutOpt,
    batch: BatchOpt = None,
    since: FromOpt = None,
    until: ToOpt = None,
    issuer: Annotated[str, typer.Option("--issuer", help="落款单位 / issuing unit")] = "",
    user: UserOpt = None,
    db: DbOpt = None,
    rules: RulesOpt = None,
) -> None:
    """一次告知书：未予批准的申报，每家企业一份 / one-time notices for claims not approved."""
    suffix = _suffix(out)
    if len(issuer) > 200:
        refuse("--issuer 不超过200字 / --issuer is at most 200 characters")
    register = open_register(db)
    sign_in(register, user, ("clerk", "reviewer"), ("生成一次告知书", "the notices"))
    items = _histories(register, batch, since, until)
    ruleset = ruleset_for(rules, None)
    if suffix == ".xlsx":
        _write(out, notice_xlsx(items, rules=ruleset))
    else:
        _write(out, notice_html(items, rules=ruleset, issuer=issuer))


def register_commands(app: typer.Typer) -> None:
    app.add_typer(publish_app, name="publish")
