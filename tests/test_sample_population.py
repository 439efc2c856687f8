"""The population generator: deterministic, valid under the population layout, and shaped by
the documented mix."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq

from subsidy import vocab
from subsidy.columnar.output import write_table
from subsidy.columnar.screen import from_file
from subsidy.population import COLUMNS
from subsidy.population_sample import MIX, sample_population

ROOT = Path(__file__).resolve().parents[1]


def test_same_seed_same_population_and_every_row_is_valid(tmp_path):
    a = sample_population(3000, seed=5)
    assert a.equals(sample_population(3000, seed=5))
    assert not a.equals(sample_population(3000, seed=6))
    assert a.column_names == list(COLUMNS) and a.num_rows == 9000
    write_table(a, tmp_path / "pop.parquet")
    screened = from_file(tmp_path / "pop.parquet")
    assert screened.loaded.errors == []
    assert screened.loaded.companies == 3000 and screened.loaded.rows_used == 9000


def test_the_mix_is_followed():
    table = sample_population(40_000, seed=1, years=1)
    districts = pc.value_counts(table.column("district")).to_pylist()
    shares = {d["values"]: d["counts"] / table.num_rows for d in districts}
    total = sum(MIX.districts.values())
    for district, weight in MIX.districts.items():
        assert abs(shares[district] - weight / total) < 0.01, district
    assert set(shares) <= set(vocab.DISTRICTS)
    missing_main = table.column("main_business_revenue_wan").null_count / table.num_rows
    assert abs(missing_main - MIX.main_missing) < 0.02


def test_cli_sample_writes_the_file(tmp_path):
    out = tmp_path / "pop.parquet"
    done = subprocess.run([sys.executable, "-m", "subsidy.cli", "sample", "--n", "500", "--seed", "3",
                           "--out", str(out)], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert pq.read_table(out).num_rows == 1500
    bad = subprocess.run([sys.executable, "-m", "subsidy.cli", "sample", "--n", "5", "--out",
                          str(tmp_path / "pop.txt")], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert bad.returncode == 2 and ".parquet" in bad.stderr and "Traceback" not in bad.stderr
