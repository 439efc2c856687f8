"""The rules engine: rule files compiled to durable_rules rulesets, one session per evaluation.

durable_rules decides which (rule, tier, fact) combinations match. Everything about it that
can go wrong is kept in this module (see STACK notes in the README):

- one :class:`durable.engine.Host` per process (each starts timer threads that never stop);
- a ruleset name per compiled content (a name cannot be registered twice), cached;
- facts asserted one at a time (a batch with one unmatched fact loses the whole batch);
- money as integer 分 and ratios as integer ppm (a string passes numeric tests; Decimal
  cannot be serialised);
- a session per evaluation, deleted afterwards (sessions are capped at 1024 per ruleset);
- one lock around assert … delete_state (the C extension is not thread-safe);
- exceptions raised inside actions are swallowed by the engine, so they are collected and
  re-raised here.

Chaining happens inside the engine: a rule another rule depends on (``after:``) asserts an
``award`` fact when it fires, and the dependent rule joins on it for the same year.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import itertools
import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from durable.engine import Host, MessageNotHandledException

from .conditions import Condition
from .conditions import durable_and as _and
from .conditions import durable_or as _or
from .facts import Fact, date_number
from .fields import BY_SUBJECT, COMMON
from .ruleset import Policy, Rule, RuleSet

Match = tuple[str, str, str]
"""(rule id, tier id, fact id)."""


class EngineError(RuntimeError):
    """The rules engine failed (an action raised, or its answer disagrees with the explanation)."""


_LOCK = threading.Lock()
_HOST: Host | None = None
_REGISTERED: dict[str, CompiledRuleset] = {}
_SINK: list[Match] = []
_ERRORS: list[BaseException] = []
_SESSION_IDS = itertools.count(1)


def _host() -> Host:
    global _HOST
    if _HOST is None:
        _HOST = Host()
    return _HOST


def field_kinds() -> dict[str, str]:
    """Every fact field's kind, for converting facts to the engine's integer units."""
    kinds = {name: spec.kind for name, spec in COMMON.items()}
    for fields in BY_SUBJECT.values():
        kinds.update({name: spec.kind for name, spec in fields.items()})
    return kinds


KINDS = field_kinds()


# ------------------------------------------------------------------ compiling


def compile_condition(subject: str, cond: Condition, relax: bool = False) -> dict | None:
    """A condition as a durable_rules expression (None for `after`, which is a join): each
    kind compiles itself (:mod:`subsidy.conditions`)."""
    return cond.to_durable(subject, relax)


def compile_area(policy: Policy) -> dict:
    if policy.area.wuhan:
        return {"in_wuhan": True}
    return _or([{"district": d} for d in policy.area.districts])


def compile_window(policy: Policy) -> list[dict]:
    window = policy.window
    by_year, by_date = [], []
    if window.start:
        by_year.append({"$gte": {"event_year": window.start.year}})
        by_date.append({"$gte": {"date": date_number(window.start)}})
    if window.end:
        by_year.append({"$lte": {"event_year": window.end.year}})
        by_date.append({"$lte": {"date": date_number(window.end)}})
    if not by_year:
        return []
    unknown = _and([{"$nex": {"date": 1}}, {"$nex": {"event_year": 1}}])  # judged by conditions
    return [_or([_and([{"$ex": {"date": 1}}] + by_date),
                 _and([{"$nex": {"date": 1}}, {"$ex": {"event_year": 1}}] + by_year), unknown])]


@dataclass
class CompiledRuleset:
    name: str
    definition: dict
    chained: frozenset[str]
    """Rules whose matches are asserted back as ``award`` facts for `after:` joins."""
    precompute: dict[str, list[Any]]
    """By subject, the conditions whose engine test reads a figure computed on the fact."""


def _action(rule_id: str, tier_id: str, chained: bool) -> Callable[[Any], None]:
    """An action closure (durable_rules refuses functions with default arguments)."""

    def act(c):
        try:
            fact = c.f
            _SINK.append((rule_id, tier_id, fact.fid))
            if chained:
                c.assert_fact({"fact_kind": "award", "rule_id": rule_id, "tier": tier_id,
                               "year": fact.year, "fid": f"award:{rule_id}:{tier_id}:{fact.fid}"})
        except BaseException as exc:  # noqa: BLE001 — the engine would swallow it
            _ERRORS.append(exc)

    return act


def _level_action(rule_id: str, tier_id: str) -> Callable[[Any], None]:
    """Asserts that a tier's figures are met (no finding of its own): the link of a chain."""

    def act(c):
        try:
            fact = c.f
            c.assert_fact({"fact_kind": "level", "rule_id": rule_id, "tier": tier_id,
                           "year": fact.year, "fid": f"level:{rule_id}:{tier_id}:{fact.fid}"})
        except BaseException as exc:  # noqa: BLE001 — the engine would swallow it
            _ERRORS.append(exc)

    return act


SESSION_RULE = "session#open"
"""A rule every session matches first: durable_rules keeps no state for a session in which
no fact matched, and deleting such a session corrupts memory (seen as a crash on a company
that no rule concerns, e.g. one outside Wuhan). The session fact gives every session state."""


def _opened(c) -> None:
    """The session rule's action: nothing to do; matching is what creates the session."""


def _tests(subject: str, conditions: list[Condition], relax: bool = False) -> list[dict]:
    return [c for c in (compile_condition(subject, s, relax) for s in conditions) if c]


PRIOR = "#prior"
"""Suffix of the tier id a match carries when it is an earlier event outside the window,
compiled for rules whose one-time award counts every earlier event (``once_counts: ever``)."""


def compile_ruleset(ruleset: RuleSet) -> CompiledRuleset:
    """Compile every rule and tier; the ruleset name is a hash of the compiled content.

    Rules another rule chains on get, besides their own rules, either an ``award`` fact on
    each match (``met: awarded``) or a separate "level" rule per tier named in a chain
    (``met: level``) whose action asserts a ``level`` fact; the chaining rule joins on it.
    A rule whose one-time award counts earlier events (``once_counts: ever``) gets a copy of
    each tier without the window: its matches are the earlier events that use the award up.
    """
    afters = [cond for rule in ruleset.rules.values() for cond in rule.afters()]
    chained = frozenset(c.after for c in afters if c.met == "awarded")
    levels = sorted({(c.after, c.tier) for c in afters if c.met == "level" and c.tier})
    definition: dict[str, dict] = {}
    for rule in ruleset.rules.values():
        policy = ruleset.policy_of(rule.id)
        own = _tests(rule.subject, rule.select) + _tests(rule.subject, rule.conditions)
        base = [{"fact_kind": rule.subject}, compile_area(policy), *compile_window(policy)]
        for tier in rule.all_tiers():
            tier_tests = _tests(rule.subject, tier.conditions)
            patterns: list[dict] = [{"f": _and(base + own + tier_tests)}]
            joins = [c for c in [*rule.conditions, *tier.conditions] if getattr(c, "tag", "") == "after"]
            patterns += [{f"a{i}": cond.join()} for i, cond in enumerate(joins)]
            definition[f"{rule.id}#{tier.id}"] = {
                "all": patterns, "run": _action(rule.id, tier.id, rule.id in chained)}
            if rule.once_counts == "ever" and policy.window.start is not None:
                before = [{"fact_kind": rule.subject}, *_before_window(policy)]
                definition[f"{rule.id}#{tier.id}{PRIOR}"] = {
                    "all": [{"f": _and(before + own + tier_tests)}, *patterns[1:]],
                    "run": _action(rule.id, tier.id + PRIOR, False)}
    for rule_id, tier_id in levels:
        rule = ruleset.rules[rule_id]
        tier = next(t for t in rule.all_tiers() if t.id == tier_id)
        test = [{"fact_kind": rule.subject}] + _tests(
            rule.subject, [*rule.select, *rule.conditions, *tier.conditions], relax=True)
        definition[f"{rule_id}#{tier_id}#level"] = {"all": [{"f": _and(test)}],
                                                     "run": _level_action(rule_id, tier_id)}
    definition[SESSION_RULE] = {"all": [{"s": {"fact_kind": "session"}}], "run": _opened}
    digest = hashlib.sha256(
        json.dumps({k: v["all"] for k, v in definition.items()}, sort_keys=True, default=str).encode()
    ).hexdigest()[:16]
    precompute: dict[str, list[Any]] = {}
    for rule in ruleset.rules.values():
        for cond in rule.walk():
            if cond.precomputes and cond not in precompute.setdefault(rule.subject, []):
                precompute[rule.subject].append(cond)
    return CompiledRuleset(name=f"subsidy_{digest}", definition=definition, chained=chained,
                           precompute=precompute)


def _before_window(policy: Policy) -> list[dict]:
    """Events before the policy's window starts (by date when dated, else by year)."""
    start = policy.window.start
    assert start is not None
    return [_or([_and([{"$ex": {"date": 1}}, {"$lt": {"date": date_number(start)}}]),
                 _and([{"$nex": {"date": 1}}, {"$lt": {"event_year": start.year}}])])]


def _register(compiled: CompiledRuleset) -> None:
    if compiled.name not in _REGISTERED:
        # set_rulesets mutates its argument (drops the `run` keys): give it a copy.
        defs = {compiled.name: {
            key: {"all": copy.deepcopy(rule["all"]), "run": rule["run"]}
            for key, rule in compiled.definition.items()}}
        _host().set_rulesets(defs)
        _REGISTERED[compiled.name] = compiled


_COMPILED: dict[str, CompiledRuleset] = {}


def compiled_for(ruleset: RuleSet) -> CompiledRuleset:
    """The compiled form of a rule set, cached by its version (files + readings)."""
    found = _COMPILED.get(ruleset.version)
    if found is None:
        found = compile_ruleset(ruleset)
        _COMPILED[ruleset.version] = found
    return found


def run(ruleset: RuleSet, facts: Iterable[Fact]) -> set[Match]:
    """Assert the facts in a fresh session; return every (rule, tier, fact) that fired."""
    compiled = compiled_for(ruleset)
    engine_facts = []
    for fact in facts:
        data = fact.engine_form(KINDS)
        for cond in compiled.precompute.get(fact.subject, ()):
            data.update(cond.precompute(fact))
        engine_facts.append(data)
    with _LOCK:
        _register(compiled)
        sid = f"s{next(_SESSION_IDS)}"
        _SINK.clear()
        _ERRORS.clear()
        host = _host()
        try:
            host.assert_fact(compiled.name, {"fact_kind": "session", "fid": "session", "sid": sid})
            for data in engine_facts:
                data["sid"] = sid
                with contextlib.suppress(MessageNotHandledException):
                    host.assert_fact(compiled.name, data)
            state = host.get_state(compiled.name, sid)
            if isinstance(state, dict) and state.get("exception"):
                _ERRORS.append(EngineError(str(state["exception"])))
            matches = set(_SINK)
            errors = list(_ERRORS)
        finally:
            try:
                host.delete_state(compiled.name, sid)
            finally:
                _SINK.clear()
                _ERRORS.clear()
    if errors:
        raise EngineError(f"rules engine action failed: {errors[0]!r}") from errors[0]
    return matches


def rule_matches(rule: Rule, matches: set[Match]) -> set[tuple[str, str]]:
    """(tier id, fact id) pairs of one rule."""
    return {(tier, fid) for rid, tier, fid in matches if rid == rule.id}
