"""Impact reports compare a population under two rule sets."""

from __future__ import annotations

from subsidy.evaluate import default_rules
from subsidy.impact import compare
from subsidy.sample import sample_profiles


def test_same_rules_change_nothing():
    rules = default_rules()
    result = compare(sample_profiles(60, seed=3), rules, rules)
    assert all(entry.changed == 0 for entry in result.rules.values())
    assert result.total_before == result.total_after


def test_highest_only_reading_lowers_the_city_ladder_total():
    rules = default_rules()
    flipped = rules.with_switches({"INTERP-WQB-1": "alternative"})
    result = compare(sample_profiles(300, seed=20261123), rules, flipped)
    entry = result.rules["wqb.industrial_revenue_milestone"]
    assert entry.changed > 0
    assert entry.total_after < entry.total_before
    untouched = result.rules["qk.listing"]
    assert untouched.changed == 0
