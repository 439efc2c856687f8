"""Screening a whole population at once: the rule files compiled to a columnar plan.

``compile`` has one function per condition kind (SQL expressions), ``plan`` assembles a rule
set into named SQL steps, ``facts`` builds the fact tables from a population, ``run``
executes the plan on DuckDB chunk by chunk, ``screen`` is the use case behind
``subsidy screen``.
"""
