"""Explanation: the condition tree the engine compiles, judged in three values with words.

durable_rules decides what matched. To say why something did *not* match, or that a figure
is missing, each condition judges itself over the same fact (:meth:`judge` of each kind in
:mod:`subsidy.conditions`): True (met), False (not met, with the gap), or None (unknown — a
figure is missing, never read as zero). Conjunctions follow Kleene logic. The evaluator
checks these judgements against the engine's matches on every evaluation.

This module is the context a condition judges itself in: the fact, whether words are
wanted, whether "first" tests are read plainly (`met: level`), and how chains are answered.
"""

from __future__ import annotations

from collections.abc import Callable

from .conditions import After, Brief, Condition, Judgement, and_all, show
from .facts import Fact
from .fields import field as field_spec
from .vocabulary import Field

__all__ = ["Brief", "Explainer", "Judgement", "and_all", "show"]


class Explainer:
    """Judges conditions for one fact; ``chain`` answers `after:` joins."""

    def __init__(self, fact: Fact, chain: Callable[[After, Explainer], Judgement],
                 words: bool = True, relax: bool = False):
        self.fact = fact
        self._chain = chain
        """Answers `after:` conditions (another rule's result for the same company and year)."""
        self.words = words
        """False: judge values and gaps only (no sentences) — most tiers are never shown."""
        self.relax = relax
        """True: read "first reaching/exceeding" as plain reaching/exceeding (`met: level`)."""

    def spec(self, name: str) -> Field:
        spec = field_spec(self.fact.subject, name)
        assert spec is not None, (self.fact.subject, name)
        return spec

    def chain(self, cond: After) -> Judgement:
        return self._chain(cond, self)

    def judge_all(self, conditions: list[Condition]) -> Judgement:
        return and_all([c.judge(self) for c in conditions])

    def judge(self, cond: Condition) -> Judgement:
        return cond.judge(self)
