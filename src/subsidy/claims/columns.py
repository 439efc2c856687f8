"""The template's sheets and columns: headers, help, how each column's cells are read, and the
other names a header may be written as.

Why aliases: a district's own export names its columns its own way (``信用代码``,
``营业收入（万元）*``); matching headers leniently lets such a file be read as it is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from .. import vocab
from ..money_display import wan_unit

COMPANY_SHEET = "企业"
CLAIM_SHEET = "申报"
HELP_SHEET = "填写说明"
RULES_SHEET = "奖励条款"
LISTS_SHEET = "代码表"
SHEET_NAMES: dict[str, dict[str, str]] = {
    "zh": {"company": COMPANY_SHEET, "claim": CLAIM_SHEET, "help": HELP_SHEET,
           "rules": RULES_SHEET, "lists": LISTS_SHEET},
    "en": {"company": "Companies", "claim": "Claims", "help": "Instructions",
           "rules": "Award rules", "lists": "Code lists"},
}
"""The template's sheet names in each language (the English template is the one downloaded
from the English page)."""
SKIPPED_SHEETS = {SHEET_NAMES[lang][kind] for lang in SHEET_NAMES for kind in ("help", "rules", "lists")}
"""Sheets of the template that are read by people, not by the reader (in either language)."""


def sheet_name(kind: str, lang: str = "zh") -> str:
    """The template's sheet ``kind`` ("company", "claim", "help", "rules", "lists") in ``lang``."""
    return SHEET_NAMES["en" if lang == "en" else "zh"][kind]

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

    def header_in(self, lang: str = "zh") -> str:
        """The column's header in ``lang`` (both are read back by :func:`column_key`)."""
        return self.en if lang == "en" else self.zh

    def help_in(self, lang: str = "zh") -> str:
        """How to fill the column, in ``lang``."""
        return self.help_en if lang == "en" else self.help_zh


def _unit(label: str) -> str:
    return f"{label}（{wan_unit('zh')}）"


def _unit_en(label: str) -> str:
    """An English header of an amount column, in the English pages' words: "… (RMB 10k)"."""
    return f"{label} ({wan_unit('en')})"


_IN_WAN_EN = f"in {wan_unit('en')}"


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
           "Optional, several separated by commas; none = none of them; blank = not stated.",
           vocab=vocab.INDUSTRY_TAGS, aliases=("industry_tags",), width=14),
    Column("scale_entry_year", "入库纳统年份", "Year entered above-size statistics", "year",
           "首次进入规上/限上统计的年份。",
           "Year first included in the above-designated-size / above-quota statistics.",
           aliases=("入库年份", "纳统年份", "scale_entry_year")),
    Column("prior_peak_revenue_wan", _unit("此前最高营业收入"), _unit_en("Highest earlier revenue"), "money",
           "本表最早年份之前任一年的最高营业收入（万元）；此前无收入填0。",
           f"Highest revenue of any year before the first year listed ({_IN_WAN_EN}); 0 if none.",
           aliases=("prior_peak_revenue_wan",)),
    Column("prior_peak_main_revenue_wan", _unit("此前最高主营业务收入"),
           _unit_en("Highest earlier main business revenue"), "money",
           "本表最早年份之前任一年的最高主营业务收入（万元）。",
           f"Highest main business revenue before the first year listed ({_IN_WAN_EN}).",
           aliases=("prior_peak_main_revenue_wan",)),
    Column("incubator_kind", "孵化载体类型", "Kind of incubator", "code",
           "企业运营孵化载体时填写：科技产业园区、科技企业孵化器、加速器、众创空间、创业示范基地。",
           "If the company runs an innovation carrier.", vocab=vocab.INCUBATOR_KINDS,
           aliases=("载体类型", "incubator_kind", "incubator.kind")),
    Column("year", "年份", "Year", "year",
           "本行数据所属年度。本行的年度数据、认定、人才项目、孵化和星级数据都属于该年。",
           "The year of this row's figures and events.", aliases=("年度", "year"), width=8),
    Column("revenue_wan", _unit("营业收入"), _unit_en("Operating revenue"), "money",
           "该年营业收入，单位万元（也可写“102亿元”）。",
           f"That year's operating revenue {_IN_WAN_EN}.", aliases=("revenue_wan", "营收")),
    Column("main_business_revenue_wan", _unit("主营业务收入"), _unit_en("Main business revenue"), "money",
           "该年主营业务收入，单位万元。", f"That year's main business revenue {_IN_WAN_EN}.",
           aliases=("main_business_revenue_wan", "主营收入")),
    Column("district_fiscal_contribution_wan", _unit("区级财政贡献"),
           _unit_en("District fiscal contribution"), "money",
           "该年区级财政贡献，单位万元。", f"That year's district fiscal contribution {_IN_WAN_EN}.",
           aliases=("district_fiscal_contribution_wan", "财政贡献")),
    Column("recognition", "认定称号", "Recognition", "codes",
           "该年获得的认定，如 隐形冠军示范企业、高新技术企业；多个用顿号分隔。",
           "Recognitions obtained that year; several separated by commas.",
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
           _unit_en("New local fiscal revenue of the project"), "money",
           "该项目在本行年份的地方新增财力，单位万元。",
           f"The project's new local fiscal revenue in this row's year ({_IN_WAN_EN}).",
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
           "Required: a rule id (e.g. qk.listing) or its title; see the award rules sheet.",
           aliases=("规则编号", "规则", "条款", "奖励项目", "条款名称", "rule", "rule_id"),
           required=True, width=30),
    Column("claim_year", "申报年度", "Claim year", "year",
           "必填。奖励所依据事件的年度（营业收入所属年度、上市年度、认定年度等）。",
           "Required: the year of the event the award is for.",
           aliases=("claim_year", "申报年份"), required=True, width=10),
    Column("claimed_wan", _unit("申报金额"), _unit_en("Claimed amount"), "money",
           "必填。申报的奖励金额，单位万元；非资金支持填0。",
           f"Required: the claimed amount {_IN_WAN_EN}; 0 for non-monetary support.",
           aliases=("金额", "申报金额", "claimed_wan", "amount", "claimed"), required=True),
    Column("note", "备注", "Note", "text", "可选。", "Optional.", aliases=("note",), width=20),
)

IDENTITY_KEYS = {"credit_code", "name"}
"""The columns that name a company (both sheets have them)."""
COMPANY_DATA_KEYS = {c.key for c in COMPANY_COLUMNS} - IDENTITY_KEYS - {"year"}
"""Columns of company data: a row with one of them filled feeds the company's profile."""
CLAIM_ONLY_KEYS = {"claim_ref", "rule", "claim_year", "claimed_wan", "note"}
"""Columns only a claim has: a row with one of them filled is a claim."""
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
        for name in (column.zh, column.key, *column.aliases, column.en):
            table.setdefault(_norm_header(name), column.key)
    return table


_ALIASES = _alias_table()
COLUMN_BY_KEY = {c.key: c for c in COMPANY_COLUMNS} | {c.key: c for c in CLAIM_COLUMNS}


def column_key(header: Any) -> str | None:
    """The key of the column a header names (its Chinese or English header, key or an alias),
    or None."""
    return _ALIASES.get(_norm_header(header))
