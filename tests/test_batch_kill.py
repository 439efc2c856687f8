"""A batch killed with SIGKILL in the middle of a transaction loses nothing it had recorded.

The batch runs in a child process against a SQLite file (and a PostgreSQL server when
``SUBSIDY_TEST_PG_URL`` is set), one transaction per chunk. A hook
in the child stops it *inside* the third chunk's transaction (its claims inserted, not yet
committed) and tells the parent, which kills it with ``kill -9``. The register must then hold
exactly the two committed chunks, complete, plus the decision recorded before the batch;
running the batch again must complete it without a single duplicate, keeping the ids of
what was already there.
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from register_support import database, staff

from subsidy.accounts import Accounts
from subsidy.claims import read_claims, template_csv
from subsidy.profile import credit_code_check_char, dump_profile, load_profile, parse_profile
from subsidy.register import Register
from subsidy.verify import run_batch

ROOT = Path(__file__).resolve().parents[1]
CHUNK = 10
COMPANIES = 30
KILL_IN_CHUNK = 2  # 0-based: chunks 0 and 1 are committed when the kill comes

CHILD = textwrap.dedent("""
    import sys, time
    from sqlalchemy import event
    from sqlalchemy.orm import Session
    from subsidy.claims import read_claims_file
    from subsidy.register import Register
    from subsidy.verify import run_batch

    path, url, chunk, kill_in = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    state = {"chunk": 0}

    @event.listens_for(Session, "after_flush")
    def hold(session, context):
        # inside a chunk's transaction: rows are written, nothing is committed yet
        if state["chunk"] == kill_in:
            print("in-transaction", state["chunk"], flush=True)
            time.sleep(60)

    def after(index, verdicts):
        print("committed", index, *[v.register_claim_id for v in verdicts], flush=True)
        state["chunk"] = index + 1

    run_batch(read_claims_file(path), register=Register(url), record=True, official="测试",
              chunk_size=chunk, after_chunk=after)
    print("finished", flush=True)
""")


def company(index: int) -> dict:
    base = dump_profile(load_profile((ROOT / "examples" / "qiaokou-trading-group.json").read_bytes()))
    first17 = f"9142010{index:02d}MA4K2ABC"[:17]
    base.update(name=f"批次测试企业{index:02d}", credit_code=first17 + credit_code_check_char(first17))
    for year in base["years"]:
        year["revenue_wan"] += index * 1000
    return base


def claims_file(tmp_path: Path) -> Path:
    profiles = [parse_profile(company(i)) for i in range(COMPANIES)]
    claims = []
    for profile in profiles:
        for rule, year, amount in (("qk.listing", 2020, 200), ("qk.revenue_milestone", 2020, 500),
                                   ("qk.revenue_milestone_bonus", 2021, 100), ("qk.scale_entry", 2019, 5)):
            claims.append({"credit_code": profile.credit_code, "name": profile.name, "rule": rule,
                           "claim_year": year, "claimed_wan": amount})
    path = tmp_path / "批次.csv"
    path.write_text(template_csv(companies=profiles, claims=claims), encoding="utf-8")
    return path


def run_child_until_inside_chunk(path: Path, url: str) -> tuple[list[int], str]:
    """Start the batch, wait until it is inside chunk KILL_IN_CHUNK's transaction, kill -9."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(path), url, str(CHUNK), str(KILL_IN_CHUNK)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    committed: list[int] = []
    output = []
    selector = selectors.DefaultSelector()
    assert child.stdout is not None
    selector.register(child.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + 120
    try:
        while True:
            if time.monotonic() > deadline or child.poll() is not None:
                raise AssertionError("the batch did not reach the kill point:\n" + "".join(output)
                                     + (child.stderr.read() if child.stderr else ""))
            if not selector.select(timeout=1):
                continue
            line = child.stdout.readline()
            output.append(line)
            words = line.split()
            if words[:1] == ["committed"]:
                committed.extend(int(w) for w in words[2:])
            elif words[:1] == ["in-transaction"]:
                os.kill(child.pid, signal.SIGKILL)
                break
    finally:
        selector.close()
        if child.poll() is None:
            child.kill()
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    return committed, "".join(output)


@pytest.mark.timeout(240)
@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_kill_mid_batch_loses_nothing_and_the_rerun_completes_without_duplicates(tmp_path: Path,
                                                                                 kind: str) -> None:
    with database(kind, tmp_path) as url:
        run_kill_and_rerun(claims_file(tmp_path), url)


def run_kill_and_rerun(path: Path, url: str) -> None:
    register = Register(url)
    people = staff(Accounts(register))

    # a decision recorded before the batch, on a claim of an earlier file
    earlier = read_claims(template_csv(companies=[parse_profile(company(99))], claims=[{
        "credit_code": company(99)["credit_code"], "rule": "qk.listing", "claim_year": 2020,
        "claimed_wan": 200}]).encode(), "earlier.csv")
    (earlier_id,) = [v.register_claim_id for v in run_batch(earlier, register=register, record=True,
                                                             official="张三").verdicts]
    register.propose(earlier_id, "approve", people["clerk1"], "早先批准")
    decision = register.decide(earlier_id, "approve", people["reviewer1"], "早先批准")
    before = register.counts()

    committed, output = run_child_until_inside_chunk(path, url)
    assert len(committed) == KILL_IN_CHUNK * CHUNK, output

    after_kill = Register(url)
    counts = after_kill.counts()
    assert counts["claims"] == before["claims"] + KILL_IN_CHUNK * CHUNK, "no partial chunk, no lost chunk"
    assert counts["verification_results"] == counts["claims"], "every recorded claim has its result"
    assert counts["decisions"] == before["decisions"] == 1
    kept = after_kill.claim(earlier_id)
    assert kept.current_decision is not None and kept.current_decision.id == decision.id
    assert kept.current_decision.note == "早先批准"
    for claim_id in committed:
        assert after_kill.claim(claim_id).latest_result is not None

    batch = read_claims(path.read_bytes(), path.name)
    rerun = run_batch(batch, register=after_kill, record=True, official="测试", chunk_size=CHUNK)
    ids = [v.register_claim_id for v in rerun.verdicts]
    assert ids[:len(committed)] == committed, "recorded claims keep their ids"
    assert len(set(ids)) == len(batch.claims)
    final = after_kill.counts()
    assert final["claims"] == before["claims"] + len(batch.claims)
    assert final["verification_results"] == final["claims"]
    assert final["batches"] == before["batches"] + 1
    assert final["decisions"] == 1
    assert after_kill.check().ok, "the chain holds across the kill"
    register.dispose()
    after_kill.dispose()

    again = run_batch(batch, register=after_kill, record=True, official="测试", chunk_size=7)
    assert [v.register_claim_id for v in again.verdicts] == ids
    assert after_kill.counts() == final
