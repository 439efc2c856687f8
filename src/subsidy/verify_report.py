"""The verification workbooks (.xlsx): a batch's report, and a company's history from the register.

The report carries everything needed to trust a batch's verdicts away from this program:
each claim with its verdict and reasons in both languages, the summaries by status, rule and
year, the rows that could not be read, and the ruleset version and readings used.

Why write-only sheets: a batch of 10,000 claims must not hold every cell object in memory.
Why every value goes through :func:`~subsidy.export.safe_cell`: company names and notes come
from an uploaded file, and text such as ``=HYPERLINK(...)`` must not become a formula.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import vocab
from .evaluate import default_rules
from .export import safe_cell
from .money_display import wan_unit
from .register import ClaimHistory
from .register.records import person_in
from .ruleset import RuleSet
from .verdict_labels import STATUS_LABELS, VERDICT_ORDER

if TYPE_CHECKING:  # verify offers these writers, so it imports this module
    from .verify import Verification

__all__ = ["history_workbook", "report_workbook"]


def _write_table(sheet: Any, headers: list[str], rows: Iterable[list[Any]],
                 widths: list[int] | None = None, wrap: Iterable[int] = ()) -> None:
    """Append a table to a write-only sheet (workbooks of 10,000 claims stay small in
    memory): bold header, text kept as text (never a formula), money as numbers."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    for index, width in enumerate(widths or [], start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    fill, bold = PatternFill("solid", fgColor="DDEBF7"), Font(bold=True)
    wrap_style = Alignment(wrap_text=True, vertical="top")
    head = []
    for text in headers:
        cell = WriteOnlyCell(sheet, value=safe_cell(text))
        cell.font, cell.fill = bold, fill
        head.append(cell)
    sheet.append(head)
    wrapped = set(wrap)
    for row in rows:
        cells = []
        for index, value in enumerate(row, start=1):
            cell = WriteOnlyCell(sheet, value=safe_cell(value))
            if isinstance(cell.value, str):
                cell.data_type = "s"
            if index in wrapped:
                cell.alignment = wrap_style
            elif isinstance(value, Decimal):
                cell.number_format = "#,##0.######"
            cells.append(cell)
        sheet.append(cells)


def _readings_rows(readings: Mapping[str, str], ruleset: RuleSet | None, lang: str = "zh") -> list[list[Any]]:
    rows = []
    en = lang == "en"
    for iid, choice in sorted(readings.items()):
        interp = ruleset.interpretations.get(iid) if ruleset else None
        reading = getattr(interp, choice, None) if interp else None
        title = ((interp.title_en or interp.title) if en else interp.title) if interp else ""
        used = _CHOICE["en" if en else "zh"][choice == "default"]
        rows.append([iid, title, used, reading.label_in(lang) if reading else choice,
                     reading.text_in(lang) if reading else ""])
    return rows


_CHOICE = {"zh": {True: "默认", False: "替代"}, "en": {True: "default", False: "alternative"}}
_UNIT = {"zh": f"（{wan_unit('zh')}）", "en": f" ({wan_unit('en')})"}

_WORDS: dict[str, tuple[str, str]] = {
    "sheet_verdicts": ("核验结果", "Verdicts"), "sheet_summary": ("汇总", "Summary"),
    "sheet_rules": ("按条款", "By award"), "sheet_years": ("按年度", "By year"),
    "sheet_problems": ("问题行", "Problem rows"), "sheet_about": ("规则版本", "Ruleset"),
    "claims": ("申报条数", "Claims"), "problems": ("问题行（未核验）", "Problem rows (not verified)"),
    "companies": ("企业数", "Companies"), "refused": ("资料有误的企业", "Companies with faulty rows"),
    "claimed": ("申报金额合计", "Claimed in total"), "confirmed": ("核实通过金额合计", "Confirmed in total"),
    "supported": ("按规则核定金额合计", "Computed by the rules in total"),
    "verdict": ("核验结论", "Verdict"), "count": ("条数", "Claims"), "item": ("项目", "Item"),
    "value": ("数值", "Value"), "content": ("内容", "Content"),
    "rule_id": ("规则编号", "Rule id"), "title": ("奖励条款", "Award"), "year": ("年度", "Year"),
    "claimed_col": ("申报金额", "Claimed"), "confirmed_col": ("核实通过金额", "Confirmed"),
    "supported_col": ("按规则核定金额", "Computed by the rules"),
}
"""The English report's words (the Chinese report keeps its own bilingual layout below)."""


def _w(key: str, lang: str) -> str:
    zh, en = _WORDS[key]
    return en if lang == "en" else zh


def _money_head(key: str, lang: str) -> str:
    """A header of an amount column, with its unit: "申报金额（万元）" / "Claimed (RMB 10k)"."""
    return _w(key, lang) + _UNIT["en" if lang == "en" else "zh"]


_VERDICT_HEADS_EN = ["Sheet", "Row", "Claim reference", "Company name", "Unified social credit code",
                     "Rule id", "Award", "Claim year", f"Claimed{_UNIT['en']}", f"Computed{_UNIT['en']}",
                     f"Difference{_UNIT['en']}", "Verdict", "Reasons", "Clause", "Policy",
                     "Clause (original Chinese text)", "Register claim id"]
"""The English verdicts sheet. What to provide is said in the reasons ("Provide: …"), so the
Chinese sheet's list of it is not repeated."""


def _verdict_rows_en(verification: Verification, ruleset: RuleSet) -> list[list[Any]]:
    """The verdicts sheet's rows in English: the award and policy by their English titles."""
    rows = []
    for v in verification.verdicts:
        policy = ruleset.policies.get(v.policy_id)
        rows.append([
            v.claim.sheet, v.claim.row, v.claim.claim_ref, v.company or v.claim.company_name,
            v.credit_code or v.claim.credit_code, v.rule.id, v.rule.title_en or v.rule.id, v.claim.year,
            v.claimed_wan, v.computed_wan, v.difference_wan, v.label("en"), v.reasons_text("en"),
            f"{v.rule.section} {v.policy_id}", policy.title_en if policy is not None else "",
            v.rule.quote, v.register_claim_id])
    return rows


def _verdicts_sheet(book: Any, verification: Verification, ruleset: RuleSet, lang: str) -> None:
    """Each claim with its verdict and reasons (both languages in the Chinese report)."""
    if lang == "en":
        sheet = book.create_sheet(_w("sheet_verdicts", lang))
        _write_table(sheet, _VERDICT_HEADS_EN, _verdict_rows_en(verification, ruleset),
                     [10, 6, 12, 28, 22, 30, 28, 8, 12, 12, 10, 16, 70, 22, 40, 50, 10],
                     wrap=(13, 16))
        return
    sheet = book.create_sheet("核验结果")
    headers = ["表", "行", "申报编号", "企业名称", "统一社会信用代码", "规则编号", "奖励条款", "申报年度",
               "申报金额（万元）", "核定金额（万元）", "差额（万元）", "核验结论", "Verdict", "理由",
               "Reasons", "需补充", "依据条款", "条款原文", "登记簿申报编号"]
    rows = []
    for v in verification.verdicts:
        rows.append([
            v.claim.sheet, v.claim.row, v.claim.claim_ref, v.company or v.claim.company_name,
            v.credit_code or v.claim.credit_code, v.rule.id, v.rule.title, v.claim.year,
            v.claimed_wan, v.computed_wan, v.difference_wan, v.label("zh"), v.label("en"),
            v.reasons_text("zh"), v.reasons_text("en"), "\n".join(v.missing),
            f"{v.rule.section} {v.policy_id}", v.rule.quote, v.register_claim_id])
    _write_table(sheet, headers, rows,
                 [10, 6, 12, 28, 22, 30, 28, 8, 12, 12, 10, 14, 16, 70, 60, 30, 22, 50, 10],
                 wrap=(14, 15, 16, 18))


def _summary_sheets(book: Any, verification: Verification, ruleset: RuleSet, lang: str) -> None:
    """The totals, and the counts by award and by year."""
    summary = verification.summary()
    sheet = book.create_sheet(_w("sheet_summary", lang))
    supported = ("按规则核定金额合计（万元，核实通过＋金额不符）" if lang != "en" else
                 f"{_w('supported', lang)} ({wan_unit('en')}; confirmed + amount differs)")
    lines: list[list[Any]] = [
        [_w("claims", lang), summary["claims"]],
        [_w("problems", lang), summary["problems"]],
        [_w("companies", lang), summary["companies"]],
        [_w("refused", lang), summary["companies_refused"]],
        [_money_head("claimed", lang), summary["claimed_wan"]],
        [_money_head("confirmed", lang), summary["confirmed_wan"]],
        [supported, summary["supported_wan"]],
        [],
        [_w("verdict", lang), _w("count", lang)],
    ]
    lines += [[vocab.label(STATUS_LABELS, s, lang), n] for s, n in summary["by_status"].items()]
    _write_table(sheet, [_w("item", lang), _w("value", lang)], lines, [48, 20])
    status_heads = [vocab.label(STATUS_LABELS, s, lang) for s in VERDICT_ORDER]
    amounts = [_money_head("claimed_col", lang), _money_head("confirmed_col", lang),
               _money_head("supported_col", lang)]
    sheet = book.create_sheet(_w("sheet_rules", lang))
    _write_table(sheet, [_w("rule_id", lang), _w("title", lang), _w("count", lang), *amounts, *status_heads],
                 [[b["rule_id"], _rule_title(b, ruleset, lang), b["claims"], b["claimed_wan"], b["confirmed_wan"],
                   b["supported_wan"], *b["by_status"].values()] for b in summary["by_rule"]],
                 [30, 30, 8, 16, 18, 18] + [10] * len(status_heads))
    sheet = book.create_sheet(_w("sheet_years", lang))
    _write_table(sheet, [_w("year", lang), _w("count", lang), *amounts, *status_heads],
                 [[b["year"], b["claims"], b["claimed_wan"], b["confirmed_wan"], b["supported_wan"],
                   *b["by_status"].values()] for b in summary["by_year"]],
                 [8, 8, 16, 18, 18] + [10] * len(status_heads))


def _rule_title(row: Mapping[str, Any], ruleset: RuleSet, lang: str) -> str:
    """An award's title in a summary row, in ``lang`` (the summary keeps the Chinese one)."""
    rule = ruleset.rules.get(row["rule_id"])
    if lang == "en":
        return (rule.title_en if rule is not None else "") or row["rule_id"]
    return row["title"]


def _problems_sheet(book: Any, verification: Verification, lang: str) -> None:
    """The rows that could not be read, with what is wrong (both languages in Chinese)."""
    if lang == "en":
        sheet = book.create_sheet(_w("sheet_problems", lang))
        _write_table(sheet, ["Sheet", "Row", "Column", "Problem"],
                     [[p.sheet, p.row, p.field, p.message_en] for p in verification.problems],
                     [12, 6, 20, 70], wrap=(4,))
        return
    sheet = book.create_sheet("问题行")
    _write_table(sheet, ["表", "行", "列", "问题", "Problem"],
                 [[p.sheet, p.row, p.field, p.message_zh, p.message_en] for p in verification.problems],
                 [12, 6, 20, 70, 70], wrap=(4, 5))


def _about_sheet(book: Any, verification: Verification, ruleset: RuleSet, lang: str) -> None:
    """What the verdicts rest on: the ruleset version, the file and the readings."""
    generated = verification.generated_at.astimezone().strftime("%Y-%m-%d %H:%M:%S %z")
    if lang == "en":
        about: list[list[Any]] = [
            ["Ruleset", verification.ruleset_version], ["Claims file", verification.source_name],
            ["File digest", verification.source_digest], ["Generated", generated],
            ["Register", verification.register_url or "(not recorded)"], [],
            ["Reading id", "Question", "In force", "Reading", "Text"],
        ]
        heads = ["Item", "Content"]
    else:
        about = [
            ["规则版本 ruleset", verification.ruleset_version],
            ["申报文件 source", verification.source_name],
            ["文件摘要 digest", verification.source_digest],
            ["生成时间 generated", generated],
            ["登记簿 register", verification.register_url or "（未记录 / not recorded）"],
            [],
            ["解释编号", "问题", "采用", "解释", "说明"],
        ]
        heads = ["项目", "内容"]
    about += _readings_rows(verification.readings, ruleset, lang)
    _write_table(book.create_sheet(_w("sheet_about", lang)), heads, about, [22, 40, 8, 30, 80], wrap=(5,))


def report_workbook(verification: Verification, target: str | Path | io.BytesIO | None = None,
                    rules: RuleSet | None = None, lang: str = "zh") -> bytes:
    """The verification report (.xlsx): verdicts with reasons, summary, problem rows, and the
    ruleset version and readings. Returns the bytes (and writes ``target`` when given).

    The Chinese report gives verdicts, reasons and problems in both languages; the English one
    (``lang="en"``, downloaded from the English page) is in English throughout, except what
    exists only in Chinese and says so (the verbatim clause) and what the file itself holds
    (company names, references, the sheet and column names of the uploaded file)."""
    from openpyxl import Workbook

    lang = "en" if lang == "en" else "zh"
    ruleset = rules or default_rules()
    book = Workbook(write_only=True)
    _verdicts_sheet(book, verification, ruleset, lang)
    _summary_sheets(book, verification, ruleset, lang)
    _problems_sheet(book, verification, lang)
    _about_sheet(book, verification, ruleset, lang)
    return _saved(book, target)


_HISTORY_HEADS_EN = [
    "Claim id", "Company name", "Unified social credit code", "Rule id", "Award", "Year",
    f"Claimed{_UNIT['en']}", f"Computed{_UNIT['en']}", "Verdict", "Reasons", "Current decision",
    f"Approved{_UNIT['en']}", "Clerk (proposed)", "Reviewer (decided)", "Decided at", "Note",
    "Proposal awaiting review", "Source file", "Source row", "Ruleset"]
_DECISION_HEADS_EN = [
    "Decision id", "Claim id", "Company name", "Award", "Year", "Decision", f"Approved{_UNIT['en']}",
    f"Computed{_UNIT['en']}", "Clerk (proposed)", "Reviewer (decided)", "Time", "Note",
    "Verdict decided on", "Verification id", "Ruleset", "Readings"]
"""The English history's headers (the Chinese workbook keeps its own below)."""


def _history_rows_en(histories: list[ClaimHistory], rules: RuleSet) -> list[list[Any]]:
    """Each claim with its latest verdict and current decision, in English; names, notes and
    the source file's own sheet name are data."""
    rows = []
    for item in histories:
        result, current, proposal = item.latest_result, item.current_decision, item.open_proposal
        rule = rules.rules.get(item.rule_id)
        rows.append([
            item.id, item.company_name, item.credit_code, item.rule_id,
            (rule.title_en if rule is not None else "") or item.rule_id, item.year,
            item.claimed_wan, result.computed_wan if result else None,
            vocab.label(STATUS_LABELS, result.status, "en") if result else "",
            "\n".join(f"{_mark(r)} {r.get('text_en') or r.get('text', '')}"
                      for r in (result.detail.get("reasons", []) if result else [])),
            current.label("en") if current else "not decided",
            current.approved_wan if current and current.action == "approve" else None,
            person_in(current.proposer, "en") if current else "",
            person_in(current.official, "en") if current else "",
            current.decided_at.astimezone().strftime("%Y-%m-%d %H:%M") if current else "",
            current.note if current else "",
            f"#{proposal.id} {proposal.label('en')} ({person_in(proposal.proposer, 'en')})" if proposal else "",
            item.source_name, f"{item.sheet} row {item.row}", result.ruleset_version if result else ""])
    return rows


def _decision_rows_en(histories: list[ClaimHistory], rules: RuleSet) -> list[list[Any]]:
    """Every decision taken on the claims, in English."""
    rows = []
    for item in histories:
        rule = rules.rules.get(item.rule_id)
        title = (rule.title_en if rule is not None else "") or item.rule_id
        for d in item.decisions:
            readings = ", ".join(f"{k}={v}" for k, v in (d.readings or {}).items() if v != "default")
            rows.append([d.id, item.id, item.company_name, title, item.year, d.label("en"),
                         d.approved_wan if d.action == "approve" else None, d.computed_wan,
                         person_in(d.proposer, "en"), person_in(d.official, "en"),
                         d.decided_at.astimezone().strftime("%Y-%m-%d %H:%M:%S"), d.note,
                         vocab.label(STATUS_LABELS, d.status_at_decision, "en") if d.status_at_decision else "",
                         d.result_id, d.ruleset_version, readings or "default"])
    return rows


def history_workbook(histories: list[ClaimHistory], target: str | Path | io.BytesIO | None = None,
                     lang: str = "zh", rules: RuleSet | None = None) -> bytes:
    """A company's claims, verifications and decisions (.xlsx), in ``lang`` (the English one
    is downloaded from the English page; ``rules`` gives the awards' English titles)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    if lang == "en":
        ruleset = rules or default_rules()
        _write_table(book.create_sheet("Claims and verdicts"), _HISTORY_HEADS_EN,
                     _history_rows_en(histories, ruleset),
                     [8, 28, 22, 28, 28, 8, 12, 12, 14, 60, 12, 12, 16, 16, 18, 30, 24, 24, 12, 24],
                     wrap=(10, 16))
        _write_table(book.create_sheet("Decisions"), _DECISION_HEADS_EN, _decision_rows_en(histories, ruleset),
                     [8, 8, 28, 28, 8, 12, 12, 12, 16, 16, 20, 40, 14, 10, 24, 24], wrap=(12,))
        return _saved(book, target)
    sheet = book.create_sheet("申报与核验")
    rows = []
    for item in histories:
        result = item.latest_result
        current = item.current_decision
        rows.append([
            item.id, item.company_name, item.credit_code, item.rule_id, item.rule_title, item.year,
            item.claimed_wan, result.computed_wan if result else None,
            vocab.label(STATUS_LABELS, result.status) if result else "",
            "\n".join(f"{_mark(r)} {r.get('text', '')}" for r in (result.detail.get("reasons", []) if result else [])),
            current.label() if current else "未决定",
            current.approved_wan if current and current.action == "approve" else None,
            current.proposer if current else "", current.official if current else "",
            current.decided_at.astimezone().strftime("%Y-%m-%d %H:%M") if current else "",
            current.note if current else "",
            f"#{item.open_proposal.id} {item.open_proposal.label()}（{item.open_proposal.proposer}）"
            if item.open_proposal else "",
            item.source_name, f"{item.sheet} 第{item.row}行", result.ruleset_version if result else ""])
    _write_table(sheet, ["申报编号", "企业名称", "统一社会信用代码", "规则编号", "奖励条款", "年度",
                         "申报金额（万元）", "核定金额（万元）", "核验结论", "理由", "当前决定",
                         "批准金额（万元）", "经办（提议人）", "复核（决定人）", "决定时间", "备注",
                         "待复核的提议", "来源文件", "来源行", "规则版本"], rows,
                 [8, 28, 22, 28, 28, 8, 12, 12, 14, 60, 12, 12, 16, 16, 18, 30, 24, 24, 12, 24],
                 wrap=(10, 16))
    sheet = book.create_sheet("决定记录")
    decisions = []
    for item in histories:
        for d in item.decisions:
            decisions.append([d.id, item.id, item.company_name, item.rule_title, item.year, d.label(),
                              d.approved_wan if d.action == "approve" else None, d.computed_wan,
                              d.proposer, d.official, d.decided_at.astimezone().strftime("%Y-%m-%d %H:%M:%S"),
                              d.note, vocab.label(STATUS_LABELS, d.status_at_decision or "") if d.status_at_decision else "",
                              d.result_id, d.ruleset_version,
                              "、".join(f"{k}={v}" for k, v in (d.readings or {}).items() if v != "default") or "默认"])
    _write_table(sheet, ["决定编号", "申报编号", "企业名称", "奖励条款", "年度", "决定", "批准金额（万元）",
                         "核定金额（万元）", "经办（提议人）", "复核（决定人）", "时间", "备注",
                         "依据的核验结论", "核验记录编号", "规则版本", "解释"], decisions,
                 [8, 8, 28, 28, 8, 12, 12, 12, 16, 16, 20, 40, 14, 10, 24, 24], wrap=(12,))
    return _saved(book, target)


def _saved(book: Any, target: str | Path | io.BytesIO | None) -> bytes:
    """The workbook's bytes, also written to ``target`` when one is given."""
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    if target is not None:
        if isinstance(target, io.BytesIO):
            target.write(data)
        else:
            Path(target).write_bytes(data)
    return data


def _mark(reason: Mapping[str, Any]) -> str:
    if reason.get("kind") != "condition":
        return "·"
    return {True: "✓", False: "✗", None: "?"}[reason.get("passed")]
