"""Screening a population: load, validate, derive facts, run the compiled rules.

The use case behind ``subsidy screen``, ``subsidy impact --population`` and the 政策测算
page. Findings come out as Arrow tables (company × rule × year × tier, not-applicable rows
left out unless asked for).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from .. import population
from ..profile import Profile
from ..ruleset import RuleSet
from . import facts as cfacts
from .run import CHUNK, connect, run_chunks


@dataclass
class Screened:
    """A loaded population on a DuckDB connection, ready to run any rule set over."""

    con: duckdb.DuckDBPyConnection
    loaded: population.Loaded

    def findings(self, ruleset: RuleSet, *, keep_not_applicable: bool = False, chunk: int = CHUNK,
                 progress: Callable[[int, int], None] | None = None) -> pa.Table:
        tables = list(self.iter_findings(ruleset, keep_not_applicable=keep_not_applicable,
                                         chunk=chunk, progress=progress))
        return pa.concat_tables(tables) if tables else _empty(self.con)

    def iter_findings(self, ruleset: RuleSet, **kwargs):
        return run_chunks(self.con, ruleset, **kwargs)

    def profile(self, cid: int) -> Profile:
        """One company as a validated profile (to open with the interactive engine)."""
        return population.company_profile(self.con, self.loaded, cid)


def _empty(con: duckdb.DuckDBPyConnection) -> pa.Table:
    return pa.table({"cid": pa.array([], pa.int64()), "rule_id": pa.array([], pa.string()),
                     "year": pa.array([], pa.int32()), "status": pa.array([], pa.string()),
                     "amount_wan": pa.array([], pa.decimal128(38, 6)), "tier": pa.array([], pa.string())})


def _prepare(con: duckdb.DuckDBPyConnection, loaded: population.Loaded) -> Screened:
    cfacts.build_facts(con, loaded.parsed)
    return Screened(con, loaded)


def from_file(path, *, max_bytes: int = population.MAX_BYTES, memory_limit: str | None = "2GB") -> Screened:
    """Read, validate and prepare a population file (raises PopulationError when refused)."""
    con = connect(memory_limit)
    loaded = population.load(path, con, max_bytes=max_bytes)
    return _prepare(con, loaded)


def from_profiles(profiles: Iterable[Profile], memory_limit: str | None = "2GB") -> Screened:
    """Profiles laid out as a population (one row per year), validated the same way."""
    con = connect(memory_limit)
    rows = [row for p in profiles for row in population.profile_rows(p)]
    con.register("raw_arrow", population.rows_table(rows))
    con.execute("CREATE OR REPLACE TEMP TABLE raw AS SELECT row_number() OVER () + 1 AS row_no, * FROM raw_arrow")
    con.unregister("raw_arrow")
    loaded = population.validate(con)
    return _prepare(con, loaded)
