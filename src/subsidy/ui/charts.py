"""How far to the next award: revenue history against the award ladders that apply.

The ladder levels are read from the loaded rule set — every tier condition that tests a
revenue figure with ``first_reach`` / ``first_exceed`` (硚口's tiers, the city's levels and
its 百亿 steps) — never written here, so a changed rule file changes the chart. Which branch
of a tier applies (硚口's bracketed figures) is decided by the rule's own ``choose`` guard on
the company's sector, under the readings in force. The gap in words comes from the findings'
reasons, as the calculator wrote them.
"""

from __future__ import annotations

from decimal import Decimal

import altair as alt
import pandas as pd
import streamlit as st

from subsidy.findings import Report
from subsidy.money import WAN_PER_YI
from subsidy.nearmiss import Ladder, LadderOutlook, Step, ladders
from subsidy.profile import Profile
from subsidy.ruleset import RuleSet
from subsidy.ui.i18n import md, money_short, t


def _yi(value: Decimal) -> float:
    """亿元 as a float, for drawing only (sums and comparisons stay Decimal elsewhere)."""
    return float(value / WAN_PER_YI)


def shown_steps(ladder: Ladder, values: list[Decimal]) -> list[Step]:
    """The levels worth drawing: those up to the highest figure, and the next one above it."""
    top = max(values) if values else None
    shown: list[Step] = []
    for step in ladder.steps:
        shown.append(step)
        if top is None or step.level_wan > top:
            break
    return shown


def step_state(step: Step, outlook: LadderOutlook | None) -> str:
    """How a level stands for the company: "awarded" only when the award was granted;
    "lost" when it can no longer be had; "next" for the next tier still open; else "open"."""
    if outlook is None:
        return "open"
    if outlook.reached(step.tier_id):
        return "awarded"
    if any(t.tier_id == step.tier_id for t in outlook.lost):
        return "lost"
    if outlook.next is not None and outlook.next.tier_id == step.tier_id:
        return "next"
    return "open"


def chart_frames(ladder_list: list[Ladder], profile: Profile, lang: str,
                 outlooks: list[LadderOutlook] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(bars, lines): the yearly figures the ladders test, and the levels to draw, each level
    labelled with how it stands (awarded, lost, next) — a bar above a line is not an award."""
    from subsidy.profile import field_label

    by_rule = {o.ladder.rule_id: o for o in outlooks or []}
    fields = list(dict.fromkeys(ladder.profile_field for ladder in ladder_list))
    bars = []
    for figures in profile.years:
        for name in fields:
            value = getattr(figures, name, None)
            if value is not None:
                bars.append({"year": str(figures.year), "series": field_label(name, lang),
                             "value": _yi(value), "text": money_short(value, lang)})
    lines = []
    for ladder in ladder_list:
        values = [v for y in profile.years if (v := getattr(y, ladder.profile_field, None)) is not None]
        rule_title = ladder.title_en if lang == "en" else ladder.title
        for step in shown_steps(ladder, values):
            award = money_short(step.amount_wan, lang) if step.amount_wan is not None else ""
            state = t(f"ladder_state_{step_state(step, by_rule.get(ladder.rule_id))}", lang)
            lines.append({
                "value": _yi(step.level_wan),
                "series": field_label(ladder.profile_field, lang),
                "label": f"{money_short(step.level_wan, lang)} · {rule_title} → {award}{state}",
            })
    return pd.DataFrame(bars), pd.DataFrame(lines)


def _records(frame: pd.DataFrame) -> tuple[tuple[tuple[str, object], ...], ...]:
    return tuple(tuple(row.items()) for row in frame.to_dict("records"))


@st.cache_data(show_spinner=False, max_entries=512)
def chart_spec(bars: tuple, lines: tuple, lang: str) -> dict:
    """The chart's Vega-Lite specification, built once per set of figures and levels
    (Altair's validation of a layered chart costs tens of milliseconds)."""
    chart = ladder_chart(pd.DataFrame([dict(r) for r in bars]), pd.DataFrame([dict(r) for r in lines]), lang)
    return chart.to_dict()


def ladder_chart(bars: pd.DataFrame, lines: pd.DataFrame, lang: str) -> alt.LayerChart:
    year, value = t("ladder_axis_year", lang), t("ladder_axis_value", lang)
    series = alt.Color("series:N", title=t("ladder_series", lang), legend=alt.Legend(orient="bottom"))
    layers = []
    if not bars.empty:
        layers.append(alt.Chart(bars).mark_bar(opacity=0.55).encode(
            x=alt.X("year:O", title=year, axis=alt.Axis(labelAngle=0)),
            xOffset="series:N",
            y=alt.Y("value:Q", title=value),
            color=series,
            tooltip=[alt.Tooltip("year:O", title=year), alt.Tooltip("series:N", title=t("ladder_series", lang)),
                     alt.Tooltip("text:N", title=t("amount_col", lang))],
        ))
    if not lines.empty:
        rule = alt.Chart(lines).mark_rule(strokeDash=[6, 4], strokeWidth=1.5).encode(
            y="value:Q", color=series,
            tooltip=[alt.Tooltip("label:N", title=t("ladder_line", lang))])
        text = alt.Chart(lines).mark_text(align="left", dx=4, dy=-7, fontSize=12,
                                          fontWeight="bold", color="#333333").encode(
            x=alt.value(0), y="value:Q", text="label:N")
        layers += [rule, text]
    return alt.layer(*layers).properties(height=380)


def policy_title(ladder: Ladder, ruleset: RuleSet, lang: str) -> str:
    policy = ruleset.policy_of(ladder.rule_id)
    return (policy.title_en or policy.title) if lang == "en" else policy.title


def render_ladders(report: Report, profile: Profile, ruleset: RuleSet, lang: str,
                   outlooks: list[LadderOutlook] | None = None) -> None:
    """The chart; what each level means for the company is said in the near-miss panel."""
    if not profile.years:
        st.info(t("ladder_no_years", lang))
        return
    found = ladders(ruleset, profile)
    if not found:
        st.info(t("ladder_none", lang))
        return
    bars, lines = chart_frames(found, profile, lang, outlooks)
    st.vega_lite_chart(chart_spec(_records(bars), _records(lines), lang), width="stretch")
    st.caption(t("ladder_caption", lang))
    for ladder in found:
        title = ladder.title_en if lang == "en" else ladder.title
        st.caption(f"{md(title)}{md(t('paren', lang, text=policy_title(ladder, ruleset, lang)))}")
