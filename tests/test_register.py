"""The decision register on SQLite and on a real PostgreSQL server (when one is given).

Covers: idempotent recording, exact money, two-person decisions (in the program and in the
database), one award one approval (whatever the batch, the verdict or the note), notes and
amounts against the verdict, append-only for every table and every kind of statement, the
hash chain and its check, and the versioned schema step.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from register_support import KINDS, database, item, staff
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from subsidy.accounts import Accounts
from subsidy.claims import read_claims, template_bytes
from subsidy.evaluate import evaluate
from subsidy.profile import load_profile
from subsidy.register import (
    DEFAULT_DB_URL,
    Register,
    RegisterError,
    User,
    database_url,
    parse_action,
)
from subsidy.register.migrate import LATEST
from subsidy.register.schema import UNIQUE_KEYS
from subsidy.verify import history_workbook, run_batch

ROOT = Path(__file__).resolve().parents[1]
TRADING = load_profile((ROOT / "examples" / "qiaokou-trading-group.json").read_bytes())


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def register(kind: str, tmp_path: Path) -> Iterator[Register]:
    with database(kind, tmp_path) as url:
        reg = Register(url)
        try:
            yield reg
        finally:
            reg.dispose()


@pytest.fixture
def people(register: Register) -> dict[str, User]:
    return staff(Accounts(register))


def approve(register: Register, people: dict[str, User], claim_id: int, note: str = "",
            amount: Decimal | None = None) -> None:
    register.propose(claim_id, "approve", people["clerk1"], note, amount)
    register.decide(claim_id, "approve", people["reviewer1"], note, amount)


# ------------------------------------------------------------------------------ recording


def test_recording_is_idempotent(register: Register) -> None:
    batch = register.open_batch("sha256:file", "claims.xlsx", 3, "clerk1")
    assert register.open_batch("sha256:file", "claims.xlsx", 3, "clerk1") == batch
    items = [item("k1"), item("k2", year=2021), item("k3", rule="qk.scale_entry")]
    ids = register.record(batch, items, verified_by="clerk1")
    assert len(set(ids)) == 3
    assert register.record(batch, items, verified_by="clerk1") == ids
    assert register.counts() == {"batches": 1, "claims": 3, "verification_results": 3,
                                 "proposals": 0, "decisions": 0}
    register.record(batch, [item("k1", version="sha256:other")])
    assert register.counts()["verification_results"] == 4
    assert [r.ruleset_version for r in register.claim(ids[0]).results] == ["sha256:test", "sha256:other"]


def test_money_is_exact(register: Register) -> None:
    batch = register.open_batch("sha256:money", "m.xlsx", 2)
    amounts = [Decimal("0.000001"), Decimal("123456789012.123456")]
    ids = register.record(batch, [item(f"m{i}", amount=a) for i, a in enumerate(amounts)])
    assert [register.claim(i).claimed_wan for i in ids] == amounts
    assert [register.claim(i).results[0].computed_wan for i in ids] == amounts


# ------------------------------------------------------------------------------ two people


def test_a_clerk_proposes_and_another_user_decides(register: Register, people: dict[str, User]) -> None:
    batch = register.open_batch("sha256:d", "d.xlsx", 1)
    (claim_id,) = register.record(batch, [item("d1")])
    proposal = register.propose(claim_id, "return", people["clerk1"], "请补充上市公告")
    first = register.decide(claim_id, "return", people["reviewer1"], "同意退回")
    assert first.proposal_id == proposal.id and first.official == "李四（reviewer1）"
    register.propose(claim_id, "批准", people["clerk2"])
    second = register.decide(claim_id, "approve", people["reviewer2"])
    history = register.claim(claim_id)
    assert [d.id for d in history.decisions] == [first.id, second.id]
    assert history.current_decision is not None and history.current_decision.action == "approve"
    assert second.approved_wan == Decimal(200) == second.computed_wan, "the confirmed amount by default"
    assert second.result_id == history.results[-1].id
    assert second.ruleset_version == "sha256:test" and second.readings == {"INTERP-QK-1": "default"}
    assert second.status_at_decision == "confirmed"
    assert abs(second.decided_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)
    assert history.open_proposal is None and len(history.proposals) == 2


def test_roles_do_only_their_part(register: Register, people: dict[str, User]) -> None:
    batch = register.open_batch("sha256:r", "r.xlsx", 1)
    (claim_id,) = register.record(batch, [item("r1")])
    for who in ("reviewer1", "admin"):
        with pytest.raises(RegisterError, match="只有经办"):
            register.propose(claim_id, "approve", people[who])
    with pytest.raises(RegisterError, match="没有待复核的提议"):
        register.decide(claim_id, "approve", people["reviewer1"])
    register.propose(claim_id, "approve", people["clerk1"])
    with pytest.raises(RegisterError, match="已有待复核的提议"):
        register.propose(claim_id, "approve", people["clerk2"])
    for who in ("clerk1", "clerk2", "admin"):
        with pytest.raises(RegisterError, match="只有复核"):
            register.decide(claim_id, "approve", people[who])
    assert register.counts()["decisions"] == 0


def test_the_database_refuses_a_decision_by_the_proposer(register: Register, people: dict[str, User]) -> None:
    """Whatever program writes: the trigger compares the decision's user with the proposal's."""
    batch = register.open_batch("sha256:t", "t.xlsx", 1)
    (claim_id,) = register.record(batch, [item("t1")])
    proposal = register.propose(claim_id, "reject", people["clerk1"], "不符合")
    row = {"claim_id": claim_id, "proposal_id": proposal.id, "action": "reject", "note": "x",
           "official": "x", "decided_at": dt.datetime.now(dt.UTC)}
    insert = text("INSERT INTO decisions (claim_id, proposal_id, action, note, decided_by, official, decided_at) "
                  "VALUES (:claim_id, :proposal_id, :action, :note, :decided_by, :official, :decided_at)")
    # roles never change, so a proposer (经办) is never a 复核 either: both triggers stand guard
    for who, words in ((people["clerk1"], "two-person|reviewer"), (people["clerk2"], "reviewer")):
        with pytest.raises(DBAPIError, match=words), register.engine.begin() as conn:
            conn.execute(insert, {**row, "decided_by": who.id})
    # a reviewer's own row passes the trigger (and would be caught by the chain check)
    with pytest.raises(DBAPIError, match="proposals"), register.engine.begin() as conn:
        conn.execute(text("INSERT INTO proposals (claim_id, action, note, proposed_by, proposed_at) "
                          "VALUES (:c, 'reject', 'x', :u, :t)"),
                     {"c": claim_id, "u": people["reviewer1"].id, "t": dt.datetime.now(dt.UTC)})


def test_the_same_decision_twice_in_a_row_is_refused(register: Register, people: dict[str, User]) -> None:
    batch = register.open_batch("sha256:s", "s.xlsx", 1)
    (claim_id,) = register.record(batch, [item("s1", status="not_eligible")])
    register.propose(claim_id, "reject", people["clerk1"])
    register.decide(claim_id, "reject", people["reviewer1"])
    with pytest.raises(RegisterError, match="当前决定已是「驳回」"):
        register.propose(claim_id, "reject", people["clerk1"])
    assert register.counts()["decisions"] == 1


# ------------------------------------------------------------------------------ notes and amounts


@pytest.mark.parametrize("status", ["amount_differs", "not_eligible", "duplicate", "out_of_scope",
                                    "needs_documents"])
def test_approving_against_the_verdict_needs_a_note(register: Register, people: dict[str, User],
                                                    status: str) -> None:
    batch = register.open_batch("sha256:v", "v.xlsx", 1)
    (claim_id,) = register.record(batch, [item("v1", status=status, scopes=[])])
    with pytest.raises(RegisterError, match="须在备注中说明理由"):
        register.propose(claim_id, "approve", people["clerk1"])
    register.propose(claim_id, "approve", people["clerk1"], "经复议，按会议纪要批准")
    with pytest.raises(RegisterError, match="须在备注中说明理由"):
        register.decide(claim_id, "approve", people["reviewer1"])
    assert register.decide(claim_id, "approve", people["reviewer1"], "同意").action == "approve"


def test_rejecting_a_confirmed_claim_needs_a_note_and_the_database_says_so(
        register: Register, people: dict[str, User]) -> None:
    batch = register.open_batch("sha256:n", "n.xlsx", 1)
    (claim_id,) = register.record(batch, [item("n1")])
    with pytest.raises(RegisterError, match="驳回与结论不一致"):
        register.propose(claim_id, "reject", people["clerk1"])
    proposal = register.propose(claim_id, "reject", people["clerk1"], "企业撤回申请")
    with pytest.raises(DBAPIError), register.engine.begin() as conn:  # the CHECK constraint
        conn.execute(text("INSERT INTO decisions (claim_id, proposal_id, action, note, decided_by, official, "
                          "decided_at, status_at_decision) VALUES (:c, :p, 'reject', '', :u, 'x', :t, 'confirmed')"),
                     {"c": claim_id, "p": proposal.id, "u": people["reviewer1"].id, "t": dt.datetime.now(dt.UTC)})


def test_the_approved_amount_is_explicit(register: Register, people: dict[str, User]) -> None:
    batch = register.open_batch("sha256:m", "m.xlsx", 2)
    a, b = register.record(batch, [item("a1", rule="qk.a", status="amount_differs"),
                                   item("b1", rule="qk.b")])
    register.propose(a, "approve", people["clerk1"], "按核定金额批准", Decimal(150))
    decision = register.decide(a, "approve", people["reviewer1"], "同意按核定金额", "150")
    assert decision.approved_wan == Decimal(150)
    register.propose(b, "approve", people["clerk1"])
    with pytest.raises(RegisterError, match="批准金额 180万元 与核定金额 200万元 不同"):
        register.decide(b, "approve", people["reviewer1"], "", "180")
    with pytest.raises(RegisterError, match="应为数字"):
        register.decide(b, "approve", people["reviewer1"], "", "一百")
    assert register.decide(b, "approve", people["reviewer1"], "预算所限", "180").approved_wan == Decimal(180)


# ------------------------------------------------------------------------------ one award, one approval


def test_an_award_is_approved_once_whatever_the_batch_or_verdict(register: Register,
                                                                  people: dict[str, User]) -> None:
    first = register.open_batch("sha256:1", "一.xlsx", 1)
    second = register.open_batch("sha256:2", "二.xlsx", 1)
    (a,) = register.record(first, [item("x1")])
    (b,) = register.record(second, [item("x2", status="needs_documents")])
    approve(register, people, a)
    with pytest.raises(RegisterError) as refused:
        register.propose(b, "approve", people["clerk1"], "材料已补齐")
    assert "重复申报" in refused.value.message_zh and f"申报 #{a}" in refused.value.message_zh
    assert "决定 #" in refused.value.message_zh
    # withdrawing the first approval frees the award
    register.propose(a, "reject", people["clerk1"], "撤销原批准")
    register.decide(a, "reject", people["reviewer1"], "撤销原批准")
    approve(register, people, b, "原批准已撤销")
    # the same company found by name in another batch is the same company
    third = register.open_batch("sha256:3", "三.xlsx", 1)
    (c,) = register.record(third, [item("x3", company="名称:甲公司")])
    with pytest.raises(RegisterError, match="重复申报"):
        register.propose(c, "approve", people["clerk1"])


def test_yearly_awards_are_approved_once_per_year(register: Register, people: dict[str, User]) -> None:
    batches = [register.open_batch(f"sha256:y{i}", f"{i}.xlsx", 1) for i in range(3)]
    rule = "qk.revenue_milestone_bonus"
    (a,) = register.record(batches[0], [item("y1", rule=rule, scopes=[f"{rule}/2020"])])
    (b,) = register.record(batches[1], [item("y2", rule=rule, scopes=[f"{rule}/2020"])])
    (c,) = register.record(batches[2], [item("y3", rule=rule, year=2021, scopes=[f"{rule}/2021"])])
    approve(register, people, a)
    with pytest.raises(RegisterError, match="重复申报"):
        register.propose(b, "approve", people["clerk1"], "再批")
    approve(register, people, c)  # another year is another award


def test_the_database_refuses_a_second_holder_of_an_award(register: Register, people: dict[str, User]) -> None:
    batch = register.open_batch("sha256:h", "h.xlsx", 2)
    a, b = register.record(batch, [item("h1"), item("h2", year=2021)])
    approve(register, people, a)
    with register.engine.connect() as conn:
        key, seq, decision = conn.execute(text("SELECT award_key, seq, decision_id FROM awards "
                                               "ORDER BY id LIMIT 1")).one()
    insert = text("INSERT INTO awards (award_key, seq, held, claim_id, decision_id, at) "
                  "VALUES (:k, :s, :h, :c, :d, :t)")
    now = dt.datetime.now(dt.UTC)
    for values in ({"s": seq + 1, "h": True}, {"s": seq + 5, "h": False}, {"s": seq, "h": False}):
        with pytest.raises(DBAPIError), register.engine.begin() as conn:
            conn.execute(insert, {"k": key, "c": b, "d": decision, "t": now, **values})


# ------------------------------------------------------------------------------ append-only


def _statements(register: Register, table: str) -> list[str]:
    column = {"decisions": "note", "claims": "company_name", "verification_results": "status",
              "batches": "source_name", "users": "display_name", "credentials": "password_hash",
              "proposals": "note", "awards": "award_key", "chain": "row_hash",
              "schema_version": "description", "account_events": "event", "sign_ins": "channel",
              }[table]
    key = "seq" if table == "chain" else "version" if table == "schema_version" else "id"
    statements = [f"UPDATE {table} SET {column} = 'changed'", f"DELETE FROM {table}",
                  f"DELETE FROM {table} WHERE {key} = (SELECT MIN({key}) FROM {table})"]
    if register.dialect == "sqlite":
        statements += [f"INSERT OR REPLACE INTO {table} SELECT * FROM {table}",
                       f"REPLACE INTO {table} SELECT * FROM {table}"]
    else:
        statements += [f"TRUNCATE {table} CASCADE"]
    return statements


@pytest.mark.parametrize("table", sorted(UNIQUE_KEYS))
def test_every_table_refuses_updates_deletes_replace_and_truncate(register: Register, people: dict[str, User],
                                                                  table: str) -> None:
    batch = register.open_batch("sha256:a", "a.xlsx", 1)
    (claim_id,) = register.record(batch, [item("a1", status="not_eligible")])
    register.propose(claim_id, "reject", people["clerk1"])
    register.decide(claim_id, "reject", people["reviewer1"])
    Accounts(register).disable("clerk2", people["admin"])
    with pytest.raises(Exception):  # noqa: B017 — a wrong password leaves a sign_ins row
        Accounts(register).authenticate("clerk1", "wrong password")
    approve_id = register.record(batch, [item("a2", rule="qk.other")])[0]
    approve(register, people, approve_id)
    before = register.counts()
    for statement in _statements(register, table):
        with pytest.raises(DBAPIError, match="append-only|one award"), register.engine.begin() as conn:
            conn.execute(text(statement))
    assert register.counts() == before
    assert register.check().ok


def test_an_upsert_is_refused(register: Register, people: dict[str, User]) -> None:
    batch = register.open_batch("sha256:u", "u.xlsx", 1)
    (claim_id,) = register.record(batch, [item("u1", status="not_eligible")])
    register.propose(claim_id, "reject", people["clerk1"])
    decision = register.decide(claim_id, "reject", people["reviewer1"])
    upsert = ("INSERT INTO decisions (id, claim_id, proposal_id, action, note, decided_by, official, decided_at) "
              "SELECT id, claim_id, proposal_id, action, note, decided_by, official, decided_at FROM decisions "
              "ON CONFLICT (id) DO UPDATE SET action = 'return'")
    if register.dialect == "sqlite":
        upsert = upsert.replace("FROM decisions ON", "FROM decisions WHERE true ON")
    with pytest.raises(DBAPIError, match="append-only"), register.engine.begin() as conn:
        conn.execute(text(upsert))
    assert register.claim(claim_id).current_decision == decision


# ------------------------------------------------------------------------------ the chain


def test_the_chain_holds_on_a_clean_register_and_finds_an_edit_behind_the_triggers(
        register: Register, people: dict[str, User]) -> None:
    batch = register.open_batch("sha256:c", "c.xlsx", 2)
    a, b = register.record(batch, [item("c1", status="not_eligible"), item("c2", rule="qk.x")])
    register.propose(a, "reject", people["clerk1"])
    rejected = register.decide(a, "reject", people["reviewer1"])
    approve(register, people, b)
    report = Register(register.url).check()
    assert report.ok and report.links == sum(report.rows.values())
    # someone with the database's owner rights drops the triggers and edits a decision
    with register.engine.begin() as conn:
        if register.dialect == "sqlite":
            conn.execute(text("DROP TRIGGER decisions_no_update"))
        else:
            conn.execute(text("ALTER TABLE decisions DISABLE TRIGGER USER"))
        conn.execute(text("UPDATE decisions SET action = 'return', note = '退回' WHERE id = :id"),
                     {"id": rejected.id})
    report = register.check()
    assert not report.ok and report.broken is not None
    assert (report.broken.table, report.broken.row_id, report.broken.kind) == ("decisions", rejected.id, "edited")


def test_the_check_finds_a_deleted_row_and_a_row_written_around_the_program(
        register: Register, people: dict[str, User]) -> None:
    batch = register.open_batch("sha256:e", "e.xlsx", 2)
    a, b = register.record(batch, [item("e1"), item("e2", rule="qk.y")])
    with register.engine.begin() as conn:
        if register.dialect == "sqlite":
            conn.execute(text("DROP TRIGGER claims_no_delete"))
            conn.execute(text("DROP TRIGGER verification_results_no_delete"))
        else:
            conn.execute(text("ALTER TABLE claims DISABLE TRIGGER USER"))
            conn.execute(text("ALTER TABLE verification_results DISABLE TRIGGER USER"))
        conn.execute(text("DELETE FROM verification_results WHERE claim_id = :id"), {"id": b})
        conn.execute(text("DELETE FROM claims WHERE id = :id"), {"id": b})
    broken = register.check().broken
    assert broken is not None and (broken.table, broken.row_id, broken.kind) == ("claims", b, "missing")


def test_the_check_finds_an_unchained_row(register: Register) -> None:
    register.open_batch("sha256:f", "f.xlsx", 1)
    with register.engine.begin() as conn:
        conn.execute(text("INSERT INTO batches (source_digest, source_name, claim_count, created_at) "
                          "VALUES ('sha256:slipped', 'x', 1, :t)"), {"t": dt.datetime.now(dt.UTC)})
    broken = register.check().broken
    assert broken is not None and (broken.table, broken.kind) == ("batches", "unchained")


# ------------------------------------------------------------------------------ from a batch


def test_a_verified_batch_is_recorded_with_its_findings_and_history(register: Register,
                                                                    people: dict[str, User]) -> None:
    report = evaluate(TRADING)
    eligible = [f for f in report.results if f.status == "eligible" and f.amount_wan is not None and f.year]
    claims = [{"credit_code": TRADING.credit_code, "name": TRADING.name, "rule": f.rule_id,
               "claim_year": f.year, "claimed_wan": f.amount_wan} for f in eligible]
    data = template_bytes(companies=[TRADING], claims=claims)
    verification = run_batch(read_claims(data, "汉正街.xlsx"), register=register, record=True,
                             official="clerk1", chunk_size=4)
    ids = [v.register_claim_id for v in verification.verdicts]
    assert None not in ids and len(set(ids)) == len(claims)
    again = run_batch(read_claims(data, "汉正街.xlsx"), register=register, record=True, official="clerk1")
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
    approve(register, people, ids[0])
    book = load_workbook(io.BytesIO(history_workbook(register.history(TRADING.credit_code))))
    assert book.sheetnames == ["申报与核验", "决定记录"]
    decisions = list(book["决定记录"].iter_rows(min_row=2, values_only=True))
    assert len(decisions) == 1 and "李四（reviewer1）" in decisions[0] and "批准" in decisions[0]
    assert "张三（clerk1）" in decisions[0]
    assert register.check().ok


# ------------------------------------------------------------------------------ schema and configuration


def test_the_schema_is_versioned_and_not_recreated_on_open(register: Register) -> None:
    with register.engine.connect() as conn:
        assert conn.execute(text("SELECT MAX(version) FROM schema_version")).scalar() == LATEST
    statements: list[str] = []
    again = Register(register.url, create=False)
    from sqlalchemy import event

    event.listen(again.engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *args: statements.append(statement))
    again.create_schema()
    assert statements and not any(s.lstrip().upper().startswith(("CREATE", "ALTER", "DROP"))
                                  for s in statements), statements
    again.dispose()


def test_an_early_register_without_a_version_is_refused_clearly(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE claims (id INTEGER PRIMARY KEY)")
    with pytest.raises(RegisterError, match="早期版本"):
        Register(f"sqlite:///{path}")


def test_database_url_default_environment_and_postgres_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SUBSIDY_DB_URL", raising=False)
    assert database_url() == DEFAULT_DB_URL == "sqlite:///subsidy-register.sqlite"
    monkeypatch.setenv("SUBSIDY_DB_URL", "postgresql://u:p@db/x")
    assert database_url() == "postgresql+psycopg://u:p@db/x"
    assert database_url("postgres://h/y") == "postgresql+psycopg://h/y"
    assert parse_action("退回") == "return" and parse_action("Approve") == "approve"


def test_an_unreachable_database_is_a_clear_refusal() -> None:
    with pytest.raises(RegisterError) as refused:
        Register("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    assert "登记簿数据库" in refused.value.message_zh


@pytest.mark.postgres
def test_postgres_register_keeps_money_as_numeric(tmp_path: Path) -> None:
    pytest.importorskip("psycopg")
    with database("postgresql", tmp_path) as url:
        register = Register(url)
        with register.engine.connect() as conn:
            kind = conn.execute(text("SELECT data_type FROM information_schema.columns "
                                     "WHERE table_name = 'claims' AND column_name = 'claimed_wan' "
                                     "AND table_schema = current_schema()")).scalar()
        assert kind == "numeric"
        register.dispose()


