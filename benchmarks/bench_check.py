"""Benchmark: evaluate 10,000 varied three-year profiles in-process and print the figures.

Prints median and p95 milliseconds per profile (reasons included: the full report is built)
and the peak resident memory. Run: ``make bench`` or ``.venv/bin/python benchmarks/bench_check.py``.
Options: ``--n 2000`` for a quicker run, ``--engine-only`` to time the durable_rules session
alone (assert facts, collect matches, delete the session).
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import time
from decimal import Decimal

from subsidy import engine
from subsidy.evaluate import default_rules, evaluate
from subsidy.facts import derive_facts
from subsidy.profile import credit_code_check_char, parse_profile
from subsidy.vocab import BOARDS, DISTRICTS, RECOGNITION_TITLES, SECTORS

DISTRICT_WEIGHTS = {"硚口区": 5, "武汉经开区": 3, "汉南区": 1, "outside_wuhan": 1}


def make_profile(rng: random.Random, i: int) -> dict:
    """A plausible, varied company: three years, some events, sometimes missing figures."""
    districts = list(DISTRICTS)
    district = rng.choice([d for d, w in DISTRICT_WEIGHTS.items() for _ in range(w)] + districts)
    start = rng.randint(2017, 2022)
    base = Decimal(rng.choice([800, 5000, 30_000, 150_000, 450_000, 900_000, 2_500_000]))
    revenue = base * Decimal(rng.uniform(0.7, 1.3)).quantize(Decimal("0.01"))
    contribution = Decimal(rng.randint(100, 9000))
    years = []
    for y in range(start, start + 3):
        revenue = (revenue * Decimal(rng.uniform(0.9, 2.2))).quantize(Decimal("0.01"))
        contribution = (contribution * Decimal(rng.uniform(0.8, 1.4))).quantize(Decimal("0.01"))
        row: dict = {"year": y, "revenue_wan": str(revenue)}
        if rng.random() < 0.7:
            row["main_business_revenue_wan"] = str((revenue * Decimal("0.97")).quantize(Decimal("0.01")))
        if rng.random() < 0.9:
            row["district_fiscal_contribution_wan"] = str(contribution)
        years.append(row)
    first17 = f"9142010{i % 10}MA4K{i:05d}"[:17].replace("I", "1").replace("O", "0")
    profile: dict = {
        "name": f"基准测试企业{i:05d}",
        "credit_code": first17 + credit_code_check_char(first17),
        "district": district,
        "sector": rng.choice(list(SECTORS)),
        "years": years,
    }
    if rng.random() < 0.8:
        profile["prior_peak_revenue_wan"] = str((base * Decimal("0.6")).quantize(Decimal("0.01")))
    if rng.random() < 0.4:
        profile["scale_entry_year"] = rng.randint(start - 2, start + 2)
    if rng.random() < 0.15:
        profile["listings"] = [{"board": rng.choice(list(BOARDS)), "date": f"{rng.randint(start, start + 2)}-06-30"}]
    if rng.random() < 0.3:
        profile["recognitions"] = [{"title": rng.choice(list(RECOGNITION_TITLES)), "year": rng.randint(start, start + 2)}
                                   for _ in range(rng.randint(1, 3))]
    if rng.random() < 0.1:
        profile["tech_upgrade_projects"] = [{"name": "技改项目", "in_catalogue": True, "accepted_year": start,
                                             "new_local_fiscal_revenue_wan": {str(start + 1): 30, str(start + 2): 40}}]
    return profile


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--engine-only", action="store_true")
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    profiles = [parse_profile(make_profile(rng, i)) for i in range(args.n)]
    rules = default_rules()
    evaluate(profiles[0], rules=rules)  # compile and register once, outside the timings

    times: list[float] = []
    findings = 0
    for profile in profiles:
        t0 = time.perf_counter()
        if args.engine_only:
            engine.run(rules, derive_facts(profile))
        else:
            report = evaluate(profile, rules=rules)
            report.contract()
            findings += len(report.results)
        times.append((time.perf_counter() - t0) * 1000)

    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    what = "engine session only" if args.engine_only else "check (facts, engine, reasons, JSON contract)"
    print(f"profiles: {args.n} (three years each) — {what}")
    print(f"rules: {len(rules.rules)} rules, {sum(len(r.all_tiers()) for r in rules.rules.values())} compiled tiers")
    if findings:
        print(f"findings per profile: {findings / args.n:.1f}")
    print(f"median: {statistics.median(times):.3f} ms per profile")
    print(f"p95:    {p95:.3f} ms per profile")
    print(f"peak resident memory: {peak_mb:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
