"""The SQL vocabulary the columnar backend writes: literals, column names, three-valued parts.

A condition compiles (``to_columns`` on its class in :mod:`subsidy.conditions`) to
:class:`Cols`: four SQL expressions over a table with one row per fact.

``truth``
    three-valued, like the judgement: ``TRUE`` met, ``FALSE`` not met, ``NULL`` unknown (a
    figure is missing — never read as zero). SQL's ``AND``/``OR`` are Kleene logic, the same
    conjunction the judgement uses (:func:`subsidy.conditions.and_all`).
``failed`` / ``gap`` / ``used``
    what the judgement's fast pass records per test (how many tests failed, the largest
    money gap, whether a "first time" level was already used), so that a not-eligible
    finding names the same "nearest" tier as the interactive engine.

Only the SQL that DuckDB and Spark SQL both read is written here (CASE, COALESCE,
GREATEST, IN, DECIMAL arithmetic), so one compiled plan runs on either engine. Money is
DECIMAL(38,6) 万元, exact to the hundredth of a fen; a ratio is compared without division.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

MONEY = "DECIMAL(38,6)"

BASE_FIELDS = frozenset({"year", "district", "sector", "in_wuhan"})
"""Fields every fact table carries under their own name."""


@dataclass(frozen=True)
class Cols:
    """One condition as columnar expressions (see the module docstring)."""

    truth: str
    failed: str = "0"
    gap: str = "NULL"
    used: str = "FALSE"
    label: str = ""
    """The condition in words (the findings table's "first failing condition")."""
    missing: str = ""
    """What to provide when the condition is unknown (the profile field)."""


def quote(text: Any) -> str:
    """A SQL string literal DuckDB and Spark SQL read alike.

    The two escape differently (Spark reads backslashes, and '' as two literals), so an
    apostrophe or a backslash — never part of a code, only of words — is replaced by its
    full-width form."""
    return "'" + str(text).replace("'", "’").replace("\\", "＼") + "'"


@lru_cache(maxsize=4096)
def ident(name: str) -> str:
    """The column of a fact field. Fields get a prefix so that no name (``offset``,
    ``level``) collides with a SQL keyword — quoting differs between engines, a prefix does
    not; ``field@k`` (the figure k years after the fact's year) becomes ``x_field__atk``."""
    base, at, offset = name.partition("@")
    if not base.replace("_", "").isalnum() or not base.isascii() or (at and not offset.isdigit()):
        raise ValueError(f"not a plain column name: {name!r}")
    if base in BASE_FIELDS and not at:
        return base
    return f"x_{base}__at{offset}" if at else f"x_{base}"


def money(value: Decimal) -> str:
    return f"CAST({format(Decimal(value), 'f')} AS {MONEY})"


def literal(kind: str, value: Any) -> str:
    """A threshold as SQL (already in the field's unit, see ``coerced``)."""
    if kind == "money":
        return money(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    return quote(value)


def failed_of(truth: str) -> str:
    """1 when the test is not met (an unknown test is not a failure)."""
    return f"(CASE WHEN NOT ({truth}) THEN 1 ELSE 0 END)"


def greatest(items: list[str]) -> str:
    """The largest non-NULL value (GREATEST skips NULLs in DuckDB and Spark alike)."""
    items = [i for i in items if i != "NULL"]
    if not items:
        return "NULL"
    return items[0] if len(items) == 1 else "GREATEST(" + ", ".join(items) + ")"


def any_true(items: list[str]) -> str:
    items = [i for i in items if i != "FALSE"]
    if not items:
        return "FALSE"
    return items[0] if len(items) == 1 else "(" + " OR ".join(items) + ")"


def total(items: list[str]) -> str:
    items = [i for i in items if i != "0"]
    if not items:
        return "0"
    return items[0] if len(items) == 1 else "(" + " + ".join(items) + ")"


def and_cols(parts: list[Cols], label: str = "", missing: str = "") -> Cols:
    """Kleene conjunction; every part's tests count (like ``and_all``)."""
    if not parts:
        return Cols("TRUE", label=label, missing=missing)
    if len(parts) == 1 and not label:
        return parts[0]
    return Cols(
        truth="(" + " AND ".join(p.truth for p in parts) + ")",
        failed=total([p.failed for p in parts]),
        gap=greatest([p.gap for p in parts]),
        used=any_true([p.used for p in parts]),
        label=label or "；".join(p.label for p in parts if p.label),
        missing=missing or "；".join(dict.fromkeys(p.missing for p in parts if p.missing)),
    )


def floor_div(amount: str, step: Decimal) -> str:
    """``floor(amount / step)`` for a non-negative DECIMAL amount of 万元 and a whole step.

    Exact within the profile's bound on money (10⁹ 万元, six decimals): the amount's nearest
    non-multiple of the step is 10⁻⁶ away, far above a DOUBLE's error at that size, so the
    floor of the DOUBLE quotient is the exact one — in DuckDB (whose decimal division gives a
    DOUBLE) and Spark alike."""
    return f"CAST(FLOOR(CAST({amount} AS DOUBLE) / {float(step)!r}) AS BIGINT)"


__all__ = ["BASE_FIELDS", "MONEY", "Cols", "and_cols", "any_true", "failed_of", "floor_div", "greatest",
           "ident", "literal", "money", "quote", "total"]
