"""What the district publishes and sends after deciding: the 公示 list and 一次告知 letters.

- **公示 list** (publicity before payment): every approved claim of a batch or a period —
  company, credit code, clause, year, the indicator figures that decided it, computed and
  approved amounts, the 公示 start and end dates, and where to object. As .xlsx and as a
  printable HTML page.
- **一次告知 letter** (one-time notice): per company, every claim not approved (rejected or
  returned for documents), with every failed condition (actual against required), every
  missing material, the clause quote, the responsible unit and how to apply again — so that
  a company learns everything at once, not one reason per visit. As printable HTML (one
  letter per page) and as .xlsx for a batch.

Both carry the ruleset version and the readings the verdicts were made under. Every text
comes from the register (the verdict's stored reasons, not a re-evaluation), and is written
safely: HTML-escaped in the pages, and never a formula in the workbooks
(:func:`subsidy.export.safe_cell`).
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from . import vocab
from .evaluate import default_rules
from .money import format_wan
from .register import ClaimHistory
from .ruleset import RuleSet
from .verdict_labels import STATUS_LABELS
from .verify_report import _readings_rows, _saved, _write_table

__all__ = [
    "LetterItem",
    "Notice",
    "PublicityRow",
    "gongshi_html",
    "gongshi_rows",
    "gongshi_xlsx",
    "notice_html",
    "notice_xlsx",
    "notices",
]

DEFAULT_DAYS = 7
"""公示期 in calendar days when none is given."""

REAPPLY = ("请按本告知书逐项补齐材料、核对条件后，在政策规定的申报期内向上述责任单位重新申报，"
           "并注明本告知书编号；对决定有异议的，可向责任单位提出复核申请。")


@dataclass(frozen=True)
class PublicityRow:
    claim_id: int
    decision_id: int
    company: str
    credit_code: str | None
    rule_id: str
    clause: str
    policy: str
    year: int
    figures: list[str]
    remarks: list[str]
    computed_wan: Decimal | None
    approved_wan: Decimal | None
    decided_at: dt.datetime
    contacts: list[str]
    ruleset_version: str | None


@dataclass(frozen=True)
class LetterItem:
    claim_id: int
    clause: str
    section: str
    policy: str
    quote: str
    year: int
    claimed_wan: Decimal
    computed_wan: Decimal | None
    verdict: str
    decision: str
    note: str
    failed: list[str]
    unknown: list[str]
    missing: list[str]
    contacts: list[str]
    ruleset_version: str | None
    readings: dict[str, str]


@dataclass
class Notice:
    """The 一次告知 letter to one company."""

    number: str
    company: str
    credit_code: str | None
    items: list[LetterItem] = field(default_factory=list)

    @property
    def contacts(self) -> list[str]:
        return list(dict.fromkeys(c for item in self.items for c in item.contacts))


def _clause(rules: RuleSet, rule_id: str, fallback: str) -> tuple[str, str, str, str, list[str]]:
    """(title, section, policy title, quote, contacts) of a rule; the stored title when the
    rule is no longer in the rule files."""
    rule = rules.rules.get(rule_id)
    if rule is None:
        return fallback, "", "", "", []
    policy = rules.policies.get(rules.rule_policy.get(rule_id, ""))
    return rule.title, rule.section, policy.title if policy else "", rule.quote, list(rule.contacts)


def _lines(item: ClaimHistory, passed: bool | None) -> list[str]:
    result = item.latest_result
    if result is None:
        return []
    return [str(r.get("text", "")) for r in result.detail.get("reasons", [])
            if r.get("kind") == "condition" and r.get("passed") is passed]


def gongshi_rows(histories: Iterable[ClaimHistory], rules: RuleSet | None = None) -> list[PublicityRow]:
    """The approved claims (current decision approve), in company and year order."""
    rules = rules or default_rules()
    rows = []
    for item in histories:
        decision = item.current_decision
        if decision is None or decision.action != "approve":
            continue
        title, section, policy, _quote, contacts = _clause(rules, item.rule_id, item.rule_title)
        result = item.latest_result
        rows.append(PublicityRow(
            claim_id=item.id, decision_id=decision.id, company=item.company_name,
            credit_code=item.credit_code, rule_id=item.rule_id,
            clause=f"{title}（{section}）" if section else title, policy=policy, year=item.year,
            figures=_lines(item, True), remarks=_lines(item, False) + _lines(item, None),
            computed_wan=result.computed_wan if result else None,
            approved_wan=decision.approved_wan, decided_at=decision.decided_at, contacts=contacts,
            ruleset_version=decision.ruleset_version))
    return sorted(rows, key=lambda r: (r.company, r.year, r.claim_id))


def notices(histories: Iterable[ClaimHistory], rules: RuleSet | None = None,
            on: dt.date | None = None) -> list[Notice]:
    """One letter per company with every claim whose current decision is reject or return."""
    rules = rules or default_rules()
    day = on or dt.date.today()
    letters: dict[str, Notice] = {}
    for item in histories:
        decision = item.current_decision
        if decision is None or decision.action == "approve":
            continue
        result = item.latest_result
        title, section, policy, quote, contacts = _clause(rules, item.rule_id, item.rule_title)
        key = item.credit_code or item.company_name
        letter = letters.get(key)
        if letter is None:
            letter = letters[key] = Notice(number="", company=item.company_name, credit_code=item.credit_code)
        letter.items.append(LetterItem(
            claim_id=item.id, clause=title, section=section, policy=policy, quote=quote, year=item.year,
            claimed_wan=item.claimed_wan, computed_wan=result.computed_wan if result else None,
            verdict=vocab.label(STATUS_LABELS, result.status) if result else "未核验",
            decision=decision.label(), note=decision.note, failed=_lines(item, False),
            unknown=_lines(item, None), missing=list(result.detail.get("missing", [])) if result else [],
            contacts=contacts, ruleset_version=result.ruleset_version if result else None,
            readings=dict(result.readings) if result else {}))
    out = sorted(letters.values(), key=lambda n: n.company)
    for index, letter in enumerate(out, start=1):
        letter.number = f"告知-{day:%Y%m%d}-{index:03d}"
    return out


# ------------------------------------------------------------------------------ workbooks


def _about_rows(versions: Iterable[str | None], readings: Mapping[str, str], rules: RuleSet) -> list[list[Any]]:
    return [["规则版本 ruleset", "、".join(sorted({v for v in versions if v})) or rules.version],
            ["生成时间 generated", dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M")],
            [], ["解释编号", "问题", "采用", "解释", "说明"], *_readings_rows(readings, rules)]


def _readings_of(histories: Iterable[ClaimHistory], rules: RuleSet) -> dict[str, str]:
    for item in histories:
        if item.latest_result is not None and item.latest_result.readings:
            return dict(item.latest_result.readings)
    return dict(rules.readings)


def gongshi_xlsx(histories: list[ClaimHistory], *, start: dt.date, days: int = DEFAULT_DAYS,
                 objection: str = "", rules: RuleSet | None = None) -> bytes:
    """The 公示 list as a workbook (one sheet of rows, one of the ruleset and readings)."""
    from openpyxl import Workbook

    rules = rules or default_rules()
    rows = gongshi_rows(histories, rules)
    end = start + dt.timedelta(days=days - 1)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("公示名单")
    _write_table(sheet, ["序号", "企业名称", "统一社会信用代码", "奖励条款", "政策文件", "年度", "依据的指标",
                         "核验说明", "按规则核定（万元）", "批准金额（万元）", "公示开始", "公示结束", "异议受理",
                         "申报编号", "决定编号"],
                 [[i, r.company, r.credit_code, r.clause, r.policy, r.year, "\n".join(r.figures),
                   "\n".join(r.remarks), r.computed_wan, r.approved_wan, start.isoformat(), end.isoformat(),
                   objection or "；".join(r.contacts), r.claim_id, r.decision_id]
                  for i, r in enumerate(rows, start=1)],
                 [6, 30, 22, 32, 30, 8, 50, 36, 14, 14, 12, 12, 36, 10, 10], wrap=(7, 8, 13))
    sheet = book.create_sheet("规则版本")
    _write_table(sheet, ["项目", "内容"],
                 _about_rows((r.ruleset_version for r in rows), _readings_of(histories, rules), rules),
                 [22, 40, 8, 30, 80], wrap=(5,))
    return _saved(book, None)


def notice_xlsx(histories: list[ClaimHistory], rules: RuleSet | None = None,
                on: dt.date | None = None) -> bytes:
    """The 一次告知 letters of a batch as a workbook: one row per claim not approved."""
    from openpyxl import Workbook

    rules = rules or default_rules()
    letters = notices(histories, rules, on)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("一次告知")
    rows = []
    for letter in letters:
        for item in letter.items:
            rows.append([letter.number, letter.company, letter.credit_code, item.claim_id, item.clause,
                         f"{item.section} {item.policy}".strip(), item.year, item.claimed_wan,
                         item.computed_wan, item.verdict, item.decision, "\n".join(item.failed),
                         "\n".join(item.unknown), "\n".join(item.missing), item.note, item.quote,
                         "；".join(item.contacts), REAPPLY])
    _write_table(sheet, ["告知书编号", "企业名称", "统一社会信用代码", "申报编号", "奖励条款", "依据条款",
                         "年度", "申报金额（万元）", "按规则核定（万元）", "核验结论", "决定",
                         "不符合的条件（实际与要求）", "无法判断的条件", "需补充的材料", "决定说明",
                         "条款原文", "责任单位", "重新申报"], rows,
                 [16, 30, 22, 8, 30, 30, 8, 12, 12, 14, 12, 60, 40, 50, 30, 60, 30, 50],
                 wrap=(12, 13, 14, 15, 16, 18))
    sheet = book.create_sheet("规则版本")
    _write_table(sheet, ["项目", "内容"],
                 _about_rows((i.ruleset_version for n in letters for i in n.items),
                             _readings_of(histories, rules), rules), [22, 40, 8, 30, 80], wrap=(5,))
    return _saved(book, None)


# ------------------------------------------------------------------------------ printable pages

_CSS = """
body { font-family: "WenQuanYi Zen Hei", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif;
       margin: 2em auto; max-width: 1100px; color: #111; line-height: 1.55; }
h1 { text-align: center; font-size: 1.6em; margin-bottom: .2em; }
.sub { text-align: center; color: #444; margin-top: 0; }
table { border-collapse: collapse; width: 100%; margin: 1em 0; font-size: .92em; }
th, td { border: 1px solid #777; padding: .35em .5em; vertical-align: top; text-align: left; }
th { background: #eef2f7; }
td.num { text-align: right; white-space: nowrap; }
.figures, .lines { margin: 0; padding-left: 1.1em; }
.letter { page-break-after: always; break-after: page; margin-bottom: 3em; }
.letter:last-child { page-break-after: auto; }
.letter th { width: 11em; }
.quote { color: #333; background: #f7f7f7; border-left: 3px solid #999; padding: .4em .8em; }
.meta { color: #555; font-size: .85em; }
@media print { body { margin: 0; max-width: none; } .noprint { display: none; } }
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _money(value: Decimal | None) -> str:
    return "—" if value is None else _e(format_wan(value))


def _list(items: Iterable[str], css: str = "lines") -> str:
    items = list(items)
    if not items:
        return "—"
    return f'<ul class="{css}">' + "".join(f"<li>{_e(i)}</li>" for i in items) + "</ul>"


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{_e(title)}</title>'
            f"<style>{_CSS}</style></head><body>{body}</body></html>")


def _readings_html(versions: Iterable[str | None], readings: Mapping[str, str], rules: RuleSet) -> str:
    version = "、".join(sorted({v for v in versions if v})) or rules.version
    rows = _readings_rows(readings, rules)
    items = "".join(f"<li>{_e(r[0])} {_e(r[1])}：{_e(r[2])}（{_e(r[3])}）</li>" for r in rows)
    return (f'<p class="meta">规则版本 {_e(version)}；采用的解释：</p>'
            f'<ul class="meta">{items or "<li>无</li>"}</ul>')


def gongshi_html(histories: list[ClaimHistory], *, start: dt.date, days: int = DEFAULT_DAYS,
                 objection: str = "", title: str = "产业政策奖补资金拟拨付名单公示",
                 rules: RuleSet | None = None) -> str:
    """The 公示 list as a printable HTML page."""
    rules = rules or default_rules()
    rows = gongshi_rows(histories, rules)
    end = start + dt.timedelta(days=days - 1)
    body = [f"<h1>{_e(title)}</h1>",
            f'<p class="sub">公示期：{start:%Y年%m月%d日} 至 {end:%Y年%m月%d日}（共 {days} 天）</p>',
            "<p>根据相关产业政策条款，经审核，以下企业拟获得奖励，现予公示。公示期内如有异议，"
            f"请以书面形式向{_e(objection) if objection else '各条款所列责任单位'}反映，并提供联系方式和相关材料。</p>",
            "<table><thead><tr><th>序号</th><th>企业名称</th><th>统一社会信用代码</th><th>奖励条款</th>"
            "<th>年度</th><th>依据的指标</th><th>按规则核定</th><th>批准金额</th><th>异议受理</th></tr></thead><tbody>"]
    for index, r in enumerate(rows, start=1):
        body.append(
            f"<tr><td>{index}</td><td>{_e(r.company)}</td><td>{_e(r.credit_code or '—')}</td>"
            f"<td>{_e(r.clause)}<br><span class=\"meta\">{_e(r.policy)}</span></td><td>{r.year}</td>"
            f"<td>{_list(r.figures, 'figures')}"
            + (f'<div class="meta">{_list(r.remarks)}</div>' if r.remarks else "")
            + f"</td><td class=\"num\">{_money(r.computed_wan)}</td>"
            f"<td class=\"num\">{_money(r.approved_wan)}</td>"
            f"<td>{_e(objection or '；'.join(r.contacts) or '—')}</td></tr>")
    if not rows:
        body.append('<tr><td colspan="9">（无批准的申报）</td></tr>')
    total = sum((r.approved_wan or Decimal(0) for r in rows), Decimal(0))
    body.append(f"</tbody></table><p>共 {len(rows)} 项，批准金额合计 {_money(total)}。</p>")
    body.append(_readings_html((r.ruleset_version for r in rows), _readings_of(histories, rules), rules))
    return _page(title, "".join(body))


def notice_html(histories: list[ClaimHistory], *, rules: RuleSet | None = None,
                on: dt.date | None = None, issuer: str = "") -> str:
    """Every company's 一次告知 letter, one per printed page."""
    rules = rules or default_rules()
    day = on or dt.date.today()
    letters = notices(histories, rules, day)
    body = []
    for letter in letters:
        parts = ['<section class="letter"><h1>申报事项一次性告知书</h1>',
                 f'<p class="sub">编号：{_e(letter.number)}　日期：{day:%Y年%m月%d日}</p>',
                 f"<p>{_e(letter.company)}"
                 + (f"（统一社会信用代码 {_e(letter.credit_code)}）" if letter.credit_code else "")
                 + "：</p>",
                 f"<p>你单位申报的以下 {len(letter.items)} 项奖励未予批准。现将全部原因和需补充的材料一次性告知如下：</p>"]
        for number, item in enumerate(letter.items, start=1):
            parts.append(
                f"<h3>{number}. {_e(item.clause)}（{item.year}年度，申报编号 {item.claim_id}）</h3>"
                "<table><tbody>"
                f"<tr><th>依据条款</th><td>{_e(item.policy)} {_e(item.section)}"
                f'<div class="quote">{_e(item.quote) or "—"}</div></td></tr>'
                f"<tr><th>申报金额 / 按规则核定</th><td>{_money(item.claimed_wan)} / {_money(item.computed_wan)}</td></tr>"
                f"<tr><th>核验结论 / 决定</th><td>{_e(item.verdict)} / {_e(item.decision)}</td></tr>"
                f"<tr><th>不符合的条件（实际与要求）</th><td>{_list(item.failed)}</td></tr>"
                f"<tr><th>无法判断的条件</th><td>{_list(item.unknown)}</td></tr>"
                f"<tr><th>需补充的材料</th><td>{_list(item.missing)}</td></tr>"
                f"<tr><th>审核说明</th><td>{_e(item.note) or '—'}</td></tr>"
                "</tbody></table>")
        contacts = letter.contacts
        parts.append(f"<p><b>责任单位：</b>{_e('；'.join(contacts)) if contacts else '—'}</p>")
        parts.append(f"<p><b>如何重新申报：</b>{_e(REAPPLY)}</p>")
        if issuer:
            parts.append(f'<p style="text-align:right">{_e(issuer)}<br>{day:%Y年%m月%d日}</p>')
        parts.append(_readings_html((i.ruleset_version for i in letter.items),
                                    letter.items[0].readings or dict(rules.readings), rules))
        parts.append("</section>")
        body.append("".join(parts))
    if not letters:
        body.append("<p>（没有未予批准的申报，无需告知）</p>")
    return _page("申报事项一次性告知书", "".join(body))
