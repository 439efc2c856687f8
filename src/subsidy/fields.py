"""The catalogue of fact fields a rule may test, with their kinds and labels.

Rule files name fields; this catalogue says what each field is (money in 万元, a count,
a ratio, a year, an enumeration, a yes/no) so that thresholds in YAML are parsed with the
right unit, reasons are written in words, and a needs-information answer names the profile
field the user must fill in. It holds no thresholds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["money", "count", "ratio", "year", "enum", "bool", "text", "int"]


@dataclass(frozen=True)
class Field:
    """One testable attribute of a fact."""

    kind: Kind
    zh: str
    en: str
    source: str
    """The profile field a user fills in when this one is missing (for needs-info)."""


SUBJECTS: dict[str, tuple[str, str]] = {
    "company": ("企业", "company"),
    "company_year": ("企业年度数据", "company-year figures"),
    "scale_entry": ("入库纳统（进规/进限）", "entry into the 规上/限上 register"),
    "listing": ("上市", "listing"),
    "recognition": ("认定/称号", "recognition"),
    "incubator_year": ("孵化载体年度数据", "incubator yearly figures"),
    "incubator_recognition": ("孵化器认定", "incubator recognition"),
    "talent_project": ("高端人才项目", "talent project"),
    "tech_upgrade_payment": ("技术改造项目新增财力", "technology-upgrade rebate year"),
    "park_rating": ("园区星级评定", "park star rating"),
}

COMMON: dict[str, Field] = {
    "year": Field("year", "年度", "year", "years[].year"),
    "district": Field("enum", "所在区", "district", "district"),
    "sector": Field("enum", "行业", "sector", "sector"),
    "in_wuhan": Field("bool", "位于武汉市", "located in Wuhan", "district"),
}

BY_SUBJECT: dict[str, dict[str, Field]] = {
    "company": {
        "listed": Field("bool", "已上市", "listed", "listings"),
        "is_high_tech": Field("bool", "已认定高新技术企业", "recognised high-tech enterprise", "recognitions"),
        "tag_optoelectronics": Field("bool", "光电子信息产业", "optoelectronics industry", "industry_tags"),
        "tag_health": Field("bool", "大健康产业", "health industry", "industry_tags"),
        "tag_automotive": Field("bool", "汽车制造及服务产业", "automotive industry", "industry_tags"),
        "tag_high_end_equipment": Field("bool", "高端装备产业", "high-end equipment industry", "industry_tags"),
        "tag_beidou": Field("bool", "北斗产业", "BeiDou industry", "industry_tags"),
    },
    "company_year": {
        "revenue_wan": Field("money", "营业收入", "operating revenue", "years[].revenue_wan"),
        "main_revenue_wan": Field(
            "money", "主营业务收入", "main business revenue", "years[].main_business_revenue_wan"
        ),
        "contribution_wan": Field(
            "money", "区级财政贡献", "district fiscal contribution", "years[].district_fiscal_contribution_wan"
        ),
        "contribution_prev_wan": Field(
            "money", "上一年区级财政贡献", "previous year's district fiscal contribution",
            "years[].district_fiscal_contribution_wan（上一年 / previous year）",
        ),
        "contribution_growth": Field(
            "ratio", "区级财政贡献增幅", "growth of district fiscal contribution",
            "years[].district_fiscal_contribution_wan（上一年 / previous year）",
        ),
    },
    "scale_entry": {},
    "listing": {"board": Field("enum", "上市板块", "board", "listings[].board")},
    "recognition": {"title": Field("enum", "认定称号", "title", "recognitions[].title")},
    "incubator_year": {
        "kind": Field("enum", "载体类型", "carrier kind", "incubator.kind"),
        "resident_enterprises": Field("count", "入驻企业总数", "resident enterprises", "incubator.yearly[].resident_enterprises"),
        "new_enterprises": Field("count", "新增企业数", "new enterprises", "incubator.yearly[].new_enterprises"),
        "hightech_cultivated": Field("count", "培育高新技术企业数", "high-tech enterprises cultivated", "incubator.yearly[].hightech_cultivated"),
        "cumulative_resident_enterprises": Field("count", "累计入驻企业总数", "resident enterprises (cumulative)", "incubator.yearly[].resident_enterprises"),
        "cumulative_new_enterprises": Field("count", "累计新增企业数", "new enterprises (cumulative)", "incubator.yearly[].new_enterprises"),
        "cumulative_hightech_cultivated": Field("count", "累计培育高新技术企业数", "high-tech enterprises cultivated (cumulative)", "incubator.yearly[].hightech_cultivated"),
    },
    "incubator_recognition": {
        "kind": Field("enum", "载体类型", "carrier kind", "incubator.kind"),
        "level": Field("enum", "认定级别", "recognition level", "incubator.recognition.level"),
    },
    "talent_project": {"programme": Field("text", "人才计划", "talent programme", "talent_projects[].programme")},
    "tech_upgrade_payment": {
        "in_catalogue": Field("bool", "符合《湖北省工业企业技术改造指导目录》方向", "in the provincial technology-upgrade catalogue", "tech_upgrade_projects[].in_catalogue"),
        "completed": Field("bool", "项目完工并经经信、发改部门验收合格", "completed and accepted", "tech_upgrade_projects[].accepted_year"),
        "offset": Field("int", "验收后第几年", "years after acceptance", "tech_upgrade_projects[].accepted_year"),
        "payment_wan": Field("money", "地方新增财力", "new local fiscal revenue", "tech_upgrade_projects[].new_local_fiscal_revenue_wan"),
    },
    "park_rating": {
        "stars": Field("int", "评定星级", "stars", "park_rating.stars"),
        "park_kind": Field("enum", "园区类型", "park kind", "park_rating.park_kind"),
    },
}


def field(subject: str, name: str) -> Field | None:
    """The field `name` of facts of kind `subject`, or None when there is no such field."""
    return BY_SUBJECT.get(subject, {}).get(name) or COMMON.get(name)


def field_label(subject: str, name: str, lang: str = "zh") -> str:
    spec = field(subject, name)
    if spec is None:
        return name
    return spec.zh if lang == "zh" else spec.en
