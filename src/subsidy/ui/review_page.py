"""The 审核 (review) page: signed-in officials verify a claims workbook, read why each claim
holds or not, propose and decide, and look up a company's history.

The page only arranges things: the workbook is read by :mod:`subsidy.claims`, verified by
:func:`subsidy.verify.run_batch` (the same call as ``subsidy verify``, so the page and the
command line give the same verdicts), and proposals and decisions go to
:class:`subsidy.register.Register`, which enforces the rules (two people, one approval per
award, notes against the verdict) whatever the page does.

Why the decision panel is built this way: a form that records on Enter recorded decisions
nobody meant. Here nothing is recorded except by clicking the button; the claim is shown in
full before it; every field starts empty for each claim and after each record (the widgets'
keys carry a counter and the claim id); a decision against the verdict asks for a note and a
second, explicit confirmation; and the register refuses the same decision twice in a row.

User text (company names, notes, reasons) is shown with ``st.text``, in tables, or escaped for
Markdown (:func:`subsidy.ui.i18n.md`), never as markup.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from decimal import Decimal
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
from subsidy.evaluate import default_rules
from subsidy.money import MoneyError, format_wan, normalize, parse_money
from subsidy.publish import DEFAULT_DAYS, gongshi_html, gongshi_xlsx, notice_html, notice_xlsx
from subsidy.register import (
    ACTIONS,
    MAX_NOTE,
    ClaimHistory,
    Register,
    RegisterError,
    User,
    against_verdict,
)
from subsidy.ruleset import RuleSet
from subsidy.ui.check_page import interpretation_panel, ruleset_for
from subsidy.ui.i18n import md
from subsidy.ui.signin import REVIEW_ROLES, banner, person, register, require_role
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

ROLES_ALLOWED = REVIEW_ROLES
RESULT = "review.verification"
REPORT = "review.report"
REPORT_RULES = "review.report_rules"
MESSAGE = "review.message"
GENERATION = "review.generation"

TEXT: dict[str, tuple[str, str]] = {
    "title": ("审核：申报核验与决定", "Review: verify claims and record decisions"),
    "intro_clerk": (
        "经办：下载模板并填写企业资料和申报，上传后点击“开始核验”（勾选“记入登记簿”以便提出决定）；"
        "查看结论和理由，对每条申报提出决定，交复核人员决定。金额单位为万元。",
        "Clerk: fill the template, upload it and press “Verify” (tick “Record” to propose decisions); "
        "read the verdicts and propose a decision per claim for a reviewer. Amounts in RMB 10k (ten thousand yuan).",
    ),
    "intro_reviewer": (
        "复核：在“作出决定”中选择待复核的提议，核对申报和理由后作出决定（不能决定自己提出的）。",
        "Reviewer: pick a proposal waiting for you under “Decide”, read the claim and decide "
        "(never on your own proposal).",
    ),
    "template": ("下载空白模板", "Download the blank template"),
    "example": ("下载已填写的示例", "Download a filled example"),
    "upload": ("上传申报文件（.xlsx 或 .csv，不超过 {mb} MB）", "Upload the claims file (.xlsx or .csv, at most {mb} MB)"),
    "record": ("核验结果记入登记簿（经办：{name}）", "Record the verdicts in the register (clerk: {name})"),
    "verify": ("开始核验", "Verify"),
    "no_file": ("请先上传申报文件。", "Upload a claims file first."),
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
    "shown": ("显示 {shown} / {total} 条；点选一行查看完整理由。", "{shown} of {total} shown; select a row for the full reasons."),
    "download_report": ("下载核验结果（Excel）", "Download the report (Excel)"),
    "download_json": ("下载核验结果（JSON）", "Download the verdicts (JSON)"),
    "ruleset": ("规则版本 {version}；解释：{readings}", "Ruleset {version}; readings: {readings}"),
    "all_default": ("全部默认", "all default"),
    "recorded": ("已记入登记簿（批次 {batch}）", "Recorded in the register (batch {batch})"),
    "not_recorded": ("本次核验未记入登记簿：提出决定前请勾选“记入登记簿”后重新核验。",
                     "This verification is not recorded: tick “Record” and verify again before proposing."),
    "propose_title": ("提出决定", "Propose a decision"),
    "decide_title": ("作出决定", "Decide"),
    "pick_claim": ("选择申报（本次核验已记录的）", "Pick a claim (recorded in this verification)"),
    "claim_id": ("或输入登记簿申报编号", "or type a claim id of the register"),
    "pick_proposal": ("选择待复核的提议", "Pick a proposal waiting for a reviewer"),
    "none_waiting": ("目前没有待复核的提议。", "No proposal is waiting."),
    "pick_placeholder": ("请选择", "Choose"),
    "company": ("企业", "Company"),
    "clause": ("奖励条款", "Award"),
    "year": ("年度", "Year"),
    "claimed_one": ("申报金额", "Claimed"),
    "computed_one": ("按规则核定", "Computed"),
    "verdict": ("核验结论", "Verdict"),
    "reasons": ("理由", "Reasons"),
    "missing": ("需补充", "To provide"),
    "quote": ("依据条款", "Clause"),
    "decisions_so_far": ("该申报的决定记录", "Decisions on this claim"),
    "proposal": ("经办提议：#{id} {action}{amount}（{who}，{when}）", "Proposal #{id}: {action}{amount} ({who}, {when})"),
    "proposal_note": ("提议说明：", "The proposal's note:"),
    "waiting_already": ("该申报已有待复核的提议 #{id}（{action}，{who}），请等待复核。",
                        "Claim has proposal #{id} ({action}, {who}) waiting for a reviewer."),
    "own_proposal": ("这是您本人提出的提议：须由另一位复核人员决定。", "This is your own proposal: another reviewer decides."),
    "held": ("该奖励已被批准：决定 #{decision}（申报 #{claim}，{who}）。再次批准将被拒绝。",
             "This award is already approved: decision #{decision} (claim #{claim}, {who}). Another approval is refused."),
    "action": ("决定", "Decision"),
    "amount": ("批准金额（万元，默认为按规则核定的金额）", "Approved amount (RMB 10k; default: the computed amount)"),
    "note": ("备注（与核验结论不一致、金额不同或与提议不同时必填）",
             "Note (required against the verdict, for another amount, or against the proposal)"),
    "against": ("此决定与核验结论（{verdict}）不一致：须填写备注，并在下一步确认。",
                "This decision goes against the verdict ({verdict}): a note is required and a confirmation step follows."),
    "submit_propose": ("提出决定", "Propose"),
    "submit_decide": ("作出决定", "Record the decision"),
    "choose_action": ("请选择决定。", "Choose a decision."),
    "need_amount": ("请填写批准金额（万元）：规则未定金额，未记录。",
                    "Give the approved amount (RMB 10k): the rules fix none; nothing recorded."),
    "need_note": ("须填写备注说明理由，未记录。", "A note saying why is required; nothing recorded."),
    "confirm": ("请确认：{action}{amount}，与{what}不一致。备注：", "Confirm: {action}{amount}, against {what}. Note:"),
    "confirm_yes": ("确认记录", "Confirm and record"),
    "confirm_no": ("取消", "Cancel"),
    "changed": ("填写的内容在确认前已改动，请重新提交。", "The entries changed before confirming: submit again."),
    "proposed": ("已提出：提议 #{id}，申报 #{claim} → {action}{amount}，待复核。",
                 "Proposed: #{id}, claim #{claim} → {action}{amount}, waiting for a reviewer."),
    "decided": ("已记录：决定 #{id}，申报 #{claim} → {action}{amount}（经办 {proposer}，复核 {official}）",
                "Recorded: decision #{id}, claim #{claim} → {action}{amount} (proposed by {proposer}, decided by {official})"),
    "publish": ("公示名单与一次告知书", "Publicity list and one-time notices"),
    "no_batches": ("登记簿中还没有批次。", "No batch in the register yet."),
    "pick_batch": ("批次", "Batch"),
    "start": ("公示开始日期", "Publicity starts"),
    "days": ("公示天数", "Days"),
    "objection": ("异议受理单位和联系方式（留空则列各条款的责任单位）",
                  "Where to object (empty: each clause's responsible units)"),
    "gongshi_xlsx": ("公示名单（Excel）", "Publicity list (Excel)"),
    "gongshi_html": ("公示名单（打印）", "Publicity list (print)"),
    "notice_html": ("一次告知书（打印）", "Notices (print)"),
    "notice_xlsx": ("一次告知书（Excel）", "Notices (Excel)"),
    "history": ("企业申报与决定记录", "A company's claims and decisions"),
    "history_ref": ("统一社会信用代码或企业名称", "Credit code or company name"),
    "history_none": ("登记簿中没有该企业的申报。", "No claims of this company in the register."),
    "download_history": ("导出记录（Excel）", "Export the history (Excel)"),
    "no_decision": ("未决定", "No decision"),
    "the_verdict": ("核验结论", "the verdict"),
    "the_amount": ("核定金额", "the computed amount"),
    "the_proposal": ("经办提议", "the proposal"),
}

COLUMNS = {
    "row": ("行", "Row"), "ref": ("申报编号", "Ref."), "company": ("企业", "Company"),
    "rule": ("奖励条款", "Award"), "year": ("年度", "Year"), "claimed": ("申报金额", "Claimed"),
    "computed": ("核定金额", "Computed"), "verdict": ("结论", "Verdict"), "reasons": ("理由", "Reasons"),
    "id": ("登记编号", "Register id"), "approved": ("批准金额", "Approved"),
}


def tr(key: str, lang: str, **values: Any) -> str:
    zh, en = TEXT[key]
    text = en if lang == "en" else zh
    return text.format(**values) if values else text


def col(key: str, lang: str) -> str:
    zh, en = COLUMNS[key]
    return en if lang == "en" else zh


@st.cache_data(show_spinner=False)
def _template(example: bool, lang: str = "zh") -> bytes:
    """The claims template (or the filled example) in the page's language; the reader reads
    either language back."""
    return template_bytes(example=example, lang=lang)


FILE_NAMES: dict[str, tuple[str, str]] = {
    "template": ("申报核验模板.xlsx", "claims-template.xlsx"),
    "example": ("申报核验示例.xlsx", "claims-example.xlsx"),
    "report": ("核验结果-{stem}.xlsx", "verdicts-{stem}.xlsx"),
    "history": ("申报记录-{name}.xlsx", "claims-history-{name}.xlsx"),
}
"""The downloads' file names in each language (the uploaded file's own name is kept)."""


def file_name(key: str, lang: str, **values: str) -> str:
    """A download's file name in ``lang``."""
    zh, en = FILE_NAMES[key]
    return (en if lang == "en" else zh).format(**values)


def report_bytes(verification: Verification, lang: str) -> bytes:
    """The verification report in ``lang``, built once per language for this verification
    (switching the language after verifying gives the report in the new language)."""
    built: dict[str, bytes] = st.session_state.setdefault(REPORT, {})
    if lang not in built:
        built[lang] = report_workbook(verification, rules=st.session_state.get(REPORT_RULES), lang=lang)
    return built[lang]


def render(lang: str, user: User | None = None) -> None:
    """The page body (called by the app's frame with the language chosen in the sidebar, and
    the official it signed in; without one, the sign-in is asked here)."""
    if user is None:
        user = require_role(ROLES_ALLOWED, lang)
    if user is None:
        return
    st.title(tr("title", lang))
    banner(user, lang)
    st.caption(tr("intro_clerk" if user.role == "clerk" else "intro_reviewer", lang))
    _inputs(user, lang)
    verification: Verification | None = st.session_state.get(RESULT)
    if verification is not None:
        st.divider()
        _results(verification, lang)
    st.divider()
    _decision_panel(user, verification, lang)
    st.divider()
    _publish(verification, lang)
    st.divider()
    _history(lang)


# ------------------------------------------------------------------------------ input


def _inputs(user: User, lang: str) -> None:
    with st.container(border=True):
        left, right = st.columns(2)
        left.download_button(tr("template", lang), _template(False, lang),
                             file_name=file_name("template", lang),
                             mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                             on_click="ignore", icon=":material/download:", width="stretch")
        right.download_button(tr("example", lang), _template(True, lang),
                              file_name=file_name("example", lang),
                              mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                              on_click="ignore", icon=":material/description:", width="stretch")
        uploaded = st.file_uploader(tr("upload", lang, mb=MAX_UPLOAD_BYTES // 1024 // 1024),
                                    type=["xlsx", "csv"], key="review.upload")
        if user.role == "clerk":
            st.checkbox(tr("record", lang, name=md(user.shown)), key="review.record")
    readings = interpretation_panel(lang)
    if st.button(tr("verify", lang), type="primary", icon=":material/fact_check:", key="review.run",
                 width="stretch"):
        _verify(user, uploaded, ruleset_for(readings), lang)


def _verify(user: User, uploaded: Any, ruleset: RuleSet, lang: str) -> None:
    record = user.role == "clerk" and bool(st.session_state.get("review.record"))
    if uploaded is None:
        st.warning(tr("no_file", lang), icon=":material/upload_file:")
        return
    if uploaded.size > MAX_UPLOAD_BYTES:
        refusal = upload_too_large(uploaded.size)
        st.error(md(refusal.message_en if lang == "en" else refusal.message_zh), icon=":material/block:")
        return
    try:
        batch = read_claims_bounded(uploaded.getvalue(), uploaded.name, rules=ruleset)
    except ClaimsFileError as exc:
        st.error(f"{tr('refused', lang)} {md(exc.message_en if lang == 'en' else exc.message_zh)}",
                 icon=":material/block:")
        return
    reg: Register | None
    try:
        reg = register()
    except RegisterError as exc:
        st.error(f"{tr('register_down', lang)} {md(exc.message(lang))}")
        reg, record = None, False
    total = len(batch.claims)
    bar = st.progress(0.0, text=tr("progress", lang, done=0, total=total))

    def progress(done: int, all_: int) -> None:
        bar.progress(done / all_ if all_ else 1.0, text=tr("progress", lang, done=done, total=all_))

    try:
        verification = run_batch(batch, rules=ruleset, register=reg, record=record,
                                 official=user.username if record else None, progress=progress)
    except RegisterError as exc:
        st.error(f"{tr('register_down', lang)} {md(exc.message(lang))}")
        return
    bar.empty()
    st.session_state[RESULT] = verification
    st.session_state[REPORT_RULES] = ruleset
    st.session_state[REPORT] = {lang: report_workbook(verification, rules=ruleset, lang=lang)}


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
    readings = ("; " if lang == "en" else "、").join(f"{k}={v}" for k, v in switched.items()) or tr("all_default", lang)
    st.caption(tr("ruleset", lang, version=verification.ruleset_version, readings=readings))
    if verification.batch_id is not None:
        st.success(tr("recorded", lang, batch=verification.batch_id), icon=":material/database:")
    if verification.problems:
        with st.expander(tr("problems", lang, n=len(verification.problems)), expanded=True):
            st.dataframe(pd.DataFrame([{
                "表 / Sheet": p.sheet, "行 / Row": p.row, "列 / Column": p.field,
                "问题 / Problem": p.message_en if lang == "en" else p.message_zh,
            } for p in verification.problems]), hide_index=True, width="stretch")

    chosen = st.pills(tr("filter", lang), list(VERDICT_ORDER), selection_mode="multi",
                      format_func=lambda s: vocab.label(STATUS_LABELS, s, lang), key="review.filter")
    shown = [v for v in verification.verdicts if not chosen or v.status in chosen]
    st.caption(tr("shown", lang, shown=len(shown), total=len(verification.verdicts)))
    event = st.dataframe(
        pd.DataFrame([_row(v, lang) for v in shown], columns=[col(c, lang) for c in _ROW_COLUMNS]),
        hide_index=True, width="stretch", key="review.table", on_select="rerun",
        selection_mode="single-row", height=min(35 * (len(shown) + 1) + 3, 35 * 21 + 3),
        column_config={
            col("verdict", lang): st.column_config.TextColumn(width="small", pinned=True),
            col("row", lang): st.column_config.NumberColumn(width=50, format="%d"),
            col("id", lang): st.column_config.TextColumn(width=70),
            col("year", lang): st.column_config.TextColumn(width=50),
            col("company", lang): st.column_config.TextColumn(width="medium"),
            col("rule", lang): st.column_config.TextColumn(width="medium"),
            col("reasons", lang): st.column_config.TextColumn(width="large"),
        })
    rows = list(getattr(getattr(event, "selection", None), "rows", []) or [])
    if rows and rows[0] < len(shown):
        _detail(shown[rows[0]], lang)
    downloads = st.columns(2)
    downloads[0].download_button(tr("download_report", lang), report_bytes(verification, lang),
                                 file_name=file_name("report", lang,
                                                     stem=verification.source_name.rsplit(".", 1)[0]),
                                 mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                 on_click="ignore", icon=":material/download:", width="stretch")
    downloads[1].download_button(tr("download_json", lang),
                                 json.dumps(verification.contract(), ensure_ascii=False, indent=2),
                                 file_name="verdicts.json", mime="application/json", on_click="ignore",
                                 icon=":material/data_object:", width="stretch")


_ROW_COLUMNS = ("verdict", "reasons", "row", "id", "company", "rule", "year", "claimed", "computed")


def _short_reason(verdict: Verdict, lang: str) -> str:
    lines = [line for line in verdict.lines if line.kind == "condition" and line.passed is not True] \
        or [line for line in verdict.lines if line.kind == "condition"] or verdict.lines
    if not lines:
        return ""
    first = lines[0]
    text = (first.text_en or first.text) if lang == "en" else first.text
    more = len(lines) - 1
    return text + (f"（另 {more} 条）" if more and lang != "en" else f" (+{more})" if more else "")


def _row(verdict: Verdict, lang: str) -> dict[str, Any]:
    return {
        col("verdict", lang): verdict.label(lang),
        col("reasons", lang): _short_reason(verdict, lang),
        col("row", lang): verdict.claim.row,
        col("id", lang): "" if verdict.register_claim_id is None else str(verdict.register_claim_id),
        col("company", lang): verdict.company or verdict.claim.company_name or "",
        col("rule", lang): verdict.rule.title_en if lang == "en" else verdict.rule.title,
        col("year", lang): str(verdict.claim.year),
        col("claimed", lang): _money(verdict.claimed_wan, lang),
        col("computed", lang): _money(verdict.computed_wan, lang),
    }


def _detail(verdict: Verdict, lang: str) -> None:
    with st.container(border=True, key="review.detail"):
        rule = verdict.rule.title_en if lang == "en" else verdict.rule.title
        st.markdown(f"**{md(verdict.label(lang))}** · {md(verdict.claim.sheet)}:{verdict.claim.row} · "
                    f"{md(_money(verdict.claimed_wan, lang))} → {md(_money(verdict.computed_wan, lang))}")
        st.text(f"{verdict.company or verdict.claim.company_name or ''} · {rule} · {verdict.claim.year}")
        st.markdown(f"**{tr('reasons', lang)}**")
        st.text(verdict.reasons_text(lang))
        if verdict.missing:
            st.markdown(f"**{tr('missing', lang)}**")
            st.text("\n".join(verdict.missing))
        st.markdown(f"**{tr('quote', lang)}** {md(verdict.rule.section)} · {md(verdict.policy_id)}")
        st.caption(md(verdict.rule.quote))


# ------------------------------------------------------------------------------ decisions


def _key(name: str, claim_id: int | None = None) -> str:
    """Widget keys change after every record and with the claim: nothing is carried over."""
    generation = st.session_state.setdefault(GENERATION, 0)
    return f"review.d{generation}.{name}" + ("" if claim_id is None else f".{claim_id}")


def _show_message(lang: str) -> None:
    message = st.session_state.pop(MESSAGE, None)
    if message:
        kind, text = message
        (st.success if kind == "ok" else st.error)(md(text),
                                                   icon=":material/check_circle:" if kind == "ok" else ":material/block:")


def _decision_panel(user: User, verification: Verification | None, lang: str) -> None:
    st.subheader(tr("propose_title" if user.role == "clerk" else "decide_title", lang))
    _show_message(lang)
    try:
        reg = register()
        claim_id = _pick_claim(user, verification, reg, lang)
        if claim_id is None:
            return
        history = reg.claim(claim_id)
    except RegisterError as exc:
        st.error(md(exc.message(lang)), icon=":material/block:")
        return
    with st.container(border=True, key=_key("card", claim_id)):
        _claim_card(history, lang)
        proposal = history.open_proposal
        if user.role == "clerk" and proposal is not None:
            st.info(tr("waiting_already", lang, id=proposal.id, action=proposal.label(lang),
                       who=md(person(proposal.proposer, lang))), icon=":material/hourglass_top:")
            return
        if user.role == "reviewer":
            if proposal is None:
                st.info(tr("none_waiting", lang))
                return
            if proposal.proposed_by == user.id:
                st.warning(tr("own_proposal", lang), icon=":material/group:")
                return
        holder = reg.award_holder(claim_id)
        if holder is not None and holder.claim_id != claim_id:
            st.warning(tr("held", lang, decision=holder.id, claim=holder.claim_id, who=md(person(holder.official, lang))),
                       icon=":material/content_copy:")
        _decision_inputs(user, reg, history, lang)


def _pick_claim(user: User, verification: Verification | None, reg: Register, lang: str) -> int | None:
    if user.role == "reviewer":
        waiting = reg.waiting()
        if not waiting:
            st.info(tr("none_waiting", lang), icon=":material/inbox:")
            return None
        labels = {h.id: _claim_label(h, lang) for h in waiting}
        return st.selectbox(tr("pick_proposal", lang), list(labels), index=None, key=_key("pick"),
                            format_func=lambda i: labels[i], placeholder=tr("pick_placeholder", lang))
    if verification is not None and verification.batch_id is None:
        st.info(tr("not_recorded", lang), icon=":material/info:")
    recorded = {v.register_claim_id: v for v in (verification.verdicts if verification else [])
                if v.register_claim_id is not None}
    left, right = st.columns([3, 1])
    picked = left.selectbox(
        tr("pick_claim", lang), list(recorded), index=None, key=_key("pick"),
        placeholder=tr("pick_placeholder", lang),
        format_func=lambda i: (f"#{i} · {recorded[i].company or recorded[i].claim.company_name} · "
                               f"{recorded[i].rule.title_en if lang == 'en' else recorded[i].rule.title} · "
                               f"{recorded[i].claim.year} → {recorded[i].label(lang)}"))
    typed = right.number_input(tr("claim_id", lang), min_value=1, max_value=2**31 - 1, step=1, value=None,
                               format="%d", key=_key("typed"))
    return int(typed) if typed is not None else picked


def _claim_label(history: ClaimHistory, lang: str) -> str:
    proposal = history.open_proposal
    action = proposal.label(lang) if proposal else ""
    return f"#{history.id} · {history.company_name} · {history.rule_title} · {history.year} → {action}"


def _typed_amount(text: str, lang: str) -> str:
    """An amount the official typed (in 万元), written as the page writes amounts; text that is
    not an amount is shown as typed, with its unit."""
    try:
        return _money(parse_money(text), lang)
    except (MoneyError, ArithmeticError, ValueError):
        return f"{text} (RMB 10k)" if lang == "en" else f"{text}万元"


def _to_provide(detail: dict[str, Any], lang: str) -> list[str]:
    """What a claim still needs, in the page's language: the register keeps the Chinese words
    (and "中文 / English" pairs); the English words come from the pair or the findings."""
    missing = list(detail.get("missing", []))
    if lang != "en":
        return missing
    english = [m.split(" / ", 1)[1] for m in missing if " / " in m]
    for finding in detail.get("findings", []):
        english += [m for m in finding.get("missing_text_en") or [] if m not in english]
    return english if english or not missing else ["—"]


def _claim_card(history: ClaimHistory, lang: str) -> None:
    result = history.latest_result
    status = result.status if result else None
    top = st.columns([3, 1, 1, 1])
    top[0].caption(f"{tr('company', lang)} · {tr('clause', lang)} · {tr('year', lang)}")
    rule = default_rules().rules.get(history.rule_id)
    title = rule.title_en if lang == "en" and rule is not None else history.rule_title
    open_, close = (" (", ")") if lang == "en" else ("（", "）")
    top[0].text(f"{history.company_name}{open_}{history.credit_code or '—'}{close}\n"
                f"{title}{open_}{history.rule_id}{close} · {history.year}")
    top[1].metric(tr("claimed_one", lang), _money(history.claimed_wan, lang))
    top[2].metric(tr("computed_one", lang), _money(result.computed_wan if result else None, lang))
    top[3].caption(tr("verdict", lang))
    top[3].markdown(f"**{md(vocab.label(STATUS_LABELS, status, lang) if status else '—')}**")
    if result is not None:
        reasons = result.detail.get("reasons", [])
        marks = {True: "✓", False: "✗", None: "?"}
        st.caption(tr("reasons", lang))
        st.text("\n".join(f"{marks.get(r.get('passed')) if r.get('kind') == 'condition' else '·'} "
                          f"{(r.get('text_en') or r.get('text')) if lang == 'en' else r.get('text')}"
                          for r in reasons) or "—")
        missing = _to_provide(result.detail, lang)
        if missing:
            st.caption(tr("missing", lang))
            st.text("\n".join(missing))
    if history.decisions:
        st.caption(tr("decisions_so_far", lang))
        st.text("\n".join(
            f"#{d.id} {d.label(lang)}"
            + (f" {_money(d.approved_wan, lang)}" if d.action == "approve" else "")
            + f" · {person(d.proposer, lang)} → {person(d.official, lang)} · {d.decided_at.astimezone():%Y-%m-%d %H:%M}"
            + (f" · {d.note}" if d.note else "") for d in history.decisions))
    proposal = history.open_proposal
    if proposal is not None:
        amount = f" {_money(proposal.approved_wan, lang)}" if proposal.action == "approve" else ""
        st.markdown(md(tr("proposal", lang, id=proposal.id, action=proposal.label(lang), amount=amount,
                          who=person(proposal.proposer, lang), when=f"{proposal.proposed_at.astimezone():%Y-%m-%d %H:%M}")))
        if proposal.note:
            st.caption(tr("proposal_note", lang))
            st.text(proposal.note)


def _decision_inputs(user: User, reg: Register, history: ClaimHistory, lang: str) -> None:
    result = history.latest_result
    status = result.status if result else None
    computed = result.computed_wan if result else None
    proposal = history.open_proposal
    default_amount = computed if computed is not None else (proposal.approved_wan if proposal else None)
    claim_id = history.id
    action = st.radio(tr("action", lang), list(ACTIONS), index=None, horizontal=True,
                      key=_key("action", claim_id), format_func=lambda a: vocab.label(ACTIONS, a, lang))
    amount_text = ""
    if action == "approve":
        amount_text = st.text_input(tr("amount", lang), max_chars=30, key=_key("amount", claim_id),
                                    value="" if default_amount is None else format(normalize(default_amount), "f"))
    note = st.text_area(tr("note", lang), max_chars=MAX_NOTE, key=_key("note", claim_id), height=90)
    reasons = _against(action, status, amount_text, computed, proposal.action if proposal else None, lang)
    if reasons:
        st.warning(tr("against", lang, verdict=vocab.label(STATUS_LABELS, status, lang) if status else "—"),
                   icon=":material/warning:")
    pending_key = _key("pending", claim_id)
    pending = st.session_state.get(pending_key)
    entry = {"action": action, "amount": amount_text.strip(), "note": (note or "").strip()}
    if pending is None:
        label = tr("submit_propose" if user.role == "clerk" else "submit_decide", lang)
        if not st.button(label, type="primary", icon=":material/gavel:", key=_key("submit", claim_id)):
            return
        if action is None:
            st.error(tr("choose_action", lang), icon=":material/block:")
            return
        if reasons and not entry["note"]:
            st.error(tr("need_note", lang), icon=":material/block:")
            return
        if action == "approve" and not entry["amount"]:
            st.error(tr("need_amount", lang), icon=":material/block:")
            return
        if reasons:
            st.session_state[pending_key] = entry
            st.rerun()
        _record(user, reg, claim_id, entry, lang)
        return
    amount_shown = f" {_typed_amount(entry['amount'], lang)}" if action == "approve" and entry["amount"] else ""
    with st.container(border=True, key=_key("confirm_box", claim_id)):
        st.markdown(md(tr("confirm", lang, action=vocab.label(ACTIONS, pending["action"], lang),
                          amount=amount_shown, what=(", " if lang == "en" else "、").join(reasons) if reasons else "—")))
        st.text(pending["note"])
        yes, no = st.columns(2)
        if yes.button(tr("confirm_yes", lang), type="primary", key=_key("confirm_yes", claim_id),
                      icon=":material/task_alt:"):
            st.session_state.pop(pending_key, None)
            if entry != pending:
                st.session_state[MESSAGE] = ("error", tr("changed", lang))
                st.rerun()
            _record(user, reg, claim_id, pending, lang)
        if no.button(tr("confirm_no", lang), key=_key("confirm_no", claim_id)):
            st.session_state.pop(pending_key, None)
            st.rerun()


def _against(action: str | None, status: str | None, amount_text: str, computed: Decimal | None,
             proposed: str | None, lang: str) -> list[str]:
    """What the decision goes against (the verdict, the computed amount, the proposal)."""
    if action is None:
        return []
    out = []
    if against_verdict(action, status):
        out.append(tr("the_verdict", lang))
    if action == "approve" and computed is not None and amount_text.strip():
        try:
            if normalize(Decimal(amount_text.strip())) != normalize(computed):
                out.append(tr("the_amount", lang))
        except ArithmeticError:
            pass
    if proposed is not None and action != proposed:
        out.append(tr("the_proposal", lang))
    return out


def _record(user: User, reg: Register, claim_id: int, entry: dict[str, Any], lang: str) -> None:
    amount = entry["amount"] if entry["action"] == "approve" else None
    try:
        if user.role == "clerk":
            proposal = reg.propose(claim_id, entry["action"], user, entry["note"], amount)
            shown = f" {_money(proposal.approved_wan, lang)}" if proposal.approved_wan is not None else ""
            text = tr("proposed", lang, id=proposal.id, claim=claim_id, action=proposal.label(lang), amount=shown)
        else:
            decision = reg.decide(claim_id, entry["action"], user, entry["note"], amount)
            shown = f" {_money(decision.approved_wan, lang)}" if decision.approved_wan is not None else ""
            text = tr("decided", lang, id=decision.id, claim=claim_id, action=decision.label(lang),
                      amount=shown, proposer=person(decision.proposer, lang),
                      official=person(decision.official, lang))
    except RegisterError as exc:
        st.error(md(exc.message(lang)), icon=":material/block:")
        return
    st.session_state[MESSAGE] = ("ok", text)
    st.session_state[GENERATION] = st.session_state.get(GENERATION, 0) + 1
    st.rerun()


# ------------------------------------------------------------------------------ publishing


def _publish(verification: Verification | None, lang: str) -> None:
    """The 公示 list and the 一次告知 letters of a batch, as downloads."""
    st.subheader(tr("publish", lang))
    try:
        batches = register().batches()
    except RegisterError as exc:
        st.error(md(exc.message(lang)))
        return
    if not batches:
        st.caption(tr("no_batches", lang))
        return
    labels = {b[0]: f"#{b[0]} · {b[1]} · {b[2]} · {b[3].astimezone():%Y-%m-%d %H:%M}" for b in batches}
    current = verification.batch_id if verification is not None else None
    left, middle, right = st.columns([3, 1, 1])
    batch_id = left.selectbox(tr("pick_batch", lang), list(labels), format_func=lambda i: labels[i],
                              index=list(labels).index(current) if current in labels else None,
                              placeholder=tr("pick_placeholder", lang), key="review.publish_batch")
    start = middle.date_input(tr("start", lang), key="review.publish_start")
    days = right.number_input(tr("days", lang), min_value=1, max_value=60, value=DEFAULT_DAYS, step=1,
                              key="review.publish_days")
    objection = st.text_input(tr("objection", lang), max_chars=500, key="review.publish_objection")
    if batch_id is None:
        return
    try:
        items = register().histories(batch_id=batch_id)
    except RegisterError as exc:
        st.error(md(exc.message(lang)))
        return
    rules = None  # quotes and contacts from the rule files; the readings come from the records
    first = start if isinstance(start, dt.date) else dt.date.today()
    cols = st.columns(4)
    cols[0].download_button(tr("gongshi_xlsx", lang), gongshi_xlsx(items, start=first, days=int(days),
                                                                     objection=objection, rules=rules),
                            file_name=f"公示名单-批次{batch_id}.xlsx", on_click="ignore",
                            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                            icon=":material/table:", width="stretch")
    cols[1].download_button(tr("gongshi_html", lang), gongshi_html(items, start=first, days=int(days),
                                                                     objection=objection, rules=rules),
                            file_name=f"公示名单-批次{batch_id}.html", mime="text/html", on_click="ignore",
                            icon=":material/print:", width="stretch")
    cols[2].download_button(tr("notice_html", lang), notice_html(items, rules=rules),
                            file_name=f"一次告知书-批次{batch_id}.html", mime="text/html", on_click="ignore",
                            icon=":material/print:", width="stretch")
    cols[3].download_button(tr("notice_xlsx", lang), notice_xlsx(items, rules=rules),
                            file_name=f"一次告知书-批次{batch_id}.xlsx", on_click="ignore",
                            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                            icon=":material/table:", width="stretch")


# ------------------------------------------------------------------------------ history


def _history(lang: str) -> None:
    st.subheader(tr("history", lang))
    ref = st.text_input(tr("history_ref", lang), key="review.history_ref", max_chars=200)
    if not (ref or "").strip():
        return
    try:
        items = register().history(ref)
    except RegisterError as exc:
        st.error(md(exc.message(lang)))
        return
    if not items:
        st.info(tr("history_none", lang))
        return
    rows = []
    for item in items:
        result = item.latest_result
        current = item.current_decision
        rows.append({
            col("id", lang): item.id,
            col("verdict", lang): vocab.label(STATUS_LABELS, result.status, lang) if result else "—",
            col("company", lang): item.company_name,
            col("rule", lang): item.rule_title,
            col("year", lang): str(item.year),
            col("claimed", lang): _money(item.claimed_wan, lang),
            col("computed", lang): _money(result.computed_wan if result else None, lang),
            col("approved", lang): _money(current.approved_wan, lang) if current and current.action == "approve" else "",
            tr("action", lang): "\n".join(
                f"#{d.id} {d.label(lang)} · {person(d.proposer, lang)} → {person(d.official, lang)} · {d.decided_at.astimezone():%Y-%m-%d %H:%M}"
                + (f" · {d.note}" if d.note else "") for d in item.decisions) or tr("no_decision", lang),
        })
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="review.history_table")
    st.download_button(tr("download_history", lang), history_workbook(items, lang=lang, rules=default_rules()),
                       file_name=file_name("history", lang, name=items[0].company_name),
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       on_click="ignore", icon=":material/download:")
