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
from ..money_display import wan_unit
from ..profile import Profile, ProfileError, load_profile
from ..ruleset import DEFAULT_RULES_DIR, RuleSet
from .columns import (
    CLAIM_COLUMNS,
    COMPANY_COLUMNS,
    IDENTITY_KEYS,
    Column,
    sheet_name,
)
from .companies import profile_rows
from .model import MAX_UPLOAD_BYTES

YES_NO = {"zh": ("是", "否"), "en": ("yes", "no")}
"""How a yes/no cell is written in each language (the reader takes both)."""


def _cell_value(column: Column, value: Any, lang: str = "zh") -> Any:
    """How a value is written in the template: labels for codes, yes/no, plain numbers, in
    the template's language (the reader takes labels in either language)."""
    if value is None:
        return None
    if column.kind == "code" and column.vocab is not None:
        return vocab.label(column.vocab, value, lang)
    if column.kind == "codes" and column.vocab is not None:
        if isinstance(value, str):
            return value
        return (", " if lang == "en" else "、").join(vocab.label(column.vocab, v, lang) for v in value)
    if column.kind == "programme":
        return vocab.label(vocab.TALENT_PROGRAMMES, value, lang)
    if column.kind == "bool":
        yes, no = YES_NO["en" if lang == "en" else "zh"]
        return yes if value else no
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


EXAMPLE_REF = {"zh": "示例", "en": "Example"}
"""The prefix of the example claims' references."""


def _example_claims(profiles: Iterable[Profile], ruleset: RuleSet, lang: str = "zh") -> list[dict[str, Any]]:
    """Example claims: every monetary award the example companies qualify for, as claimed
    by a diligent applicant (amounts come from the evaluation, not from this module), each
    naming its award by its title in ``lang``."""
    lang = "en" if lang == "en" else "zh"
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
            rule = ruleset.rules[rule_id]
            claims.append({"claim_ref": f"{EXAMPLE_REF[lang]}-{len(claims) + 1:03d}",
                           "credit_code": profile.credit_code, "name": profile.name,
                           "rule": (rule.title_en or rule.title) if lang == "en" else rule.title,
                           "claim_year": year,
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


_HELP_ZH: tuple[tuple[str, bool], ...] = (
    ("奖励申报核验模板 / Award claims template", True),
    ("规则版本 ruleset {version}", False),
    ("", False),
    ("怎样填写 / How to fill it", True),
    ("1. “{company}”表：每家企业每个年度一行。企业名称、所在区、行业门类必填；同一企业各行的企业信息应一致。", False),
    ("   年度数据（营业收入等，单位万元）和当年事件（认定、上市、人才项目、孵化、星级、技改）填在该年的行上；", False),
    ("   同一年有两次上市或两个项目时，可为同一年再加一行。不知道的数字请留空，不要填0：留空的数字会被标为“需补充材料”。", False),
    ("2. “{claim}”表：每条申报一行。填统一社会信用代码或企业名称（与企业表一致）、奖励条款（规则编号或名称，见“{rules}”表）、", False),
    ("   申报年度（奖励所依据事件的年度）和申报金额（万元）。", False),
    ("3. 金额单位为万元，可写 1500、2300.5，也可写“102亿元”。年份写4位数字。日期写 2020-07-22。", False),
    ("4. 黄色表头为必填列；每个表头的批注说明该列的填法。", False),
    ("5. 也接受 CSV：一张表，列名同上；同一行可以同时填写企业数据和申报。", False),
    ("6. 文件大小上限 {mb} MB。", False),
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
)
_HELP_EN: tuple[tuple[str, bool], ...] = (
    ("Award claims template", True),
    ("Ruleset {version}", False),
    ("", False),
    ("How to fill it", True),
    ('1. Sheet "{company}": one row per company and year. Company name, district and sector are '
     "required; a company's details must be the same on each of its rows.", False),
    ("   Yearly figures (operating revenue and the others, {unit}) and that year's events "
     "(recognitions, listing, talent projects, incubation, park stars, tech upgrades) go on "
     "that year's row;", False),
    ("   for two listings or two projects in one year, add another row for that year. Leave a "
     'figure you do not know empty, never 0: an empty figure is marked "{needs}".', False),
    ('2. Sheet "{claim}": one row per claim. Give the unified social credit code or the company '
     'name (as on the company sheet), the award (a rule id or title, see the "{rules}" sheet),',
     False),
    ("   the claim year (the year of the event the award is for) and the claimed amount "
     "({unit}).", False),
    ("3. Amounts are {unit} (ten thousand yuan): write 1500 or 2300.5. Years have 4 digits. "
     "Dates as 2020-07-22.", False),
    ("4. Yellow headers are required columns; each header's comment says how to fill the column.",
     False),
    ("5. CSV is accepted too: one table with the same column names; a row may carry company data "
     "and a claim together.", False),
    ("6. Files up to {mb} MB.", False),
    ("", False),
    ("Verdicts", True),
    ("{confirmed}: eligible, and the claimed amount equals the amount computed by the rules.",
     False),
    ("{amount_differs}: eligible, but the claimed amount differs from the computed one (both and "
     "the difference are listed).", False),
    ("{not_eligible}: the conditions not met are listed, with the gaps.", False),
    ("{needs_documents}: the missing figures or event records are listed.", False),
    ("{out_of_scope}: the event is outside the policy's period, or the company outside its "
     "area.", False),
    ("{duplicate}: a one-time award already approved in the register, or claimed twice in the "
     "same batch.", False),
    ("", False),
    ("Command line", True),
    ("subsidy verify claims.xlsx --out verdicts.xlsx", False),
    ("subsidy verify claims.xlsx --record --user USERNAME   (records the batch in the register)",
     False),
)
"""The help sheet, in each language: the English one is not a translation of every Chinese
hint (102亿元 is a Chinese way of writing an amount) but says the same about every column."""


def _help_lines(ruleset: RuleSet, lang: str) -> list[tuple[str, bool]]:
    """The help sheet's lines in ``lang``, with the sheet names, the unit and the verdicts'
    labels filled in from where they are defined."""
    from ..verdict_labels import STATUS_LABELS

    values = {"version": ruleset.version, "mb": MAX_UPLOAD_BYTES // 1024 // 1024,
              "company": sheet_name("company", lang), "claim": sheet_name("claim", lang),
              "rules": sheet_name("rules", lang), "unit": f"in {wan_unit('en')}",
              "needs": STATUS_LABELS["needs_documents"].en,
              **{code: label.en for code, label in STATUS_LABELS.items()}}
    lines = _HELP_EN if lang == "en" else _HELP_ZH
    return [(text.format(**values), bold) for text, bold in lines]


_RULES_HEADS = {
    "zh": ("规则编号", "条款名称", "English title", "所属政策", "条款", "一次性", "金额", "原文"),
    "en": ("Rule id", "Title", "Policy", "Section", "One-time", "Amount",
           "Clause (original Chinese text)"),
}
"""The award rules sheet's headers. Its second column holds the titles the award column's
drop-down offers, so the English sheet has the English title there. The clause exists only
in Chinese; its header says so."""
_RULES_WIDTHS = {"zh": (32, 34, 40, 40, 10, 12, 40, 80), "en": (32, 40, 40, 10, 16, 40, 80)}
_ONCE = {"zh": {"company": "每家企业一次", "tier": "每档一次", "subject": "每项一次", "none": "否"},
         "en": {"company": "once per company", "tier": "once per tier", "subject": "once per item",
                "none": "no"}}


def _rule_values(rule: Any, ruleset: RuleSet, lang: str) -> list[Any]:
    """One rule's row of the award rules sheet in ``lang``."""
    policy = ruleset.policy_of(rule.id)
    once = _ONCE[lang].get(rule.once, rule.once)
    if lang == "en":
        return [rule.id, rule.title_en or rule.title, policy.title_en or policy.title, rule.section,
                once, "; ".join(rule.amount_lines("en")), rule.quote]
    return [rule.id, rule.title, rule.title_en, policy.title, rule.section, once,
            "；".join(rule.amount_lines()), rule.quote]


def _fill_rules_sheet(sheet: Any, ruleset: RuleSet, lang: str, head_font: Any) -> None:
    """The award rules sheet: every rule by id and title, its policy, amounts and clause."""
    for index, text in enumerate(_RULES_HEADS[lang], start=1):
        sheet.cell(row=1, column=index, value=text).font = head_font
    for row, rule in enumerate(ruleset.rules.values(), start=2):
        for index, value in enumerate(_rule_values(rule, ruleset, lang), start=1):
            sheet.cell(row=row, column=index, value=safe_cell(value))
    for letter, width in zip("ABCDEFGH", _RULES_WIDTHS[lang], strict=False):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "C2"


def _fill_lists_sheet(sheet: Any, lang: str, head_font: Any) -> dict[str, str]:
    """The code lists the drop-downs offer (labels in ``lang``); returns each list's range."""
    from openpyxl.utils import get_column_letter

    name = sheet_name("lists", lang)
    list_ranges: dict[str, str] = {}
    coded = [c for c in COMPANY_COLUMNS if c.kind == "code" and c.vocab is not None]
    for index, column in enumerate(coded, start=1):
        letter = get_column_letter(index)
        sheet.cell(row=1, column=index, value=column.header_in(lang)).font = head_font
        labels = [vocab.label(column.vocab, code, lang) for code in column.vocab]  # type: ignore[arg-type]
        for row, text in enumerate(labels, start=2):
            sheet.cell(row=row, column=index, value=text)
        list_ranges[column.key] = f"'{name}'!${letter}$2:${letter}${len(labels) + 1}"
    yes_no_col = len(coded) + 1
    yes, no = YES_NO[lang]
    sheet.cell(row=1, column=yes_no_col, value=f"{yes}/{no}" if lang != "en" else "Yes/No").font = head_font
    sheet.cell(row=2, column=yes_no_col, value=yes)
    sheet.cell(row=3, column=yes_no_col, value=no)
    yn = get_column_letter(yes_no_col)
    list_ranges["bool"] = f"'{name}'!${yn}$2:${yn}$3"
    return list_ranges


_PICK_FROM_LIST = {"zh": "请从下拉列表中选择 / pick a value from the list",
                   "en": "Pick a value from the list"}


def _comment_text(column: Column, lang: str) -> str:
    """A header's comment: how to fill the column (the Chinese template gives both languages)."""
    if lang == "en":
        return column.help_en
    return f"{column.help_zh}\n{column.en}: {column.help_en}"


def write_template(target: str | Path | io.BytesIO, *, rules: RuleSet | None = None,
                   example: bool = False, companies: Iterable[CompanyData] | None = None,
                   claims: Iterable[Mapping[str, Any]] | None = None, lang: str = "zh") -> None:
    """Write the claims template (.xlsx): the two sheets to fill, help, rules and code lists.

    ``example`` fills the sheets with the example companies and their claims, so an official
    can see a filled file (and run it) before filling their own. ``companies`` and ``claims``
    fill them with given data instead (a district's export script, tests, benchmarks);
    claim rows are mappings with the keys of :data:`CLAIM_COLUMNS`. ``lang`` is the language
    of the sheet names, headers, help and code labels; the reader takes either.
    """
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from ..evaluate import default_rules

    lang = "en" if lang == "en" else "zh"
    ruleset = rules or default_rules()
    book = Workbook()
    help_sheet = book.active
    help_sheet.title = sheet_name("help", lang)
    company_sheet = book.create_sheet(sheet_name("company", lang))
    claim_sheet = book.create_sheet(sheet_name("claim", lang))
    rules_sheet = book.create_sheet(sheet_name("rules", lang))
    lists = book.create_sheet(sheet_name("lists", lang))

    head_font = Font(bold=True)
    required_fill = PatternFill("solid", fgColor="FFE699")
    head_fill = PatternFill("solid", fgColor="DDEBF7")

    list_ranges = _fill_lists_sheet(lists, lang, head_font)
    rule_titles_range = f"'{sheet_name('rules', lang)}'!$B$2:$B${len(ruleset.rules) + 1}"

    def header(sheet: Any, columns: tuple[Column, ...]) -> None:
        for index, column in enumerate(columns, start=1):
            cell = sheet.cell(row=1, column=index, value=column.header_in(lang))
            cell.font = head_font
            cell.fill = required_fill if column.required else head_fill
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            cell.comment = Comment(_comment_text(column, lang), "subsidy", width=300, height=120)
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
                validation.error = _PICK_FROM_LIST[lang]
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
        companies, claims = profiles, _example_claims(profiles, ruleset, lang)
    for row_number, row in enumerate(_company_rows(companies or ()), start=2):
        for index, column in enumerate(COMPANY_COLUMNS, start=1):
            _put_text(company_sheet.cell(row=row_number, column=index),
                      _cell_value(column, row.get(column.key), lang))
    for row_number, claim in enumerate(claims or (), start=2):
        for index, column in enumerate(CLAIM_COLUMNS, start=1):
            _put_text(claim_sheet.cell(row=row_number, column=index), claim.get(column.key))

    _fill_rules_sheet(rules_sheet, ruleset, lang, head_font)

    for row, (text, bold) in enumerate(_help_lines(ruleset, lang), start=1):
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
                   claims: Iterable[Mapping[str, Any]] | None = None, lang: str = "zh") -> bytes:
    """The template as .xlsx bytes (for a download button), optionally filled, in ``lang``."""
    buffer = io.BytesIO()
    write_template(buffer, rules=rules, example=example, companies=companies, claims=claims,
                   lang=lang)
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
