"""The results of a check: headline total, findings by status with their reasons, the
checklist of missing information, the ladder chart and the exports.

Everything shown is read from the :class:`~subsidy.findings.Report` the library returned;
nothing here decides eligibility or adds amounts of its own (the totals are the report's).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import streamlit as st

from subsidy import vocab
from subsidy.findings import STATUS_ORDER, Finding, Report
from subsidy.nearmiss import LadderOutlook
from subsidy.profile import Profile
from subsidy.report_text import file_stem, missing_words, short_name
from subsidy.ruleset import RuleSet
from subsidy.ui.i18n import (
    REASON_MARKS_MD,
    STATUS_ICONS,
    amount_text,
    colon,
    figure,
    md,
    money,
    names,
    quote,
    status_label,
    t,
)
from subsidy.ui.nearmiss_panel import render_outlook
from subsidy.ui.safe_text import md_text

_KIND_ORDER = {"fixed": 0, "per_unit": 0, "pass_through": 0, "case_by_case": 1, "none": 2}
_KIND_GROUPS = {0: "group_awards", 1: "group_case", 2: "group_support"}


def _title(finding: Finding, lang: str) -> str:
    return (finding.title_en or finding.title) if lang == "en" else finding.title


def finding_label(finding: Finding, lang: str) -> str:
    """The one-line summary an expander shows: icon, year, award, tier, amount."""
    parts = []
    if finding.year:
        parts.append(f"{finding.year}" + ("" if lang == "en" else "年"))
    title = _title(finding, lang)
    tier_title = (finding.tier_title_en or finding.tier_title) if lang == "en" else finding.tier_title
    if tier_title and finding.tier_title != finding.title:
        title += f" · {tier_title}"
    parts.append(title)
    text = " ".join(parts)
    amount = amount_text(finding.amount_wan, finding.amount_kind, lang)
    if finding.status in ("eligible", "needs_info"):
        text += f" — {amount}"
    return f"{STATUS_ICONS[finding.status]} {md(text)}"


def _reason_table(finding: Finding, lang: str) -> str:
    """Each condition with ✓/✗/? and the actual and required figures, as a markdown table."""
    head = [t("reason_col_ok", lang), t("reason_col_text", lang),
            t("reason_col_actual", lang), t("reason_col_required", lang)]
    rows = [f"| {' | '.join(head)} |", "|:-:|---|---|---|"]
    for reason in finding.reasons:
        text = (reason.text_en or reason.text) if lang == "en" else reason.text
        rows.append(" | ".join([
            "", REASON_MARKS_MD[reason.passed], md(text).replace("\n", " "),
            md(figure(reason.actual, lang)), md(figure(reason.required, lang)), ""]).strip())
    return "\n".join(rows)


def render_finding(finding: Finding, ruleset: RuleSet, report: Report, lang: str) -> None:
    """The body of one finding: amount, reasons, what to provide, clause, readings, contacts."""
    amount = amount_text(finding.amount_wan, finding.amount_kind, lang)
    kind = t("amount_kind", lang)
    kind_label = vocab.label(vocab.AMOUNT_KINDS, finding.amount_kind, lang)
    if finding.status == "needs_info" and finding.amount_wan is not None:
        st.markdown(f"**{t('provisional', lang)}**{colon(lang)}{md(amount)}{md(t('paren', lang, text=kind_label))}")
    elif finding.status == "eligible":
        st.markdown(f"**{t('amount_col', lang)}**{colon(lang)}{md(amount)} · {kind}{colon(lang)}{md(kind_label)}")
    st.markdown(_reason_table(finding, lang))
    if finding.missing:
        st.markdown(f"**{t('to_provide', lang)}**{colon(lang)}"
                    + t("list_sep", lang).join(md(w) for w in missing_words(finding, lang)))
    notes = finding.notes_en if lang == "en" and finding.notes_en else finding.notes
    if notes:
        st.markdown(f"**{t('notes', lang)}**{colon(lang)}" + " ".join(md(n) for n in notes))
    clause = finding.clause
    st.markdown(f"**{t('clause', lang)}**{md(t('paren', lang, text=clause.section))}")
    quote(clause.quote, lang)
    policy = ruleset.policies.get(finding.policy_id)
    policy_title = (policy.title_en or policy.title) if policy is not None and lang == "en" else clause.policy_title
    st.caption(f"{md(policy_title)} · {t('source_doc', lang)} {md(clause.source)} "
               f"{t('source_see_catalogue', lang)} · {md(finding.rule_id)}")
    if finding.interpretations:
        lines = []
        for iid in finding.interpretations:
            interp = ruleset.interpretations.get(iid)
            if interp is None:
                continue
            choice = report.readings.get(iid, "default")
            reading = getattr(interp, choice)
            title = (interp.title_en or interp.title) if lang == "en" else interp.title
            note = (interp.note_en or interp.note) if lang == "en" else interp.note
            text = (reading.text_en or reading.text) if lang == "en" else reading.text
            lines.append(f"- **{iid}** {md(title)} — {md(t('reading_in_force', lang, label=reading.label_in(lang)))}"
                         f"{t('full_stop', lang)}{md(text)} *{md(note)}*")
        if lines:
            st.markdown(f"**{t('interp_used', lang)}**\n" + "\n".join(lines))
    if finding.contacts:
        names(t("contacts", lang), finding.contacts, lang)


def _amount_rows(totals: dict, key_col: str, label: Callable[[object], str], lang: str) -> str:
    """A small two-column markdown table (a text table: no grid canvas, no English
    placeholder when it is empty)."""
    rows = [f"| {t(key_col, lang)} | {t('amount_col', lang)} |", "|---|--:|"]
    rows += [f"| {md(label(k))} | {md(money(v, lang))} |" for k, v in totals]
    return "\n".join(rows)


def summary_text(report: Report, lang: str, next_award: str | None = None) -> str:
    """The one line above everything: 可获得 N 项共 X万元 · 需补充 M 项 · 最近的下一档."""
    groups = report.by_status()
    parts = [t("summary_eligible", lang, n=len(groups["eligible"]), total=money(report.total_wan, lang))]
    if groups["needs_info"]:
        parts.append(t("summary_needs", lang, n=len(groups["needs_info"])))
    if next_award:
        parts.append(t("summary_next", lang, what=next_award))
    return " · ".join(parts)


def _headline(report: Report, lang: str) -> None:
    groups = report.by_status()
    left, middle, right = st.columns([2, 1, 1])
    with left:
        st.metric(t("total", lang), money(report.total_wan, lang), help=t("total_help", lang),
                  border=True)
        case = sum(1 for f in groups["eligible"] if f.amount_kind == "case_by_case")
        support = sum(1 for f in groups["eligible"] if f.amount_kind == "none")
        extras = []
        if case:
            extras.append(t("n_case_by_case", lang, n=case))
        if support:
            extras.append(t("n_support", lang, n=support))
        if groups["needs_info"]:
            extras.append(t("n_needs_info", lang, n=len(groups["needs_info"])))
        if extras:
            st.caption(t("extra_kinds", lang, items=t("list_sep", lang).join(extras)))
    levels = sorted(report.total_by("level").items())
    years = sorted(report.total_by("year").items(), key=lambda kv: kv[0] or 0)
    with middle:
        st.markdown(f"**{t('by_level', lang)}**")
        if levels:
            st.markdown(_amount_rows(levels, "level_col", lambda k: t(f"level_{k}", lang), lang))
        else:
            st.caption(t("no_findings", lang))
    with right:
        st.markdown(f"**{t('by_year', lang)}**")
        if years:
            st.markdown(_amount_rows(years, "year_col", str, lang))
        else:
            st.caption(t("no_findings", lang))


def _readings(report: Report, ruleset: RuleSet, lang: str) -> None:
    switched = {k: v for k, v in report.readings.items() if v != "default"}
    if not switched:
        text = t("readings_all_default", lang)
    else:
        items = []
        for iid, choice in switched.items():
            interp = ruleset.interpretations.get(iid)
            label = getattr(interp, choice).label_in(lang) if interp else ""
            items.append(f"{iid}{t('paren', lang, text=label)}" if label else iid)
        text = t("readings_switched", lang, items=t("list_sep", lang).join(items))
    st.caption(f"{t('readings_used', lang)}{colon(lang)}{md(text)} · {t('ruleset_version', lang)} {report.ruleset_version}")


def checklist_items(report: Report, lang: str) -> dict[str, list[str]]:
    """What to provide, in words, each with the awards it may unlock."""
    wanted: dict[str, list[str]] = {}
    for finding in report.by_status()["needs_info"]:
        for item in missing_words(finding, lang) or ["—"]:
            year = f"{finding.year}{'' if lang == 'en' else '年'} " if finding.year else ""
            wanted.setdefault(item, []).append(f"{year}{_title(finding, lang)}".strip())
    return wanted


def _checklist(report: Report, lang: str) -> None:
    wanted = checklist_items(report, lang)
    if not wanted:
        return
    with st.container(border=True):
        st.markdown(f":orange[:material/assignment:] **{t('checklist_title', lang)}**")
        for item, whats in wanted.items():
            what = t("list_sep", lang).join(dict.fromkeys(whats))
            st.markdown(f"- :material/check_box_outline_blank: **{md(item)}** — "
                        f"{md(t('checklist_for', lang, what=what))}")


FINDING_KEY = "ui.finding."


def finding_key(finding: Finding, lang: str) -> str:
    """A finding's expander key: the same finding keeps its open state across reruns (one
    key per language, as the label is part of an expander's identity)."""
    return (f"{FINDING_KEY}{finding.rule_id}.{finding.year}.{finding.tier}.{finding.status}."
            f"{finding.event or finding.subject}.{lang}")


def _findings(report: Report, ruleset: RuleSet, lang: str) -> None:
    groups = report.by_status()
    used: dict[str, int] = {}
    for status in STATUS_ORDER:
        group = groups[status]
        if status == "eligible":
            group = sorted(group, key=lambda f: (_KIND_ORDER.get(f.amount_kind, 3), f.year or 0))
        st.markdown(f"#### {STATUS_ICONS[status]} {status_label(status, lang)}{t('paren', lang, text=len(group))}")
        if not group:
            st.caption(t("no_findings", lang))
        shown_kind = None
        for finding in group:
            if status == "eligible":
                kind = _KIND_ORDER.get(finding.amount_kind, 3)
                if kind != shown_kind:
                    st.markdown(f"**{t(_KIND_GROUPS.get(kind, 'group_awards'), lang)}**")
                    shown_kind = kind
            # The body is drawn only while it is open: a check's results are a list of
            # headings, and the reasons of the one or two a user opens cost nothing before.
            key = finding_key(finding, lang)
            used[key] = used.get(key, 0) + 1
            if used[key] > 1:  # two findings alike in every part: number them
                key += f"#{used[key]}"
            box = st.expander(finding_label(finding, lang), key=key, on_change="rerun")
            if box.open:
                with box:
                    render_finding(finding, ruleset, report, lang)


def _exports(report: Report, profile: Profile, ruleset: RuleSet, lang: str) -> None:
    """Three downloads, each built only when its button is pressed (a workbook costs ~40 ms of
    server time; building all three on every rerun of the page made every edit slower)."""
    stem = file_stem(report.company)

    def excel() -> bytes:
        from subsidy.export import workbook_bytes

        return workbook_bytes(report, profile, ruleset=ruleset, lang=lang)

    def printable() -> str:
        from subsidy.export import report_html

        return report_html(report, profile, ruleset=ruleset, lang=lang)

    def findings_json() -> str:
        return json.dumps(report.contract(), ensure_ascii=False, indent=2) + "\n"

    st.caption(t("export_help", lang))
    one, two, three = st.columns(3)
    with one:
        st.download_button(
            t("export_excel", lang), excel, file_name=f"{stem}.xlsx", on_click="ignore",
            icon=":material/table_view:", key="ui.export.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    with two:
        st.download_button(
            t("export_html", lang), printable, file_name=f"{stem}.html", mime="text/html",
            on_click="ignore", icon=":material/print:", key="ui.export.html")
    with three:
        st.download_button(
            t("export_json", lang), findings_json, file_name=f"{stem}.findings.json",
            mime="application/json", on_click="ignore", icon=":material/data_object:",
            key="ui.export.json")


def render_results(report: Report, profile: Profile, ruleset: RuleSet, lang: str,
                   next_award: str | None = None, outlooks: list[LadderOutlook] | None = None) -> None:
    """Everything about one evaluated profile, the one-line summary first."""
    st.header(t("results_title", lang, company=md_text(short_name(report.company), one_line=True)),
              anchor="results")
    st.markdown(f"##### {md(summary_text(report, lang, next_award))}")
    _headline(report, lang)
    _readings(report, ruleset, lang)
    for hint in report.hints:
        st.info(f"{t('hints', lang)}{colon(lang)}{md((hint.text_en or hint.text) if lang == 'en' else hint.text)}",
                icon=":material/lightbulb:")
    _checklist(report, lang)
    render_outlook(outlooks or [], lang)
    # Tabs report which one is open, so the chart (Altair: the dearest element of the page)
    # is drawn only while its tab is shown, not on every edit of the form.
    tab_findings, tab_ladder, tab_export = st.tabs(
        [t("findings_title", lang), t("ladder_title", lang), t("export_title", lang)],
        key="ui.result_tabs", on_change="rerun")
    with tab_findings:
        _findings(report, ruleset, lang)
    with tab_ladder:
        if tab_ladder.open is not False:
            from subsidy.ui import charts  # Altair is loaded when a chart is drawn, not before

            charts.render_ladders(report, profile, ruleset, lang, outlooks or [])
    with tab_export:
        _exports(report, profile, ruleset, lang)
