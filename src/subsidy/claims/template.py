"""The claims template: the workbook officials fill (two sheets to fill, help, rules and code
lists) and its one-table CSV form, empty, filled with the examples, or filled with given data.

Why the example claims are computed: they are what the example companies qualify for under
the rules, so no amount is written here (amounts live in the rule files only).

Why every text cell written goes through :func:`~subsidy.export.safe_cell`: text from an
uploaded file (``=HYPERLINK(...)``) must not become a formula in the workbooks this project
writes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from .. import vocab
from ..export import safe_cell
from ..money import normalize
from ..profile import Profile, ProfileError, load_profile
from ..ruleset import DEFAULT_RULES_DIR, RuleSet
from .columns import (
    CLAIM_COLUMNS,
    CLAIM_SHEET,
    COMPANY_COLUMNS,
    COMPANY_SHEET,
    HELP_SHEET,
    IDENTITY_KEYS,
    LISTS_SHEET,
    RULES_SHEET,
    Column,
)
from .companies import profile_rows
from .model import MAX_UPLOAD_BYTES


def _cell_value(column: Column, value: Any) -> Any:
    """How a value is written in the template: labels for codes, 是/否, plain numbers."""
    if value is None:
        return None
    if column.kind == "code" and column.vocab is not None:
        return vocab.label(column.vocab, value)
    if column.kind == "codes" and column.vocab is not None:
        if isinstance(value, str):
            return value
        return "、".join(vocab.label(column.vocab, v) for v in value)
    if column.kind == "programme":
        return vocab.label(vocab.TALENT_PROGRAMMES, value)
    if column.kind == "bool":
        return "是" if value else "否"
    if column.kind == "date" and isinstance(value, dt.date):
        return value.isoformat()
    return value


def _example_profiles() -> list[Profile]:
    folder = DEFAULT_RULES_DIR.parent / "examples"
    profiles = []
    for path in sorted(folder.glob("*.json")):
        try:
            profiles.append(load_profile(path.read_bytes()))
        except ProfileError:
            continue
    return profiles


def _example_claims(profiles: Iterable[Profile], ruleset: RuleSet) -> list[dict[str, Any]]:
    """Example claims: every monetary award the example companies qualify for, as claimed
    by a diligent applicant (amounts come from the evaluation, not from this module)."""
    from ..evaluate import evaluate

    claims: list[dict[str, Any]] = []
    for profile in profiles:
        report = evaluate(profile, rules=ruleset)
        sums: dict[tuple[str, int], Decimal] = {}
        for finding in report.results:
            if finding.status == "eligible" and finding.amount_wan is not None and finding.year:
                key = (finding.rule_id, finding.year)
                sums[key] = sums.get(key, Decimal(0)) + finding.amount_wan
        for (rule_id, year), amount in sums.items():
            claims.append({"claim_ref": f"示例-{len(claims) + 1:03d}",
                           "credit_code": profile.credit_code, "name": profile.name,
                           "rule": ruleset.rules[rule_id].title, "claim_year": year,
                           "claimed_wan": normalize(amount)})
    return claims


CompanyData = Profile | Mapping[str, Any]
"""A company for a filled workbook: a profile, or one company-sheet row (column key → value)."""


def _company_rows(companies: Iterable[CompanyData]) -> Iterator[dict[str, Any]]:
    for company in companies:
        if isinstance(company, Profile):
            yield from profile_rows(company)
        else:
            yield dict(company)


def write_template(target: str | Path | io.BytesIO, *, rules: RuleSet | None = None,
                   example: bool = False, companies: Iterable[CompanyData] | None = None,
                   claims: Iterable[Mapping[str, Any]] | None = None) -> None:
    """Write the claims template (.xlsx): the two sheets to fill, help, rules and code lists.

    ``example`` fills the sheets with the example companies and their claims, so an official
    can see a filled file (and run it) before filling their own. ``companies`` and ``claims``
    fill them with given data instead (a district's export script, tests, benchmarks);
    claim rows are mappings with the keys of :data:`CLAIM_COLUMNS`.
    """
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from ..evaluate import default_rules

    ruleset = rules or default_rules()
    book = Workbook()
    help_sheet = book.active
    help_sheet.title = HELP_SHEET
    company_sheet = book.create_sheet(COMPANY_SHEET)
    claim_sheet = book.create_sheet(CLAIM_SHEET)
    rules_sheet = book.create_sheet(RULES_SHEET)
    lists = book.create_sheet(LISTS_SHEET)

    head_font = Font(bold=True)
    required_fill = PatternFill("solid", fgColor="FFE699")
    head_fill = PatternFill("solid", fgColor="DDEBF7")

    # code lists for drop-downs
    list_ranges: dict[str, str] = {}
    coded = [c for c in COMPANY_COLUMNS if c.kind == "code" and c.vocab is not None]
    for index, column in enumerate(coded, start=1):
        letter = get_column_letter(index)
        lists.cell(row=1, column=index, value=column.zh).font = head_font
        labels = [label.zh for label in column.vocab.values()]  # type: ignore[union-attr]
        for row, text in enumerate(labels, start=2):
            lists.cell(row=row, column=index, value=text)
        list_ranges[column.key] = f"'{LISTS_SHEET}'!${letter}$2:${letter}${len(labels) + 1}"
    yes_no_col = len(coded) + 1
    lists.cell(row=1, column=yes_no_col, value="是/否").font = head_font
    lists.cell(row=2, column=yes_no_col, value="是")
    lists.cell(row=3, column=yes_no_col, value="否")
    yn = get_column_letter(yes_no_col)
    list_ranges["bool"] = f"'{LISTS_SHEET}'!${yn}$2:${yn}$3"
    rule_titles_range = f"'{RULES_SHEET}'!$B$2:$B${len(ruleset.rules) + 1}"

    def header(sheet: Any, columns: tuple[Column, ...]) -> None:
        for index, column in enumerate(columns, start=1):
            cell = sheet.cell(row=1, column=index, value=column.zh)
            cell.font = head_font
            cell.fill = required_fill if column.required else head_fill
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            cell.comment = Comment(f"{column.help_zh}\n{column.en}: {column.help_en}", "subsidy",
                                   width=300, height=120)
            sheet.column_dimensions[get_column_letter(index)].width = column.width
            letter = get_column_letter(index)
            cells = f"{letter}2:{letter}5000"
            formula = None
            if column.kind == "code" and column.key in list_ranges:
                formula = list_ranges[column.key]
            elif column.kind == "bool":
                formula = list_ranges["bool"]
            elif column.kind == "rule":
                formula = rule_titles_range
            if formula:
                validation = DataValidation(type="list", formula1=formula, allow_blank=True,
                                            showErrorMessage=column.kind != "rule")
                validation.error = "请从下拉列表中选择 / pick a value from the list"
                sheet.add_data_validation(validation)
                validation.add(cells)
            if column.kind in ("credit_code", "text") or column.key == "credit_code":
                for row in range(2, 502):
                    sheet.cell(row=row, column=index).number_format = "@"
        sheet.freeze_panes = "B2" if columns is COMPANY_COLUMNS else "A2"
        sheet.row_dimensions[1].height = 32

    header(company_sheet, COMPANY_COLUMNS)
    header(claim_sheet, CLAIM_COLUMNS)

    if example:
        profiles = _example_profiles()
        companies, claims = profiles, _example_claims(profiles, ruleset)
    for row_number, row in enumerate(_company_rows(companies or ()), start=2):
        for index, column in enumerate(COMPANY_COLUMNS, start=1):
            _put_text(company_sheet.cell(row=row_number, column=index),
                      _cell_value(column, row.get(column.key)))
    for row_number, claim in enumerate(claims or (), start=2):
        for index, column in enumerate(CLAIM_COLUMNS, start=1):
            _put_text(claim_sheet.cell(row=row_number, column=index), claim.get(column.key))

    # rules sheet
    heads = ["规则编号", "条款名称", "English title", "所属政策", "条款", "一次性", "金额", "原文"]
    for index, text in enumerate(heads, start=1):
        rules_sheet.cell(row=1, column=index, value=text).font = head_font
    once_zh = {"company": "每家企业一次", "tier": "每档一次", "subject": "每项一次", "none": "否"}
    for row, rule in enumerate(ruleset.rules.values(), start=2):
        policy = ruleset.policy_of(rule.id)
        amounts = "；".join(rule.amount_lines())
        values = [rule.id, rule.title, rule.title_en, policy.title, rule.section,
                  once_zh.get(rule.once, rule.once), amounts, rule.quote]
        for index, value in enumerate(values, start=1):
            rules_sheet.cell(row=row, column=index, value=safe_cell(value))
    for letter, width in zip("ABCDEFGH", (32, 34, 40, 40, 10, 12, 40, 80), strict=True):
        rules_sheet.column_dimensions[letter].width = width
    rules_sheet.freeze_panes = "C2"

    # help sheet
    lines = [
        ("奖励申报核验模板 / Award claims template", True),
        (f"规则版本 ruleset {ruleset.version}", False),
        ("", False),
        ("怎样填写 / How to fill it", True),
        (f"1. “{COMPANY_SHEET}”表：每家企业每个年度一行。企业名称、所在区、行业门类必填；同一企业各行的企业信息应一致。", False),
        ("   年度数据（营业收入等，单位万元）和当年事件（认定、上市、人才项目、孵化、星级、技改）填在该年的行上；", False),
        ("   同一年有两次上市或两个项目时，可为同一年再加一行。不知道的数字请留空，不要填0：留空的数字会被标为“需补充材料”。", False),
        (f"2. “{CLAIM_SHEET}”表：每条申报一行。填统一社会信用代码或企业名称（与企业表一致）、奖励条款（规则编号或名称，见“{RULES_SHEET}”表）、", False),
        ("   申报年度（奖励所依据事件的年度）和申报金额（万元）。", False),
        ("3. 金额单位为万元，可写 1500、2300.5，也可写“102亿元”。年份写4位数字。日期写 2020-07-22。", False),
        ("4. 黄色表头为必填列；每个表头的批注说明该列的填法。", False),
        ("5. 也接受 CSV：一张表，列名同上；同一行可以同时填写企业数据和申报。", False),
        (f"6. 文件大小上限 {MAX_UPLOAD_BYTES // 1024 // 1024} MB。", False),
        ("", False),
        ("核验结论 / Verdicts", True),
        ("核实通过：符合条件，申报金额与按规则核定的金额一致。", False),
        ("金额不符：符合条件，但申报金额与核定金额不同（列出两者和差额）。", False),
        ("不符合条件：列出未满足的条件及差距。", False),
        ("需补充材料：列出缺少的数据或事件记录。", False),
        ("超出政策期限或区域：事件不在政策期限内，或企业不在适用区域。", False),
        ("重复申报：一次性奖励已在登记簿中批准，或同一批次中重复申报。", False),
        ("", False),
        ("命令行 / Command line", True),
        ("subsidy verify 申报.xlsx --out 核验结果.xlsx", False),
        ("subsidy verify 申报.xlsx --record --user 用户名   （记入登记簿）", False),
    ]
    for row, (text, bold) in enumerate(lines, start=1):
        cell = help_sheet.cell(row=row, column=1, value=safe_cell(text))
        if bold:
            cell.font = head_font
    help_sheet.column_dimensions["A"].width = 120

    if isinstance(target, io.BytesIO):
        book.save(target)
    else:
        book.save(str(target))


def _put_text(cell: Any, value: Any) -> None:
    """Write a cell; text stays text (never a formula), numbers stay numbers."""
    cell.value = safe_cell(value)
    if isinstance(cell.value, str):
        cell.data_type = "s"


def template_bytes(*, rules: RuleSet | None = None, example: bool = False,
                   companies: Iterable[CompanyData] | None = None,
                   claims: Iterable[Mapping[str, Any]] | None = None) -> bytes:
    """The template as .xlsx bytes (for a download button), optionally filled."""
    buffer = io.BytesIO()
    write_template(buffer, rules=rules, example=example, companies=companies, claims=claims)
    return buffer.getvalue()


def template_csv(*, rules: RuleSet | None = None, example: bool = False,
                 companies: Iterable[CompanyData] | None = None,
                 claims: Iterable[Mapping[str, Any]] | None = None) -> str:
    """The one-table CSV form of the template: company and claim columns side by side."""
    from ..evaluate import default_rules

    ruleset = rules or default_rules()
    columns = [*COMPANY_COLUMNS, *[c for c in CLAIM_COLUMNS if c.key not in IDENTITY_KEYS]]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.zh for c in columns])
    if example:
        profiles = _example_profiles()
        companies, claims = profiles, _example_claims(profiles, ruleset)
    for row in _company_rows(companies or ()):
        writer.writerow([_csv_text(_cell_value(c, row.get(c.key))) for c in columns])
    for claim in claims or ():
        writer.writerow([_csv_text(claim.get(c.key)) for c in columns])
    return "\ufeff" + buffer.getvalue()


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    return str(safe_cell(value if isinstance(value, str) else str(value)))
