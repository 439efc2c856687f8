"""Benchmark: hostile claim files read by the app's bounded worker — time and peak memory each.

    .venv/bin/python benchmarks/bench_hostile.py [--repeat 3]

Each file is made first and written to disk, then read by
:func:`subsidy.claims.read_claims_bounded` (a worker process capped in time and memory) from a
fresh, small parent, so that the worker's peak resident memory is measured alone (on Linux a
child's peak starts from its parent's size at fork). The example template (a real, small batch) and a legitimate batch of 10,000 claims
are read the same way as references, in the same run, and the machine's load is printed
alongside: the worker's start-up (a new interpreter) is part of every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import hostile_files as hostile  # noqa: E402

from subsidy.claims import ClaimsFileError, read_claims_bounded, template_bytes  # noqa: E402


def legitimate(claims: int) -> bytes:
    import bench_verify

    rng = random.Random(2019)
    profiles = bench_verify.companies(claims // 5, rng)
    return template_bytes(companies=profiles, claims=bench_verify.claims(profiles, claims, rng))


CASES = {
    "reference: example template": lambda: template_bytes(example=True),
    "reference: 10,000 claims, 2,000 companies": lambda: legitimate(10_000),
    "zip bomb (400 MB unpacked)": lambda: hostile.zip_bomb(400),
    "zip with lying sizes": lambda: hostile.lying_sizes(hostile.zip_bomb(120)),
    "declares A1:XFD1048576": hostile.declared_dimension,
    "value in column XFD": hostile.far_cell,
    "value on row 1,048,576": hostile.far_row,
    "problem in every cell (60,000 rows)": hostile.problem_in_every_cell,
    "problem in every cell (20,000 rows)": lambda: hostile.problem_in_every_cell(20_000),
    "truncated sheet XML": hostile.truncated_sheet,
    "entity expansion": hostile.entity_expansion,
    "200,000-character cell": hostile.long_cell,
    "CSV field of 131,073 characters": hostile.csv_huge_field,
}


def one(path: str) -> None:
    """Child mode: read one file with the worker, print what happened as JSON."""
    size = Path(path).stat().st_size
    started = time.perf_counter()
    try:
        batch = read_claims_bounded(path)
        outcome = f"read: {len(batch.claims)} claims, {len(batch.problems)} problems listed"
    except ClaimsFileError as exc:
        outcome = "refused: " + exc.message_en[:70]
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak, "size_mb": size / 2**20,
                      "outcome": outcome}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one(args.one)
        return
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
          f"on {os.cpu_count()} cores")
    print(f"{'file':44} {'size':>7} {'median s':>9} {'peak MB':>8}  outcome")
    folder = Path(tempfile.mkdtemp(prefix="bench-hostile-"))
    for case, make in CASES.items():
        path = folder / ("hostile.csv" if "CSV" in case else "hostile.xlsx")
        path.write_bytes(make())
        runs = []
        for _ in range(args.repeat):
            done = subprocess.run([sys.executable, __file__, "--one", str(path)],
                                  capture_output=True, text=True, check=True)
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
        path.unlink()
        seconds = statistics.median(r["seconds"] for r in runs)
        peak = max(r["peak_mb"] for r in runs)
        print(f"{case:44} {runs[0]['size_mb']:6.2f}M {seconds:9.2f} {peak:8.0f}  {runs[0]['outcome']}",
              flush=True)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    folder.rmdir()


if __name__ == "__main__":
    main()
