"""Command line for accounts and the register's integrity: ``subsidy users …`` and
``subsidy register check``, and the sign-in every deciding command goes through.

Why a password prompt: a decision is recorded under the account that signed in, never under
a name typed as an option. The user name comes from ``--user`` (or ``SUBSIDY_USER``); the
password is read from the terminal without echo (or from standard input when it is not a
terminal), never from an option, so it does not land in the shell's history.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import click
import typer
from rich.table import Table
from rich.text import Text

from .accounts import Accounts, parse_role
from .cli_common import err, out, refuse
from .register import DB_URL_ENV, ROLES, Register, RegisterError, User

USER_ENV = "SUBSIDY_USER"

DbOpt = Annotated[str | None, typer.Option("--db", help=f"登记簿数据库 / register database URL (default ${DB_URL_ENV} or sqlite:///subsidy-register.sqlite)")]
UserOpt = Annotated[str | None, typer.Option("--user", help=f"登录用户名（或环境变量 {USER_ENV}）/ your user name (or ${USER_ENV})")]
AdminOpt = Annotated[str | None, typer.Option("--as", help="管理员用户名 / the administrator's user name")]


def open_register(db: str | None) -> Register:
    try:
        return Register(db)
    except RegisterError as exc:
        refuse(str(exc))


def read_password(prompt: str, confirm: bool = False) -> str:
    """A password from the terminal (no echo), or a line of standard input in scripts."""
    try:
        if sys.stdin.isatty():
            return typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm)
        line = sys.stdin.readline()
    except (click.exceptions.Abort, EOFError, KeyboardInterrupt):
        refuse("未输入密码 / no password given")
    if not line:
        refuse("未输入密码 / no password given")
    return line.rstrip("\r\n")


def sign_in(register: Register, username: str | None, roles: tuple[str, ...],
            doing: tuple[str, str]) -> User:
    """The signed-in user, refused unless their role is one of ``roles``; ``doing`` names
    the action in Chinese and English for the refusals."""
    doing_zh, doing_en = doing
    username = (username or os.environ.get(USER_ENV) or "").strip()
    if not username:
        refuse(f"{doing_zh}须登录：--user 用户名（或环境变量 {USER_ENV}）/ "
               f"{doing_en} needs you to sign in: --user NAME")
    password = read_password(f"{username} 的密码 / password")
    try:
        user = Accounts(register).authenticate(username, password, channel="cli")
    except RegisterError as exc:
        refuse(str(exc))
    if user.role not in roles:
        allowed = "、".join(ROLES[r].zh for r in roles)
        refuse(f"{doing_zh}须由{allowed}办理，{user.username} 的角色是{user.role_label()} / "
               f"{doing_en} is for {', '.join(ROLES[r].en for r in roles)}; {user.username} is {user.role_label('en')}")
    return user


# ------------------------------------------------------------------------------ users

users_app = typer.Typer(help="账户管理 / manage accounts", no_args_is_help=True)


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="用户名 / user name")],
    role: Annotated[str, typer.Option("--role", help="经办 | 复核 | 管理员 (clerk | reviewer | admin)")],
    name: Annotated[str, typer.Option("--name", help="姓名 / display name")] = "",
    admin: AdminOpt = None,
    db: DbOpt = None,
) -> None:
    """添加账户（首个管理员无需登录）/ add an account (the first administrator needs no sign-in)."""
    register = open_register(db)
    accounts = Accounts(register)
    try:
        role = parse_role(role)
        by = None
        if accounts.has_admin() or admin:
            by = sign_in(register, admin, ("admin",), ("添加账户", "adding an account"))
        password = read_password(f"{username} 的新密码 / new password", confirm=True)
        user = accounts.add(username, role, password, display_name=name, by=by)
    except RegisterError as exc:
        refuse(str(exc))
    out.print(Text(f"已添加账户 / account added: {user.username}（{user.role_label()} / {user.role_label('en')}）"))


@users_app.command("disable")
def users_disable(username: Annotated[str, typer.Argument(help="用户名 / user name")],
                  admin: AdminOpt = None, db: DbOpt = None) -> None:
    """停用账户 / disable an account."""
    register = open_register(db)
    by = sign_in(register, admin, ("admin",), ("停用账户", "disabling an account"))
    try:
        Accounts(register).disable(username, by)
    except RegisterError as exc:
        refuse(str(exc))
    out.print(Text(f"已停用 / disabled: {username}"))


@users_app.command("enable")
def users_enable(username: Annotated[str, typer.Argument(help="用户名 / user name")],
                 admin: AdminOpt = None, db: DbOpt = None) -> None:
    """重新启用账户 / enable an account again."""
    register = open_register(db)
    by = sign_in(register, admin, ("admin",), ("启用账户", "enabling an account"))
    try:
        Accounts(register).enable(username, by)
    except RegisterError as exc:
        refuse(str(exc))
    out.print(Text(f"已启用 / enabled: {username}"))


@users_app.command("reset-password")
def users_reset(username: Annotated[str, typer.Argument(help="用户名 / user name")],
                admin: AdminOpt = None, db: DbOpt = None) -> None:
    """重设密码（同时解除锁定）/ set a new password (also lifts a lockout)."""
    register = open_register(db)
    by = sign_in(register, admin, ("admin",), ("重设密码", "resetting a password"))
    password = read_password(f"{username} 的新密码 / new password", confirm=True)
    try:
        Accounts(register).reset_password(username, password, by)
    except RegisterError as exc:
        refuse(str(exc))
    out.print(Text(f"已重设密码 / password reset: {username}"))


@users_app.command("list")
def users_list(admin: AdminOpt = None, db: DbOpt = None) -> None:
    """列出账户 / list the accounts."""
    register = open_register(db)
    sign_in(register, admin, ("admin",), ("查看账户", "listing accounts"))
    table = Table(title="账户 / accounts", title_justify="left")
    for head in ("用户名 user", "姓名 name", "角色 role", "状态 state", "创建 created"):
        table.add_column(head)
    for user in Accounts(register).list():
        table.add_row(Text(user.username), Text(user.display_name),
                      Text(f"{user.role_label()} {user.role_label('en')}"),
                      Text("停用 disabled" if user.disabled else "启用 active"),
                      Text(f"{user.created_at.astimezone():%Y-%m-%d %H:%M}" if user.created_at else ""))
    out.print(table)


# ------------------------------------------------------------------------------ register check

register_app = typer.Typer(help="登记簿 / the register", no_args_is_help=True)


@register_app.command("check")
def register_check(
    anchors: Annotated[list[str] | None, typer.Option("--anchor", help="此前记下的 环号:哈希，核对其未被改写 / a SEQ:HASH noted earlier (repeatable)")] = None,
    db: DbOpt = None,
) -> None:
    """核对哈希链：发现绕过程序改动、删除或插入的记录 / recompute the hash chain and report the first break.

    The last link's number and hash are printed: note them outside the database, and a later
    ``--anchor SEQ:HASH`` proves that nothing up to there was rewritten, even by someone who
    recomputed the whole chain. Exit status 0 when the chain holds, 1 when it is broken or an
    anchor does not match, 2 when the register cannot be read.
    """
    wanted: list[tuple[int, str]] = []
    for anchor in anchors or []:
        seq, _, digest = anchor.partition(":")
        if not seq.strip().isdigit() or len(digest.strip()) != 64:
            refuse(f"--anchor 应为 环号:哈希（64位十六进制）/ --anchor is SEQ:HASH (64 hex digits), got {anchor!r}")
        wanted.append((int(seq), digest.strip().lower()))
    register = open_register(db)
    try:
        report = register.check()
        found = [(seq, digest, register.link_hash(seq)) for seq, digest in wanted]
    except RegisterError as exc:
        refuse(str(exc))
    rows = sum(report.rows.values())
    mismatched = [(seq, digest) for seq, digest, actual in found if actual != digest]
    if report.ok and not mismatched:
        out.print(Text(f"哈希链完整 / chain intact: {report.links} 环 links, {rows} 条记录 records"))
        for seq, _digest, _actual in found:
            out.print(Text(f"锚点相符 / anchor matches: {seq}"))
        out.print(Text(f"末环 / last link {report.head_seq}:{report.head_hash}"))
        return
    for seq, _digest in mismatched:
        err.print(Text.assemble(("锚点不符 / anchor mismatch: ", "bold red"),
                                f"第 {seq} 环已被改写或不存在 / link {seq} was rewritten or is gone"))
    if report.ok:
        raise typer.Exit(1)
    assert report.broken is not None
    err.print(Text.assemble(("哈希链断裂 / chain broken: ", "bold red"), report.broken.message_zh))
    err.print(Text(report.broken.message_en))
    err.print(Text(f"此前 {report.links} 环完好 / {report.links} links verified before it"))
    raise typer.Exit(1)


def register_commands(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
    app.add_typer(register_app, name="register")
