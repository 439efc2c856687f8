"""Impact reports compare a population under two rule sets."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from subsidy.evaluate import default_rules
from subsidy.impact import compare
from subsidy.sample import sample_profiles

ROOT = Path(__file__).resolve().parents[1]


def test_same_rules_change_nothing():
    rules = default_rules()
    result = compare(sample_profiles(60, seed=3), rules, rules)
    assert all(entry.changed == 0 for entry in result.rules.values())
    assert result.total_before == result.total_after


def test_highest_only_reading_lowers_the_city_ladder_total():
    rules = default_rules()
    flipped = rules.with_switches({"INTERP-WQB-1": "alternative"})
    result = compare(sample_profiles(300, seed=20261123), rules, flipped)
    entry = result.rules["wqb.industrial_revenue_milestone"]
    assert entry.changed > 0
    assert entry.total_after < entry.total_before
    untouched = result.rules["qk.listing"]
    assert untouched.changed == 0


def test_population_impact_moves_the_same_money_as_the_interactive_comparison():
    from subsidy.columnar.screen import from_profiles
    from subsidy.impact import population_impact

    rules = default_rules()
    flipped = rules.with_switches({"INTERP-WQB-1": "alternative"})
    profiles = sample_profiles(300, seed=20261123)
    interactive = compare(profiles, rules, flipped)
    columnar = population_impact(from_profiles(profiles), rules, flipped)
    assert columnar.total_before == interactive.total_before
    assert columnar.total_after == interactive.total_after
    moved: dict[str, object] = {}
    for row in columnar.by_rule.to_pylist():
        moved[row["rule_id"]] = moved.get(row["rule_id"], 0) + row["delta_wan"]
        assert row["changed"] >= max(row["gained"], row["lost"])
    for rule_id, entry in interactive.rules.items():
        assert moved.get(rule_id, 0) == entry.total_after - entry.total_before, rule_id
    lost = [r for r in columnar.changes.to_pylist() if r["rule_id"] == "wqb.industrial_revenue_milestone"]
    assert lost and all(r["delta_wan"] <= 0 for r in lost)


def test_population_impact_ignores_rows_that_only_become_not_applicable():
    """A shorter window turns not-eligible rows into not-applicable ones: no change that matters."""
    from subsidy.columnar.screen import from_profiles
    from subsidy.impact import population_impact

    rules = default_rules()
    profiles = sample_profiles(200, seed=11)
    screened = from_profiles(profiles)
    same = population_impact(screened, rules, rules)
    assert same.changes.num_rows == 0 and same.by_rule.num_rows == 0
    longer = rules.with_switches({"INTERP-WQB-0": "alternative"})
    result = population_impact(screened, rules, longer)
    for row in result.changes.to_pylist():
        tokens = set(row["before"].split("+")) | set(row["after"].split("+"))
        assert tokens & {"eligible", "needs_info"}, row


def test_population_impact_tallies_by_rule_year_and_district():
    """The comparison of two rule sets' findings over one population."""
    from subsidy.columnar.screen import from_profiles
    from subsidy.impact import population_impact

    rules = default_rules()
    flipped = rules.with_switches({"INTERP-WQB-1": "alternative"})
    profiles = sample_profiles(120, seed=20261123)
    interactive = compare(profiles, rules, flipped)
    calls = []
    columnar = population_impact(from_profiles(profiles), rules, flipped, progress=lambda: calls.append(1))
    assert len(calls) == 2
    assert columnar.total_before == interactive.total_before
    assert columnar.total_after == interactive.total_after
    moved: dict[str, object] = {}
    for row in columnar.by_rule.to_pylist():
        moved[row["rule_id"]] = moved.get(row["rule_id"], 0) + row["delta_wan"]
        assert row["changed"] >= max(row["gained"], row["lost"]) and row["district"]
    for rule_id, entry in interactive.rules.items():
        assert moved.get(rule_id, 0) == entry.total_after - entry.total_before, rule_id
    deltas = [abs(r["delta_wan"]) for r in columnar.changes.to_pylist()]
    assert deltas == sorted(deltas, reverse=True)  # largest money first
    same = population_impact(from_profiles(profiles), rules, rules)
    assert same.changes.num_rows == 0 and same.by_rule.num_rows == 0


def test_cli_impact_over_a_population_file(tmp_path):
    from subsidy.columnar.output import write_table
    from subsidy.population import profile_rows, rows_table

    source = tmp_path / "pop.parquet"
    write_table(rows_table([r for p in sample_profiles(80, seed=5) for r in profile_rows(p)]), source)
    done = subprocess.run([sys.executable, "-m", "subsidy.cli", "impact", "--interp", "INTERP-WQB-1=alternative",
                           "--population", str(source), "--changes", str(tmp_path / "changes.csv")],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "合计 total" in done.stdout and (tmp_path / "changes.csv").exists()


def test_cli_impact_refuses_a_bad_population_file(tmp_path):
    bad = tmp_path / "pop.csv"
    bad.write_text("name,district\n甲,硚口区\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "subsidy.cli", "impact", "--population", str(bad)],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 2 and "缺少必填列" in done.stderr and "missing required columns" in done.stderr
    assert "Traceback" not in done.stderr
