"""The population generator: deterministic, every row valid under the population layout, the
new profile fields covered, and shaped by the documented mix."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.compute as pc
import pyarrow.parquet as pq

from subsidy import vocab
from subsidy.columnar.output import write_table
from subsidy.population import COLUMNS, load, load_rows
from subsidy.population_sample import MIX, sample_population

ROOT = Path(__file__).resolve().parents[1]


def test_same_seed_same_population_and_every_row_is_valid(tmp_path):
    a = sample_population(3000, seed=5)
    assert a.equals(sample_population(3000, seed=5))
    assert not a.equals(sample_population(3000, seed=6))
    assert a.column_names == list(COLUMNS) and a.num_rows == 9000
    write_table(a, tmp_path / "pop.parquet")
    con = duckdb.connect()
    loaded = load(tmp_path / "pop.parquet", con)
    assert loaded.errors == [] and loaded.error_count == 0
    assert loaded.companies == 3000 and loaded.rows_used == 9000


def test_a_large_sample_is_valid_and_covers_every_code_and_new_field():
    table = sample_population(30_000, seed=11)
    con = duckdb.connect()
    loaded = load_rows(table, con)
    assert loaded.error_count == 0 and loaded.companies == 30_000
    titles = {r.title for cells in loaded.parsed.values() for r in cells.get("recognitions", [])}
    assert titles == set(vocab.RECOGNITION_TITLES)  # specialized_little_giant, tech_sme, gazelle …
    kinds = {e.kind for cells in loaded.parsed.values() for e in cells.get("scale_entries", [])}
    assert kinds == set(vocab.ENTRY_KINDS)
    assert any(len(cells.get("scale_entries", [])) > 1 for cells in loaded.parsed.values())
    projects = [t for cells in loaded.parsed.values() for t in cells.get("talent_projects", [])]
    assert any(t.leader for t in projects) and any(t.leader is None for t in projects)
    for name in ("incubator", "park_rating", "listings", "tech_upgrade_projects", "industry_tags"):
        assert any(name in cells for cells in loaded.parsed.values()), name
    figures = con.execute("SELECT count(tax_paid_wan), count(city_services_revenue_rank), "
                          "count(scale_entry_year) FROM pop JOIN companies USING (cid)").fetchall()[0]
    assert all(figures)
    # ranks are 1..N among the services companies that have one, each year
    ranks = con.execute("SELECT year, min(city_services_revenue_rank) FROM pop "
                        "WHERE city_services_revenue_rank IS NOT NULL GROUP BY year").fetchall()
    assert ranks and all(r[1] >= 1 for r in ranks)


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
    recognised = sum(1 for v in table.column("recognitions").to_pylist() if v) / table.num_rows
    assert abs(recognised - MIX.recognition) < 0.005
    assert all(json.loads(v) for v in table.column("recognitions").to_pylist()[:2000] if v)


def test_cli_sample_writes_the_file(tmp_path):
    out = tmp_path / "pop.parquet"
    done = subprocess.run([sys.executable, "-m", "subsidy.cli", "sample", "--n", "500", "--seed", "3",
                           "--out", str(out)], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert pq.read_table(out).num_rows == 1500
    bad = subprocess.run([sys.executable, "-m", "subsidy.cli", "sample", "--n", "5", "--out",
                          str(tmp_path / "pop.txt")], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert bad.returncode == 2 and ".parquet" in bad.stderr and "Traceback" not in bad.stderr
    assert not list(tmp_path.glob("*.part"))
