"""Races the register must win: two approvals of one award at the same moment, and several
processes opening a new register at once. On SQLite and on PostgreSQL.

Each trial starts its contenders on a barrier, so they reach the database together.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from register_support import KINDS, database, item, staff
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from subsidy.accounts import Accounts
from subsidy.register import Register, RegisterError

TRIALS = 20


def together(functions: list[Callable[[], Any]]) -> list[Any]:
    """Run the functions in threads released at once; each result or the exception raised."""
    barrier = threading.Barrier(len(functions))
    results: list[Any] = [None] * len(functions)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = functions[index]()
        except Exception as exc:  # noqa: BLE001 — the outcome is what is compared
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(functions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.mark.timeout(600)
@pytest.mark.parametrize("kind", KINDS)
def test_two_simultaneous_approvals_of_one_award_exactly_one_wins(kind: str, tmp_path: Path) -> None:
    with database(kind, tmp_path) as url:
        setup = Register(url)
        people = staff(Accounts(setup))
        # two reviewers, each with a register of their own (their own connections)
        first, second = Register(url), Register(url)
        wins = []
        for trial in range(TRIALS):
            batch_a = setup.open_batch(f"sha256:a{trial}", "a.xlsx", 1)
            batch_b = setup.open_batch(f"sha256:b{trial}", "b.xlsx", 1)
            company = f"名称:企业{trial}"
            (a,) = setup.record(batch_a, [item(f"a{trial}", company=company, name=f"企业{trial}")])
            (b,) = setup.record(batch_b, [item(f"b{trial}", company=company, name=f"企业{trial}")])
            setup.propose(a, "approve", people["clerk1"])
            setup.propose(b, "approve", people["clerk2"])
            outcome = together([lambda a=a: first.decide(a, "approve", people["reviewer1"]),
                                lambda b=b: second.decide(b, "approve", people["reviewer2"])])
            won = [r for r in outcome if not isinstance(r, Exception)]
            lost = [r for r in outcome if isinstance(r, Exception)]
            assert all(isinstance(r, RegisterError) for r in lost), lost
            wins.append(len(won))
            if lost:
                assert "重复申报" in lost[0].message_zh or "数据库拒绝" in lost[0].message_zh
        assert wins == [1] * TRIALS, f"approvals per trial: {wins}"
        assert setup.check().ok
        for register in (setup, first, second):
            register.dispose()


@pytest.mark.timeout(300)
@pytest.mark.parametrize("kind", KINDS)
def test_the_database_alone_lets_one_of_two_racing_holders_in(kind: str, tmp_path: Path) -> None:
    """Around the program (no register lock): the ledger's constraint decides the race."""
    with database(kind, tmp_path) as url:
        register = Register(url)
        people = staff(Accounts(register))
        batch = register.open_batch("sha256:r", "r.xlsx", 2)
        a, b = register.record(batch, [item("r1"), item("r2", year=2021)])
        register.propose(a, "reject", people["clerk1"], "x")
        decision = register.decide(a, "reject", people["reviewer1"], "x")
        insert = text("INSERT INTO awards (award_key, seq, held, claim_id, decision_id, at) "
                      "VALUES (:k, 1, true, :c, :d, CURRENT_TIMESTAMP)")
        wins = []
        for _trial in range(TRIALS):
            key = f"race-{uuid.uuid4().hex}"

            def hold(claim: int, key: str = key) -> bool:
                with register.engine.begin() as conn:
                    conn.execute(insert, {"k": key, "c": claim, "d": decision.id})
                return True

            outcome = together([lambda: hold(a), lambda: hold(b)])
            assert all(r is True or isinstance(r, DBAPIError) for r in outcome), outcome
            wins.append(sum(1 for r in outcome if r is True))
        assert wins == [1] * TRIALS, wins
        register.dispose()


@pytest.mark.timeout(600)
@pytest.mark.parametrize(("kind", "openers"), [("sqlite", 8), pytest.param("postgresql", 40,
                                                                           marks=pytest.mark.postgres)])
def test_many_first_opens_of_a_new_register_all_succeed(kind: str, openers: int, tmp_path: Path) -> None:
    for _round in range(3):
        with database(kind, tmp_path) as url:
            registers: list[Register] = []
            lock = threading.Lock()

            def open_one(url: str = url, lock: threading.Lock = lock,
                         registers: list[Register] = registers) -> bool:
                register = Register(url)
                with lock:
                    registers.append(register)
                return True

            outcome = together([open_one] * openers)
            failures = [r for r in outcome if r is not True]
            assert not failures, failures[:3]
            again = Register(url)
            assert again.counts()["claims"] == 0 and again.check().ok
            for register in [*registers, again]:
                register.dispose()
