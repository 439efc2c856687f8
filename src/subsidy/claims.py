"""Claim workbooks: the template officials fill, and reading it (or a CSV) into profiles and claims.

A district official receives award claims as spreadsheets. The template has two sheets an
official fills:

- **企业** (companies): the CONTRACT.md profile fields, one row per company-year. Company
  fields (名称, 所在区, 行业门类 …) may be repeated on every row of the company or written once;
  the year's figures and the events of that year (认定, 上市, 人才项目, 孵化载体, 园区星级,
  技改项目) sit on the year's row. A second row for the same company-year is allowed (for a
  second listing or project); figures given twice must agree.
- **申报** (claims): company (统一社会信用代码 or 企业名称), the award (rule id such as
  ``qk.listing`` or its Chinese title), the year of the event, and the claimed amount in 万元.

A CSV file is one table whose header may carry both kinds of columns: a row with an award
column filled is a claim, a row with company figures feeds the company's profile, a row may
be both. Chinese Excel saves CSV as GBK, so GB18030 is read when the text is not UTF-8.

Why rows are read leniently but never guessed: a malformed row is reported with its sheet,
row and column (:class:`RowProblem`) and the rest go on; a value that cannot be read is
never replaced by a default. A company whose rows have problems is not evaluated: its
claims are answered "需补充材料" pointing at those rows, since a verdict on half-read
figures could be wrong.

Why every text cell written goes through :func:`safe_cell`: text from an uploaded file
(``=HYPERLINK(...)``) must not become a formula in the workbooks this project writes.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import hashlib
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from . import vocab
from .export import safe_cell as _export_safe_cell
from .money import MAX_PLACES, MoneyError, format_wan, normalize, parse_money
from .profile import (
    MAX_YEAR,
    MIN_YEAR,
    Profile,
    ProfileError,
    is_valid_credit_code,
    load_profile,
    parse_profile,
)
from .ruleset import DEFAULT_RULES_DIR, RuleSet

__all__ = [
    "CLAIM_COLUMNS",
    "COMPANY_COLUMNS",
    "MAX_ROWS",
    "MAX_UPLOAD_BYTES",
    "Claim",
    "ClaimBatch",
    "ClaimsFileError",
    "Column",
    "CompanyEntry",
    "RowProblem",
    "CompanyData",
    "check_upload_size",
    "company_name_key",
    "profile_rows",
    "read_claims",
    "read_claims_file",
    "resolve_rule",
    "safe_cell",
    "template_bytes",
    "template_csv",
    "upload_too_large",
    "write_template",
]

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
"""Largest claims file accepted (20 MB): 10,000 claims with their companies take about 1 MB,
so a bigger file is a mistake (a wrong attachment) rather than a bigger batch."""
MAX_ROWS = 200_000
"""Rows read per sheet at most; a sheet with more is cut there with a problem reported."""

COMPANY_SHEET = "企业"
CLAIM_SHEET = "申报"
HELP_SHEET = "填写说明"
RULES_SHEET = "奖励条款"
LISTS_SHEET = "代码表"
_SKIPPED_SHEETS = {HELP_SHEET, RULES_SHEET, LISTS_SHEET}

# --------------------------------------------------------------------------------------------
# Problems and refusals
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowProblem:
    """One malformed row (or cell) of a claims file; the rest of the file is still read.

    ``row`` is the spreadsheet's own row number (1 = the header row of the template), so an
    official finds the cell at once; ``field`` is the column's header as written.
    """

    sheet: str
    row: int
    field: str
    message_zh: str
    message_en: str

    def __str__(self) -> str:
        where = f"{self.sheet} 第{self.row}行" + (f"「{self.field}」" if self.field else "")
        return f"{where}：{self.message_zh} / {self.message_en}"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class ClaimsFileError(ValueError):
    """The whole file is refused (too large, not a spreadsheet, no claims sheet)."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        self.message_zh, self.message_en = message_zh, message_en
        super().__init__(f"{message_zh} / {message_en}")


def upload_too_large(size: int, limit: int = MAX_UPLOAD_BYTES) -> ClaimsFileError:
    """The bilingual refusal of a file over the size limit."""
    mb = f"{size / 1024 / 1024:.1f}"
    cap = f"{limit / 1024 / 1024:.0f}"
    return ClaimsFileError(
        f"文件过大（{mb} MB），上限为 {cap} MB。请检查是否选错了文件，或把申报拆成几个文件分批核验。",
        f"the file is too large ({mb} MB); the limit is {cap} MB. Check it is the right file, "
        "or split the claims into several files.",
    )


def check_upload_size(size: int, limit: int = MAX_UPLOAD_BYTES) -> None:
    """Refuse a file over the limit before reading it (CLI and page both call this)."""
    if size > limit:
        raise upload_too_large(size, limit)


# --------------------------------------------------------------------------------------------
# Safe text for Excel
# --------------------------------------------------------------------------------------------

def safe_cell(value: Any) -> Any:
    """A value Excel shows as written: :func:`subsidy.export.safe_cell` (text that would
    start a formula gets a ``'``), after removing the control characters an .xlsx cannot
    hold (a CSV may carry them, and openpyxl would refuse the whole workbook)."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return _export_safe_cell(value)


# --------------------------------------------------------------------------------------------
# Columns
# --------------------------------------------------------------------------------------------

Kind = Literal["text", "code", "codes", "money", "year", "date", "count", "stars", "bool",
               "credit_code", "programme", "rule"]


@dataclass(frozen=True)
class Column:
    """One column of the template: its header, help, how cells are read, and aliases."""

    key: str
    zh: str
    en: str
    kind: Kind
    help_zh: str
    help_en: str
    vocab: Mapping[str, vocab.Label] | None = None
    aliases: tuple[str, ...] = ()
    required: bool = False
    width: int = 14

    @property
    def header(self) -> str:
        return self.zh


def _unit(label: str) -> str:
    return f"{label}（万元）"


COMPANY_COLUMNS: tuple[Column, ...] = (
    Column("credit_code", "统一社会信用代码", "Unified social credit code", "credit_code",
           "18位；有则填写，申报表可凭此对应企业。请把本列设为文本格式。",
           "18 characters; claims refer to the company by it. Keep the column as text.",
           aliases=("信用代码", "社会信用代码", "credit_code", "统一代码"), width=22),
    Column("name", "企业名称", "Company name", "text", "必填。与申报表中的企业名称一致。",
           "Required; the same name as on the claims sheet.",
           aliases=("名称", "企业", "公司名称", "单位名称", "name", "company"), required=True,
           width=30),
    Column("district", "所在区", "District", "code", "必填。从下拉列表选择（武汉市外企业选“武汉市外”）。",
           "Required; pick from the list.", vocab=vocab.DISTRICTS,
           aliases=("区", "所在区域", "district"), required=True, width=12),
    Column("sector", "行业门类", "Sector", "code", "必填。工业、批发、零售、住宿、餐饮、服务业、建筑业、房地产、其他。",
           "Required; pick from the list.", vocab=vocab.SECTORS,
           aliases=("行业", "sector"), required=True, width=10),
    Column("industry_tags", "重点产业", "Priority industries", "codes",
           "可选，可填多个，用顿号分隔；都不属于填“无”；不填表示未说明。",
           "Optional, several separated by 、; 无 = none; blank = not stated.",
           vocab=vocab.INDUSTRY_TAGS, aliases=("industry_tags",), width=14),
    Column("scale_entry_year", "入库纳统年份", "Year entered 规上/限上 statistics", "year",
           "首次进入规上/限上统计的年份。", "Year first included in 规上/限上 statistics.",
           aliases=("入库年份", "纳统年份", "scale_entry_year")),
    Column("prior_peak_revenue_wan", _unit("此前最高营业收入"), "Highest earlier revenue (万元)", "money",
           "本表最早年份之前任一年的最高营业收入（万元）；此前无收入填0。",
           "Highest revenue of any year before the first year listed (万元); 0 if none.",
           aliases=("prior_peak_revenue_wan",)),
    Column("prior_peak_main_revenue_wan", _unit("此前最高主营业务收入"),
           "Highest earlier main business revenue (万元)", "money",
           "本表最早年份之前任一年的最高主营业务收入（万元）。",
           "Highest main business revenue before the first year listed (万元).",
           aliases=("prior_peak_main_revenue_wan",)),
    Column("incubator_kind", "孵化载体类型", "Kind of incubator", "code",
           "企业运营孵化载体时填写：科技产业园区、科技企业孵化器、加速器、众创空间、创业示范基地。",
           "If the company runs an innovation carrier.", vocab=vocab.INCUBATOR_KINDS,
           aliases=("载体类型", "incubator_kind", "incubator.kind")),
    Column("year", "年份", "Year", "year",
           "本行数据所属年度。本行的年度数据、认定、人才项目、孵化和星级数据都属于该年。",
           "The year of this row's figures and events.", aliases=("年度", "year"), width=8),
    Column("revenue_wan", _unit("营业收入"), "Operating revenue (万元)", "money",
           "该年营业收入，单位万元（也可写“102亿元”）。",
           "That year's operating revenue in 万元.", aliases=("revenue_wan", "营收")),
    Column("main_business_revenue_wan", _unit("主营业务收入"), "Main business revenue (万元)", "money",
           "该年主营业务收入，单位万元。", "That year's main business revenue in 万元.",
           aliases=("main_business_revenue_wan", "主营收入")),
    Column("district_fiscal_contribution_wan", _unit("区级财政贡献"),
           "District fiscal contribution (万元)", "money",
           "该年区级财政贡献，单位万元。", "That year's district fiscal contribution in 万元.",
           aliases=("district_fiscal_contribution_wan", "财政贡献")),
    Column("recognition", "认定称号", "Recognition", "codes",
           "该年获得的认定，如 隐形冠军示范企业、高新技术企业；多个用顿号分隔。",
           "Recognitions obtained that year; several separated by 、.",
           vocab=vocab.RECOGNITION_TITLES, aliases=("称号", "认定", "recognition", "recognitions"),
           width=22),
    Column("recognition_name", "认定名称", "Recognition name", "text",
           "可选，如单项冠军产品的名称（本行只能有一个称号）。",
           "Optional, e.g. the single-champion product's name (one title on the row).",
           aliases=("产品名称", "recognition_name")),
    Column("listing_board", "上市板块", "Listing board", "code",
           "境内主板、境外主板、科创板、创业板、北交所、新三板、其他。",
           "Board of the listing.", vocab=vocab.BOARDS, aliases=("板块", "board", "listing_board")),
    Column("listing_date", "上市日期", "Listing date", "date", "格式 2020-07-22。",
           "As 2020-07-22.", aliases=("listing_date",), width=12),
    Column("talent_programme", "人才计划", "Talent programme", "programme",
           "该年立项的人才项目所属计划：千人计划、百人计划、黄鹤英才等。",
           "Programme of a talent project started that year.",
           aliases=("talent_programme", "programme")),
    Column("talent_leader", "人才项目负责人", "Talent project leader", "text", "可选。", "Optional.",
           aliases=("项目负责人", "talent_leader", "leader")),
    Column("incubator_recognition_level", "孵化器认定级别", "Incubator recognition level", "code",
           "该年孵化器获得认定的级别：区级、市级、省级、国家级。", "Level recognised that year.",
           vocab=vocab.INCUBATOR_LEVELS, aliases=("认定级别", "incubator_recognition_level")),
    Column("resident_enterprises", "入驻企业总数", "Resident enterprises", "count",
           "孵化载体该年入驻企业总数。", "Resident enterprises that year.",
           aliases=("resident_enterprises",)),
    Column("new_enterprises", "新增企业数", "New enterprises", "count", "孵化载体该年新增企业数。",
           "New enterprises that year.", aliases=("new_enterprises",)),
    Column("hightech_cultivated", "培育高新技术企业数", "High-tech enterprises cultivated", "count",
           "孵化载体该年培育的高新技术企业数。", "High-tech enterprises cultivated that year.",
           aliases=("hightech_cultivated",)),
    Column("park_stars", "园区星级", "Park stars", "stars", "该年“新两园”星级评定结果，1至5。",
           "Park star rating that year, 1 to 5.", aliases=("星级", "park_stars", "stars")),
    Column("park_kind", "园区类型", "Park kind", "code", "现代产业园 或 科创小微企业园。",
           "Kind of park.", vocab=vocab.PARK_KINDS, aliases=("park_kind",)),
    Column("tech_project", "技改项目名称", "Tech-upgrade project", "text",
           "技术改造项目名称；同一项目各年分行填写，名称相同。",
           "Project name; one row per year, same name.", aliases=("技改项目", "tech_project")),
    Column("tech_in_catalogue", "符合技改目录", "In the upgrade catalogue", "bool",
           "是否符合《湖北省工业企业技术改造指导目录》方向：是/否。", "Yes/no.",
           aliases=("in_catalogue", "tech_in_catalogue")),
    Column("tech_completed", "技改已完工", "Project completed", "bool", "是/否（有验收年份时可不填）。",
           "Yes/no.", aliases=("completed", "tech_completed")),
    Column("tech_accepted_year", "技改验收年份", "Year accepted", "year",
           "经信、发改部门验收合格的年份。", "Year the project was accepted.",
           aliases=("验收年份", "accepted_year", "tech_accepted_year")),
    Column("tech_new_local_fiscal_revenue_wan", _unit("技改地方新增财力"),
           "New local fiscal revenue of the project (万元)", "money",
           "该项目在本行年份的地方新增财力，单位万元。",
           "The project's new local fiscal revenue in this row's year (万元).",
           aliases=("地方新增财力", "new_local_fiscal_revenue_wan")),
)

CLAIM_COLUMNS: tuple[Column, ...] = (
    Column("claim_ref", "申报编号", "Claim reference", "text", "可选，贵单位自己的编号。",
           "Optional: your own reference.", aliases=("编号", "claim_ref", "reference"), width=12),
    Column("credit_code", "统一社会信用代码", "Unified social credit code", "credit_code",
           "与企业表对应；信用代码和企业名称至少填一项。",
           "Refers to the company sheet; give the code or the name.",
           aliases=("信用代码", "社会信用代码", "credit_code"), width=22),
    Column("name", "企业名称", "Company name", "text", "与企业表中的企业名称一致。",
           "As on the company sheet.", aliases=("名称", "企业", "公司名称", "name", "company"),
           width=30),
    Column("rule", "奖励条款", "Award (rule)", "rule",
           "必填。规则编号（如 qk.listing）或条款名称（如 上市奖励），见“奖励条款”表。",
           "Required: a rule id (e.g. qk.listing) or its Chinese title; see the rules sheet.",
           aliases=("规则编号", "规则", "条款", "奖励项目", "条款名称", "rule", "rule_id"),
           required=True, width=30),
    Column("claim_year", "申报年度", "Year", "year",
           "必填。奖励所依据事件的年度（营业收入所属年度、上市年度、认定年度等）。",
           "Required: the year of the event the award is for.",
           aliases=("claim_year", "申报年份"), required=True, width=10),
    Column("claimed_wan", _unit("申报金额"), "Claimed amount (万元)", "money",
           "必填。申报的奖励金额，单位万元；非资金支持填0。",
           "Required: the claimed amount in 万元; 0 for non-monetary support.",
           aliases=("金额", "申报金额", "claimed_wan", "amount", "claimed"), required=True),
    Column("note", "备注", "Note", "text", "可选。", "Optional.", aliases=("note",), width=20),
)

_IDENTITY = {"credit_code", "name"}
_COMPANY_DATA_KEYS = {c.key for c in COMPANY_COLUMNS} - _IDENTITY - {"year"}
_CLAIM_ONLY_KEYS = {"claim_ref", "rule", "claim_year", "claimed_wan", "note"}
_PAREN_TAIL = re.compile(r"[（(][^（）()]*[）)]\s*$")


def _norm_header(text: Any) -> str:
    """``营业收入（万元）*`` → ``营业收入``: what a header is matched by."""
    head = str(text or "").strip().replace("*", "").replace("＊", "")
    while _PAREN_TAIL.search(head):
        head = _PAREN_TAIL.sub("", head).strip()
    return re.sub(r"\s+", "", head).lower()


def _alias_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for column in (*COMPANY_COLUMNS, *CLAIM_COLUMNS):
        for name in (column.zh, column.key, *column.aliases):
            table.setdefault(_norm_header(name), column.key)
    return table


_ALIASES = _alias_table()
_COLUMN_BY_KEY = {c.key: c for c in COMPANY_COLUMNS} | {c.key: c for c in CLAIM_COLUMNS}


# --------------------------------------------------------------------------------------------
# Claims and batches
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """One claim row: who claims which award, for which year, how much."""

    sheet: str
    row: int
    credit_code: str | None
    company_name: str | None
    rule_ref: str
    rule_id: str
    year: int
    claimed_wan: Decimal
    claim_ref: str | None = None
    note: str | None = None
    occurrence: int = 0
    """0 for the first claim of this company, rule, year and amount in the file, 1 for a
    second identical one, ...: keeps the idempotency key of each row distinct and stable."""
    source_digest: str = ""

    @property
    def company_ref(self) -> str:
        """How the claim names its company: the credit code if given, else the name."""
        return self.credit_code or company_name_key(self.company_name or "")

    @property
    def key(self) -> str:
        """Idempotency key: the same row of the same file is the same claim, however often
        the batch is run (the register has a unique constraint on it)."""
        parts = [self.company_ref, self.rule_id, str(self.year), f"{normalize(self.claimed_wan)}",
                 self.source_digest, str(self.occurrence)]
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()

    def label(self) -> str:
        return self.company_name or self.credit_code or ""


@dataclass
class CompanyEntry:
    """One company of the file: its profile, or the problems that kept it from being read."""

    key: str
    name: str
    credit_code: str | None
    profile: Profile | None
    rows: list[tuple[str, int]] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


@dataclass
class ClaimBatch:
    """Everything read from one claims file."""

    source_name: str
    digest: str
    companies: list[CompanyEntry]
    claims: list[Claim]
    problems: list[RowProblem]
    size: int = 0

    def __post_init__(self) -> None:
        self._by_code = {c.credit_code: c for c in self.companies if c.credit_code}
        self._by_name: dict[str, list[CompanyEntry]] = {}
        for company in self.companies:
            self._by_name.setdefault(company_name_key(company.name), []).append(company)

    def find_company(self, claim: Claim) -> tuple[CompanyEntry | None, str, str]:
        """The company a claim refers to, or None with the reason (zh, en)."""
        if claim.credit_code:
            found = self._by_code.get(claim.credit_code)
            if found:
                return found, "", ""
            named = self._by_name.get(company_name_key(claim.company_name or ""), [])
            named = [c for c in named if not c.credit_code]
            if len(named) == 1:
                return named[0], "", ""
            return (None, f"企业表中没有统一社会信用代码为 {claim.credit_code} 的企业",
                    f"no company with credit code {claim.credit_code} on the company sheet")
        named = self._by_name.get(company_name_key(claim.company_name or ""), [])
        if len(named) == 1:
            return named[0], "", ""
        if len(named) > 1:
            return (None, f"企业表中有 {len(named)} 家名为「{claim.company_name}」的企业，请填写统一社会信用代码",
                    f"{len(named)} companies are named {claim.company_name!r}; give the credit code")
        return (None, f"企业表中没有名为「{claim.company_name}」的企业",
                f"no company named {claim.company_name!r} on the company sheet")


def company_name_key(name: str) -> str:
    """How names are compared: without blanks, half- and full-width brackets alike (the same
    company is written 汉正街（武汉）有限公司 in one export and 汉正街(武汉)有限公司 in another)."""
    text = re.sub(r"\s+", "", name or "")
    return text.replace("(", "（").replace(")", "）")


# --------------------------------------------------------------------------------------------
# Cell values
# --------------------------------------------------------------------------------------------


class _CellError(Exception):
    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Any) -> str | None:
    if _blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return str(value).strip()


def _whole(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else None
    text = str(value).strip().replace(",", "")
    text = re.sub(r"\s*[年家个星]$", "", text)
    if re.fullmatch(r"[+-]?\d+(\.0+)?", text):
        return int(Decimal(text))
    return None


def _year(value: Any) -> int:
    year = _whole(value)
    if year is None or not MIN_YEAR <= year <= MAX_YEAR:
        raise _CellError(f"应为 {MIN_YEAR} 至 {MAX_YEAR} 之间的年份，实为「{_show(value)}」",
                         f"expected a year from {MIN_YEAR} to {MAX_YEAR}, got {_show(value)!r}")
    return year


def _count(value: Any) -> int:
    count = _whole(value)
    if count is None or count < 0:
        raise _CellError(f"应为不小于0的整数，实为「{_show(value)}」",
                         f"expected a whole number >= 0, got {_show(value)!r}")
    return count


def _stars(value: Any) -> int:
    stars = _whole(value)
    if stars is None or not 1 <= stars <= 5:
        raise _CellError(f"应为1至5的星级，实为「{_show(value)}」",
                         f"expected 1 to 5 stars, got {_show(value)!r}")
    return stars


_MONEY_ZH = "应为金额（万元），例如 1500、2300.5 或 102亿元"
_MONEY_EN = "expected an amount in 万元, e.g. 1500, 2300.5 or 102亿元"


def _money(value: Any) -> Decimal:
    """An exact amount in 万元 from a cell: numbers (Excel's doubles read by their shortest
    text), or text with a unit (102亿元, 2,300万元)."""
    if isinstance(value, bool):
        raise _CellError(_MONEY_ZH, _MONEY_EN)
    try:
        if isinstance(value, float):
            number = Decimal(repr(value))
        elif isinstance(value, int | Decimal):
            number = Decimal(value)
        else:
            number = parse_money(str(value).strip())
    except (MoneyError, InvalidOperation):
        raise _CellError(f"{_MONEY_ZH}，实为「{_show(value)}」",
                         f"{_MONEY_EN}, got {_show(value)!r}") from None
    if not number.is_finite():
        raise _CellError(_MONEY_ZH, _MONEY_EN)
    if number < 0:
        raise _CellError(f"金额不能为负数，实为「{_show(value)}」",
                         f"an amount cannot be negative, got {_show(value)!r}")
    if number.adjusted() >= 15:
        raise _CellError("金额过大，请确认单位是万元", "amount too large; is the unit 万元?")
    number = normalize(number)
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_PLACES:
        raise _CellError(f"金额最多 {MAX_PLACES} 位小数（万元）",
                         f"at most {MAX_PLACES} decimal places of 万元")
    return number


_DATE_TEXT = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    match = _DATE_TEXT.match(str(value)) if isinstance(value, str) else None
    if match:
        try:
            return dt.date(*(int(g) for g in match.groups()))
        except ValueError:
            pass
    raise _CellError(f"应为日期，格式 2020-07-22，实为「{_show(value)}」",
                     f"expected a date as 2020-07-22, got {_show(value)!r}")


_TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "对", "符合", "已完工"}
_FALSE = {"否", "n", "no", "false", "0", "×", "✗", "不符合", "未完工"}


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _CellError(f"应为“是”或“否”，实为「{_show(value)}」",
                     f"expected yes (是) or no (否), got {_show(value)!r}")


def _lookup(codes: Mapping[str, vocab.Label]) -> dict[str, str]:
    table: dict[str, str] = {}
    for code, label in codes.items():
        for name in (code, label.zh, label.en):
            table[_vocab_key(name)] = code
    return table


def _vocab_key(text: str) -> str:
    return re.sub(r"[\s\"'“”「」]", "", str(text)).lower()


_LOOKUPS: dict[int, dict[str, str]] = {}


def _code(value: Any, codes: Mapping[str, vocab.Label]) -> str:
    """A vocabulary code from a code, its Chinese or its English label."""
    table = _LOOKUPS.setdefault(id(codes), _lookup(codes))
    text = str(value).strip()
    found = table.get(_vocab_key(text))
    if found is None:
        choices = "、".join(label.zh for label in codes.values())
        raise _CellError(f"不认识「{text}」，应为以下之一：{choices}",
                         f"unknown value {text!r}; expected one of: "
                         + ", ".join(codes))
    return found


_SPLIT = re.compile(r"[、,，;；/\n]+")


def _codes(value: Any, codes: Mapping[str, vocab.Label]) -> list[str]:
    text = str(value).strip()
    if text in ("无", "none", "None", "-", "—"):
        return []
    return [_code(part, codes) for part in _SPLIT.split(text) if part.strip()]


def _credit_code(value: Any) -> str:
    if isinstance(value, float | int) and not isinstance(value, bool):
        raise _CellError("统一社会信用代码被当成了数字，请把该列设为文本格式后重新填写",
                         "the credit code was stored as a number; format the column as text")
    code = str(value).strip().upper()
    if not is_valid_credit_code(code):
        raise _CellError(f"统一社会信用代码「{code}」无效（应为18位，校验位按 GB 32100-2015）",
                         f"invalid credit code {code!r} (18 characters, GB 32100-2015 check)")
    return code


def _show(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _read_cell(column: Column, value: Any) -> Any:
    kind = column.kind
    if kind in ("text", "rule", "programme"):
        return _text(value)
    if kind == "credit_code":
        return _credit_code(value)
    if kind == "code":
        assert column.vocab is not None
        return _code(value, column.vocab)
    if kind == "codes":
        assert column.vocab is not None
        return _codes(value, column.vocab)
    if kind == "money":
        return _money(value)
    if kind == "year":
        return _year(value)
    if kind == "count":
        return _count(value)
    if kind == "stars":
        return _stars(value)
    if kind == "date":
        return _date(value)
    if kind == "bool":
        return _bool(value)
    raise AssertionError(kind)


# --------------------------------------------------------------------------------------------
# Rules by id or title
# --------------------------------------------------------------------------------------------


def _title_key(text: str) -> str:
    text = re.sub(r"[\s\"'“”「」《》]", "", text or "")
    return text.replace("(", "（").replace(")", "）").lower()


def resolve_rule(ruleset: RuleSet, text: str) -> tuple[str | None, str, str]:
    """A rule id from a rule id or the rule's Chinese (or English) title.

    Returns (rule_id, "", "") or (None, message_zh, message_en) with a suggestion.
    """
    wanted = (text or "").strip()
    if wanted in ruleset.rules:
        return wanted, "", ""
    by_key: dict[str, list[str]] = {}
    for rule in ruleset.rules.values():
        for name in (rule.id, rule.title, rule.title_en):
            by_key.setdefault(_title_key(name), []).append(rule.id)
    found = sorted(set(by_key.get(_title_key(wanted), [])))
    if len(found) == 1:
        return found[0], "", ""
    if len(found) > 1:
        ids = "、".join(found)
        return None, f"「{wanted}」对应多条规则（{ids}），请填写规则编号", \
            f"{wanted!r} matches several rules ({ids}); give the rule id"
    names = [r.title for r in ruleset.rules.values()] + list(ruleset.rules)
    close = difflib.get_close_matches(wanted, names, n=1, cutoff=0.5)
    hint_zh = f"，是否指「{close[0]}」？" if close else "。"
    hint_en = f"; did you mean {close[0]!r}?" if close else "."
    return None, (f"不认识的奖励条款「{wanted}」{hint_zh}请填写规则编号（如 qk.listing）或条款名称，"
                  f"见模板的“{RULES_SHEET}”表"), \
        f"unknown award {wanted!r}{hint_en} Give a rule id (e.g. qk.listing) or its title"


# --------------------------------------------------------------------------------------------
# Reading files
# --------------------------------------------------------------------------------------------


@dataclass
class _Sheet:
    name: str
    rows: Iterator[tuple[int, tuple[Any, ...]]]


def _xlsx_sheets(data: bytes) -> list[_Sheet]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 — openpyxl raises many kinds for a bad file
        raise ClaimsFileError(
            f"无法读取该 Excel 文件（{type(exc).__name__}）。请用模板另存为 .xlsx 后重试。",
            f"cannot read this Excel file ({type(exc).__name__}); save it as .xlsx from the template",
        ) from None
    sheets = []
    for sheet in book.worksheets:
        if sheet.title in _SKIPPED_SHEETS:
            continue
        sheets.append(_Sheet(sheet.title, enumerate(sheet.iter_rows(values_only=True), start=1)))
    return sheets


def _decode_text(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ClaimsFileError("CSV 文件既不是 UTF-8 也不是 GBK 编码", "the CSV is neither UTF-8 nor GBK text")


def _csv_sheets(data: bytes, name: str) -> list[_Sheet]:
    text = _decode_text(data)
    sample = text[:8192]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    return [_Sheet(name, ((n, tuple(row)) for n, row in enumerate(reader, start=1)))]


def _header_map(row: tuple[Any, ...]) -> tuple[dict[int, str], list[tuple[int, str]]]:
    mapping: dict[int, str] = {}
    unknown: list[tuple[int, str]] = []
    for index, cell in enumerate(row):
        if _blank(cell):
            continue
        key = _ALIASES.get(_norm_header(cell))
        if key is None or key in mapping.values():
            unknown.append((index, str(cell)))
        else:
            mapping[index] = key
    return mapping, unknown


def read_claims_file(path: str | Path, rules: RuleSet | None = None,
                     limit: int = MAX_UPLOAD_BYTES) -> ClaimBatch:
    """Read a claims workbook (.xlsx) or CSV from disk; refuse it when larger than ``limit``."""
    file = Path(path)
    try:
        size = file.stat().st_size
    except OSError as exc:
        raise ClaimsFileError(f"无法读取文件 {file}（{exc.strerror}）",
                              f"cannot read {file} ({exc.strerror})") from None
    check_upload_size(size, limit)
    return read_claims(file.read_bytes(), file.name, rules=rules, limit=limit)


def read_claims(data: bytes, name: str, rules: RuleSet | None = None,
                limit: int = MAX_UPLOAD_BYTES) -> ClaimBatch:
    """Read a claims file's bytes (``name`` tells .xlsx from .csv) into companies and claims.

    Raises :class:`ClaimsFileError` only when the whole file is refused; problems of single
    rows are collected in ``batch.problems`` and the other rows are read.
    """
    from .evaluate import default_rules

    check_upload_size(len(data), limit)
    ruleset = rules or default_rules()
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    lower = name.lower()
    if lower.endswith(".csv") or lower.endswith(".txt"):
        sheets = _csv_sheets(data, name)
    elif data[:2] == b"PK":
        sheets = _xlsx_sheets(data)
    else:
        raise ClaimsFileError("只接受 Excel（.xlsx）或 CSV 文件；旧版 .xls 请另存为 .xlsx",
                              "only Excel (.xlsx) or CSV files are accepted; save .xls as .xlsx")
    reader = _Reader(ruleset, digest)
    for sheet in sheets:
        reader.read_sheet(sheet)
    if not reader.saw_claim_sheet:
        raise ClaimsFileError(
            f"文件中没有申报表：需要一张含“奖励条款”“申报年度”“申报金额”列的表（模板的“{CLAIM_SHEET}”表）",
            "no claims sheet: a sheet with award, year and amount columns is needed "
            f"(the template's {CLAIM_SHEET!r} sheet)",
        )
    companies = reader.companies()
    return ClaimBatch(source_name=name, digest=digest, companies=companies, claims=reader.claims,
                      problems=reader.problems + [p for c in companies for p in c.problems],
                      size=len(data))


class _Reader:
    def __init__(self, ruleset: RuleSet, digest: str) -> None:
        self.ruleset = ruleset
        self.digest = digest
        self.claims: list[Claim] = []
        self.problems: list[RowProblem] = []
        self.builders: dict[str, _CompanyBuilder] = {}
        self.name_only: list[tuple[str, _Row]] = []
        self.saw_claim_sheet = False
        self._occurrences: dict[tuple, int] = {}

    def read_sheet(self, sheet: _Sheet) -> None:
        header: dict[int, str] | None = None
        header_row = 0
        kind = "companies"
        for number, row in sheet.rows:
            if header is None:
                if number > 10:
                    return
                mapping, unknown = _header_map(row)
                if len(mapping) >= 2:
                    header, header_row = mapping, number
                    for _index, text in unknown:
                        self.problems.append(RowProblem(
                            sheet.name, number, text, "不认识的列，已忽略（请检查列名是否与模板一致）",
                            "unknown column, ignored (check the header against the template)"))
                    keys = set(header.values())
                    has_claims = bool(keys & _CLAIM_ONLY_KEYS)
                    has_company = bool(keys & _COMPANY_DATA_KEYS)
                    kind = ("combined" if has_claims and has_company
                            else "claims" if has_claims else "companies")
                    if has_claims:
                        self.saw_claim_sheet = True
                continue
            if number - header_row > MAX_ROWS:
                self.problems.append(RowProblem(
                    sheet.name, number, "", f"超过 {MAX_ROWS} 行，之后的行未读取",
                    f"more than {MAX_ROWS} rows; the rest was not read"))
                return
            values = {key: row[i] for i, key in header.items() if i < len(row) and not _blank(row[i])}
            if values:
                self.read_row(_Row(sheet.name, number, values), kind)

    def read_row(self, row: _Row, kind: str) -> None:
        """A claims sheet's rows are claims, a company sheet's rows company data; on a
        combined sheet (CSV) a row is a claim when an award column is filled, company data
        when a company column is, or both."""
        if kind == "claims":
            self._claim_row(row)
            return
        if kind == "companies":
            self._company_row(row, claim_sheet=False)
            return
        keys = set(row.values)
        is_claim = bool(keys & _CLAIM_ONLY_KEYS)
        has_company = bool(keys & _COMPANY_DATA_KEYS)
        if has_company or not is_claim:
            self._company_row(row, claim_sheet=is_claim)
        if is_claim:
            self._claim_row(row)

    # ---- claims

    def _claim_row(self, row: _Row) -> None:
        parsed: dict[str, Any] = {}
        flagged: set[str] = set()
        bad = False
        for key in ("claim_ref", "credit_code", "name", "rule", "claim_year", "claimed_wan", "note"):
            raw = row.values.get(key)
            if key == "claim_year" and raw is None:
                raw = row.values.get("year")
            if raw is None:
                continue
            column = _COLUMN_BY_KEY[key]
            if key == "name":
                column = CLAIM_COLUMNS[2]
            try:
                parsed[key] = _read_cell(column, raw)
            except _CellError as exc:
                self.problems.append(row.problem(column, exc.zh, exc.en))
                flagged.add(key)
                bad = True
        for key, zh, en in (
            ("rule", "缺少奖励条款（规则编号或条款名称）", "the award (rule id or title) is missing"),
            ("claim_year", "缺少申报年度", "the year is missing"),
            ("claimed_wan", "缺少申报金额（万元）", "the claimed amount is missing"),
        ):
            if key not in parsed and key not in flagged:
                self.problems.append(row.problem(_COLUMN_BY_KEY[key], zh, en))
                bad = True
        if not parsed.get("credit_code") and not parsed.get("name"):
            if "credit_code" not in row.values:
                self.problems.append(RowProblem(row.sheet, row.number, "企业名称",
                                                "统一社会信用代码和企业名称至少填写一项",
                                                "give the company's credit code or name"))
            bad = True
        rule_id = None
        if parsed.get("rule"):
            rule_id, zh, en = resolve_rule(self.ruleset, parsed["rule"])
            if rule_id is None:
                self.problems.append(row.problem(_COLUMN_BY_KEY["rule"], zh, en))
                bad = True
        if bad or rule_id is None:
            return
        code = parsed.get("credit_code")
        name = parsed.get("name")
        ident = (code or company_name_key(name or ""), rule_id, parsed["claim_year"],
                 normalize(parsed["claimed_wan"]))
        occurrence = self._occurrences.get(ident, 0)
        self._occurrences[ident] = occurrence + 1
        self.claims.append(Claim(
            sheet=row.sheet, row=row.number, credit_code=code, company_name=name,
            rule_ref=parsed["rule"], rule_id=rule_id, year=parsed["claim_year"],
            claimed_wan=parsed["claimed_wan"], claim_ref=parsed.get("claim_ref"),
            note=parsed.get("note"), occurrence=occurrence, source_digest=self.digest))

    # ---- companies

    def _company_row(self, row: _Row, claim_sheet: bool) -> None:
        code = name = None
        try:
            if "credit_code" in row.values:
                code = _credit_code(row.values["credit_code"])
        except _CellError as exc:
            if not claim_sheet:
                self.problems.append(row.problem(_COLUMN_BY_KEY["credit_code"], exc.zh, exc.en))
            return
        if "name" in row.values:
            name = _text(row.values["name"])
        if code is None and name is None:
            self.problems.append(RowProblem(row.sheet, row.number, "企业名称",
                                            "统一社会信用代码和企业名称至少填写一项，本行未读取",
                                            "give the credit code or the name; row not read"))
            return
        if code is not None:
            builder = self.builders.setdefault(code, _CompanyBuilder(code))
            builder.add(row)
        else:
            assert name is not None
            self.name_only.append((name, row))

    def companies(self) -> list[CompanyEntry]:
        by_name: dict[str, list[_CompanyBuilder]] = {}
        for builder in self.builders.values():
            for name in builder.names():
                by_name.setdefault(company_name_key(name), []).append(builder)
        for name, row in self.name_only:
            matches = by_name.get(company_name_key(name), [])
            if len(matches) == 1:
                matches[0].add(row)
                continue
            key = "名称:" + company_name_key(name)
            builder = self.builders.get(key)
            if builder is None:
                builder = self.builders[key] = _CompanyBuilder(key)
                by_name.setdefault(company_name_key(name), []).append(builder)
            builder.add(row)
        return [builder.build() for builder in self.builders.values()]


@dataclass
class _Row:
    sheet: str
    number: int
    values: dict[str, Any]

    def problem(self, column: Column, zh: str, en: str) -> RowProblem:
        return RowProblem(self.sheet, self.number, column.zh, zh, en)


_COMPANY_FIELDS = ("credit_code", "name", "district", "sector", "industry_tags", "scale_entry_year",
                   "prior_peak_revenue_wan", "prior_peak_main_revenue_wan")
_YEAR_FIGURES = ("revenue_wan", "main_business_revenue_wan", "district_fiscal_contribution_wan")
_INCUBATOR_COUNTS = ("resident_enterprises", "new_enterprises", "hightech_cultivated")


class _CompanyBuilder:
    """Collects one company's rows and turns them into a profile dict, remembering where
    each value came from so that a refusal points at the row."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.rows: list[_Row] = []
        self.problems: list[RowProblem] = []
        self.fields: dict[str, tuple[Any, _Row]] = {}
        self.years: dict[int, dict[str, tuple[Any, _Row]]] = {}
        self.year_rows: dict[int, _Row] = {}
        self.listings: list[tuple[dict, _Row]] = []
        self.recognitions: list[tuple[dict, _Row]] = []
        self.talents: list[tuple[dict, _Row]] = []
        self.incubator_kind: tuple[str, _Row] | None = None
        self.incubator_recognition: tuple[dict, _Row] | None = None
        self.incubator_years: dict[int, dict[str, tuple[Any, _Row]]] = {}
        self.park: tuple[dict, _Row] | None = None
        self.tech: dict[str, dict[str, Any]] = {}

    def names(self) -> list[str]:
        return [r.values["name"] for r in self.rows if isinstance(r.values.get("name"), str)]

    def _set(self, store: dict[str, tuple[Any, _Row]], key: str, value: Any, row: _Row) -> None:
        if key in store and store[key][0] != value:
            first, where = store[key]
            self.problems.append(row.problem(
                _COLUMN_BY_KEY.get(key, _COLUMN_BY_KEY["name"]),
                f"与{where.sheet}第{where.number}行的「{_plain(first)}」不一致",
                f"differs from {_plain(first)!r} on row {where.number} of {where.sheet}"))
            return
        store.setdefault(key, (value, row))

    def add(self, row: _Row) -> None:
        self.rows.append(row)
        parsed: dict[str, Any] = {}
        for key, raw in row.values.items():
            column = _COLUMN_BY_KEY.get(key)
            if column is None or key in _CLAIM_ONLY_KEYS:
                continue
            try:
                parsed[key] = _read_cell(column, raw)
            except _CellError as exc:
                self.problems.append(row.problem(column, exc.zh, exc.en))
        for key in _COMPANY_FIELDS:
            if key in parsed:
                self._set(self.fields, key, parsed[key], row)
        if "incubator_kind" in parsed:
            self._set(self.fields, "incubator_kind", parsed["incubator_kind"], row)
        if "listing_board" in parsed or "listing_date" in parsed:
            self.listings.append(({"board": parsed.get("listing_board"),
                                   "date": parsed.get("listing_date")}, row))
        year = parsed.get("year")
        year_keys = [k for k in (*_YEAR_FIGURES, "recognition", "talent_programme",
                                 "incubator_recognition_level", *_INCUBATOR_COUNTS, "park_stars",
                                 "tech_new_local_fiscal_revenue_wan") if k in parsed]
        if year is None:
            if year_keys:
                self.problems.append(row.problem(
                    _COLUMN_BY_KEY["year"], "本行有年度数据或事件，但缺少年份",
                    "the row has yearly figures or events but no year"))
            self._tech(parsed, row, None)
            return
        if any(key in parsed for key in _YEAR_FIGURES):
            # Only a row with figures makes a year entry: an empty one would read as a year
            # whose figures are all unknown, and rules would ask for them.
            figures = self.years.setdefault(year, {})
            self.year_rows.setdefault(year, row)
            for key in _YEAR_FIGURES:
                if key in parsed:
                    self._set(figures, key, parsed[key], row)
        titles = parsed.get("recognition") or []
        rec_name = parsed.get("recognition_name")
        if rec_name and len(titles) != 1:
            self.problems.append(row.problem(
                _COLUMN_BY_KEY["recognition_name"], "填写认定名称时，本行只能有一个认定称号",
                "with a recognition name the row must carry exactly one title"))
        for title in titles:
            item = {"title": title, "year": year}
            if rec_name and len(titles) == 1:
                item["name"] = rec_name
            self.recognitions.append((item, row))
        if "talent_programme" in parsed:
            item = {"programme": parsed["talent_programme"], "year": year}
            if parsed.get("talent_leader"):
                item["leader"] = parsed["talent_leader"]
            self.talents.append((item, row))
        if "incubator_recognition_level" in parsed:
            rec = {"level": parsed["incubator_recognition_level"], "year": year}
            if self.incubator_recognition and self.incubator_recognition[0] != rec:
                where = self.incubator_recognition[1]
                self.problems.append(row.problem(
                    _COLUMN_BY_KEY["incubator_recognition_level"],
                    f"孵化器认定只能填写一次（已在第{where.number}行填写）",
                    f"one incubator recognition only (already on row {where.number})"))
            elif self.incubator_recognition is None:
                self.incubator_recognition = (rec, row)
        counts = {k: parsed[k] for k in _INCUBATOR_COUNTS if k in parsed}
        if counts:
            store = self.incubator_years.setdefault(year, {})
            for key, value in counts.items():
                self._set(store, key, value, row)
        if "park_stars" in parsed or "park_kind" in parsed:
            rating = {"stars": parsed.get("park_stars"), "year": year}
            if "park_kind" in parsed:
                rating["park_kind"] = parsed["park_kind"]
            if self.park and self.park[0] != rating:
                where = self.park[1]
                self.problems.append(row.problem(
                    _COLUMN_BY_KEY["park_stars"], f"园区星级评定只能填写一次（已在第{where.number}行填写）",
                    f"one park rating only (already on row {where.number})"))
            elif self.park is None:
                self.park = (rating, row)
        self._tech(parsed, row, year)

    def _tech(self, parsed: dict[str, Any], row: _Row, year: int | None) -> None:
        keys = ("tech_in_catalogue", "tech_completed", "tech_accepted_year",
                "tech_new_local_fiscal_revenue_wan")
        if not any(k in parsed for k in (*keys, "tech_project")):
            return
        name = parsed.get("tech_project")
        if not name:
            self.problems.append(row.problem(_COLUMN_BY_KEY["tech_project"], "技改数据缺少项目名称",
                                             "technology-upgrade figures without a project name"))
            return
        project = self.tech.setdefault(name, {"row": row, "fields": {}, "revenue": {}})
        for key, target in (("tech_in_catalogue", "in_catalogue"), ("tech_completed", "completed"),
                            ("tech_accepted_year", "accepted_year")):
            if key in parsed:
                self._set(project["fields"], target, parsed[key], row)
        if "tech_new_local_fiscal_revenue_wan" in parsed and year is not None:
            self._set(project["revenue"], str(year), parsed["tech_new_local_fiscal_revenue_wan"], row)

    # ---- building

    def build(self) -> CompanyEntry:
        origin: dict[str, _Row] = {}
        first = self.rows[0]
        data: dict[str, Any] = {}
        for key in _COMPANY_FIELDS:
            if key in self.fields:
                data[key], origin[key] = self.fields[key]
        years = []
        for index, year in enumerate(sorted(self.years)):
            figures = {"year": year}
            for key, (value, _row) in self.years[year].items():
                figures[key] = value
            years.append(figures)
            origin[f"years[{index}]"] = self.year_rows[year]
        if years:
            data["years"] = years
        listings = []
        for item, row in self.listings:
            origin[f"listings[{len(listings)}]"] = row
            listings.append({k: v for k, v in item.items() if v is not None})
        if listings:
            data["listings"] = listings
        if self.recognitions:
            data["recognitions"] = []
            for item, row in self.recognitions:
                origin[f"recognitions[{len(data['recognitions'])}]"] = row
                data["recognitions"].append(item)
        if self.talents:
            data["talent_projects"] = []
            for item, row in self.talents:
                origin[f"talent_projects[{len(data['talent_projects'])}]"] = row
                data["talent_projects"].append(item)
        kind = self.fields.get("incubator_kind")
        if kind or self.incubator_recognition or self.incubator_years:
            incubator: dict[str, Any] = {}
            if kind:
                incubator["kind"], origin["incubator"] = kind
            else:
                first_year = self.incubator_years.get(min(self.incubator_years)) if self.incubator_years else None
                origin["incubator"] = (self.incubator_recognition[1] if self.incubator_recognition
                                       else next(iter(first_year.values()))[1] if first_year else first)
            if self.incubator_recognition:
                incubator["recognition"], origin["incubator.recognition"] = self.incubator_recognition
            yearly = []
            for index, year in enumerate(sorted(self.incubator_years)):
                counts = {k: v for k, (v, _r) in self.incubator_years[year].items()}
                yearly.append({"year": year, **counts})
                origin[f"incubator.yearly[{index}]"] = next(iter(self.incubator_years[year].values()))[1]
            if yearly:
                incubator["yearly"] = yearly
            data["incubator"] = incubator
        if self.park:
            rating, origin["park_rating"] = self.park
            data["park_rating"] = {k: v for k, v in rating.items() if v is not None}
        if self.tech:
            data["tech_upgrade_projects"] = []
            for name, project in self.tech.items():
                origin[f"tech_upgrade_projects[{len(data['tech_upgrade_projects'])}]"] = project["row"]
                item: dict[str, Any] = {"name": name}
                item.update({k: v for k, (v, _r) in project["fields"].items()})
                if project["revenue"]:
                    item["new_local_fiscal_revenue_wan"] = {
                        y: v for y, (v, _r) in sorted(project["revenue"].items())}
                data["tech_upgrade_projects"].append(item)
        name = str(data.get("name") or "")
        code = data.get("credit_code")
        rows = [(r.sheet, r.number) for r in self.rows]
        if self.problems:
            return CompanyEntry(self.key, name or self.key, code, None, rows, self.problems)
        try:
            profile = parse_profile(data)
        except ProfileError as exc:
            problems = []
            for problem in exc.problems:
                row = _origin_of(problem.field, origin) or first
                header = _header_of(problem.field)
                problems.append(RowProblem(row.sheet, row.number, header,
                                           problem.message_zh, problem.message_en))
            return CompanyEntry(self.key, name or self.key, code, None, rows, problems)
        return CompanyEntry(self.key, profile.name, profile.credit_code, profile, rows, [])


def _plain(value: Any) -> str:
    if isinstance(value, list):
        return "、".join(map(str, value))
    return str(value)


def _origin_of(path: str, origin: Mapping[str, _Row]) -> _Row | None:
    best: tuple[int, _Row] | None = None
    for prefix, row in origin.items():
        inside = path == prefix or path.startswith((prefix + ".", prefix + "["))
        if inside and (best is None or len(prefix) > best[0]):
            best = (len(prefix), row)
    return best[1] if best else None


_PATH_HEADERS = {
    "incubator.kind": "incubator_kind", "recognitions": "recognition", "title": "recognition",
    "board": "listing_board", "date": "listing_date", "listings": "listing_board",
    "programme": "talent_programme", "leader": "talent_leader", "level": "incubator_recognition_level",
    "stars": "park_stars", "in_catalogue": "tech_in_catalogue", "accepted_year": "tech_accepted_year",
    "new_local_fiscal_revenue_wan": "tech_new_local_fiscal_revenue_wan", "completed": "tech_completed",
    "tech_upgrade_projects": "tech_project", "incubator": "incubator_kind", "park_rating": "park_stars",
}


def _header_of(path: str) -> str:
    """The template header a profile field path corresponds to (for a problem's column)."""
    names = re.findall(r"[A-Za-z_]+", path)
    for name in reversed(names):
        key = _PATH_HEADERS.get(name, name)
        if key in _COLUMN_BY_KEY:
            return _COLUMN_BY_KEY[key].zh
    return path


# --------------------------------------------------------------------------------------------
# Profiles to rows (template examples, round trips)
# --------------------------------------------------------------------------------------------


def profile_rows(profile: Profile) -> list[dict[str, Any]]:
    """A profile as company-sheet rows (column key → value), one row per company-year and one
    more for each further event of the same kind in that year. Reading the rows back gives an
    equal profile."""
    base: dict[str, Any] = {"credit_code": profile.credit_code, "name": profile.name,
                            "district": profile.district, "sector": profile.sector,
                            "scale_entry_year": profile.scale_entry_year,
                            "prior_peak_revenue_wan": profile.prior_peak_revenue_wan,
                            "prior_peak_main_revenue_wan": profile.prior_peak_main_revenue_wan}
    if profile.industry_tags is not None:
        base["industry_tags"] = list(profile.industry_tags) or "无"
    if profile.incubator is not None:
        base["incubator_kind"] = profile.incubator.kind
    slots: dict[int | None, list[dict[str, Any]]] = {}

    def slot(year: int | None, kind: str) -> dict[str, Any]:
        rows = slots.setdefault(year, [])
        for row in rows:
            if kind not in row["_kinds"]:
                row["_kinds"].add(kind)
                return row
        row = {"_kinds": {kind}}
        rows.append(row)
        return row

    for figures in profile.years:
        row = slot(figures.year, "figures")
        for key in _YEAR_FIGURES:
            row[key] = getattr(figures, key)
    for listing in profile.listings:
        row = slot(listing.date.year, "listing")
        row.update(listing_board=listing.board, listing_date=listing.date)
    for rec in profile.recognitions:
        row = slot(rec.year, "recognition")
        row.update(recognition=[rec.title], recognition_name=rec.name)
    for project in profile.talent_projects:
        row = slot(project.year, "talent")
        row.update(talent_programme=project.programme, talent_leader=project.leader)
    if profile.incubator is not None:
        if profile.incubator.recognition is not None:
            rec = profile.incubator.recognition
            slot(rec.year, "incubator_recognition")["incubator_recognition_level"] = rec.level
        for item in profile.incubator.yearly:
            row = slot(item.year, "incubator_year")
            row.update({k: getattr(item, k) for k in _INCUBATOR_COUNTS})
    if profile.park_rating is not None:
        rating = profile.park_rating
        row = slot(rating.year, "park")
        row.update(park_stars=rating.stars, park_kind=rating.park_kind)
    for project in profile.tech_upgrade_projects:
        fields = {"tech_project": project.name, "tech_in_catalogue": project.in_catalogue,
                  "tech_completed": project.completed, "tech_accepted_year": project.accepted_year}
        years = dict(project.new_local_fiscal_revenue_wan)
        if not years:
            slot(project.accepted_year, f"tech:{project.name}").update(fields)
        for year, value in years.items():
            row = slot(year, f"tech:{project.name}")
            row.update(fields, tech_new_local_fiscal_revenue_wan=value)
    if not slots:
        slots[None] = [{"_kinds": set()}]
    out = []
    for year in sorted(slots, key=lambda y: (y is None, y or 0)):
        for row in slots[year]:
            row.pop("_kinds")
            out.append({**base, "year": year, **row})
    return out


# --------------------------------------------------------------------------------------------
# The template
# --------------------------------------------------------------------------------------------


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
    from .evaluate import evaluate

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

    from .evaluate import default_rules

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
        tiers = [t for t in rule.all_tiers() if t.amount_wan is not None]
        if rule.repeat:
            tiers = [t for t in tiers if not t.id.startswith(rule.repeat.id + "@")]
        if rule.award.kind == "per_unit" and rule.award.per_unit_wan is not None:
            amounts = f"{format_wan(rule.award.per_unit_wan)} / {rule.award.unit_label or ''}"
        elif tiers:
            amounts = "；".join(f"{t.title} {format_wan(t.amount_wan)}" for t in tiers)
            if rule.repeat:
                amounts += f"；{rule.repeat.title.format(level='每个百亿元')} {format_wan(rule.repeat.amount_wan)}"
        else:
            amounts = vocab.label(vocab.AMOUNT_KINDS, rule.award.kind)
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
        ("subsidy verify 申报.xlsx --record --official 经办人姓名   （记入登记簿）", False),
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
    from .evaluate import default_rules

    ruleset = rules or default_rules()
    columns = [*COMPANY_COLUMNS, *[c for c in CLAIM_COLUMNS if c.key not in _IDENTITY]]
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
