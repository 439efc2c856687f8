"""The columnar backend is one method per condition kind of the core, and its plan compiles
and runs under every reading (the differential test compares its answers)."""

from __future__ import annotations

import pytest

from subsidy.columnar.facts import build_facts, subject_columns
from subsidy.columnar.plan import compile_plan
from subsidy.columnar.run import run_chunks
from subsidy.columnar.screen import connect
from subsidy.columnar.sql import ident
from subsidy.conditions import KINDS, _Kind
from subsidy.evaluate import default_rules
from subsidy.profile import Profile, YearFigures


@pytest.mark.parametrize("tag", sorted(KINDS))
def test_every_condition_kind_compiles_itself_to_columns(tag):
    assert KINDS[tag].to_columns is not _Kind.to_columns, f"{tag} has no to_columns"


def _readings(rules):
    flips = {iid: "alternative" if rules.readings[iid] == "default" else "default"
             for iid in sorted(rules.interpretations)}
    return [{}, flips, *({iid: value} for iid, value in flips.items())]


def _empty_population(con) -> None:
    peaks = ", ".join(f"{name} DECIMAL(38,6)" for name in Profile.model_fields if name.startswith("prior_peak_"))
    con.execute("CREATE OR REPLACE TEMP TABLE companies (cid BIGINT, name VARCHAR, credit_code VARCHAR, "
                f"district VARCHAR, sector VARCHAR, scale_entry_year INTEGER, {peaks})")
    figures = ", ".join(f"{name} DECIMAL(38,6)" if name.endswith("_wan") else f"{name} BIGINT"
                        for name in YearFigures.model_fields if name != "year")
    con.execute(f"CREATE OR REPLACE TEMP TABLE pop (cid BIGINT, year INTEGER, {figures})")


def test_the_plan_runs_under_every_reading_on_an_empty_population():
    rules = default_rules()
    con = connect()
    _empty_population(con)
    build_facts(con, {})
    for switches in _readings(rules):
        ruleset = rules.with_switches({**rules.readings, **switches})
        tables = list(run_chunks(con, ruleset, keep_not_applicable=True))
        assert sum(t.num_rows for t in tables) == 0


def test_fact_tables_follow_the_vocabulary():
    columns = subject_columns("company_year")
    for figure in ("revenue_wan", "tax_paid_wan"):
        assert ident(figure) in columns and f"{ident(figure)}__prior" in columns
    assert f"{ident('contribution_growth')}__num" in columns
    assert ident("city_services_revenue_rank") in columns


def test_a_step_ladder_is_a_join_on_a_numbers_table_not_a_list_of_tiers():
    plan = compile_plan(default_rules())
    assert plan.uses_steps
    assert any("steps_k" in sql for _, sql in plan.steps)
