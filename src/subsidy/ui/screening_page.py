"""The 政策测算 (policy screening) page: an official screens a whole population at once.

Upload a population file (the layout of ``subsidy screen``) or generate a realistic one;
see the totals by rule, year and district as charts and tables; filter; open one company
with the interactive engine (its findings with reasons); download the push list and a 公示
list; compare the totals under a changed reading side by side.

The page only arranges things: screening is :mod:`subsidy.columnar.screen` (the same as the
command line), a company's reasons come from :func:`subsidy.evaluate.evaluate`.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd
import pyarrow as pa
import streamlit as st

from subsidy import vocab
from subsidy.columnar.output import OutputError, write_table
from subsidy.columnar.screen import (
    PUSH_HEADER,
    SUMMARY_HEADER,
    Screened,
    company_ids,
    from_file,
    push_table,
    summary_table,
    tables_for,
)
from subsidy.evaluate import default_rules, evaluate
from subsidy.impact import population_impact
from subsidy.money import format_wan
from subsidy.population import PopulationError
from subsidy.population_sample import sample_population
from subsidy.ruleset import RuleSet
from subsidy.ui.check_page import interpretation_panel, ruleset_for
from subsidy.ui.i18n import md
from subsidy.ui.results import render_finding

log = logging.getLogger("subsidy.ui.screening")

MAX_PAGE_UPLOAD = 200 * 1024 * 1024
MAX_SAMPLE = 200_000
SCREENED, FINDINGS, SOURCE, READINGS = "screening.screened", "screening.findings", "screening.source", "screening.readings"

TEXT: dict[str, tuple[str, str]] = {
    "title": ("政策测算：全部企业对照全部条款", "Policy screening: every company against every clause"),
    "intro": ("上传企业年度数据（与 subsidy screen 相同的格式：每家企业每年一行），或生成一份测算样本；"
              "查看按条款、年度、区汇总的结果，打开单个企业查看理由，下载免申即享推送清单和公示清单。金额单位万元。",
              "Upload company-year data (the layout of subsidy screen: one row per company and year) or "
              "generate a sample; see totals by clause, year and district, open one company with its reasons, "
              "download the push list and the public-notice list. Amounts in 万元."),
    "source": ("数据来源", "Data"),
    "upload_choice": ("上传文件", "Upload a file"),
    "sample_choice": ("生成测算样本", "Generate a sample"),
    "upload": ("企业年度数据（.parquet、.csv、.xlsx，不超过 {mb} MB）", "Company-year data (.parquet, .csv, .xlsx, at most {mb} MB)"),
    "n": ("样本企业数", "Companies in the sample"),
    "seed": ("随机种子", "Seed"),
    "run": ("开始测算", "Screen"),
    "no_file": ("请先上传文件。", "Upload a file first."),
    "refused": ("文件无法测算：", "The file cannot be screened:"),
    "too_large": ("文件过大（上限 {mb} MB）；更大的数据请用命令 subsidy screen。",
                  "File too large (limit {mb} MB); use the subsidy screen command for larger data."),
    "row_errors": ("{n} 处数据错误，相关行已跳过（未按0计算）：", "{n} problems; those rows were skipped (never read as zero):"),
    "companies": ("企业数", "Companies"),
    "eligible": ("可获得（家次）", "Eligible (awards)"),
    "eligible_wan": ("可获得金额", "Eligible amount"),
    "needs_info": ("待补充信息（家次）", "Needs information"),
    "by_rule": ("按条款的可获得金额", "Eligible amount by clause"),
    "by_district": ("按区的可获得金额", "Eligible amount by district"),
    "summary": ("汇总（预算测算）", "Summary (budget forecast)"),
    "filter_rule": ("条款", "Clause"),
    "filter_year": ("年度", "Year"),
    "filter_district": ("区", "District"),
    "drill": ("打开单个企业", "Open one company"),
    "search": ("统一社会信用代码或企业名称", "Credit code or company name"),
    "pick": ("选择企业", "Choose the company"),
    "none_found": ("没有找到该企业。", "No such company."),
    "downloads": ("下载", "Downloads"),
    "push": ("免申即享推送清单（Excel）", "Push list (Excel)"),
    "notice": ("公示清单（Excel）", "Public-notice list (Excel)"),
    "notice_dates": ("公示期", "Notice period"),
    "compare": ("对比其他解释", "Compare another reading"),
    "compare_pick": ("切换以下解释后重新测算", "Screen again with these readings flipped"),
    "compare_run": ("对比", "Compare"),
    "before": ("当前解释", "Current readings"),
    "after": ("切换后", "Flipped"),
    "changed": ("结论变化的企业", "Companies whose answer changes"),
    "sign_in": ("本页面仅限经办人员使用。", "This page is for officials."),
}


def tr(key: str, lang: str, **values: Any) -> str:
    zh, en = TEXT[key]
    return (en if lang == "en" else zh).format(**values)


def page_title(lang: str) -> str:
    return "政策测算" if lang != "en" else "Policy screening"


def require_sign_in(lang: str) -> bool:
    """Where the page requires an official's sign-in: returns False (after saying why) when
    the visitor may not use it. Officials' sign-in is not part of this page; until it is
    connected here, every visitor may use the page."""
    return True


def render(lang: str) -> None:
    if not require_sign_in(lang):
        st.warning(tr("sign_in", lang))
        return
    st.title(tr("title", lang))
    st.caption(tr("intro", lang))
    readings = _inputs(lang)
    screened: Screened | None = st.session_state.get(SCREENED)
    findings: pa.Table | None = st.session_state.get(FINDINGS)
    if screened is None or findings is None:
        return
    ruleset = ruleset_for(st.session_state.get(READINGS, readings))
    st.divider()
    _totals(screened, lang)
    _charts_and_table(screened, lang)
    st.divider()
    _downloads(screened, lang)
    st.divider()
    _drill_down(screened, ruleset, lang)
    st.divider()
    _compare(screened, ruleset, lang)


# ------------------------------------------------------------------------------ input


def _inputs(lang: str) -> tuple[tuple[str, str], ...]:
    with st.container(border=True):
        choice = st.radio(tr("source", lang), ["upload", "sample"], horizontal=True, key="screening.choice",
                          format_func=lambda c: tr(f"{c}_choice", lang))
        uploaded = None
        if choice == "upload":
            uploaded = st.file_uploader(tr("upload", lang, mb=MAX_PAGE_UPLOAD >> 20),
                                        type=["parquet", "csv", "xlsx"], key="screening.upload")
        else:
            left, right = st.columns(2)
            left.number_input(tr("n", lang), min_value=100, max_value=MAX_SAMPLE, value=20_000, step=1000,
                              key="screening.n")
            right.number_input(tr("seed", lang), min_value=0, max_value=2**31 - 1, value=20261202,
                               key="screening.seed")
    readings = interpretation_panel(lang)
    if st.button(tr("run", lang), type="primary", icon=":material/query_stats:", key="screening.run",
                 width="stretch"):
        _screen(choice, uploaded, readings, lang)
    return readings


def _screen(choice: str, uploaded: Any, readings: tuple[tuple[str, str], ...], lang: str) -> None:
    ruleset = ruleset_for(readings)
    with tempfile.TemporaryDirectory() as tmp:
        if choice == "upload":
            if uploaded is None:
                st.warning(tr("no_file", lang), icon=":material/upload_file:")
                return
            if uploaded.size > MAX_PAGE_UPLOAD:
                st.error(tr("too_large", lang, mb=MAX_PAGE_UPLOAD >> 20), icon=":material/block:")
                return
            suffix = Path(uploaded.name).suffix.lower()
            path = Path(tmp) / f"population{suffix}"
            path.write_bytes(uploaded.getvalue())
            source = uploaded.name
        else:
            n = int(st.session_state.get("screening.n", 20_000))
            seed = int(st.session_state.get("screening.seed", 20261202))
            path = Path(tmp) / "population.parquet"
            write_table(sample_population(n, seed=seed), path)
            source = f"sample n={n} seed={seed}"
        with st.spinner("…"):
            try:
                screened = from_file(path, max_bytes=MAX_PAGE_UPLOAD, memory_limit="1GB")
            except PopulationError as exc:
                st.error(f"{tr('refused', lang)} {md(exc.en if lang == 'en' else exc.zh)}", icon=":material/block:")
                return
            findings = screened.findings(ruleset)
            tables_for(screened, findings, ruleset)
    st.session_state[SCREENED] = screened
    st.session_state[FINDINGS] = findings
    st.session_state[SOURCE] = source
    st.session_state[READINGS] = readings


# ------------------------------------------------------------------------------ results


def _summary_frame(screened: Screened, lang: str) -> pd.DataFrame:
    frame = summary_table(screened.con).to_pandas()
    frame["district_label"] = [vocab.label(vocab.DISTRICTS, d, lang) for d in frame["district"]]
    for col in ("eligible_wan", "needs_info_wan"):
        frame[col] = frame[col].map(lambda v: float(v))  # for charts only; tables show exact text
    return frame


def _totals(screened: Screened, lang: str) -> None:
    loaded = screened.loaded
    st.caption(f"{st.session_state.get(SOURCE, '')} · {loaded.rows_used} rows")
    if loaded.errors:
        with st.expander(tr("row_errors", lang, n=len(loaded.errors)), expanded=False):
            st.dataframe(pd.DataFrame([{"row": e.row, "column": e.column, "value": e.value,
                                        "problem": e.en if lang == "en" else e.zh} for e in loaded.errors[:500]]),
                         hide_index=True, width="stretch")
    totals = screened.con.execute(
        "SELECT sum(CASE WHEN status = 'eligible' THEN n ELSE 0 END), "
        "COALESCE(sum(CASE WHEN status = 'eligible' THEN amount END), 0), "
        "sum(CASE WHEN status = 'needs_info' THEN n ELSE 0 END) FROM summary_parts").fetchall()[0]
    cols = st.columns(4)
    cols[0].metric(tr("companies", lang), f"{loaded.companies:,}")
    cols[1].metric(tr("eligible", lang), f"{int(totals[0] or 0):,}")
    cols[2].metric(tr("eligible_wan", lang), format_wan(totals[1], lang))
    cols[3].metric(tr("needs_info", lang), f"{int(totals[2] or 0):,}")


def _charts_and_table(screened: Screened, lang: str) -> None:
    frame = _summary_frame(screened, lang)
    f1, f2, f3 = st.columns(3)
    rules = f1.multiselect(tr("filter_rule", lang), sorted(frame["rule_id"].unique()), key="screening.f_rule")
    years = f2.multiselect(tr("filter_year", lang), sorted(frame["year"].unique()), key="screening.f_year")
    districts = f3.multiselect(tr("filter_district", lang), sorted(frame["district_label"].unique()),
                               key="screening.f_district")
    shown = frame
    if rules:
        shown = shown[shown["rule_id"].isin(rules)]
    if years:
        shown = shown[shown["year"].isin(years)]
    if districts:
        shown = shown[shown["district_label"].isin(districts)]
    left, right = st.columns(2)
    by_rule = shown.groupby("title", as_index=False)["eligible_wan"].sum()
    left.subheader(tr("by_rule", lang))
    left.altair_chart(alt.Chart(by_rule).mark_bar().encode(
        x=alt.X("eligible_wan:Q", title="万元"), y=alt.Y("title:N", sort="-x", title=None),
        tooltip=["title", "eligible_wan"]), width="stretch")
    by_district = shown.groupby("district_label", as_index=False)["eligible_wan"].sum()
    right.subheader(tr("by_district", lang))
    right.altair_chart(alt.Chart(by_district).mark_bar().encode(
        x=alt.X("eligible_wan:Q", title="万元"), y=alt.Y("district_label:N", sort="-x", title=None),
        tooltip=["district_label", "eligible_wan"]), width="stretch")
    st.subheader(tr("summary", lang))
    shown = shown.sort_values(["eligible_wan", "rule_id", "year"], ascending=[False, True, True])
    table = shown.drop(columns=["district"]).rename(columns={"district_label": "district"})
    table["eligible_wan"] = [format_wan(v, lang) for v in shown["eligible_wan"].map(str).map(_dec)]
    table["needs_info_wan"] = [format_wan(v, lang) for v in shown["needs_info_wan"].map(str).map(_dec)]
    if lang != "en":
        table = table.rename(columns=SUMMARY_HEADER)
    st.dataframe(table, hide_index=True, width="stretch", key="screening.summary")


def _dec(text: str):
    from decimal import Decimal

    return Decimal(text)


def _xlsx(table: pa.Table, header: dict[str, str]) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "list.xlsx"
        write_table(table, path, header)
        return path.read_bytes()


def _downloads(screened: Screened, lang: str) -> None:
    st.subheader(tr("downloads", lang))
    push = push_table(screened)
    today = dt.date.today()
    period = st.date_input(tr("notice_dates", lang), (today, today + dt.timedelta(days=6)), key="screening.period")
    start, end = (period if isinstance(period, tuple) and len(period) == 2 else (today, today + dt.timedelta(days=6)))
    notice = push.select(["name", "credit_code", "title", "section", "year", "revenue_wan", "main_revenue_wan",
                          "contribution_wan", "contribution_growth_pct", "amount_wan"])
    notice = notice.append_column("notice_start", pa.array([start.isoformat()] * notice.num_rows, pa.string()))
    notice = notice.append_column("notice_end", pa.array([end.isoformat()] * notice.num_rows, pa.string()))
    header = {**PUSH_HEADER, "notice_start": "公示开始", "notice_end": "公示结束"}
    left, right = st.columns(2)
    try:
        left.download_button(tr("push", lang), _xlsx(push, PUSH_HEADER), file_name="免申即享推送清单.xlsx",
                             mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                             on_click="ignore", icon=":material/download:", width="stretch")
        right.download_button(tr("notice", lang), _xlsx(notice, header), file_name="公示清单.xlsx",
                              mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                              on_click="ignore", icon=":material/campaign:", width="stretch")
    except OutputError as exc:
        st.warning(exc.en if lang == "en" else exc.zh)


def _drill_down(screened: Screened, ruleset: RuleSet, lang: str) -> None:
    st.subheader(tr("drill", lang))
    text = st.text_input(tr("search", lang), key="screening.search", max_chars=100)
    if not text.strip():
        return
    found = company_ids(screened, text)
    if not found:
        st.info(tr("none_found", lang))
        return
    labels = {cid: f"{name} · {code}" for cid, name, code in found}
    cid = st.selectbox(tr("pick", lang), list(labels), format_func=labels.get, key="screening.pick")
    profile = screened.profile(int(cid))
    report = evaluate(profile, rules=ruleset)
    for finding in report.results:
        if finding.status == "not_applicable":
            continue
        status = vocab.label(vocab.STATUSES, finding.status, lang)
        amount = f" · {format_wan(finding.amount_wan, lang)}" if finding.amount_wan is not None else ""
        title = finding.title_en if lang == "en" else finding.title
        with st.expander(f"{finding.year} · {title} · {status}{amount}"):
            render_finding(finding, ruleset, report, lang)


def _compare(screened: Screened, ruleset: RuleSet, lang: str) -> None:
    st.subheader(tr("compare", lang))
    base = default_rules()
    flips = st.multiselect(tr("compare_pick", lang), sorted(base.interpretations), key="screening.flip")
    if not st.button(tr("compare_run", lang), key="screening.compare", disabled=not flips):
        return
    switched = {iid: "alternative" if ruleset.readings[iid] == "default" else "default" for iid in flips}
    other = ruleset.with_switches({**ruleset.readings, **switched})
    with st.spinner("…"):
        result = population_impact(screened, ruleset, other)
        tables_for(screened, st.session_state[FINDINGS], ruleset)  # the page's own result again
    frame = result.by_rule.to_pandas()
    left, right = st.columns(2)
    left.metric(tr("before", lang), format_wan(result.total_before, lang))
    right.metric(tr("after", lang), format_wan(result.total_after, lang),
                 delta=format_wan(result.total_after - result.total_before, lang))
    if not frame.empty:
        frame["delta_wan"] = [format_wan(_dec(str(v)), lang) for v in frame["delta_wan"]]
    st.caption(tr("changed", lang))
    st.dataframe(frame, hide_index=True, width="stretch", key="screening.by_rule_changes")
    changes = result.changes.slice(0, 500).to_pandas()
    st.dataframe(changes, hide_index=True, width="stretch", key="screening.changes")
