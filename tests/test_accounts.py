"""Accounts: Argon2 hashes, no password in the log, roles, the first administrator, lockout."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pytest
from register_support import PASSWORD, staff
from sqlalchemy import text

from subsidy.accounts import LOCK_MINUTES, MAX_FAILURES, AccountError, Accounts, parse_role
from subsidy.register import Register


@pytest.fixture
def accounts(tmp_path: Path) -> Accounts:
    return Accounts(Register(f"sqlite:///{tmp_path / 'r.sqlite'}"))


def test_the_stored_password_is_an_argon2_hash_and_the_log_holds_no_password(
        accounts: Accounts, caplog: pytest.LogCaptureFixture) -> None:
    secret = "月亮湾-Secret-0427"
    with caplog.at_level(logging.DEBUG):
        admin = accounts.add("admin", "管理员", secret)
        accounts.authenticate("admin", secret)
        with pytest.raises(AccountError):
            accounts.authenticate("admin", secret + "x")
        accounts.add("clerk1", "经办", secret + "2", by=admin)
        accounts.reset_password("clerk1", secret + "3", by=admin)
    with accounts.register.engine.connect() as conn:
        hashes = [row[0] for row in conn.execute(text("SELECT password_hash FROM credentials"))]
        everything = " ".join(str(v) for table in ("users", "credentials", "sign_ins", "chain")
                              for row in conn.execute(text(f"SELECT * FROM {table}")) for v in row)
    assert len(hashes) == 3 and all(h.startswith("$argon2id$") for h in hashes)
    assert secret not in everything
    assert caplog.records, "sign-ins are logged"
    assert not any(secret in record.getMessage() for record in caplog.records)
    assert "signed in: admin" in caplog.text and "wrong password" in caplog.text


def test_the_first_administrator_only_is_created_without_signing_in(accounts: Accounts) -> None:
    with pytest.raises(AccountError, match="管理员"):
        accounts.add("clerk1", "经办", PASSWORD)
    admin = accounts.add("admin", "admin", PASSWORD)
    with pytest.raises(AccountError, match="须由管理员登录"):
        accounts.add("admin2", "管理员", PASSWORD)
    clerk = accounts.add("clerk1", "经办", PASSWORD, by=admin)
    with pytest.raises(AccountError, match="只有管理员"):
        accounts.add("clerk2", "经办", PASSWORD, by=clerk)
    with pytest.raises(AccountError, match="已存在"):
        accounts.add("clerk1", "复核", PASSWORD, by=admin)
    with pytest.raises(AccountError, match="密码长度"):
        accounts.add("clerk3", "经办", "short", by=admin)
    with pytest.raises(AccountError, match="用户名"):
        accounts.add("a b", "经办", PASSWORD, by=admin)
    assert [(u.username, u.role) for u in accounts.list()] == [("admin", "admin"), ("clerk1", "clerk")]


def test_wrong_name_and_wrong_password_get_the_same_answer(accounts: Accounts) -> None:
    staff(accounts)
    with pytest.raises(AccountError) as unknown:
        accounts.authenticate("nobody", PASSWORD)
    with pytest.raises(AccountError) as wrong:
        accounts.authenticate("clerk1", "not the password")
    assert unknown.value.message_zh == wrong.value.message_zh == "用户名或密码错误"


def test_five_wrong_passwords_lock_the_account_for_a_while(accounts: Accounts) -> None:
    people = staff(accounts)
    start = dt.datetime.now(dt.UTC)
    for minute in range(MAX_FAILURES):
        with pytest.raises(AccountError, match="用户名或密码错误"):
            accounts.authenticate("clerk1", "wrong", at=start + dt.timedelta(seconds=minute))
    with pytest.raises(AccountError, match="已锁定"):
        accounts.authenticate("clerk1", PASSWORD, at=start + dt.timedelta(minutes=1))
    later = start + dt.timedelta(minutes=LOCK_MINUTES + 1)
    assert accounts.authenticate("clerk1", PASSWORD, at=later).username == "clerk1"
    # a password reset lifts a lockout at once
    for _ in range(MAX_FAILURES):
        with pytest.raises(AccountError):
            accounts.authenticate("clerk2", "wrong")
    with pytest.raises(AccountError, match="已锁定"):
        accounts.authenticate("clerk2", PASSWORD)
    accounts.reset_password("clerk2", "a new password 1", by=people["admin"])
    assert accounts.authenticate("clerk2", "a new password 1").username == "clerk2"


def test_a_disabled_account_cannot_sign_in_and_the_last_admin_stays(accounts: Accounts) -> None:
    people = staff(accounts)
    accounts.disable("clerk1", people["admin"])
    with pytest.raises(AccountError, match="已停用"):
        accounts.authenticate("clerk1", PASSWORD)
    assert next(u for u in accounts.list() if u.username == "clerk1").disabled
    accounts.enable("clerk1", people["admin"])
    assert accounts.authenticate("clerk1", PASSWORD).role == "clerk"
    with pytest.raises(AccountError, match="最后一个管理员"):
        accounts.disable("admin", people["admin"])


def test_roles_are_read_in_chinese_and_english() -> None:
    assert [parse_role(r) for r in ("经办", "复核", "管理员", "Reviewer")] == ["clerk", "reviewer", "admin", "reviewer"]
    with pytest.raises(AccountError):
        parse_role("局长")
