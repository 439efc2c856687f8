"""The same compiled plan on Apache Spark (the portability of the columnar backend).

:func:`run_plan` takes a SparkSession and a folder of fact tables in Parquet (one file per
subject, ``facts_<subject>.parquet``, as :func:`export_facts` writes them from a screened
population) and runs the plan's steps as Spark SQL temporary views. The SQL text is the
one DuckDB runs; nothing is translated. On a cluster, the fact tables would be written by
the same SQL over the register's tables in the data lake (see README, "Beyond one machine").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa

from ..fields import SUBJECTS
from ..ruleset import RuleSet
from .plan import STEP_LIMIT, compile_plan


def export_facts(screened: Any, folder: str | Path) -> Path:
    """Write the screened population's fact tables as Parquet files, one per subject."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for subject in SUBJECTS:
        screened.con.execute(f"COPY all_facts_{subject} TO '{folder / f'facts_{subject}.parquet'}' (FORMAT PARQUET)")
    return folder


def run_plan(spark: Any, ruleset: RuleSet, folder: str | Path, keep_not_applicable: bool = False) -> pa.Table:
    """Findings of the facts in ``folder`` computed by Spark SQL (columns as DuckDB's)."""
    plan = compile_plan(ruleset, keep_not_applicable=keep_not_applicable)
    folder = Path(folder)
    for subject in SUBJECTS:
        spark.read.parquet(str(folder / f"facts_{subject}.parquet")).createOrReplaceTempView(f"facts_{subject}")
    spark.range(STEP_LIMIT).withColumnRenamed("id", "k").createOrReplaceTempView("steps_k")
    for name, sql in plan.steps[:-1]:
        # Each step is materialised with its lineage cut (like DuckDB's temporary tables):
        # a view keeps the plan of every step before it, and a hundred nested steps would be
        # analysed as one tree, which exhausts the driver's memory.
        frame = spark.sql(sql)
        (frame if name in plan.views else frame.localCheckpoint(eager=True)).createOrReplaceTempView(name)
    rows = spark.sql(plan.steps[-1][1]).collect()
    columns = ["cid", "rule_id", "year", "status", "amount_wan", "tier"]
    return pa.table({c: pa.array([row[c] for row in rows], type=t) for c, t in zip(
        columns, [pa.int64(), pa.string(), pa.int32(), pa.string(), pa.decimal128(38, 6), pa.string()],
        strict=True)})
