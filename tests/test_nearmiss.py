"""The near miss told whole: the next tier with every condition and its gap, and the tiers
lost for good (a 首次 level reached without the award) — for the 硚口 wholesaler of 102亿
revenue, 2300万 contribution and an earlier peak of 45亿."""

from __future__ import annotations

from decimal import Decimal

import pytest

from subsidy.evaluate import default_rules, evaluate
from subsidy.nearmiss import outlook
from subsidy.profile import Profile, parse_profile


def wholesaler(sector: str, years: list[dict] | None = None) -> Profile:
    return parse_profile({
        "name": "汉正街示例商贸有限公司", "district": "硚口区", "sector": sector,
        "prior_peak_revenue_wan": 450000,
        "years": years or [{"year": 2020, "revenue_wan": 1020000, "district_fiscal_contribution_wan": 2300}],
    })


def milestone(profile: Profile):
    report = evaluate(profile)
    (found,) = [o for o in outlook(report, profile, default_rules()) if o.ladder.rule_id == "qk.revenue_milestone"]
    return report, found


def test_the_next_tier_names_both_shortfalls() -> None:
    report, found = milestone(wholesaler("wholesale"))
    assert [(y, tier) for y, tier, _ in found.awarded] == [(2020, "T100")]
    assert found.reached("T100") and not found.reached("T500")
    nxt = found.next
    assert nxt is not None and nxt.tier_id == "T500" and nxt.amount_wan == Decimal(1000)
    gaps = {r.field: r.gap_wan for r in nxt.shortfalls}
    assert gaps == {"revenue_wan": Decimal(3980000), "contribution_wan": Decimal(2700)}
    assert all(r.actual and r.required for r in nxt.reasons)
    assert found.lost == ()


def test_a_first_time_tier_reached_without_the_award_is_lost_for_good() -> None:
    report, found = milestone(wholesaler("services"))
    assert [tier for _, tier, _ in found.awarded] == ["T100"]
    (lost,) = found.lost
    assert lost.tier_id == "T500" and lost.lost and lost.lost_year == 2020
    assert [(r.field, r.gap_wan) for r in lost.shortfalls] == [("contribution_wan", Decimal(2700))]
    assert found.next is None
    # the same company a year later: the level was reached before, still lost, never "next"
    later = wholesaler("services", [
        {"year": 2020, "revenue_wan": 1020000, "district_fiscal_contribution_wan": 2300},
        {"year": 2021, "revenue_wan": 1100000, "district_fiscal_contribution_wan": 5200}])
    _, found = milestone(later)
    assert [t.tier_id for t in found.lost] == ["T500"] and found.next is None


@pytest.mark.parametrize("sector", ["wholesale", "services"])
def test_the_outlook_never_contradicts_the_awards(sector: str) -> None:
    report, found = milestone(wholesaler(sector))
    granted = {f.tier for f in report.results if f.rule_id == "qk.revenue_milestone" and f.status == "eligible"}
    assert {tier for _, tier, _ in found.awarded} == granted
    assert found.next is None or found.next.tier_id not in granted
    assert not {t.tier_id for t in found.lost} & granted
