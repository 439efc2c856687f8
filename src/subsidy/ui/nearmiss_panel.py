"""The near-miss panel: for each ladder the company is on, what it got, the next tier it could
still get with every condition (actual, required, the gap), and the tiers lost for good.

Why a panel of its own: "下一台阶：500亿元" alone hides that the tier also needs 5000万 of
district fiscal contribution, and a company that reached a "首次" level without the award must
be told that the tier is gone, not left to hope for next year. Everything here is read from
:func:`subsidy.nearmiss.outlook`; nothing is judged in the page.
"""

from __future__ import annotations

import streamlit as st

from subsidy.findings import Reason
from subsidy.nearmiss import LadderOutlook, TierOutlook
from subsidy.ui.i18n import REASON_MARKS_MD, figure, md, money_short, t


def _reason_text(reason: Reason, lang: str) -> str:
    return (reason.text_en or reason.text) if lang == "en" else reason.text


def _gap(reason: Reason, lang: str) -> str:
    if reason.passed is not False:
        return ""
    return money_short(reason.gap_wan, lang) if reason.gap_wan is not None else "—"


def conditions_table(tier: TierOutlook, lang: str) -> str:
    """Every condition of the tier: met or not, the figure, what is required and the gap."""
    if lang == "en":
        rows = [f"| | {t('reason_col_text', lang)} | {t('nm_gap', lang)} |", "|:-:|---|--:|"]
        rows += [f"| {REASON_MARKS_MD[r.passed]} | {md(_reason_text(r, lang))} | {md(_gap(r, lang))} |"
                 for r in tier.reasons]
        return "\n".join(rows)
    head = [t("reason_col_text", lang), t("reason_col_actual", lang), t("reason_col_required", lang),
            t("nm_gap", lang)]
    rows = [f"| | {' | '.join(head)} |", "|:-:|---|--:|--:|--:|"]
    rows += [f"| {REASON_MARKS_MD[r.passed]} | {md(_reason_text(r, lang))} | {md(figure(r.actual, lang))} | "
             f"{md(figure(r.required, lang))} | {md(_gap(r, lang))} |" for r in tier.reasons]
    return "\n".join(rows)


def _tier_name(tier: TierOutlook, lang: str) -> str:
    return tier.title_en if lang == "en" else tier.title


def shortfall_words(tier: TierOutlook, lang: str) -> str:
    """"区级财政贡献还差 2,700万元；营业收入还差 398亿元" — the gaps of the tier, in words."""
    from subsidy.fields import field as field_spec

    parts = []
    for reason in tier.shortfalls:
        if reason.code == "reached_before":
            continue
        spec = field_spec("company_year", reason.field) if reason.field else None
        if spec is not None and reason.gap_wan is not None:
            label = spec.en if lang == "en" else spec.zh
        else:
            label = _reason_text(reason, lang)
        gap = money_short(reason.gap_wan, lang) if reason.gap_wan is not None else ""
        parts.append(t("nm_short_by", lang, what=label, gap=gap) if gap else label)
    return t("list_sep", lang).join(parts)


def render_outlook(outlooks: list[LadderOutlook], lang: str) -> None:
    """The panel, one block per ladder."""
    if not outlooks:
        return
    with st.container(border=True):
        st.markdown(f":blue[:material/trending_up:] **{t('nm_title', lang)}**")
        for item in outlooks:
            ladder = item.ladder
            title = ladder.title_en if lang == "en" else ladder.title
            st.markdown(f"**{md(title)}**")
            for year, tier_id, amount in item.awarded:
                step = next((s for s in ladder.steps if s.tier_id == tier_id), None)
                name = (step.title_en if lang == "en" else step.title) if step else tier_id
                st.markdown(":green[:material/check_circle:] " + md(t(
                    "nm_awarded", lang, year=year, tier=name, amount=money_short(amount, lang))))
            if item.next is not None:
                tier = item.next
                st.markdown(":blue[:material/arrow_forward:] " + md(t(
                    "nm_next", lang, tier=_tier_name(tier, lang), amount=money_short(tier.amount_wan, lang),
                    year=tier.year)))
                st.markdown(conditions_table(tier, lang))
            elif not item.lost:
                st.caption(t("nm_top", lang))
            for tier in item.lost:
                reason = shortfall_words(tier, lang)
                key = "nm_lost_now" if tier.lost_year == tier.year else "nm_lost_before"
                st.markdown(":red[:material/block:] " + md(t(
                    key, lang, tier=_tier_name(tier, lang), amount=money_short(tier.amount_wan, lang),
                    year=tier.lost_year or tier.year, why=reason)))
                if tier.shortfalls:
                    st.markdown(conditions_table(tier, lang))
