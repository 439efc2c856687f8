"""The 审核 (review) page: a district official verifies a claims workbook, reads why each claim
holds or not, records decisions, and looks up a company's history.

The page only arranges things: the workbook is read by :mod:`subsidy.claims`, verified by
:func:`subsidy.verify.run_batch` (the same call as ``subsidy verify``, so the page and the
command line give the same verdicts), and decisions go to :class:`subsidy.register.Register`.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pandas as pd
import streamlit as st

from subsidy import vocab
from subsidy.claims import (
    MAX_UPLOAD_BYTES,
    ClaimsFileError,
    read_claims_bounded,
    template_bytes,
    upload_too_large,
)
from subsidy.money import format_wan
from subsidy.register import ACTIONS, Register, RegisterError, database_url, register_exists
from subsidy.ruleset import RuleSet
from subsidy.ui.check_page import interpretation_panel, ruleset_for
from subsidy.ui.i18n import md
from subsidy.verify import (
    STATUS_LABELS,
    VERDICT_ORDER,
    Verdict,
    Verification,
    history_workbook,
    report_workbook,
    run_batch,
)

log = logging.getLogger("subsidy.ui.review")

RESULT = "review.verification"
REPORT = "review.report"
MESSAGE = "review.message"
OFFICIAL = "review.official"

TEXT: dict[str, tuple[str, str]] = {
    "title": ("审核：申报核验与决定", "Review: verify claims and record decisions"),
    "intro": (
        "第一步：下载模板，在“企业”表填写企业资料、在“申报”表逐条填写申报；第二步：上传文件并点击“开始核验”；"
        "第三步：查看每条申报的结论和理由，记录决定。金额单位为万元。",
        "Step 1: download the template, fill the companies and the claims; step 2: upload it and "
        "press “Verify”; step 3: read each verdict and its reasons, and record decisions. Amounts in 万元.",
    ),
    "template": ("下载空白模板", "Download the blank template"),
    "example": ("下载已填写的示例", "Download a filled example"),
    "upload": ("上传申报文件（.xlsx 或 .csv，不超过 {mb} MB）", "Upload the claims file (.xlsx or .csv, at most {mb} MB)"),
    "official": ("经办人姓名", "Official's name"),
    "record": ("核验结果记入登记簿", "Record the verdicts in the register"),
    "verify": ("开始核验", "Verify"),
    "no_file": ("请先上传申报文件。", "Upload a claims file first."),
    "need_official": ("记入登记簿须填写经办人姓名。", "Recording needs the official's name."),
    "progress": ("正在核验：{done}/{total} 条", "Verifying: {done}/{total} claims"),
    "refused": ("文件无法核验：", "The file cannot be verified:"),
    "register_down": ("登记簿无法打开，本次核验未查重、未记录：", "The register cannot be opened; no duplicate check, nothing recorded:"),
    "summary": ("核验结果：{name}", "Verdicts: {name}"),
    "claims": ("申报条数", "Claims"),
    "claimed": ("申报金额合计", "Claimed"),
    "confirmed_total": ("核实通过金额", "Confirmed"),
    "supported": ("按规则核定金额", "Supported by the rules"),
    "problems": ("问题行（未核验）：{n} 行", "Rows with problems (not verified): {n}"),
    "filter": ("按结论筛选", "Filter by verdict"),
    "detail": ("查看一条申报的理由", "Reasons for one claim"),
    "download_report": ("下载核验结果（Excel）", "Download the report (Excel)"),
    "download_json": ("下载核验结果（JSON）", "Download the verdicts (JSON)"),
    "ruleset": ("规则版本 {version}；解释：{readings}", "Ruleset {version}; readings: {readings}"),
    "all_default": ("全部默认", "all default"),
    "recorded": ("已记入登记簿 {url}（批次 {batch}）", "Recorded in {url} (batch {batch})"),
    "not_recorded": ("未记入登记簿：记录决定前请勾选“核验结果记入登记簿”后重新核验。",
                     "Not recorded: tick “Record the verdicts” and verify again before deciding."),
    "decide": ("记录决定", "Record a decision"),
    "decide_claim": ("登记簿申报编号", "Claim id in the register"),
    "action": ("决定", "Decision"),
    "note": ("备注（批准与核验结论不一致时必填）", "Note (required to approve against the verdict)"),
    "save": ("保存决定", "Save the decision"),
    "saved": ("已记录：决定编号 {id}，申报 {claim} → {action}（{official}）",
              "Recorded: decision {id}, claim {claim} → {action} ({official})"),
    "decisions_so_far": ("该申报的决定记录", "Decisions on this claim"),
    "history": ("企业申报与决定记录", "A company's claims and decisions"),
    "history_ref": ("统一社会信用代码或企业名称", "Credit code or company name"),
    "history_none": ("登记簿中没有该企业的申报。", "No claims of this company in the register."),
    "download_history": ("导出记录（Excel）", "Export the history (Excel)"),
    "reasons": ("理由", "Reasons"),
    "missing": ("需补充", "To provide"),
    "clause": ("依据条款", "Clause"),
    "no_decision": ("未决定", "No decision"),
}

COLUMNS = {
    "row": ("行", "Row"), "ref": ("申报编号", "Ref."), "company": ("企业", "Company"),
    "rule": ("奖励条款", "Award"), "year": ("年度", "Year"), "claimed": ("申报金额", "Claimed"),
    "computed": ("核定金额", "Computed"), "verdict": ("结论", "Verdict"), "reasons": ("理由", "Reasons"),
    "id": ("登记编号", "Register id"),
}


def tr(key: str, lang: str, **values: Any) -> str:
    zh, en = TEXT[key]
    text = en if lang == "en" else zh
    return text.format(**values) if values else text


def col(key: str, lang: str) -> str:
    zh, en = COLUMNS[key]
    return en if lang == "en" else zh


@st.cache_resource(show_spinner=False)
def _register(url: str) -> Register:
    """One register (engine and pool) per database URL for the whole app."""
    return Register(url)


def open_register(create: bool) -> Register | None:
    """The register when there is one (or ``create``); None when there is none to consult."""
    url = database_url()
    if not create and not register_exists(url):
        return None
    return _register(url)


@st.cache_data(show_spinner=False)
def _template(example: bool) -> bytes:
    return template_bytes(example=example)


def render(lang: str) -> None:
    """The page body (called by the app's frame with the language chosen in the sidebar)."""
    st.title(tr("title", lang))
    st.caption(tr("intro", lang))
    _inputs(lang)
    verification: Verification | None = st.session_state.get(RESULT)
    if verification is not None:
        st.divider()
        _results(verification, lang)
    message = st.session_state.pop(MESSAGE, None)
    st.divider()
    _decision_form(verification, lang, message)
    st.divider()
    _history(lang)


# ------------------------------------------------------------------------------ input


def _inputs(lang: str) -> None:
    with st.container(border=True):
        left, right = st.columns(2)
        left.download_button(tr("template", lang), _template(False), file_name="申报核验模板.xlsx",
                             mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                             on_click="ignore", icon=":material/download:", width="stretch")
        right.download_button(tr("example", lang), _template(True), file_name="申报核验示例.xlsx",
                              mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                              on_click="ignore", icon=":material/description:", width="stretch")
        uploaded = st.file_uploader(tr("upload", lang, mb=MAX_UPLOAD_BYTES // 1024 // 1024),
                                    type=["xlsx", "csv"], key="review.upload")
        name_col, record_col = st.columns([2, 1], vertical_alignment="bottom")
        name_col.text_input(tr("official", lang), key=OFFICIAL)
        record_col.checkbox(tr("record", lang), key="review.record")
    readings = interpretation_panel(lang)
    if st.button(tr("verify", lang), type="primary", icon=":material/fact_check:", key="review.run",
                 width="stretch"):
        _verify(uploaded, ruleset_for(readings), lang)


def _verify(uploaded: Any, ruleset: RuleSet, lang: str) -> None:
    official = (st.session_state.get(OFFICIAL) or "").strip()
    record = bool(st.session_state.get("review.record"))
    if uploaded is None:
        st.warning(tr("no_file", lang), icon=":material/upload_file:")
        return
    if uploaded.size > MAX_UPLOAD_BYTES:
        refusal = upload_too_large(uploaded.size)
        st.error(refusal.message_en if lang == "en" else refusal.message_zh, icon=":material/block:")
        return
    if record and not official:
        st.warning(tr("need_official", lang), icon=":material/badge:")
        return
    try:
        batch = read_claims_bounded(uploaded.getvalue(), uploaded.name, rules=ruleset)
    except ClaimsFileError as exc:
        st.error(f"{tr('refused', lang)} {md(exc.message_en if lang == 'en' else exc.message_zh)}",
                 icon=":material/block:")
        return
    try:
        register = open_register(create=record)
    except RegisterError as exc:
        st.error(f"{tr('register_down', lang)} {md(exc.message_en if lang == 'en' else exc.message_zh)}")
        register, record = None, False
    total = len(batch.claims)
    bar = st.progress(0.0, text=tr("progress", lang, done=0, total=total))

    def progress(done: int, all_: int) -> None:
        bar.progress(done / all_ if all_ else 1.0, text=tr("progress", lang, done=done, total=all_))

    try:
        verification = run_batch(batch, rules=ruleset, register=register, record=record,
                                 official=official or None, progress=progress)
    except RegisterError as exc:
        st.error(f"{tr('register_down', lang)} {md(exc.message_en if lang == 'en' else exc.message_zh)}")
        return
    bar.empty()
    st.session_state[RESULT] = verification
    st.session_state[REPORT] = report_workbook(verification, rules=ruleset)


# ------------------------------------------------------------------------------ results


def _money(value: Any, lang: str) -> str:
    return "—" if value is None else format_wan(value, lang)


def _results(verification: Verification, lang: str) -> None:
    summary = verification.summary()
    st.subheader(tr("summary", lang, name=md(verification.source_name)))
    metrics = st.columns(4)
    metrics[0].metric(tr("claims", lang), summary["claims"])
    metrics[1].metric(tr("claimed", lang), _money(summary["claimed_wan"], lang))
    metrics[2].metric(tr("confirmed_total", lang), _money(summary["confirmed_wan"], lang))
    metrics[3].metric(tr("supported", lang), _money(summary["supported_wan"], lang))
    counts = st.columns(len(VERDICT_ORDER))
    for column, status in zip(counts, VERDICT_ORDER, strict=True):
        column.metric(vocab.label(STATUS_LABELS, status, lang), summary["by_status"][status])
    switched = {k: v for k, v in verification.readings.items() if v != "default"}
    readings = "、".join(f"{k}={v}" for k, v in switched.items()) or tr("all_default", lang)
    st.caption(tr("ruleset", lang, version=verification.ruleset_version, readings=readings))
    if verification.batch_id is not None:
        st.success(tr("recorded", lang, url=verification.register_url, batch=verification.batch_id),
                   icon=":material/database:")
    if verification.problems:
        with st.expander(tr("problems", lang, n=len(verification.problems)), expanded=True):
            st.dataframe(pd.DataFrame([{
                "表 / Sheet": p.sheet, "行 / Row": p.row, "列 / Column": p.field,
                "问题 / Problem": p.message_en if lang == "en" else p.message_zh,
            } for p in verification.problems]), hide_index=True, width="stretch")

    chosen = st.pills(tr("filter", lang), list(VERDICT_ORDER), selection_mode="multi",
                      format_func=lambda s: vocab.label(STATUS_LABELS, s, lang), key="review.filter")
    shown = [v for v in verification.verdicts if not chosen or v.status in chosen]
    st.dataframe(pd.DataFrame([_row(v, lang) for v in shown]), hide_index=True, width="stretch",
                 key="review.table", column_config={col("reasons", lang): st.column_config.TextColumn(width="large")})
    downloads = st.columns(2)
    downloads[0].download_button(tr("download_report", lang), st.session_state.get(REPORT) or b"",
                                 file_name=f"核验结果-{verification.source_name.rsplit('.', 1)[0]}.xlsx",
                                 mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                 on_click="ignore", icon=":material/download:", width="stretch")
    downloads[1].download_button(tr("download_json", lang),
                                 json.dumps(verification.contract(), ensure_ascii=False, indent=2),
                                 file_name="verdicts.json", mime="application/json", on_click="ignore",
                                 icon=":material/data_object:", width="stretch")
    _detail(verification, lang)


def _row(verdict: Verdict, lang: str) -> dict[str, Any]:
    reasons = [line for line in verdict.lines if line.kind == "condition" and line.passed is not True] \
        or verdict.lines
    return {
        col("row", lang): f"{verdict.claim.sheet}:{verdict.claim.row}",
        col("id", lang): "" if verdict.register_claim_id is None else str(verdict.register_claim_id),
        col("ref", lang): verdict.claim.claim_ref or "",
        col("company", lang): verdict.company or verdict.claim.company_name or "",
        col("rule", lang): verdict.rule.title_en if lang == "en" else verdict.rule.title,
        col("year", lang): str(verdict.claim.year),
        col("claimed", lang): _money(verdict.claimed_wan, lang),
        col("computed", lang): _money(verdict.computed_wan, lang),
        col("verdict", lang): verdict.label(lang),
        col("reasons", lang): "；".join((line.text_en or line.text) if lang == "en" else line.text
                                        for line in reasons[:3]),
    }


def _detail(verification: Verification, lang: str) -> None:
    options = list(range(len(verification.verdicts)))
    if not options:
        return

    def label(index: int) -> str:
        v = verification.verdicts[index]
        rule = v.rule.title_en if lang == "en" else v.rule.title
        return (f"{v.claim.sheet}:{v.claim.row} · {v.company or v.claim.company_name} · {rule} · "
                f"{v.claim.year} → {v.label(lang)}")

    def pick() -> None:
        # the decision form below starts on the claim being read
        chosen = st.session_state.get("review.detail")
        if chosen is not None and chosen < len(verification.verdicts):
            claim_id = verification.verdicts[chosen].register_claim_id
            if claim_id is not None:
                st.session_state["review.decide_claim"] = claim_id

    with st.expander(tr("detail", lang), expanded=False):
        index = st.selectbox(tr("detail", lang), options, format_func=label, key="review.detail",
                             label_visibility="collapsed", on_change=pick)
        verdict = verification.verdicts[index or 0]
        st.markdown(f"**{md(verdict.label(lang))}** · {md(_money(verdict.claimed_wan, lang))} → "
                    f"{md(_money(verdict.computed_wan, lang))}")
        st.markdown(f"**{tr('reasons', lang)}**")
        st.text(verdict.reasons_text(lang))
        if verdict.missing:
            st.markdown(f"**{tr('missing', lang)}**")
            st.text("\n".join(verdict.missing))
        st.markdown(f"**{tr('clause', lang)}** {md(verdict.rule.section)} · {md(verdict.policy_id)}")
        st.caption(md(verdict.rule.quote))


# ------------------------------------------------------------------------------ decisions


def _decision_form(verification: Verification | None, lang: str, message: tuple[str, str] | None) -> None:
    st.subheader(tr("decide", lang))
    if verification is not None and verification.batch_id is None:
        st.info(tr("not_recorded", lang), icon=":material/info:")
    if message:
        kind, text = message
        (st.success if kind == "ok" else st.error)(md(text))
    with st.form("review.decide_form", border=True):
        left, middle = st.columns([1, 2])
        start = {} if "review.decide_claim" in st.session_state else {"value": None}
        claim_id = left.number_input(tr("decide_claim", lang), min_value=1, step=1, format="%d",
                                     key="review.decide_claim", **start)
        action = middle.radio(tr("action", lang), list(ACTIONS), horizontal=True, key="review.action",
                              format_func=lambda a: vocab.label(ACTIONS, a, lang))
        note = st.text_input(tr("note", lang), key="review.note")
        submitted = st.form_submit_button(tr("save", lang), type="primary", icon=":material/gavel:")
    if not submitted:
        return
    official = (st.session_state.get(OFFICIAL) or "").strip()
    try:
        register = open_register(create=False)
        if register is None or claim_id is None:
            raise RegisterError(f"登记簿中没有编号为 {claim_id} 的申报", f"no claim with id {claim_id} in the register")
        decision = register.decide(int(claim_id), action, official, note)
    except RegisterError as exc:
        st.session_state[MESSAGE] = ("error", exc.message_en if lang == "en" else exc.message_zh)
    else:
        st.session_state[MESSAGE] = ("ok", tr("saved", lang, id=decision.id, claim=decision.claim_id,
                                               action=decision.label(lang), official=decision.official))
        st.session_state["review.history_ref"] = register.claim(decision.claim_id).credit_code or \
            register.claim(decision.claim_id).company_name
    st.rerun()


# ------------------------------------------------------------------------------ history


def _history(lang: str) -> None:
    st.subheader(tr("history", lang))
    ref = st.text_input(tr("history_ref", lang), key="review.history_ref")
    if not (ref or "").strip():
        return
    try:
        register = open_register(create=False)
        items = register.history(ref) if register is not None else []
    except RegisterError as exc:
        st.error(md(exc.message_en if lang == "en" else exc.message_zh))
        return
    if not items:
        st.info(tr("history_none", lang))
        return
    rows = []
    for item in items:
        result = item.latest_result
        rows.append({
            col("id", lang): item.id,
            col("company", lang): item.company_name,
            col("rule", lang): item.rule_title,
            col("year", lang): str(item.year),
            col("claimed", lang): _money(item.claimed_wan, lang),
            col("computed", lang): _money(result.computed_wan if result else None, lang),
            col("verdict", lang): vocab.label(STATUS_LABELS, result.status, lang) if result else "—",
            tr("action", lang): "\n".join(
                f"#{d.id} {d.label(lang)} · {d.official} · {d.decided_at.astimezone():%Y-%m-%d %H:%M}"
                + (f" · {d.note}" if d.note else "") for d in item.decisions) or tr("no_decision", lang),
        })
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="review.history_table")
    st.download_button(tr("download_history", lang), history_workbook(items),
                       file_name=f"申报记录-{items[0].company_name}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       on_click="ignore", icon=":material/download:")
