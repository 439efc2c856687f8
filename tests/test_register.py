"""The decision register, on SQLite always and on a real PostgreSQL server when one is given.

PostgreSQL tests run when ``SUBSIDY_TEST_PG_URL`` is set (``scripts/run-tests.sh`` starts a
throwaway server and sets it). Without it they are skipped — except under ``CI``, where a
missing server is a failure, never a silent skip.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from subsidy.claims import read_claims, template_bytes
from subsidy.cli import app
from subsidy.evaluate import evaluate
from subsidy.profile import credit_code_check_char, load_profile
from subsidy.register import (
    DEFAULT_DB_URL,
    ClaimInput,
    Register,
    RegisterError,
    ResultInput,
    database_url,
    parse_action,
)
from subsidy.verify import history_workbook, run_batch

ROOT = Path(__file__).resolve().parents[1]
PG_ENV = "SUBSIDY_TEST_PG_URL"
TRADING = load_profile((ROOT / "examples" / "qiaokou-trading-group.json").read_bytes())


def _pg_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {PG_ENV} is not: the PostgreSQL register tests must run "
                        "(use scripts/run-tests.sh, which starts a throwaway server)")
        pytest.skip(f"{PG_ENV} is not set (scripts/run-tests.sh starts a throwaway PostgreSQL)")
    return url


def _empty_pg(register: Register) -> None:
    """TRUNCATE is not UPDATE or DELETE: the append-only triggers let a test start clean."""
    with register.engine.begin() as conn:
        conn.execute(text("TRUNCATE decisions, verification_results, claims, batches RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def register(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Register]:
    if request.param == "sqlite":
        reg = Register(f"sqlite:///{tmp_path / 'register.sqlite'}")
    else:
        reg = Register(_pg_url())
        _empty_pg(reg)
    try:
        yield reg
    finally:
        reg.dispose()


def code(first17: str) -> str:
    return first17 + credit_code_check_char(first17)


def item(key: str, *, company: str = "91420104MA4K2ABC18", rule: str = "qk.listing", year: int = 2020,
         amount: Decimal = Decimal(200), status: str = "confirmed", scopes: list[str] | None = None,
         version: str = "sha256:test") -> tuple[ClaimInput, ResultInput]:
    return (ClaimInput(key=key, sheet="申报", row=2, claim_ref=None, company_key=company, name_key="甲公司",
                       credit_code=company if not company.startswith("名称:") else None,
                       company_name="甲公司", rule_id=rule, rule_title="上市奖励", year=year,
                       claimed_wan=amount),
            ResultInput(status=status, computed_wan=amount, detail={"reasons": []},
                        scopes=scopes if scopes is not None else [rule], ruleset_version=version,
                        readings={"INTERP-QK-1": "default"}))


# ------------------------------------------------------------------------------ recording


def test_recording_is_idempotent(register: Register) -> None:
    batch = register.open_batch("sha256:file", "claims.xlsx", 3, "张三")
    assert register.open_batch("sha256:file", "claims.xlsx", 3, "张三") == batch
    items = [item("k1"), item("k2", year=2021), item("k3", rule="qk.scale_entry")]
    ids = register.record(batch, items, verified_by="张三")
    assert len(set(ids)) == 3
    assert register.record(batch, items, verified_by="张三") == ids
    assert register.counts() == {"batches": 1, "claims": 3, "verification_results": 3, "decisions": 0}
    # the same claims judged under another ruleset version get a new result beside the old one
    register.record(batch, [item("k1", version="sha256:other")])
    assert register.counts()["verification_results"] == 4
    assert [r.ruleset_version for r in register.claim(ids[0]).results] == ["sha256:test", "sha256:other"]


def test_money_is_exact(register: Register) -> None:
    batch = register.open_batch("sha256:money", "m.xlsx", 2)
    amounts = [Decimal("0.000001"), Decimal("123456789012.123456")]
    ids = register.record(batch, [item(f"m{i}", amount=a) for i, a in enumerate(amounts)])
    assert [register.claim(i).claimed_wan for i in ids] == amounts
    assert [register.claim(i).results[0].computed_wan for i in ids] == amounts


# ------------------------------------------------------------------------------ decisions


def test_a_changed_decision_is_a_new_record_and_the_latest_is_current(register: Register) -> None:
    batch = register.open_batch("sha256:d", "d.xlsx", 1)
    (claim_id,) = register.record(batch, [item("d1")])
    first = register.decide(claim_id, "return", "张三", "请补充上市公告")
    second = register.decide(claim_id, "批准", "李四", "已补充")
    history = register.claim(claim_id)
    assert [d.id for d in history.decisions] == [first.id, second.id]
    assert history.current_decision is not None and history.current_decision.action == "approve"
    assert history.decisions[0].action == "return" and history.decisions[0].note == "请补充上市公告"
    assert second.result_id == history.results[-1].id
    assert second.ruleset_version == "sha256:test" and second.readings == {"INTERP-QK-1": "default"}
    assert second.status_at_decision == "confirmed"
    assert abs(second.decided_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)


@pytest.mark.parametrize("table", ["decisions", "claims", "verification_results"])
def test_records_cannot_be_overwritten_or_deleted(register: Register, table: str) -> None:
    batch = register.open_batch("sha256:a", "a.xlsx", 1)
    (claim_id,) = register.record(batch, [item("a1")])
    register.decide(claim_id, "reject", "张三", "不符合")
    column = {"decisions": "note", "claims": "company_name", "verification_results": "status"}[table]
    for statement in (f"UPDATE {table} SET {column} = 'changed'", f"DELETE FROM {table}"):
        with pytest.raises(DBAPIError, match="append-only"), register.engine.begin() as conn:
            conn.execute(text(statement))
    assert register.claim(claim_id).decisions[0].note == "不符合"
    assert register.counts()["decisions"] == 1


def test_a_one_time_award_cannot_be_approved_twice(register: Register) -> None:
    first_batch = register.open_batch("sha256:1", "一.xlsx", 1)
    second_batch = register.open_batch("sha256:2", "二.xlsx", 1)
    (a,) = register.record(first_batch, [item("x1")])
    (b,) = register.record(second_batch, [item("x2")])
    register.decide(a, "approve", "张三")
    with pytest.raises(RegisterError) as refused:
        register.decide(b, "approve", "李四")
    assert "重复申报" in refused.value.message_zh and "duplicate" in refused.value.message_en
    register.decide(b, "reject", "李四", "重复申报")  # rejecting is always possible
    register.decide(a, "reject", "张三", "撤销原批准")
    assert register.decide(b, "approve", "李四", "原批准已撤销").action == "approve"
    # the same company found by name in another batch is the same company
    third = register.open_batch("sha256:3", "三.xlsx", 1)
    (c,) = register.record(third, [item("x3", company="名称:甲公司")])
    with pytest.raises(RegisterError, match="重复申报"):
        register.decide(c, "approve", "王五")


def test_awards_that_are_not_one_time_can_be_approved_again(register: Register) -> None:
    batch = register.open_batch("sha256:n", "n.xlsx", 2)
    a, b = register.record(batch, [item("n1", rule="qk.talent_project", scopes=[]),
                                   item("n2", rule="qk.talent_project", year=2021, scopes=[])])
    register.decide(a, "approve", "张三")
    assert register.decide(b, "approve", "张三").action == "approve"


def test_approving_against_the_verdict_needs_a_note(register: Register) -> None:
    batch = register.open_batch("sha256:v", "v.xlsx", 1)
    (claim_id,) = register.record(batch, [item("v1", status="not_eligible", scopes=[])])
    with pytest.raises(RegisterError, match="不符合条件"):
        register.decide(claim_id, "approve", "张三")
    assert register.decide(claim_id, "approve", "张三", "经复议，按会议纪要批准").action == "approve"


@pytest.mark.parametrize(("claim_id", "action", "official", "words"), [
    (999, "approve", "张三", "没有编号为 999"),
    (None, "approve", "  ", "经办人"),
    (None, "maybe", "张三", "approve"),
], ids=["unknown-claim", "no-official", "unknown-action"])
def test_bad_decisions_are_refused(register: Register, claim_id: int | None, action: str,
                                   official: str, words: str) -> None:
    batch = register.open_batch("sha256:b", "b.xlsx", 1)
    (real,) = register.record(batch, [item("b1")])
    with pytest.raises(RegisterError, match=words):
        register.decide(claim_id or real, action, official)
    assert register.counts()["decisions"] == 0


# ------------------------------------------------------------------------------ from a batch


def test_a_verified_batch_is_recorded_with_its_findings_and_history(register: Register) -> None:
    report = evaluate(TRADING)
    eligible = [f for f in report.results if f.status == "eligible" and f.amount_wan is not None and f.year]
    claims = [{"credit_code": TRADING.credit_code, "name": TRADING.name, "rule": f.rule_id,
               "claim_year": f.year, "claimed_wan": f.amount_wan} for f in eligible]
    data = template_bytes(companies=[TRADING], claims=claims)
    verification = run_batch(read_claims(data, "汉正街.xlsx"), register=register, record=True,
                             official="张三", chunk_size=4)
    ids = [v.register_claim_id for v in verification.verdicts]
    assert None not in ids and len(set(ids)) == len(claims)
    again = run_batch(read_claims(data, "汉正街.xlsx"), register=register, record=True, official="张三")
    assert [v.register_claim_id for v in again.verdicts] == ids
    assert register.counts()["claims"] == len(claims)
    by_code = register.history(TRADING.credit_code)
    by_name = register.history(f"  {TRADING.name} ")
    assert [h.id for h in by_code] == [h.id for h in by_name] and len(by_code) == len(claims)
    first = register.claim(ids[0])
    assert first.latest_result is not None
    assert first.latest_result.status == verification.verdicts[0].status
    assert first.latest_result.ruleset_version == verification.ruleset_version
    assert first.latest_result.detail["findings"], "the supporting findings are kept"
    assert first.latest_result.readings == verification.readings
    register.decide(ids[0], "approve", "李四", "同意")
    book = load_workbook(io.BytesIO(history_workbook(register.history(TRADING.credit_code))))
    assert book.sheetnames == ["申报与核验", "决定记录"]
    decisions = list(book["决定记录"].iter_rows(min_row=2, values_only=True))
    assert len(decisions) == 1 and "李四" in decisions[0] and "批准" in decisions[0]


def test_cli_records_decides_and_exports_history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SUBSIDY_DB_URL", raising=False)
    runner = CliRunner()
    claims = [{"credit_code": TRADING.credit_code, "rule": "上市奖励", "claim_year": 2020, "claimed_wan": 200}]
    (tmp_path / "c.xlsx").write_bytes(template_bytes(companies=[TRADING], claims=claims))
    result = runner.invoke(app, ["verify", "c.xlsx", "--record", "--official", "张三", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "subsidy-register.sqlite").exists(), "the default register is a file here"
    import json

    claim_id = json.loads(result.stdout)["claims"][0]["register_claim_id"]
    result = runner.invoke(app, ["decide", str(claim_id), "approve", "--official", "李四", "--note", "同意"])
    assert result.exit_code == 0, result.output
    assert "批准" in result.output
    result = runner.invoke(app, ["decide", str(claim_id + 100), "approve", "--official", "李四"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    result = runner.invoke(app, ["history", TRADING.credit_code, "--out", "h.xlsx"])
    assert result.exit_code == 0 and (tmp_path / "h.xlsx").exists()
    assert "李四" in result.output


# ------------------------------------------------------------------------------ configuration


def test_database_url_default_environment_and_postgres_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SUBSIDY_DB_URL", raising=False)
    assert database_url() == DEFAULT_DB_URL == "sqlite:///subsidy-register.sqlite"
    monkeypatch.setenv("SUBSIDY_DB_URL", "postgresql://u:p@db/x")
    assert database_url() == "postgresql+psycopg://u:p@db/x"
    assert database_url("postgres://h/y") == "postgresql+psycopg://h/y"
    assert parse_action("退回") == "return" and parse_action("Approve") == "approve"


def test_an_unreachable_database_is_a_clear_refusal(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with pytest.raises(RegisterError) as refused:
        Register("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    assert "登记簿数据库" in refused.value.message_zh
    monkeypatch.setenv("SUBSIDY_DB_URL", "not a url")
    result = CliRunner().invoke(app, ["history", "甲公司"])
    assert result.exit_code == 2 and "Traceback" not in result.output


@pytest.mark.postgres
def test_postgres_register_keeps_money_as_numeric() -> None:
    register = Register(_pg_url())
    _empty_pg(register)
    with register.engine.connect() as conn:
        kind = conn.execute(text("SELECT data_type FROM information_schema.columns "
                                 "WHERE table_name = 'claims' AND column_name = 'claimed_wan'")).scalar()
    assert kind == "numeric"
    register.dispose()
