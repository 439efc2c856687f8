"""The evaluation pipeline over the worked readings of the clause catalogue."""

from __future__ import annotations

from decimal import Decimal

from subsidy.evaluate import evaluate
from subsidy.profile import parse_profile


def company(**extra) -> dict:
    base = {"name": "测试企业", "district": "硚口区", "sector": "wholesale"}
    base.update(extra)
    return base


def findings(report, rule_id, year=None):
    return [f for f in report.results if f.rule_id == rule_id and (year is None or f.year == year)]


def test_first_reaching_needs_history():
    profile = parse_profile(company(years=[{"year": 2020, "revenue_wan": 1020000,
                                            "district_fiscal_contribution_wan": 2300}]))
    [finding] = findings(evaluate(profile), "qk.revenue_milestone", 2020)
    assert finding.status == "needs_info"
    assert finding.amount_wan == Decimal(500)
    assert any("prior_peak_revenue_wan" in m for m in finding.missing)


def test_contribution_missed_in_first_year_is_never_awarded_later():
    profile = parse_profile(company(prior_peak_revenue_wan=400000, years=[
        {"year": 2019, "revenue_wan": 1010000, "district_fiscal_contribution_wan": 1000},
        {"year": 2020, "revenue_wan": 1100000, "district_fiscal_contribution_wan": 3000}]))
    report = evaluate(profile)
    [y2019] = findings(report, "qk.revenue_milestone", 2019)
    [y2020] = findings(report, "qk.revenue_milestone", 2020)
    assert (y2019.status, y2019.tier, y2019.amount_wan) == ("eligible", "T50", Decimal(100))
    assert y2020.status == "not_eligible"
    assert any(r.code == "reached_before" for r in y2020.reasons) or y2020.tier == "T500"


def test_services_use_bracketed_figures_and_switch_flips_them():
    data = company(sector="services", prior_peak_revenue_wan=100000, years=[
        {"year": 2020, "revenue_wan": 520000, "district_fiscal_contribution_wan": 2100}])
    [default] = findings(evaluate(parse_profile(data)), "qk.revenue_milestone", 2020)
    assert (default.status, default.tier, default.amount_wan) == ("eligible", "T100", Decimal(500))
    [alt] = findings(evaluate(parse_profile(data), switches={"INTERP-QK-1": "alternative"}),
                     "qk.revenue_milestone", 2020)
    assert (alt.status, alt.tier, alt.amount_wan) == ("eligible", "T50", Decimal(100))


def test_gap_is_stated_for_the_next_tier():
    profile = parse_profile(company(prior_peak_revenue_wan=600000, years=[
        {"year": 2020, "revenue_wan": 920000, "district_fiscal_contribution_wan": 2300}]))
    [finding] = findings(evaluate(profile), "qk.revenue_milestone", 2020)
    assert finding.status == "not_eligible" and finding.tier == "T100"
    gap = [r for r in finding.reasons if r.gap_wan is not None]
    assert gap and gap[0].gap_wan == Decimal(80000)
    assert "距100亿元台阶还差8亿元" in gap[0].text


def test_strict_exceeding_and_steps():
    data = {"name": "制造企业", "district": "武汉经开区", "sector": "industry",
            "prior_peak_main_revenue_wan": 90000, "prior_peak_revenue_wan": 90000,
            "years": [{"year": 2019, "main_business_revenue_wan": 100000},
                      {"year": 2020, "main_business_revenue_wan": 2100000}]}
    report = evaluate(parse_profile(data))
    [y2019] = findings(report, "wqb.industrial_revenue_milestone", 2019)
    assert y2019.status == "not_eligible"
    awarded = {f.tier: f.amount_wan for f in findings(report, "wqb.industrial_revenue_milestone", 2020)
               if f.status == "eligible"}
    assert awarded == {"L10": 100, "L50": 500, "L100": 1000, "S@2000000": 1000}


def test_total_is_exact_decimal_over_eligible_only():
    data = company(incubator={"kind": "incubator", "yearly": [
        {"year": 2020, "resident_enterprises": 10, "new_enterprises": 1, "hightech_cultivated": 3}]})
    report = evaluate(parse_profile(data))
    assert report.total_wan == Decimal(15)
    assert isinstance(report.total_wan, Decimal)


def test_scale_line_hint_is_never_an_award():
    data = company(sector="industry", district="江岸区",
                   years=[{"year": 2020, "revenue_wan": 3000, "main_business_revenue_wan": 2500}])
    report = evaluate(parse_profile(data))
    assert report.hints and "2020" in report.hints[0].text and "入库" in report.hints[0].text
    assert report.total_wan == 0
    assert not any(f.status == "eligible" and f.amount_wan for f in report.results)


def test_city_and_district_scale_entry_add_up_unless_switched():
    data = company(sector="industry", scale_entry_year=2020)
    pair = ("qk.scale_entry", "wqb.scale_entry_industrial")

    def statuses(report):
        return {rid: [f.status for f in findings(report, rid, 2020)] for rid in pair}

    assert statuses(evaluate(parse_profile(data))) == {pair[0]: ["eligible"], pair[1]: ["eligible"]}
    alt = evaluate(parse_profile(data), switches={"INTERP-GEN-2": "alternative"})
    assert statuses(alt) == {pair[0]: ["not_eligible"], pair[1]: ["eligible"]}


def test_outside_wuhan_is_not_applicable_for_city_rules():
    data = {"name": "外地企业", "district": "outside_wuhan", "sector": "industry", "scale_entry_year": 2020}
    [finding] = findings(evaluate(parse_profile(data)), "wqb.scale_entry_industrial")
    assert finding.status == "not_applicable"


def test_case_by_case_has_no_amount():
    data = company(recognitions=[{"title": "innovation_center_national", "year": 2020}])
    [finding] = findings(evaluate(parse_profile(data)), "wqb.innovation_center")
    assert finding.status == "eligible" and finding.amount_wan is None
    assert finding.amount_kind == "case_by_case"


def scale_hint(**figures):
    profile = parse_profile(company(years=[{"year": 2020, **figures}]))
    return [h for h in evaluate(profile).hints if h.kind == "scale_entry"]


def test_a_scale_hint_quotes_the_figure_the_user_gave():
    """Only 营业收入 was typed: the hint quotes that figure, named as such, and says it stood
    in for 主营业务收入 — it never states a 主营业务收入 the user did not write."""
    [hint] = scale_hint(revenue_wan=1020000)
    assert hint.text.startswith("2020年营业收入102亿元（代替主营业务收入）已达到")
    assert "主营业务收入102亿元" not in hint.text
    assert hint.text_en.startswith("In 2020, operating revenue of RMB 10,200 m (standing in for main "
                                   "business revenue, not given) meets the national line")


def test_a_scale_hint_names_main_revenue_when_it_was_given():
    [hint] = scale_hint(revenue_wan=1020000, main_business_revenue_wan=900000)
    assert hint.text.startswith("2020年主营业务收入90亿元已达到") and "代替" not in hint.text
    assert hint.text_en.startswith("In 2020, main business revenue of RMB 9,000 m meets")
    assert "standing in" not in hint.text_en
