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


def manufacturer() -> Profile:
    """An industrial company of 150亿 before, 250亿 main revenue in 2020 (the 200亿 step
    crossed) and 320亿 in 2021 (the 300亿 step crossed)."""
    return parse_profile({
        "name": "示例制造有限公司", "district": "江岸区", "sector": "industry",
        "prior_peak_revenue_wan": 1500000, "prior_peak_main_revenue_wan": 1500000,
        "years": [{"year": 2020, "revenue_wan": 2500000, "main_business_revenue_wan": 2500000},
                  {"year": 2021, "revenue_wan": 3200000, "main_business_revenue_wan": 3200000}],
    })


def test_each_step_of_a_ladder_without_end_is_a_level_of_its_own() -> None:
    """The 百亿 steps carry the tier ids their findings carry (S@2000000, …), so the chart
    draws each step and marks the ones awarded, and the outlook names the next step."""
    from subsidy.nearmiss import ladders
    from subsidy.ui.charts import chart_frames

    profile = manufacturer()
    rules = default_rules()
    (ladder,) = [lad for lad in ladders(rules, profile) if lad.rule_id == "wqb.industrial_revenue_milestone"]
    ids = [s.tier_id for s in ladder.steps]
    assert len(ids) == len(set(ids))
    assert ids[:6] == ["L10", "L50", "L100", "S@2000000", "S@3000000", "S@4000000"]
    step = next(s for s in ladder.steps if s.tier_id == "S@3000000")
    assert step.level_wan == Decimal(3000000) and step.title == "跨越300亿元台阶"

    report = evaluate(profile)
    granted = {f.tier for f in report.results
               if f.rule_id == "wqb.industrial_revenue_milestone" and f.status == "eligible"}
    assert {"S@2000000", "S@3000000"} <= granted
    (found,) = [o for o in outlook(report, profile, rules) if o.ladder.rule_id == ladder.rule_id]
    assert found.reached("S@2000000") and found.reached("S@3000000")
    assert found.next is not None and found.next.tier_id == "S@4000000"
    assert found.next.title == "跨越400亿元台阶"
    assert [r.gap_wan for r in found.next.shortfalls] == [Decimal(800000)]

    _, lines = chart_frames([ladder], profile, "zh", [found])
    labels = list(lines["label"])
    assert [lab for lab in labels if lab.startswith(("200亿元", "300亿元", "400亿元"))] == [
        "200亿元 · 工业企业主营业务收入首次突破台阶奖励 → 1,000万元（已获得）",
        "300亿元 · 工业企业主营业务收入首次突破台阶奖励 → 1,000万元（已获得）",
        "400亿元 · 工业企业主营业务收入首次突破台阶奖励 → 1,000万元（下一档）",
    ]
