"""The rule language compiled to columnar (SQL) expressions: one function per condition kind.

Each condition kind of ``rules/*.yaml`` has exactly one compiler here, registered by its
class in :data:`COMPILERS` (a ``Compare`` is further dispatched by its ``op`` in
:data:`COMPARE_OPS`). A compiler turns one condition into :class:`Cols`, four SQL
expressions over a table with one row per fact:

``truth``
    three-valued, like the explanation: ``TRUE`` met, ``FALSE`` not met, ``NULL`` unknown
    (a figure is missing — never read as zero). SQL's ``AND``/``OR`` are Kleene logic, the
    same conjunction the explainer uses (:func:`subsidy.explain.and_all`).
``failed`` / ``gap`` / ``used``
    what the explainer's fast pass records per test (how many tests failed, the largest
    money gap, whether a "first time" level was already used), so that a not-eligible
    finding names the same "nearest" tier as the interactive engine.

The SQL is the subset DuckDB and Spark SQL both accept (CASE, COALESCE, GREATEST, IN,
DECIMAL arithmetic), so one compiled plan runs on either engine. Money is DECIMAL(38,6)
万元 (exact to the fen); a ratio is compared without division, as ``num·d ? n·den``.

Window and area are compiled here too (:func:`window_sql`, :func:`area_sql`): a policy's
period and place are conditions of every rule of its file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..facts import date_number
from ..fields import field as field_spec
from ..ruleset import (
    RELAXED,
    After,
    AnyOf,
    Choose,
    Compare,
    Condition,
    Policy,
    RuleSet,
    coerce_value,
)

MONEY = "DECIMAL(38,6)"


@dataclass(frozen=True)
class Cols:
    """One condition as columnar expressions (see the module docstring)."""

    truth: str
    failed: str = "0"
    gap: str = "NULL"
    used: str = "FALSE"
    label: str = ""
    """Short words for the condition (the findings table's "first failing condition")."""
    missing: str = ""
    """The profile field to provide when the condition is unknown."""


@dataclass
class Ctx:
    """What a compiler needs besides the condition: the facts' subject and the rule set."""

    subject: str
    ruleset: RuleSet
    relax: bool = False
    """Read "first reaching/exceeding" as plain reaching/exceeding (``met: level``)."""
    awarded: Callable[[After], str] | None = None
    """Gives the column that says another rule's tier matched the same company and year."""
    needs: set[tuple[str, str | None]] = field(default_factory=set)
    """(rule, tier) pairs a ``met: awarded`` chain reads, collected while compiling."""

    def relaxed(self) -> Ctx:
        return Ctx(self.subject, self.ruleset, True, self.awarded, self.needs)


# ------------------------------------------------------------------ SQL helpers


def quote(text: str) -> str:
    """A SQL string literal that DuckDB and Spark SQL read alike.

    The two escape differently (Spark reads backslashes, and '' as two literals), so an
    apostrophe or a backslash — never part of a code, only of words — is replaced by its
    full-width form."""
    return "'" + str(text).replace("'", "’").replace("\\", "＼") + "'"


def ident(name: str) -> str:
    """The column of a fact field: prefixed, so that no field name (``offset``, ``level``)
    collides with a SQL keyword — quoting differs between engines, a prefix does not."""
    if not name.replace("_", "").isalnum() or not name.isascii():
        raise ValueError(f"not a plain column name: {name!r}")
    return name if name in BASE_FIELDS else "x_" + name


BASE_FIELDS = frozenset({"year", "district", "sector", "in_wuhan"})
"""Fields every fact table carries under their own name."""


def money(value: Decimal) -> str:
    return f"CAST({format(value, 'f')} AS {MONEY})"


def literal(kind: str, value: Any) -> str:
    value = coerce_value(kind, value)
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
    return f"(CASE WHEN NOT ({truth}) THEN 1 ELSE 0 END)"


def greatest(items: list[str]) -> str:
    """The largest non-NULL value (GREATEST skips NULLs in DuckDB and Spark alike)."""
    items = [i for i in items if i != "NULL"]
    if not items:
        return "NULL"
    return items[0] if len(items) == 1 else "GREATEST(" + ", ".join(items) + ")"


def any_of(items: list[str]) -> str:
    items = [i for i in items if i != "FALSE"]
    if not items:
        return "FALSE"
    return items[0] if len(items) == 1 else "(" + " OR ".join(items) + ")"


def and_cols(parts: list[Cols]) -> Cols:
    """Kleene conjunction; every part's tests count (like ``and_all``)."""
    if not parts:
        return Cols("TRUE")
    if len(parts) == 1:
        return parts[0]
    failed = [p.failed for p in parts if p.failed != "0"]
    return Cols(
        truth="(" + " AND ".join(p.truth for p in parts) + ")",
        failed="(" + " + ".join(failed) + ")" if failed else "0",
        gap=greatest([p.gap for p in parts]),
        used=any_of([p.used for p in parts]),
    )


# ------------------------------------------------------------------ Compare, by op


def _spec(cond: Compare, ctx: Ctx):
    spec = field_spec(ctx.subject, cond.field)
    if spec is None:
        raise ValueError(f"unknown field {cond.field!r} of {ctx.subject}")
    return spec


def _words(cond: Compare, spec) -> str:
    value = cond.value if not isinstance(cond.value, list) else "、".join(map(str, cond.value))
    return cond.label or f"{spec.zh} {cond.op} {value}".strip()


_SQL_OP = {">=": ">=", ">": ">", "<=": "<=", "<": "<", "==": "=", "!=": "<>"}


def compare_plain(cond: Compare, ctx: Ctx) -> Cols:
    """``>= > <= < == !=``: NULL when the figure is missing; a money shortfall is the gap."""
    spec = _spec(cond, ctx)
    col = ident(cond.field)
    op = _SQL_OP[cond.op]
    if spec.kind == "ratio":
        num, den = Decimal(coerce_value("ratio", cond.value)).as_integer_ratio()
        truth = f"({col}__num * {den} {op} {num} * {col}__den)"
    else:
        truth = f"({col} {op} {literal(spec.kind, cond.value)})"
    gap = "NULL"
    if cond.op in (">=", ">") and spec.kind == "money":
        gap = f"(CASE WHEN NOT {truth} THEN {literal('money', cond.value)} - {col} END)"
    return Cols(truth, failed_of(truth), gap, label=_words(cond, spec), missing=spec.source)


def compare_first(cond: Compare, ctx: Ctx) -> Cols:
    """``first_reach`` / ``first_exceed``: the figure reaches the level and no earlier known
    figure (nor the declared prior peak) did; unknown when that history is incomplete."""
    if ctx.relax:
        return compare_plain(cond.model_copy(update={"op": RELAXED[cond.op]}), ctx)
    spec = _spec(cond, ctx)
    col = ident(cond.field)
    level = literal("money", cond.value)
    at = ">" if cond.op == "first_exceed" else ">="
    before = f"({col}__prior IS NOT NULL AND {col}__prior {at} {level})"
    truth = (f"(CASE WHEN {col} IS NULL THEN NULL WHEN NOT ({col} {at} {level}) THEN FALSE "
             f"WHEN {before} THEN FALSE WHEN NOT {col}__complete THEN NULL ELSE TRUE END)")
    equal = f"{col} = {level}" if cond.op == "first_exceed" else "FALSE"
    gap = (f"(CASE WHEN {col} IS NULL THEN NULL WHEN {equal} THEN CAST(0 AS {MONEY}) "
           f"WHEN NOT ({col} {at} {level}) THEN {level} - {col} END)")
    used = f"(COALESCE({col} {at} {level}, FALSE) AND {before})"
    return Cols(truth, failed_of(truth), gap, used, label=_words(cond, spec), missing=spec.source)


def compare_truth(cond: Compare, ctx: Ctx) -> Cols:
    """``is_true`` / ``is_false`` of a yes/no figure (NULL when not stated)."""
    spec = _spec(cond, ctx)
    truth = f"({ident(cond.field)} = {'TRUE' if cond.op == 'is_true' else 'FALSE'})"
    return Cols(truth, failed_of(truth), label=_words(cond, spec), missing=spec.source)


def compare_in(cond: Compare, ctx: Ctx) -> Cols:
    """``in`` / ``not_in`` a list of codes or numbers."""
    spec = _spec(cond, ctx)
    values = ", ".join(literal(spec.kind, v) for v in cond.value)
    negate = "NOT " if cond.op == "not_in" else ""
    truth = f"({ident(cond.field)} {negate}IN ({values}))"
    return Cols(truth, failed_of(truth), label=_words(cond, spec), missing=spec.source)


COMPARE_OPS: dict[str, Callable[[Compare, Ctx], Cols]] = {
    **{op: compare_plain for op in _SQL_OP},
    "first_reach": compare_first,
    "first_exceed": compare_first,
    "is_true": compare_truth,
    "is_false": compare_truth,
    "in": compare_in,
    "not_in": compare_in,
}


def compile_compare(cond: Compare, ctx: Ctx) -> Cols:
    return COMPARE_OPS[cond.op](cond, ctx)


# ------------------------------------------------------------------ AnyOf, Choose, After


def compile_any(cond: AnyOf, ctx: Ctx) -> Cols:
    """At least one holds (Kleene OR). When one holds only the holding parts' tests count,
    otherwise all of them plus the label's own line (as the explainer writes them)."""
    parts = [compile_condition(c, ctx) for c in cond.any]
    truth = "(" + " OR ".join(p.truth for p in parts) + ")"
    held = [f"(CASE WHEN {p.truth} THEN {p.failed} ELSE 0 END)" for p in parts]
    every = [p.failed for p in parts] + ([failed_of(truth)] if cond.label else [])
    failed = f"(CASE WHEN {truth} THEN {' + '.join(held)} ELSE {' + '.join(every)} END)"
    gap = (f"(CASE WHEN {truth} THEN {greatest([f'(CASE WHEN {p.truth} THEN {p.gap} END)' for p in parts])} "
           f"ELSE {greatest([p.gap for p in parts])} END)")
    used = (f"(CASE WHEN {truth} THEN {any_of([f'COALESCE({p.truth} AND {p.used}, FALSE)' for p in parts])} "
            f"ELSE {any_of([p.used for p in parts])} END)")
    return Cols(truth, failed, gap, used, label=cond.label or "任一条件",
                missing="；".join(p.missing for p in parts if p.missing))


def compile_choose(cond: Choose, ctx: Ctx) -> Cols:
    """The first branch whose guard holds decides; an unknown guard leaves it unknown."""
    cases: dict[str, list[str]] = {"truth": [], "failed": [], "gap": [], "used": []}
    last: Cols | None = None
    labels = []
    for branch in cond.choose:
        then = and_cols([compile_condition(c, ctx) for c in branch.then])
        if branch.when is None:
            last = then
            continue
        guard = compile_compare(branch.when, ctx)
        labels.append(guard.label)
        for key in cases:
            cases[key].append(f"WHEN {guard.truth} IS NULL THEN "
                              + {"truth": "NULL", "failed": "0", "gap": "NULL", "used": "FALSE"}[key])
            cases[key].append(f"WHEN {guard.truth} THEN {getattr(then, key)}")
    assert last is not None  # validated at load: a choose ends with `otherwise`
    built = {key: f"(CASE {' '.join(cases[key])} ELSE {getattr(last, key)} END)" for key in cases}
    return Cols(built["truth"], built["failed"], built["gap"], built["used"],
                label="；".join(labels), missing=last.missing)


def compile_after(cond: After, ctx: Ctx) -> Cols:
    """Chaining on another rule for the same company and year: ``met: awarded`` reads that
    rule's matches (a joined column), ``met: level`` inlines its tier's figures, relaxed."""
    if cond.met == "level":
        other = ctx.ruleset.rules[cond.after]
        tier = next(t for t in other.all_tiers() if t.id == cond.tier)
        inner = ctx.relaxed()
        cols = and_cols([compile_condition(c, inner)
                         for c in [*other.select, *other.conditions, *tier.conditions]])
        return Cols(cols.truth, cols.failed, cols.gap, cols.used,
                    label=cond.label or f"{cond.after}#{cond.tier}", missing=cols.missing)
    if ctx.awarded is None:
        raise ValueError("`after: … met: awarded` needs the plan's join of the other rule")
    ctx.needs.add((cond.after, cond.tier))
    truth = f"COALESCE({ctx.awarded(cond)}, FALSE)"
    return Cols(truth, failed_of(truth),
                label=cond.label or f"当年已获得 {cond.after}" + (f"#{cond.tier}" if cond.tier else ""))


COMPILERS: dict[type, Callable[[Any, Ctx], Cols]] = {
    Compare: compile_compare,
    AnyOf: compile_any,
    Choose: compile_choose,
    After: compile_after,
}
"""One compiler per condition class; a new kind registers here (or, once conditions are
classes with methods, becomes that class's ``to_columns``)."""


def compile_condition(cond: Condition, ctx: Ctx) -> Cols:
    try:
        compiler = COMPILERS[type(cond)]
    except KeyError:
        raise TypeError(f"no columnar form for condition kind {type(cond).__name__}") from None
    return compiler(cond, ctx)


def compile_all(conditions: list[Condition], ctx: Ctx) -> Cols:
    return and_cols([compile_condition(c, ctx) for c in conditions])


def first_of(conditions: list[Condition], ctx: Ctx, want: str) -> str:
    """The label of the first condition that fails (``want="FALSE"``) or is unknown
    (``"NULL"``), as a SQL CASE; NULL when there is none."""
    arms = []
    for cond in conditions:
        cols = compile_condition(cond, ctx)
        test = f"NOT ({cols.truth})" if want == "FALSE" else f"({cols.truth}) IS NULL"
        text = cols.label if want == "FALSE" else (cols.missing or cols.label)
        arms.append(f"WHEN {test} THEN {quote(text)}")
    return f"(CASE {' '.join(arms)} END)" if arms else "NULL"


# ------------------------------------------------------------------ window and area


def window_sql(policy: Policy) -> str:
    """Inside the policy's period: a dated event by its date, else by the event's year; an
    event whose year is not known yet is left to the rule's conditions."""
    window = policy.window
    by_date, by_year = [], []
    if window.start:
        by_date.append(f"event_date >= {date_number(window.start)}")
        by_year.append(f"event_year >= {window.start.year}")
    if window.end:
        by_date.append(f"event_date <= {date_number(window.end)}")
        by_year.append(f"event_year <= {window.end.year}")
    if not by_date:
        return "TRUE"
    return (f"(CASE WHEN NOT window_known THEN TRUE WHEN event_date IS NOT NULL "
            f"THEN ({' AND '.join(by_date)}) ELSE ({' AND '.join(by_year)}) END)")


def area_sql(policy: Policy) -> str:
    """Inside the policy's area: any Wuhan district, or one of the listed ones."""
    if policy.area.wuhan:
        return "(district <> 'outside_wuhan')"
    if not policy.area.districts:
        return "FALSE"
    return "(district IN (" + ", ".join(quote(d) for d in policy.area.districts) + "))"
