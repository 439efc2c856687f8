"""Screening a whole population at once: the rule files compiled to a columnar plan.

Each condition kind compiles itself to SQL (``to_columns`` in :mod:`subsidy.conditions`);
``sql`` holds the SQL vocabulary they write, ``plan`` assembles a rule set into named SQL
steps, ``facts`` builds the fact tables from a population, ``run`` executes the plan on
DuckDB chunk by chunk, ``spark`` runs the same steps on Apache Spark, and ``screen`` is the
use case behind ``subsidy screen``.
"""
