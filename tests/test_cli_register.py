"""The command line of the officials' side: accounts, signed-in recording, two-person
decisions, the chain check, the 公示 and 一次告知 outputs — and nothing printed after a commit
can fail (user text is never read as console markup)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import text
from typer.testing import CliRunner

from subsidy.claims import template_bytes
from subsidy.cli import app
from subsidy.profile import dump_profile, load_profile, parse_profile
from subsidy.register import Register

ROOT = Path(__file__).resolve().parents[1]
ADMIN_PW, CLERK_PW, REVIEWER_PW = "admin password 1", "clerk password 1", "reviewer password 1"
HOSTILE = "汉正街[/x][link=http://evil]商贸[/]有限公司"


def run(args: list[str], stdin: str = "") -> object:
    return CliRunner().invoke(app, args, input=stdin)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SUBSIDY_DB_URL", raising=False)
    monkeypatch.delenv("SUBSIDY_USER", raising=False)
    assert run(["users", "add", "admin", "--role", "管理员"], f"{ADMIN_PW}\n").exit_code == 0
    for name, role, password in (("clerk1", "经办", CLERK_PW), ("reviewer1", "复核", REVIEWER_PW)):
        result = run(["users", "add", name, "--role", role, "--name", f"{name}[/x]", "--as", "admin"],
                     f"{ADMIN_PW}\n{password}\n")
        assert result.exit_code == 0, result.output
    base = dump_profile(load_profile((ROOT / "examples" / "qiaokou-trading-group.json").read_bytes()))
    base["name"] = HOSTILE
    profile = parse_profile(base)
    claims = [{"credit_code": profile.credit_code, "rule": "上市奖励", "claim_year": 2020, "claimed_wan": 200,
               "note": "[/x] 备注"},
              {"credit_code": profile.credit_code, "rule": "qk.revenue_milestone", "claim_year": 2021,
               "claimed_wan": 1000}]
    (tmp_path / "c.xlsx").write_bytes(template_bytes(companies=[profile], claims=claims))
    return tmp_path


def test_record_propose_decide_as_signed_in_users_with_hostile_text(workdir: Path) -> None:
    result = run(["verify", "c.xlsx", "--record"])
    assert result.exit_code == 2 and "--user" in result.output
    result = run(["verify", "c.xlsx", "--record", "--user", "reviewer1"], f"{REVIEWER_PW}\n")
    assert result.exit_code == 2 and "经办" in result.output
    result = run(["verify", "c.xlsx", "--record", "--user", "clerk1", "--format", "json"], f"{CLERK_PW}\n")
    assert result.exit_code == 0, result.output
    ids = [c["register_claim_id"] for c in json.loads(result.stdout[result.stdout.index("{"):])["claims"]]
    result = run(["verify", "c.xlsx"])  # the table, with the hostile name printed as it is
    assert result.exit_code == 0 and "[/x]" in result.output and "Traceback" not in result.output

    result = run(["propose", str(ids[0]), "approve", "--user", "clerk1", "--note", "[/y] 材料齐全"], f"{CLERK_PW}\n")
    assert result.exit_code == 0, result.output
    assert "[/x]" in result.output and "待复核" in result.output
    result = run(["decide", str(ids[0]), "approve", "--user", "clerk1"], f"{CLERK_PW}\n")
    assert result.exit_code == 2 and "复核" in result.output
    result = run(["decide", str(ids[0]), "approve", "--user", "reviewer1", "--note", "[bold]同意[/]"],
                 f"{REVIEWER_PW}\n")
    assert result.exit_code == 0, result.output
    assert "批准 200万元" in result.output and "reviewer1[/x]" in result.output
    result = run(["propose", str(ids[0]), "approve", "--user", "clerk1"], f"{CLERK_PW}\n")
    assert result.exit_code == 2 and "当前决定已是" in result.output

    # against the verdict without a note: refused, nothing recorded
    result = run(["propose", str(ids[1]), "approve", "--user", "clerk1", "--amount", "500"], f"{CLERK_PW}\n")
    assert result.exit_code == 2 and "备注" in result.output
    register = Register()
    assert register.counts()["proposals"] == 1 and register.counts()["decisions"] == 1
    decision = register.claim(ids[0]).current_decision
    assert decision is not None and decision.note == "[bold]同意[/]" and decision.official == "reviewer1[/x]（reviewer1）"

    result = run(["history", HOSTILE, "--format", "json"])
    assert result.exit_code == 2, "reading the register needs a sign-in"
    result = run(["history", HOSTILE, "--user", "reviewer1"], f"{REVIEWER_PW}\n")
    assert result.exit_code == 0 and "[/x]" in result.output

    for kind, suffix in (("gongshi", "xlsx"), ("gongshi", "html"), ("notice", "html"), ("notice", "xlsx")):
        result = run(["publish", kind, "--batch", "1", "--out", f"{kind}.{suffix}", "--user", "clerk1",
                      "--start", "2026-03-02"], f"{CLERK_PW}\n") if kind == "gongshi" else \
            run(["publish", kind, "--batch", "1", "--out", f"{kind}.{suffix}", "--user", "clerk1"], f"{CLERK_PW}\n")
        assert result.exit_code == 0, result.output
    book = load_workbook(io.BytesIO((workdir / "gongshi.xlsx").read_bytes()))
    assert book["公示名单"]["B2"].value == HOSTILE
    assert "&lt;" not in HOSTILE and "[/x]" in (workdir / "gongshi.html").read_text(encoding="utf-8")


def test_wrong_passwords_lock_the_account_and_the_admin_commands_need_an_admin(workdir: Path) -> None:
    for _ in range(5):
        result = run(["history", "x", "--user", "clerk1"], "wrong password\n")
        assert result.exit_code == 2 and "用户名或密码错误" in result.output
    result = run(["history", "x", "--user", "clerk1"], f"{CLERK_PW}\n")
    assert result.exit_code == 2 and "锁定" in result.output
    result = run(["users", "reset-password", "clerk1", "--as", "reviewer1"], f"{REVIEWER_PW}\nnew password 12\n")
    assert result.exit_code == 2 and "管理员" in result.output
    result = run(["users", "reset-password", "clerk1", "--as", "admin"], f"{ADMIN_PW}\nnew password 12\n")
    assert result.exit_code == 0, result.output
    assert run(["history", "x", "--user", "clerk1"], "new password 12\n").exit_code == 0
    result = run(["users", "disable", "clerk1", "--as", "admin"], f"{ADMIN_PW}\n")
    assert result.exit_code == 0
    result = run(["history", "x", "--user", "clerk1"], "new password 12\n")
    assert result.exit_code == 2 and "停用" in result.output
    result = run(["users", "list", "--as", "admin"], f"{ADMIN_PW}\n")
    assert result.exit_code == 0 and "停用" in result.output and "clerk1[/x]" in result.output
    result = run(["users", "add", "second", "--role", "管理员"], "whatever pw 1\n")
    assert result.exit_code == 2, "only the first administrator is made without signing in"


def test_register_check_passes_then_finds_an_edit_behind_the_triggers(workdir: Path) -> None:
    assert run(["verify", "c.xlsx", "--record", "--user", "clerk1"], f"{CLERK_PW}\n").exit_code == 0
    result = run(["register", "check"])
    assert result.exit_code == 0 and "哈希链完整" in result.output
    anchor = result.output.split("末环 / last link ")[1].split()[0]
    assert run(["register", "check", "--anchor", anchor]).exit_code == 0
    seq = anchor.split(":")[0]
    result = run(["register", "check", "--anchor", f"{seq}:{'0' * 64}"])
    assert result.exit_code == 1 and "锚点不符" in result.output
    register = Register()
    with register.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER claims_no_update"))
        conn.execute(text("UPDATE claims SET claimed_wan = '2000' WHERE id = 1"))
    result = run(["register", "check"])
    assert result.exit_code == 1 and "claims #1" in result.output and "改动" in result.output
