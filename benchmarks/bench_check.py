"""Benchmark: evaluate 10,000 varied three-year profiles in-process and print the figures.

Prints median and p95 milliseconds per profile (reasons included: the full report is built)
and the peak resident memory. Run: ``make bench`` or ``.venv/bin/python benchmarks/bench_check.py``.
Options: ``--n 2000`` for a quicker run, ``--engine-only`` to time the durable_rules session
alone (assert facts, collect matches, delete the session).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time

from subsidy import engine
from subsidy.evaluate import default_rules, evaluate
from subsidy.facts import derive_facts
from subsidy.sample import sample_profiles


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--engine-only", action="store_true")
    args = parser.parse_args(argv)

    profiles = sample_profiles(args.n, args.seed)
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
