"""Benchmark: screening whole populations on the columnar path, beside a NumPy reference.

For each size (companies × 3 years) a generated population is written as Parquet, then, in
a fresh process per size (so that peak memory is that size's own):

- **prepare**: read, validate and derive the fact tables;
- **compute**: run the compiled plan over the fact tables (all rules, all readings in force);
- **end to end**: ``screen_file`` Parquet → findings Parquet + summary (what ``subsidy screen``
  does), timed separately from the two above;
- **peak memory** of the process;
- **NumPy reference**: two clauses (硚口's revenue tiers and the city's main-revenue levels,
  thresholds read from the rule files) written directly as vectorised NumPy over the same
  population, measured in the same process — less work than ours, but the order of magnitude
  a columnar evaluation reaches.

The machine's load average is printed before and after: on a shared 2-core machine it moves
the figures more than anything else. Run: ``make bench`` or
``.venv/bin/python benchmarks/bench_screen.py --sizes 10000,100000,650000``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq


def _levels(rules) -> tuple[list[tuple[float, float]], list[float]]:
    """(revenue level, contribution level) of 硚口's main tiers, and the city's levels, from the rules."""
    from subsidy.money import parse_money

    qk = []
    for tier in rules.rules["qk.revenue_milestone"].all_tiers():
        revenue = contribution = Decimal(0)
        for cond in tier.conditions:  # read by the conditions' own attributes, no kind named
            if getattr(cond, "tag", "") == "choose":  # the main figures (the `otherwise` branch)
                revenue = parse_money(cond.choose[-1].then[0].value)
            elif getattr(cond, "field", None) == "contribution_wan":
                contribution = parse_money(cond.value)
        qk.append((float(revenue), float(contribution)))
    city = [float(parse_money(tier.conditions[0].value))  # the listed levels (the step ladder has none)
            for tier in rules.rules["wqb.industrial_revenue_milestone"].all_tiers()
            if getattr(tier.conditions[0], "value", None) is not None]
    return qk, city


def numpy_reference(path: Path, rules) -> tuple[float, int]:
    """Seconds for the two clauses over the population in NumPy, and the awards found."""
    table = pq.read_table(path, columns=["district", "sector", "year", "revenue_wan", "main_business_revenue_wan",
                                         "district_fiscal_contribution_wan", "prior_peak_revenue_wan"])
    n = table.num_rows // 3

    def money(name: str) -> np.ndarray:
        return pc.cast(table.column(name), "float64").to_numpy(zero_copy_only=False).reshape(n, 3)

    revenue, main, contribution = money("revenue_wan"), money("main_business_revenue_wan"), \
        money("district_fiscal_contribution_wan")
    peak = money("prior_peak_revenue_wan")[:, 0]
    qiaokou = (table.column("district").to_numpy(zero_copy_only=False).reshape(n, 3)[:, 0] == "硚口区")
    industry = (table.column("sector").to_numpy(zero_copy_only=False).reshape(n, 3)[:, 0] == "industry")
    qk, city = _levels(rules)
    start = time.perf_counter()
    main = np.where(np.isnan(main), revenue, main)
    prior_rev = np.maximum.accumulate(np.column_stack([peak, revenue[:, :2]]), axis=1)
    prior_main = np.maximum.accumulate(np.column_stack([peak, main[:, :2]]), axis=1)
    awards = 0
    for level, needed in qk:  # 硚口: first reaching a revenue tier with the contribution
        hit = qiaokou[:, None] & (revenue >= level) & (prior_rev < level) & (contribution >= needed)
        awards += int(hit.sum())
    for level in city:  # city: first exceeding a main-revenue level, industrial firms
        hit = industry[:, None] & (main > level) & (prior_main <= level)
        awards += int(hit.sum())
    return time.perf_counter() - start, awards


LOAD_ONLY = False


def one(path: Path, out_dir: Path) -> dict:
    from subsidy.columnar.screen import from_file, screen_file
    from subsidy.evaluate import default_rules

    rules = default_rules()
    t0 = time.perf_counter()
    screened = from_file(path)
    load = time.perf_counter() - t0
    if LOAD_ONLY:
        return {"load_s": load, "companies": screened.loaded.companies, "errors": screened.loaded.error_count,
                "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    screened.ensure_facts()
    t1 = time.perf_counter()
    findings = sum(t.num_rows for t in screened.iter_findings(rules))
    t2 = time.perf_counter()
    screened.con.close()
    del screened  # the end-to-end run loads the file again: its peak is its own
    gc.collect()
    t3 = time.perf_counter()
    screen_file(path, out_dir / "findings.parquet", rules, summary_path=out_dir / "summary.csv")
    t4 = time.perf_counter()
    reference, awards = numpy_reference(path, rules)
    return {"load_s": load, "prepare_s": t1 - t0, "compute_s": t2 - t1, "end_to_end_s": t4 - t3, "findings": findings,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "numpy_s": reference, "numpy_awards": awards}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,650000")
    parser.add_argument("--seed", type=int, default=20261202)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--load-only", action="store_true",
                        help="generate, read and validate only (no plan): the population path's own cost")
    args = parser.parse_args(argv)
    global LOAD_ONLY
    LOAD_ONLY = args.load_only or os.environ.get("BENCH_LOAD_ONLY") == "1"
    if args.one:
        path = Path(args.one)
        print(json.dumps(one(path, path.parent)))
        return 0

    from subsidy.columnar.output import write_table
    from subsidy.population_sample import sample_population

    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    header = (f"{'companies':>10} {'rows':>10} {'generate s':>10} {'prepare s':>10} {'compute s':>10} "
              f"{'end-to-end s':>12} {'peak MB':>8} {'findings':>10} {'numpy s':>8} {'ratio':>8}")
    if not LOAD_ONLY:
        print(header)
    if LOAD_ONLY:
        header = f"{'companies':>10} {'rows':>10} {'generate s':>10} {'write s':>8} {'load s':>8} {'peak MB':>8}"
    with tempfile.TemporaryDirectory() as tmp:
        if LOAD_ONLY:
            print(header)
        for size in (int(s) for s in args.sizes.split(",")):
            folder = Path(tmp) / str(size)
            folder.mkdir()
            t0 = time.perf_counter()
            table = sample_population(size, seed=args.seed)
            generate = time.perf_counter() - t0
            write_table(table, folder / "population.parquet")
            written = time.perf_counter() - t0 - generate
            del table
            env = {**os.environ, "BENCH_LOAD_ONLY": "1" if LOAD_ONLY else "0"}
            done = subprocess.run([sys.executable, __file__, "--one", str(folder / "population.parquet")],
                                  capture_output=True, text=True, check=True, env=env)
            r = json.loads(done.stdout.strip().splitlines()[-1])
            if LOAD_ONLY:
                print(f"{size:>10} {size * 3:>10} {generate:>10.2f} {written:>8.2f} {r['load_s']:>8.2f} "
                      f"{r['peak_mb']:>8.0f}", flush=True)
                continue
            ratio = r["compute_s"] / r["numpy_s"] if r["numpy_s"] else float("nan")
            print(f"{size:>10} {size * 3:>10} {generate:>10.2f} {r['prepare_s']:>10.2f} {r['compute_s']:>10.2f} "
                  f"{r['end_to_end_s']:>12.2f} {r['peak_mb']:>8.0f} {r['findings']:>10} {r['numpy_s']:>8.3f} "
                  f"{ratio:>7.0f}×", flush=True)
    print(f"load average after:  {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("compute: the compiled plan over prepared fact tables; end-to-end: Parquet in → findings Parquet "
          "and summary out; numpy: two clauses only (ratio = compute / numpy).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
