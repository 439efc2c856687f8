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

from .conditions import Condition, FirstReach, Judgement
from .explain import Explainer
from .facts import derive_facts
from .fields import field as field_spec
from .findings import Reason, Report
from .profile import Profile
from .ruleset import Rule, RuleSet, Tier

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


def _candidates(rule: Rule, profile: Profile) -> list[tuple[Tier, list[FirstReach]]]:
    """Each award level of the rule with the first-reaching tests that reach it.

    A tier of fixed levels is one level. A step ladder without end (百亿 steps, the rule's
    ``repeat``) is one level per step, each under the tier id and title its findings carry
    (``S@2000000``, "跨越200亿元台阶"): keyed by the one id of the repeat, the steps would
    stand for one level, and the chart and the outlook would know only one of them."""
    out: list[tuple[Tier, list[FirstReach]]] = []
    for tier in rule.all_tiers():
        tests = _ladder_tests(tier.conditions, profile)
        if rule.repeat is not None and rule.steps_of(tier) is not None:
            out += [(rule.repeat.tier_at(test.level()), [test]) for test in tests]
        else:
            out.append((tier, tests))
    return out


def ladders(ruleset: RuleSet, profile: Profile) -> list[Ladder]:
    """Every revenue ladder of the rule set that applies to the company."""
    out: list[Ladder] = []
    for rule in ruleset.rules.values():
        if rule.subject != "company_year" or not _applies(rule, ruleset, profile):
            continue
        by_field: dict[str, list[Step]] = {}
        for tier, tests in _candidates(rule, profile):
            for cond in tests:
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


# ------------------------------------------------------------------------------ the outlook


@dataclass(frozen=True)
class TierOutlook:
    """One tier above what a company was awarded: every condition judged for its latest year."""

    rule_id: str
    tier_id: str
    title: str
    title_en: str
    amount_wan: Decimal | None
    year: int
    reasons: tuple[Reason, ...]
    """Each condition of the tier (and of the rule): text, actual, required, gap, passed."""
    lost: bool = False
    """True when the tier can no longer be had: its first-time level was reached without
    the award (in ``lost_year``), and "首次" binds that level."""
    lost_year: int | None = None

    @property
    def shortfalls(self) -> list[Reason]:
        """The conditions not met (passed False) — what stands between the company and it."""
        return [r for r in self.reasons if r.passed is False]


@dataclass(frozen=True)
class LadderOutlook:
    """Where a company stands on one ladder: what it got, the next tier it could still get,
    and the tiers it has lost for good."""

    ladder: Ladder
    awarded: tuple[tuple[int, str, Decimal | None], ...]
    """(year, tier id, amount) of each tier granted, from the report."""
    next: TierOutlook | None
    lost: tuple[TierOutlook, ...]

    def reached(self, tier_id: str) -> bool:
        """A tier counts as reached only when it was granted."""
        return any(tid == tier_id for _, tid, _ in self.awarded)


def _no_chain(cond: object, explainer: Explainer) -> Judgement:  # ladder tiers do not chain
    return Judgement(None, [])


def outlook(report: Report, profile: Profile, ruleset: RuleSet) -> list[LadderOutlook]:
    """For each revenue ladder the company is on: the next tier it could still get, with
    every condition of that tier judged (actual, required, gap — revenue *and* the other
    figures), and the tiers lost for good. Judged on the latest year of the profile that
    lies in the policy's period, with the same condition kinds the evaluation uses."""
    facts = [f for f in derive_facts(profile, None, ruleset.offsets) if f.subject == "company_year"]
    out: list[LadderOutlook] = []
    for ladder in ladders(ruleset, profile):
        rule = ruleset.rules[ladder.rule_id]
        policy = ruleset.policy_of(rule.id)
        awarded = tuple(sorted(
            (f.year or 0, f.tier or "", f.amount_wan) for f in report.results
            if f.rule_id == rule.id and f.status == "eligible"))
        in_window = [f for f in facts if policy.window.contains(f.year)]
        if not in_window:
            continue
        fact = max(in_window, key=lambda f: f.year)
        granted = {tid for _, tid, _ in awarded}
        levels = {step.tier_id: step.level_wan for step in ladder.steps}
        top = max((levels[t] for t in granted if t in levels), default=None)
        explainer = Explainer(fact, _no_chain)
        candidates = sorted(((tier, tests) for tier, tests in _candidates(rule, profile)
                             if tier.id in levels and tier.id not in granted
                             and (top is None or levels[tier.id] > top)), key=lambda c: levels[c[0].id])
        next_tier: TierOutlook | None = None
        lost: list[TierOutlook] = []
        for tier, tests in candidates:
            stepped = rule.repeat is not None and tier.id.startswith(f"{rule.repeat.id}@")
            if stepped and next_tier is not None:
                break  # steps above the next one are further off, never nearer
            conditions = tests if stepped else tier.conditions
            judged = explainer.judge_all([*rule.select, *rule.conditions, *conditions])
            reasons = tuple(r for r in judged.reasons if isinstance(r, Reason))
            firsts = [explainer.judge(c) for c in tests]
            earlier = [r for j in firsts for r in j.reasons
                       if isinstance(r, Reason) and r.code == "reached_before"]
            reached_now = bool(firsts) and all(j.value is True for j in firsts) and judged.value is False
            view = TierOutlook(rule.id, tier.id, tier.title, tier.title_en or tier.title, tier.amount_wan,
                               fact.year, reasons)
            if earlier or reached_now:
                lost.append(TierOutlook(**{**view.__dict__, "lost": True,
                                           "lost_year": _earlier_year(fact, earlier) if earlier else fact.year}))
            elif next_tier is None and judged.value is not True:
                next_tier = view
        out.append(LadderOutlook(ladder, awarded, next_tier, tuple(lost)))
    return out


def _earlier_year(fact: object, reasons: list[Reason]) -> int | None:
    """The year a first-time level was reached before, as the reason states it."""
    import re

    for reason in reasons:
        match = re.search(r"(19|20|21)[0-9]{2}", reason.text or "")
        if match and int(match.group(0)) != getattr(fact, "year", None):
            return int(match.group(0))
    return None
