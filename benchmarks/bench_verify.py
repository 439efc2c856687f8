"""Benchmark: verify 10,000 claims over about 2,000 companies, then record them in SQLite.

    .venv/bin/python benchmarks/bench_verify.py [--claims 10000] [--companies 2000] [--csv]

Generates a claims workbook the way a district would fill the template (company-year rows
and claim rows; claimed amounts taken from the rule files' tiers, some deliberately off,
some repeated), then times each stage and prints claims per second and the peak memory
(resident set size) of the process.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from subsidy.accounts import Accounts  # noqa: E402
from subsidy.claims import read_claims, template_bytes, template_csv  # noqa: E402
from subsidy.evaluate import default_rules  # noqa: E402
from subsidy.profile import credit_code_check_char, parse_profile  # noqa: E402
from subsidy.register import Register, User  # noqa: E402
from subsidy.verify import report_workbook, run_batch  # noqa: E402

SECTORS = ("wholesale", "services", "industry", "retail", "catering")
DISTRICTS = ("硚口区", "硚口区", "硚口区", "江汉区", "武汉经开区")
RULES = ("qk.revenue_milestone", "qk.revenue_milestone_bonus", "qk.listing", "qk.scale_entry",
         "qk.hidden_champion_demo", "qk.talent_project", "wqb.industrial_revenue_milestone",
         "wqb.scale_entry_industrial")


def peak_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def credit_code(index: int) -> str:
    first17 = f"91420{index:06d}MA4K2X"[:17]
    return first17 + credit_code_check_char(first17)


def companies(count: int, rng: random.Random) -> list:
    out = []
    for index in range(count):
        base = Decimal(rng.randrange(5_000, 1_500_000))
        contribution = Decimal(rng.randrange(100, 8_000))
        years = []
        for offset, year in enumerate((2019, 2020, 2021)):
            growth = Decimal(100 + rng.randrange(-10, 60) + offset * 5) / 100
            years.append({"year": year, "revenue_wan": (base * growth).quantize(Decimal(1)),
                          "district_fiscal_contribution_wan": (contribution * growth).quantize(Decimal(1))})
        data = {
            "name": f"基准测试企业{index:05d}有限公司", "credit_code": credit_code(index),
            "district": rng.choice(DISTRICTS), "sector": rng.choice(SECTORS),
            "scale_entry_year": rng.choice((2018, 2019, 2020, 2021)),
            "prior_peak_revenue_wan": base * Decimal("0.8"), "years": years,
        }
        if rng.random() < 0.2:
            data["listings"] = [{"board": rng.choice(("star", "domestic_main", "chinext")),
                                 "date": f"{rng.choice((2019, 2020, 2021))}-0{rng.randrange(1, 9)}-15"}]
        if rng.random() < 0.3:
            data["recognitions"] = [{"title": "hidden_champion_demo", "year": rng.choice((2019, 2020, 2021))}]
        if rng.random() < 0.2:
            data["talent_projects"] = [{"programme": "yellow_crane", "year": 2020}]
        out.append(parse_profile(data))
    return out


def claims(profiles: list, count: int, rng: random.Random) -> list[dict]:
    ruleset = default_rules()
    amounts = {rule: [t.amount_wan for t in ruleset.rules[rule].all_tiers() if t.amount_wan is not None][:4]
               for rule in RULES}
    rows = []
    for index in range(count):
        profile = profiles[index % len(profiles)]
        rule = rng.choice(RULES)
        amount = rng.choice(amounts[rule])
        if rng.random() < 0.1:
            amount += 10  # a claim that asks for more
        rows.append({"claim_ref": f"B{index:05d}", "credit_code": profile.credit_code,
                     "name": profile.name if rng.random() < 0.5 else None, "rule": rule,
                     "claim_year": rng.choice((2019, 2020, 2021)), "claimed_wan": amount})
    return rows


def staff(accounts: Accounts) -> dict[str, User]:
    """A 经办 and a 复核 (and the administrator who adds them)."""
    admin = accounts.add("admin", "admin", "benchmark password")
    return {"clerk": accounts.add("clerk", "clerk", "benchmark password", by=admin),
            "reviewer": accounts.add("reviewer", "reviewer", "benchmark password", by=admin)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--companies", type=int, default=2_000)
    parser.add_argument("--chunk-size", type=int, default=200)
    parser.add_argument("--csv", action="store_true", help="a CSV file instead of a workbook")
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument("--decisions", type=int, default=200, help="claims proposed and decided")
    args = parser.parse_args()
    rng = random.Random(args.seed)

    print(f"memory after imports: {peak_mb():.0f} MB; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores")
    started = time.perf_counter()
    profiles = companies(args.companies, rng)
    rows = claims(profiles, args.claims, rng)
    if args.csv:
        data, name = template_csv(companies=profiles, claims=rows).encode("utf-8"), "bench.csv"
    else:
        data, name = template_bytes(companies=profiles, claims=rows), "bench.xlsx"
    print(f"generated {len(rows)} claims over {len(profiles)} companies "
          f"({len(data) / 1024 / 1024:.1f} MB {name}) in {time.perf_counter() - started:.1f} s")

    t0 = time.perf_counter()
    batch = read_claims(data, name)
    t_read = time.perf_counter() - t0
    print(f"read:    {t_read:6.2f} s  {len(batch.claims) / t_read:8.0f} claims/s  "
          f"({len(batch.problems)} problem rows)")

    t0 = time.perf_counter()
    verification = run_batch(batch)
    t_verify = time.perf_counter() - t0
    print(f"verify:  {t_verify:6.2f} s  {len(batch.claims) / t_verify:8.0f} claims/s  "
          f"(one evaluation per company; peak memory so far {peak_mb():.0f} MB)")
    print("         " + ", ".join(f"{k} {v}" for k, v in Counter(v.status for v in verification.verdicts).most_common()))

    with tempfile.TemporaryDirectory() as folder:
        register = Register(f"sqlite:///{folder}/bench.sqlite")
        t0 = time.perf_counter()
        recorded = run_batch(read_claims(data, name), register=register, record=True, official="基准",
                             chunk_size=args.chunk_size)
        t_record = time.perf_counter() - t0
        print(f"verify + record (SQLite, {args.chunk_size} per transaction): {t_record:6.2f} s  "
              f"{len(batch.claims) / t_record:8.0f} claims/s  → {register.counts()}; "
              f"peak memory so far {peak_mb():.0f} MB")
        t0 = time.perf_counter()
        rerun = run_batch(read_claims(data, name), register=register, record=True, official="基准",
                          chunk_size=args.chunk_size)
        t_rerun = time.perf_counter() - t0
        assert [v.register_claim_id for v in rerun.verdicts] == [v.register_claim_id for v in recorded.verdicts]
        print(f"re-run (nothing new to record):          {t_rerun:6.2f} s  → {register.counts()}")
        people = staff(Accounts(register))
        decided = [v.register_claim_id for v in recorded.verdicts if v.status == "confirmed"][:args.decisions]
        times = []
        for claim_id in decided:
            t0 = time.perf_counter()
            register.propose(claim_id, "approve", people["clerk"])
            register.decide(claim_id, "approve", people["reviewer"])
            times.append(time.perf_counter() - t0)
        reference = []
        for _ in range(max(len(times), 1)):
            t0 = time.perf_counter()
            register.open_batch("sha256:bench-reference", "reference", 0)  # one locked write, found
            reference.append(time.perf_counter() - t0)
        if times:
            print(f"propose + decide (two writes, award ledger, chain): median "
                  f"{statistics.median(times) * 1000:.1f} ms over {len(times)} claims; reference, one "
                  f"locked write transaction: median {statistics.median(reference) * 1000:.1f} ms")
        t0 = time.perf_counter()
        chain = register.check()
        t_check = time.perf_counter() - t0
        print(f"register check (hash chain): {t_check:6.2f} s for {chain.links} links "
              f"({chain.links / t_check:8.0f} links/s), intact: {chain.ok}")
        register.dispose()

    t0 = time.perf_counter()
    report = report_workbook(verification)
    print(f"report:  {time.perf_counter() - t0:6.2f} s  ({len(report) / 1024 / 1024:.1f} MB)")
    print(f"peak memory (RSS): {peak_mb():.0f} MB; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
