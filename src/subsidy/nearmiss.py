"""How far a company is from its next award on each revenue ladder it is on.

A ladder is a rule whose tiers test a revenue figure with ``first_reach`` / ``first_exceed``
(硚口's tiers, the city's levels and its 百亿 steps). The levels are read from the loaded rule
set, never written here, so a changed rule file changes the outlook. Which branch of a tier
applies (硚口's bracketed figures) is decided by the rule's own ``choose`` guard on the
company's sector, under the readings in force.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .conditions import Condition, FirstReach
from .fields import field as field_spec
from .profile import Profile
from .ruleset import Rule, RuleSet

_COMPANY_ATTRS = ("sector", "district")


@dataclass(frozen=True)
class Step:
    """One award level of a ladder."""

    tier_id: str
    title: str
    level_wan: Decimal
    strict: bool
    amount_wan: Decimal | None
    title_en: str = ""


@dataclass(frozen=True)
class Ladder:
    """The levels of one rule that tests a revenue figure, as they apply to this company."""

    rule_id: str
    title: str
    title_en: str
    policy_title: str
    field: str
    """The fact field tested (``revenue_wan``, ``main_revenue_wan``)."""
    profile_field: str
    """The yearly profile figure behind it (``revenue_wan``, ``main_business_revenue_wan``)."""
    steps: tuple[Step, ...]


_COMPANY_ATTRS = ("sector", "district")


def _attrs(profile: Profile) -> dict[str, str]:
    """The company attributes a rule's branch guards test."""
    return {name: getattr(profile, name) for name in _COMPANY_ATTRS}


def _ladder_tests(conditions: list[Condition], profile: Profile) -> list[FirstReach]:
    """The first_reach/first_exceed tests among conditions, taking the branch that applies
    (each kind of condition says which of its tests apply)."""
    attrs = _attrs(profile)
    return [test for cond in conditions for test in cond.ladder(attrs)]


def _applies(rule: Rule, ruleset: RuleSet, profile: Profile) -> bool:
    """The rule's area, period and company-attribute conditions admit this company."""
    policy = ruleset.policy_of(rule.id)
    if not policy.area.contains(profile.district):
        return False
    if profile.years and not any(policy.window.contains(y.year) for y in profile.years):
        return False
    attrs = _attrs(profile)
    return all(cond.admits(attrs) is not False for cond in [*rule.select, *rule.conditions])


def ladders(ruleset: RuleSet, profile: Profile) -> list[Ladder]:
    """Every revenue ladder of the rule set that applies to the company."""
    out: list[Ladder] = []
    for rule in ruleset.rules.values():
        if rule.subject != "company_year" or not _applies(rule, ruleset, profile):
            continue
        by_field: dict[str, list[Step]] = {}
        for tier in rule.all_tiers():
            for cond in _ladder_tests(tier.conditions, profile):
                by_field.setdefault(cond.field, []).append(Step(
                    tier.id, tier.title, cond.level(), cond.strict, tier.amount_wan,
                    tier.title_en or tier.title))
        for name, steps in by_field.items():
            spec = field_spec(rule.subject, name)
            source = spec.source if spec else name
            out.append(Ladder(
                rule.id, rule.title, rule.title_en, ruleset.policy_of(rule.id).title, name,
                source.split("]")[-1].lstrip("."),
                tuple(sorted(steps, key=lambda s: s.level_wan))))
    return out


@dataclass(frozen=True)
class NextStep:
    """The next level of one ladder above the company's latest figure."""

    ladder: Ladder
    step: Step
    latest_wan: Decimal
    gap_wan: Decimal


def next_steps(ruleset: RuleSet, profile: Profile) -> list[NextStep]:
    """For each ladder, the first level above the latest year's figure, nearest first."""
    out: list[NextStep] = []
    for ladder in ladders(ruleset, profile):
        values = [v for y in sorted(profile.years, key=lambda y: y.year)
                  if (v := getattr(y, ladder.profile_field, None)) is not None]
        if not values:
            continue
        latest = values[-1]
        above = [s for s in ladder.steps if s.level_wan > latest]
        if above:
            out.append(NextStep(ladder, above[0], latest, above[0].level_wan - latest))
    return sorted(out, key=lambda n: n.gap_wan / n.step.level_wan if n.step.level_wan else n.gap_wan)
