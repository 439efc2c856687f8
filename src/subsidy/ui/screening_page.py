"""The 政策测算 (policy screening) page: an official screens a whole population at once.

Upload a population file (the layout of ``subsidy screen``) or generate a realistic one; see
the totals by rule, year and district as charts and tables; filter; open one company with
the interactive engine (its findings with reasons); download the push list and a 公示 list;
compare the totals under a changed reading or a changed rule file side by side.

For officials only (:func:`subsidy.ui.signin.require_role`, as the 审核 page): a population
is many companies' figures. The page only arranges things: screening is
:mod:`subsidy.columnar.screen` (the same as the command line), a company's reasons come from
:func:`subsidy.evaluate.evaluate`. Text from the file (names, codes, cells) is shown as text,
never as Markdown; failures are said in words, the details go to the log.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import streamlit as st

from subsidy import vocab
from subsidy.evaluate import default_rules, evaluate
from subsidy.money_display import wan_short as format_wan
from subsidy.money_display import wan_unit
from subsidy.population_files import PopulationError
from subsidy.ruleset import RuleSet
from subsidy.ui.check_page import interpretation_panel, ruleset_for
from subsidy.ui.i18n import md
from subsidy.ui.results import render_finding
from subsidy.ui.signin import banner, require_role

log = logging.getLogger("subsidy.ui.screening")

ROLES_ALLOWED = ("clerk", "reviewer")
"""Who may screen: the district's clerks and reviewers (as on the 审核 page)."""
MAX_PAGE_BYTES = 200 * 1024 * 1024
"""The page's own ceiling; the server's upload limit (``server.maxUploadSize``) is usually lower
and is the one the page states."""
MAX_SAMPLE = 100_000
PAGE_CHUNK = 10_000
"""Companies per chunk on the page, so the progress bar moves."""
MAX_RULE_FILE = 1024 * 1024
SCREENED, FINDINGS, SOURCE, READINGS = ("screening.screened", "screening.findings", "screening.source",
                                         "screening.readings")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

TEXT: dict[str, tuple[str, str]] = {
    "title": ("政策测算：全部企业对照全部条款", "Policy screening: every company against every clause"),
    "intro": ("上传企业年度数据（与命令 `subsidy screen` 相同的格式：每家企业每年一行，列名为企业档案字段名），或生成一份测算样本；"
              "查看按条款、年度、区汇总的结果，打开单个企业查看理由，下载免申即享推送清单和公示清单。金额单位万元。",
              "Upload company-year data (the layout of the `subsidy screen` command: one row per company and year, columns named "
              "as the profile's fields) or generate a sample; see totals by clause, year and district, open one "
              "company with its reasons, download the push list and the public-notice list. Amounts in RMB 10k."),
    "source": ("数据来源", "Data"),
    "upload_choice": ("上传文件", "Upload a file"),
    "sample_choice": ("生成测算样本", "Generate a sample"),
    "upload": ("企业年度数据（.parquet、.csv UTF-8、.xlsx，不超过 {mb} MB；更大的文件请用命令 `subsidy screen`）",
               "Company-year data (.parquet, .csv UTF-8, .xlsx, at most {mb} MB; use the `subsidy screen` command "
               "for larger files)"),
    "n": ("样本企业数", "Companies in the sample"),
    "seed": ("随机种子", "Seed"),
    "sample_source": ("测算样本：{n} 家企业，随机种子 {seed}", "Generated sample: {n} companies, seed {seed}"),
    "run": ("开始测算", "Screen"),
    "no_file": ("请先上传文件。", "Upload a file first."),
    "refused": ("文件无法测算：", "The file cannot be screened:"),
    "too_large": ("文件过大（{size} MB，上限 {mb} MB）；更大的数据请用命令 `subsidy screen`。",
                  "File too large ({size} MB, the limit is {mb} MB); use the `subsidy screen` command for larger data."),
    "failed": ("测算未能完成，请稍后重试；问题已记入日志。", "The screening could not be completed; try again later. "
               "The problem was logged."),
    "stage_read": ("读取与校验…", "Reading and checking…"),
    "stage_screen": ("测算中：{done:,} / {total:,} 家企业", "Screening: {done:,} / {total:,} companies"),
    "stage_done": ("测算完成", "Done"),
    "row_errors": ("{n:,} 处数据错误，相关行或企业已跳过（未按0计算）", "{n:,} problems; those rows or companies were "
                   "skipped (never read as zero)"),
    "rows": ("{n:,} 行", "{n:,} rows"),
    "companies": ("企业数", "Companies"),
    "eligible": ("可获得（家次）", "Eligible (awards)"),
    "eligible_wan": ("可获得金额", "Eligible amount"),
    "needs_info": ("待补充信息（家次）", "Needs information"),
    "by_rule": ("按条款的可获得金额", "Eligible amount by clause"),
    "by_district": ("按区的可获得金额", "Eligible amount by district"),
    "by_year": ("按年度的可获得金额", "Eligible amount by year"),
    "summary": ("汇总（预算测算）", "Summary (budget forecast)"),
    "all": ("全部", "All"),
    "choose": ("请选择", "Choose"),
    "filter_rule": ("条款", "Clause"),
    "filter_year": ("年度", "Year"),
    "filter_district": ("区", "District"),
    "drill": ("打开单个企业", "Open one company"),
    "search": ("统一社会信用代码或企业名称", "Credit code or company name"),
    "pick": ("选择企业", "Choose the company"),
    "none_found": ("没有找到该企业。", "No such company."),
    "no_findings": ("该企业没有适用的条款。", "No clause applies to this company."),
    "downloads": ("下载", "Downloads"),
    "push": ("免申即享推送清单（Excel）", "Push list (Excel)"),
    "notice": ("公示清单（Excel）", "Public-notice list (Excel)"),
    "notice_dates": ("公示期", "Notice period"),
    "too_many_rows": ("清单超过 Excel 的行数上限，请用命令 `subsidy screen` 输出 CSV 或 Parquet。",
                      "The list exceeds Excel's row limit: use the `subsidy screen` command for CSV or Parquet."),
    "compare": ("对比：换一种解释或换一个规则文件", "Compare: another reading or a changed rule file"),
    "compare_pick": ("切换以下解释后重新测算", "Screen again with these readings flipped"),
    "compare_file": ("或上传修改后的规则文件（YAML 文件，替换规则文件夹中的同名文件，不超过 1 MB）",
                     "or upload a changed rule file (.yaml, replaces the file of that name in rules/, at most 1 MB)"),
    "compare_run": ("对比", "Compare"),
    "rule_refused": ("规则文件无效：", "The rule file is refused:"),
    "before": ("当前规则", "Current rules"),
    "after": ("修改后", "Changed"),
    "changed": ("按条款、年度、区：结论变化的企业与金额变化", "By clause, year and district: companies whose answer "
                "changes and the money moved"),
    "changes": ("获益或受损的企业（金额变化最大的在前，最多 500 家）", "Companies gaining or losing (largest change "
                "first, at most 500)"),
}

LEVELS: dict[str, tuple[str, str]] = {"city": ("市级", "City"), "district": ("区级", "District"),
                                      "zone": ("功能区", "Zone")}
IMPACT_COLUMNS: dict[str, tuple[str, str]] = {
    "rule_id": ("规则编号", "Rule"), "year": ("年度", "Year"), "district": ("所在区", "District"),
    "changed": ("结论变化（家）", "Changed"), "gained": ("获益（家）", "Gaining"), "lost": ("受损（家）", "Losing"),
    "delta_wan": ("金额变化", "Money moved"), "name": ("企业名称", "Company"), "credit_code": ("统一社会信用代码", "Credit code"),
    "before": ("修改前结论", "Before"), "after": ("修改后结论", "After"), "before_wan": ("修改前金额", "Amount before"),
    "after_wan": ("修改后金额", "Amount after"),
}
SUMMARY_COLUMNS: dict[str, tuple[str, str]] = {
    "rule_id": ("规则编号", "Rule"), "title": ("条款", "Clause"), "year": ("年度", "Year"),
    "district": ("所在区", "District"), "level": ("层级", "Level"), "eligible": ("可获得（家次）", "Eligible"),
    "eligible_wan": ("可获得金额", "Eligible amount"), "needs_info": ("待补充信息（家次）", "Needs information"),
    "needs_info_wan": ("待补充信息的预计金额", "Provisional amount (needs information)"),
    "not_eligible": ("不符合（家次）", "Not eligible"),
}


def tr(key: str, lang: str, **values: Any) -> str:
    zh, en = TEXT[key]
    return (en if lang == "en" else zh).format(**values)


def upload_limit_bytes() -> int:
    """The real upload limit: the server's ``maxUploadSize`` (MB), within the page's ceiling."""
    try:
        server_mb = int(st.get_option("server.maxUploadSize"))
    except Exception:  # noqa: BLE001 — outside a server (tests)
        server_mb = 200
    return min(server_mb * 1024 * 1024, MAX_PAGE_BYTES)


def render(lang: str) -> None:
    user = require_role(ROLES_ALLOWED, lang)
    if user is None:
        return
    banner(user, lang)
    st.title(tr("title", lang))
    st.caption(tr("intro", lang))
    readings = _inputs(lang)
    screened = st.session_state.get(SCREENED)
    if screened is None or st.session_state.get(FINDINGS) is None:
        return
    ruleset = ruleset_for(st.session_state.get(READINGS, readings))
    st.divider()
    _totals(screened, lang)
    _charts_and_table(screened, lang)
    st.divider()
    _downloads(screened, ruleset, lang)
    st.divider()
    _drill_down(screened, ruleset, lang)
    st.divider()
    _compare(screened, ruleset, lang)


# ------------------------------------------------------------------------------ input


def _inputs(lang: str) -> tuple[tuple[str, str], ...]:
    limit = upload_limit_bytes()
    with st.container(border=True):
        choice = st.radio(tr("source", lang), ["upload", "sample"], horizontal=True, key="screening.choice",
                          format_func=lambda c: tr(f"{c}_choice", lang))
        uploaded = None
        if choice == "upload":
            uploaded = st.file_uploader(tr("upload", lang, mb=limit >> 20), type=["parquet", "csv", "xlsx"],
                                        key="screening.upload")
        else:
            left, right = st.columns(2)
            left.number_input(tr("n", lang), min_value=100, max_value=MAX_SAMPLE, value=5_000, step=1000,
                              key="screening.n")
            right.number_input(tr("seed", lang), min_value=0, max_value=2**31 - 1, value=20261202,
                               key="screening.seed")
    readings = interpretation_panel(lang)
    if st.button(tr("run", lang), type="primary", icon=":material/query_stats:", key="screening.run",
                 width="stretch"):
        _screen(choice, uploaded, readings, lang)
    return readings


def _screen(choice: str, uploaded: Any, readings: tuple[tuple[str, str], ...], lang: str) -> None:
    from subsidy.columnar.output import write_table
    from subsidy.columnar.screen import from_file, tables_for
    from subsidy.population_sample import sample_population

    ruleset = ruleset_for(readings)
    limit = upload_limit_bytes()
    bar = st.progress(0.0, text=tr("stage_read", lang))
    with tempfile.TemporaryDirectory() as tmp:
        if choice == "upload":
            if uploaded is None:
                bar.empty()
                st.warning(tr("no_file", lang), icon=":material/upload_file:")
                return
            if uploaded.size > limit:
                bar.empty()
                st.error(tr("too_large", lang, size=f"{uploaded.size / 1048576:.1f}", mb=limit >> 20),
                         icon=":material/block:")
                return
            suffix = Path(uploaded.name).suffix.lower()
            path = Path(tmp) / f"population{suffix if suffix in ('.parquet', '.csv', '.xlsx') else '.bin'}"
            path.write_bytes(uploaded.getvalue())
            source = uploaded.name
        else:
            n = int(st.session_state.get("screening.n", 5_000))
            seed = int(st.session_state.get("screening.seed", 20261202))
            path = Path(tmp) / "population.parquet"
            write_table(sample_population(n, seed=seed), path)
            source = ("sample", n, seed)
        old = st.session_state.pop(SCREENED, None)
        st.session_state.pop(FINDINGS, None)
        if old is not None:
            old.con.close()
        try:
            screened = from_file(path, max_bytes=limit, memory_limit="1GB")
        except PopulationError as exc:
            bar.empty()
            st.error(f"{tr('refused', lang)} {md(exc.message(lang))}", icon=":material/block:")
            return
        except Exception:  # noqa: BLE001 — the user gets words, the log the details
            log.exception("population file could not be read")
            bar.empty()
            st.error(tr("failed", lang), icon=":material/report:")
            return

    seen = [0]

    def step(done: int, total: int) -> None:
        seen[0] += done
        bar.progress(min(0.99, 0.1 + 0.9 * seen[0] / max(total, 1)),
                     text=tr("stage_screen", lang, done=seen[0], total=total))

    try:
        bar.progress(0.1, text=tr("stage_screen", lang, done=0, total=screened.loaded.companies))
        findings = screened.findings(ruleset, chunk=PAGE_CHUNK, progress=step)
        tables_for(screened, findings, ruleset)
    except Exception:  # noqa: BLE001
        log.exception("screening failed")
        bar.empty()
        screened.con.close()
        st.error(tr("failed", lang), icon=":material/report:")
        return
    bar.progress(1.0, text=tr("stage_done", lang))
    st.session_state[SCREENED] = screened
    st.session_state[FINDINGS] = findings
    st.session_state[SOURCE] = source
    st.session_state[READINGS] = readings


# ------------------------------------------------------------------------------ results


def _summary_rows(screened: Any, lang: str) -> list[dict[str, Any]]:
    from subsidy.columnar.screen import summary_table

    rules = default_rules().rules
    rows = summary_table(screened.con).to_pylist()
    for row in rows:
        row["district_label"] = vocab.label(vocab.DISTRICTS, row["district"], lang)
        rule = rules.get(row["rule_id"])
        if lang == "en" and rule is not None:
            row["title"] = rule.title_en or row["title"]
    return rows


def _totals(screened: Any, lang: str) -> None:
    loaded = screened.loaded
    source = st.session_state.get(SOURCE, "")
    shown = (tr("sample_source", lang, n=f"{source[1]:,}", seed=source[2]) if isinstance(source, tuple)
             else md(source))  # a file name is the user's text: shown as text
    st.caption(f"{shown} · {tr('rows', lang, n=loaded.rows_used)}")
    if loaded.error_count:
        with st.expander(tr("row_errors", lang, n=loaded.error_count), expanded=False):
            st.dataframe([{"row": e.row, "column": e.column, "value": e.value,
                           "problem": e.en if lang == "en" else e.zh} for e in loaded.errors[:1000]],
                         hide_index=True, width="stretch")
    totals = screened.con.execute(
        "SELECT sum(CASE WHEN status = 'eligible' THEN n ELSE 0 END), "
        "COALESCE(sum(CASE WHEN status = 'eligible' THEN amount END), 0), "
        "sum(CASE WHEN status = 'needs_info' THEN n ELSE 0 END) FROM summary_parts").fetchall()[0]
    cols = st.columns(4)
    cols[0].metric(tr("companies", lang), f"{loaded.companies:,}")
    cols[1].metric(tr("eligible", lang), f"{int(totals[0] or 0):,}")
    cols[2].metric(tr("eligible_wan", lang), format_wan(Decimal(totals[1]).normalize(), lang))
    cols[3].metric(tr("needs_info", lang), f"{int(totals[2] or 0):,}")


def _bar_chart(rows: list[dict[str, Any]], key: str, title: str, lang: str = "zh") -> Any:
    import altair as alt

    totals: dict[str, Decimal] = {}
    for row in rows:  # summed exactly; a float only for the chart's bar length
        totals[str(row[key])] = totals.get(str(row[key]), Decimal(0)) + Decimal(row["eligible_wan"] or 0)
    data = alt.Data(values=[{"label": k, "wan": float(v)} for k, v in totals.items()])
    return alt.Chart(data, title=title).mark_bar().encode(
        x=alt.X("wan:Q", title=wan_unit(lang)), y=alt.Y("label:N", sort="-x", title=None),
        tooltip=[alt.Tooltip("label:N"), alt.Tooltip("wan:Q", format=",.2f")])


def _charts_and_table(screened: Any, lang: str) -> None:
    rows = _summary_rows(screened, lang)
    f1, f2, f3 = st.columns(3)
    every = tr("all", lang)
    rules = f1.multiselect(tr("filter_rule", lang), sorted({r["rule_id"] for r in rows}), key="screening.f_rule",
                           placeholder=every)
    years = f2.multiselect(tr("filter_year", lang), sorted({r["year"] for r in rows}), key="screening.f_year",
                           placeholder=every)
    districts = f3.multiselect(tr("filter_district", lang), sorted({r["district_label"] for r in rows}),
                               key="screening.f_district", placeholder=every)
    shown = [r for r in rows if (not rules or r["rule_id"] in rules) and (not years or r["year"] in years)
             and (not districts or r["district_label"] in districts)]
    left, right = st.columns(2)
    left.altair_chart(_bar_chart(shown, "title", tr("by_rule", lang), lang), width="stretch")
    right.altair_chart(_bar_chart(shown, "district_label", tr("by_district", lang), lang), width="stretch")
    st.altair_chart(_bar_chart(shown, "year", tr("by_year", lang), lang), width="stretch")
    st.subheader(tr("summary", lang))
    shown.sort(key=lambda r: (-r["eligible_wan"], r["rule_id"], r["year"]))
    index = 1 if lang == "en" else 0
    table = [{SUMMARY_COLUMNS[k][index]: (format_wan(Decimal(r[k]).normalize(), lang) if k.endswith("_wan")
                                          else r["district_label"] if k == "district"
                                          else LEVELS.get(r[k], (r[k], r[k]))[index] if k == "level" else r[k])
              for k in SUMMARY_COLUMNS} for r in shown]
    st.dataframe(table, hide_index=True, width="stretch", key="screening.summary")


def _xlsx(table: Any, header: dict[str, str]) -> bytes:
    from subsidy.columnar.output import write_table

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "list.xlsx"
        write_table(table, path, header)
        return path.read_bytes()


LIST_FILES: dict[str, tuple[str, str]] = {
    "push": ("免申即享推送清单-{stamp}.xlsx", "push-list-{stamp}.xlsx"),
    "notice": ("公示清单-{stamp}.xlsx", "public-notice-list-{stamp}.xlsx"),
}
"""The two lists' file names in each language."""
NOTICE_DATES: dict[str, tuple[str, str]] = {"notice_start": ("公示开始", "Notice starts"),
                                            "notice_end": ("公示结束", "Notice ends")}


def list_header(lang: str, notice: bool = False) -> dict[str, str]:
    """The headers of the push list (and of the 公示 list, with its dates) in ``lang``."""
    from subsidy.columnar.screen import PUSH_HEADER, PUSH_HEADER_EN

    index = 1 if lang == "en" else 0
    header = dict(PUSH_HEADER_EN if lang == "en" else PUSH_HEADER)
    if notice:
        header |= {key: words[index] for key, words in NOTICE_DATES.items()}
    return header


def _replaced(table: Any, name: str, values: list[Any]) -> Any:
    """``table`` with column ``name`` (when present) holding ``values`` as text."""
    import pyarrow as pa

    if name not in table.column_names:
        return table
    return table.set_column(table.column_names.index(name), name, pa.array(values, pa.string()))


def english_list(table: Any, ruleset: RuleSet) -> Any:
    """A push or 公示 list with the app's own words in English: districts and levels by their
    English labels, awards by their English titles. Codes (rule ids, tiers, section numbers)
    stay; the responsible departments exist only in Chinese and stay so (their header says it),
    joined the English way; company names and credit codes are the file's data."""
    def column(name: str) -> list[Any]:
        return table.column(name).to_pylist() if name in table.column_names else []

    def title(rule_id: str | None) -> str | None:
        rule = ruleset.rules.get(rule_id or "")
        return (rule.title_en or rule.title) if rule is not None else rule_id

    table = _replaced(table, "district", [None if d is None else vocab.label(vocab.DISTRICTS, d, "en")
                                          for d in column("district")])
    table = _replaced(table, "title", [title(r) for r in column("rule_id")])
    table = _replaced(table, "level", [None if v is None else LEVELS.get(v, (v, v))[1] for v in column("level")])
    return _replaced(table, "contacts", [None if c is None else ", ".join(c.split("、"))
                                         for c in column("contacts")])


def push_xlsx(screened: Any, ruleset: RuleSet, lang: str) -> bytes:
    """The push list as the page downloads it, in ``lang`` (the Chinese list is the command
    line's ``findings.push.xlsx``)."""
    from subsidy.columnar.screen import push_table

    table = push_table(screened)
    return _xlsx(english_list(table, ruleset) if lang == "en" else table, list_header(lang))


def notice_xlsx(screened: Any, start: dt.date, end: dt.date, ruleset: RuleSet, lang: str) -> bytes:
    """The 公示 list as the page downloads it, in ``lang``."""
    from subsidy.columnar.screen import push_table

    push = push_table(screened)
    table = notice_from(english_list(push, ruleset) if lang == "en" else push, start, end)
    return _xlsx(table, list_header(lang, notice=True))


def notice_table(screened: Any, start: dt.date, end: dt.date) -> Any:
    """The 公示 list: company, clause, the year's indicator figures, computed amount, dates."""
    from subsidy.columnar.screen import push_table

    return notice_from(push_table(screened), start, end)


def notice_from(push: Any, start: dt.date, end: dt.date) -> Any:
    """The 公示 list's columns taken from a push list, with the notice period's dates."""
    import pyarrow as pa

    from subsidy.columnar.screen import FIGURES

    cols = ["name", "credit_code", "title", "section", "year", *FIGURES, "contribution_growth_pct", "amount_wan"]
    notice = push.select([c for c in cols if c in push.column_names])
    notice = notice.append_column("notice_start", pa.array([start.isoformat()] * notice.num_rows, pa.string()))
    return notice.append_column("notice_end", pa.array([end.isoformat()] * notice.num_rows, pa.string()))


def _downloads(screened: Any, ruleset: RuleSet, lang: str) -> None:
    from subsidy.columnar.output import OutputError

    st.subheader(tr("downloads", lang))
    today = dt.date.today()
    period = st.date_input(tr("notice_dates", lang), (today, today + dt.timedelta(days=6)), key="screening.period")
    start, end = period if isinstance(period, tuple) and len(period) == 2 else (today, today + dt.timedelta(days=6))
    stamp = today.strftime("%Y%m%d")
    index = 1 if lang == "en" else 0

    def push() -> bytes:
        return push_xlsx(screened, ruleset, lang)

    def notice() -> bytes:
        return notice_xlsx(screened, start, end, ruleset, lang)

    left, right = st.columns(2)
    try:
        left.download_button(tr("push", lang), push, file_name=LIST_FILES["push"][index].format(stamp=stamp), mime=XLSX,
                             on_click="ignore", icon=":material/download:", width="stretch", key="screening.dl_push")
        right.download_button(tr("notice", lang), notice, file_name=LIST_FILES["notice"][index].format(stamp=stamp), mime=XLSX,
                              on_click="ignore", icon=":material/campaign:", width="stretch",
                              key="screening.dl_notice")
    except OutputError:
        st.warning(tr("too_many_rows", lang))


def _drill_down(screened: Any, ruleset: RuleSet, lang: str) -> None:
    from subsidy.columnar.screen import company_ids

    st.subheader(tr("drill", lang))
    text = st.text_input(tr("search", lang), key="screening.search", max_chars=100)
    if not text.strip():
        return
    found = company_ids(screened, text)
    if not found:
        st.info(tr("none_found", lang))
        return
    labels = {cid: f"{name} · {code}" if code else name for cid, name, code in found}
    cid = st.selectbox(tr("pick", lang), list(labels), format_func=labels.get, key="screening.pick")
    profile = screened.profile(int(cid))
    report = evaluate(profile, rules=ruleset)
    st.markdown(f"**{md(profile.name)}** · {md(vocab.label(vocab.DISTRICTS, profile.district, lang))} · "
                f"{md(vocab.label(vocab.SECTORS, profile.sector, lang))}")
    shown = [f for f in report.results if f.status != "not_applicable"]
    if not shown:
        st.info(tr("no_findings", lang))
    for finding in shown:
        status = vocab.label(vocab.STATUSES, finding.status, lang)
        amount = f" · {format_wan(finding.amount_wan, lang)}" if finding.amount_wan is not None else ""
        title = (finding.title_en or finding.title) if lang == "en" else finding.title
        with st.expander(md(f"{finding.year} · {title} · {status}{amount}")):
            render_finding(finding, ruleset, report, lang)


def _changed_rules(uploaded: Any, lang: str) -> RuleSet | None:
    """rules/ with the uploaded YAML in place of its namesake; None (said on the page) when refused."""
    from subsidy.ruleset import DEFAULT_RULES_DIR, RuleFileError, load_rules

    name = Path(uploaded.name).name
    if not name.endswith(".yaml") or uploaded.size > MAX_RULE_FILE or not name.isprintable():
        st.error(f"{tr('rule_refused', lang)} .yaml ≤ 1 MB", icon=":material/block:")
        return None
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "rules"
        shutil.copytree(DEFAULT_RULES_DIR, folder)
        (folder / name).write_bytes(uploaded.getvalue())
        try:
            return load_rules(folder)
        except RuleFileError as exc:
            st.error(f"{tr('rule_refused', lang)} {md(exc)}", icon=":material/block:")
            return None


def _compare(screened: Any, ruleset: RuleSet, lang: str) -> None:
    from subsidy.columnar.screen import tables_for
    from subsidy.impact import population_impact

    st.subheader(tr("compare", lang))
    base = default_rules()
    flips = st.multiselect(tr("compare_pick", lang), sorted(base.interpretations), key="screening.flip",
                           placeholder=tr("choose", lang))
    rule_file = st.file_uploader(tr("compare_file", lang), type=["yaml"], key="screening.rule_file")
    if not st.button(tr("compare_run", lang), key="screening.compare", disabled=not (flips or rule_file)):
        return
    other = ruleset
    if rule_file is not None:
        changed = _changed_rules(rule_file, lang)
        if changed is None:
            return
        other = changed.with_switches({k: v for k, v in ruleset.readings.items() if k in changed.readings})
    if flips:
        switched = {iid: "alternative" if other.readings[iid] == "default" else "default"
                    for iid in flips if iid in other.readings}
        other = other.with_switches({**other.readings, **switched})
    try:
        with st.spinner(tr("stage_screen", lang, done=0, total=screened.loaded.companies)):
            result = population_impact(screened, ruleset, other)
            tables_for(screened, st.session_state[FINDINGS], ruleset)  # the page's own result again
    except Exception:  # noqa: BLE001
        log.exception("comparison failed")
        st.error(tr("failed", lang), icon=":material/report:")
        return
    left, right = st.columns(2)
    left.metric(tr("before", lang), format_wan(result.total_before, lang))
    right.metric(tr("after", lang), format_wan(result.total_after, lang),
                 delta=format_wan(result.total_after - result.total_before, lang))
    st.caption(tr("changed", lang))
    st.dataframe(_impact_rows(result.by_rule.to_pylist(), lang), hide_index=True, width="stretch",
                 key="screening.by_rule_changes")
    st.caption(tr("changes", lang))
    st.dataframe(_impact_rows(result.changes.slice(0, 500).to_pylist(), lang), hide_index=True, width="stretch",
                 key="screening.changes")


def _status_words(text: str, lang: str) -> str:
    """``eligible+needs_info`` → 可获得、需补充信息 (``not_applicable`` also for "no finding")."""
    return "、".join(vocab.label(vocab.STATUSES, part, lang) for part in text.split("+"))


def _impact_rows(rows: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    index = 1 if lang == "en" else 0
    out = []
    for row in rows:
        shown: dict[str, Any] = {}
        for key, value in row.items():
            if key == "district":
                value = vocab.label(vocab.DISTRICTS, value, lang)
            elif key.endswith("_wan"):
                value = format_wan(Decimal(value).normalize(), lang)
            elif key in ("before", "after"):
                value = _status_words(value, lang)
            shown[IMPACT_COLUMNS.get(key, (key, key))[index]] = value
        out.append(shown)
    return out
