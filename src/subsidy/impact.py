"""Impact of a rule change on a population, before it ships.

A rule maintainer edits a copy of ``rules/`` (or flips a reading) and compares: for every
company of a population (the examples, a folder of profiles, or a generated sample), which
findings change status or amount, rule by rule, and how the total awarded moves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from .evaluate import evaluate
from .findings import Finding
from .money import normalize
from .profile import Profile
from .ruleset import RuleSet


@dataclass
class RuleImpact:
    rule_id: str
    changed: int = 0
    total_before: Decimal = Decimal(0)
    total_after: Decimal = Decimal(0)
    transitions: dict[str, int] = field(default_factory=dict)
    """"eligible→not_eligible" → count."""
    examples: list[str] = field(default_factory=list)


@dataclass
class Impact:
    companies: int
    before_version: str
    after_version: str
    rules: dict[str, RuleImpact]

    @property
    def total_before(self) -> Decimal:
        return normalize(sum((r.total_before for r in self.rules.values()), Decimal(0)))

    @property
    def total_after(self) -> Decimal:
        return normalize(sum((r.total_after for r in self.rules.values()), Decimal(0)))


def _index(findings: Iterable[Finding]) -> dict[tuple, list[Finding]]:
    """Findings by (rule, year, subject); a rule may give several (one per tier collected)."""
    out: dict[tuple, list[Finding]] = {}
    for f in findings:
        if f.status == "not_applicable":
            continue  # outside a policy's area or period: a new policy's reach is not a change
        out.setdefault((f.rule_id, f.year, f.subject), []).append(f)
    return out


def _state(found: list[Finding] | None) -> tuple[str, Decimal | None]:
    if not found:
        return ("absent", None)
    statuses = "+".join(sorted({f.status for f in found}))
    amounts = [f.amount_wan for f in found if f.status == "eligible" and f.amount_wan is not None]
    return (statuses, normalize(sum(amounts, Decimal(0))) if amounts else None)


def compare(profiles: Iterable[Profile], before: RuleSet, after: RuleSet, examples: int = 3) -> Impact:
    """Evaluate every profile under both rule sets and tally the differences per rule."""
    rules: dict[str, RuleImpact] = {}
    count = 0
    for profile in profiles:
        count += 1
        old = _index(evaluate(profile, rules=before).results)
        new = _index(evaluate(profile, rules=after).results)
        for key in old.keys() | new.keys():
            entry = rules.setdefault(key[0], RuleImpact(key[0]))
            was, now = _state(old.get(key)), _state(new.get(key))
            entry.total_before += was[1] or 0
            entry.total_after += now[1] or 0
            if was != now:
                entry.changed += 1
                move = f"{was[0]}→{now[0]}" if was[0] != now[0] else f"{was[0]} 金额 {was[1]}→{now[1]}"
                entry.transitions[move] = entry.transitions.get(move, 0) + 1
                if len(entry.examples) < examples:
                    entry.examples.append(f"{profile.name} {key[1]}年: {move}")
    return Impact(companies=count, before_version=before.version, after_version=after.version,
                  rules=dict(sorted(rules.items())))
