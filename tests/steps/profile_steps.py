"""``假如`` / ``而且`` steps: describe the company, its yearly figures and events, the readings.

Each step adds to the profile dict of the scenario (:class:`steps.support.Case`); the profile
is validated by :func:`subsidy.profile.parse_profile` only when ``当 计算奖励`` runs, so a
scenario may give the facts in any order. Values are written as people write them: money as
"100亿元"/"2300万元"/"5万", labels in Chinese (``"批发"``, ``"科创板"``, ``"市级"``).
"""

from __future__ import annotations

import re

import pytest
from pytest_bdd import given

from steps.support import (
    QUOTED_ITEM,
    Case,
    board_code,
    count_of,
    district_code,
    incubator_kind_code,
    incubator_level_code,
    industry_tag_code,
    interpretation_id,
    money,
    park_kind_code,
    pattern,
    programme_code,
    reading_key,
    sector_code,
    title_code,
)


@pytest.fixture
def case() -> Case:
    """The scenario's state, fresh for every scenario."""
    return Case()


# ---------------------------------------------------------------------------- the company


@given(pattern("一家(?:名为«name»、?)?位于«district»的«sector»(?:企业|机构)"))
def company(case: Case, district: str, sector: str, name: str | None) -> None:
    """假如 一家位于"硚口区"的"批发"企业 — 也可写 一家名为"某某公司"、位于"武汉经开区"的"工业"企业。"""
    case.profile.update(district=district_code(district), sector=sector_code(sector))
    if name:
        case.profile["name"] = name


@given(pattern("此前(?:年度)?最高(?P<what>营业收入|主营业务收入)为«amount»"))
def prior_peak(case: Case, what: str, amount: str) -> None:
    """而且 此前最高营业收入为"45亿元"（年度数据首年之前任一年的最高值；"0" 表示此前没有收入）。"""
    key = "prior_peak_revenue_wan" if what == "营业收入" else "prior_peak_main_revenue_wan"
    case.profile[key] = money(amount)


_FIGURES = {
    "营业收入": "revenue_wan",
    "主营业务收入": "main_business_revenue_wan",
    "区级财政贡献": "district_fiscal_contribution_wan",
}
_FIGURE = "(?:营业收入|主营业务收入|区级财政贡献)"
_FIGURE_ITEM = re.compile(rf"({_FIGURE})为{QUOTED_ITEM}")


@given(pattern(rf"{{year}}年(?P<items>{_FIGURE}为«first»(?:[、，,]\s*(?:而且)?{_FIGURE}为\s*[\"“][^\"“”]*[\"”]\s*)*)"))
def year_figures(case: Case, year: str, items: str) -> None:
    """而且 2020年营业收入为"102亿元"、区级财政贡献为"2300万元"（可写一项或多项）。"""
    entry = case.year(int(year))
    for label, value in _FIGURE_ITEM.findall(items):
        entry[_FIGURES[label]] = money(value)


@given(pattern(rf"{{year}}年(?P<what>{_FIGURE}|的?数据)未填写"))
def year_missing(case: Case, year: str, what: str) -> None:
    """而且 2019年营业收入未填写 — 该年度出现在档案中，但这一项（或全部数据）缺失。"""
    entry = case.year(int(year))
    if what in _FIGURES:
        entry.pop(_FIGURES[what], None)


@given(pattern("该企业于«date»在«board»上市"))
def listing(case: Case, date: str, board: str) -> None:
    """而且 该企业于"2020-07-22"在"科创板"上市。"""
    case.profile.setdefault("listings", []).append({"board": board_code(board), "date": date.strip()})


@given(pattern("该企业(?:的产品«item»)?于{year}年(?:被)?(?:认定为|评为|入选)«title»"))
def recognition(case: Case, year: str, title: str, item: str | None) -> None:
    """而且 该企业于2019年被认定为"隐形冠军培育企业"；产品：该企业的产品"某产品"于2020年被认定为"单项冠军产品"。"""
    entry: dict = {"title": title_code(title), "year": int(year)}
    if item:
        entry["name"] = item
    case.profile.setdefault("recognitions", []).append(entry)


@given(pattern("该企业于{year}年首次(?:入库纳统|进入(?:规上|限上|规上/限上)(?:统计)?)"))
def scale_entry(case: Case, year: str) -> None:
    """而且 该企业于2020年首次进入规上统计（入库纳统年份）。"""
    case.profile["scale_entry_year"] = int(year)


@given(pattern("该企业属于«tag»产业"))
def industry_tag(case: Case, tag: str) -> None:
    """而且 该企业属于"汽车制造及服务"产业（市五大重点产业之一）。"""
    tags = case.profile.setdefault("industry_tags", [])
    tags.append(industry_tag_code(tag))


@given(pattern("该企业不属于任何重点产业"))
def no_industry_tag(case: Case) -> None:
    """而且 该企业不属于任何重点产业（明确填写为"均不属于"，与"未填写"不同）。"""
    case.profile["industry_tags"] = []


# ---------------------------------------------------------------------------- incubators


@given(pattern("该企业运营一家«kind»"))
def incubator(case: Case, kind: str) -> None:
    """而且 该企业运营一家"科技企业孵化器"（或 "众创空间"、"加速器"、"科技产业园区"、"创业示范基地"）。"""
    case.profile["incubator"] = {"kind": incubator_kind_code(kind)}


_COUNTS = {"入驻企业": "resident_enterprises", "新增企业": "new_enterprises",
           "培育高新技术企业": "hightech_cultivated"}
_COUNT = "(?:入驻企业|新增企业|培育高新技术企业)"
_COUNT_ITEM = re.compile(rf'({_COUNT})\s*["“]?(\d+)["”]?\s*家')


@given(pattern(rf"该载体{{year}}年(?P<items>{_COUNT}\s*[\"“]?\d+[\"”]?\s*家(?:[、，,]\s*{_COUNT}\s*[\"“]?\d+[\"”]?\s*家)*)"))
def incubator_year(case: Case, year: str, items: str) -> None:
    """而且 该载体2020年入驻企业"120"家、新增企业"60"家、培育高新技术企业"6"家（可写一项或多项）。"""
    entry = case.incubator_year(int(year))
    for label, number in _COUNT_ITEM.findall(items):
        entry[_COUNTS[label]] = int(number)


@given(pattern("该载体于{year}年被认定为«level»孵化器"))
def incubator_recognition(case: Case, year: str, level: str) -> None:
    """而且 该载体于2020年被认定为"区级"孵化器。"""
    case.incubator()["recognition"] = {"level": incubator_level_code(level), "year": int(year)}


# ---------------------------------------------------------------------------- talent projects


@given(pattern("该企业{year}年有(?P<count>\\d+|[一两二三四五])个«programme»人才项目"
               "(?:[，,、]\\s*(?:均由|由)?\\s*(?:负责人(?:为|是)?|项目负责人(?:为|是)?)«leader»(?:牵头|负责)?)?"))
def talent_projects(case: Case, year: str, count: str, programme: str, leader: str | None) -> None:
    """而且 该企业2020年有1个"黄鹤英才"人才项目（"千人计划"、"百人计划"，或官员认可的其他计划名称）。

    写明负责人（人才本人）：该企业2020年有1个"黄鹤英才"人才项目，负责人"张三"；
    同一人牵头多个项目：该企业2020年有2个"千人计划"人才项目，负责人"张三"。
    不写负责人即"项目负责人未填写"。
    """
    projects = case.profile.setdefault("talent_projects", [])
    for _ in range(count_of(count)):
        project = {"programme": programme_code(programme), "year": int(year),
                   "name": f"人才项目{len(projects) + 1}"}
        if leader is not None:
            project["leader"] = leader.strip()
        projects.append(project)


# ---------------------------------------------------------------------------- tech upgrade


@given(pattern("该企业有技术改造项目«name»"))
def tech_project(case: Case, name: str) -> None:
    """而且 该企业有技术改造项目"冲压线智能化改造"。"""
    case.tech_project(name)


@given(pattern("技改项目«name»(?P<neg>不)?符合《湖北省工业企业技术改造指导目录》方向"))
def tech_catalogue(case: Case, name: str, neg: str | None) -> None:
    """而且 技改项目"冲压线智能化改造"符合《湖北省工业企业技术改造指导目录》方向（或 不符合）。"""
    case.tech_project(name)["in_catalogue"] = not neg


@given(pattern("技改项目«name»已完工并于{year}年验收合格"))
def tech_accepted(case: Case, name: str, year: str) -> None:
    """而且 技改项目"冲压线智能化改造"已完工并于2019年验收合格。"""
    project = case.tech_project(name)
    project.update(completed=True, accepted_year=int(year))


@given(pattern("技改项目«name»(?:尚)?未完工"))
def tech_not_completed(case: Case, name: str) -> None:
    """而且 技改项目"冲压线智能化改造"尚未完工。"""
    case.tech_project(name)["completed"] = False


_PAYMENT_ITEM = re.compile(rf"(\d{{4}})年\s*为?{QUOTED_ITEM}")


@given(pattern(r"技改项目«name»的?地方新增财力[:：]?(?P<items>(?:\s*[、，,]?\s*\d{4}年\s*为?\s*[\"“][^\"“”]*[\"”]\s*)+)"))
def tech_payments(case: Case, name: str, items: str) -> None:
    """而且 技改项目"冲压线智能化改造"地方新增财力：2020年"80万元"、2021年"90万元"、2022年"100万元"。"""
    figures = case.tech_project(name).setdefault("new_local_fiscal_revenue_wan", {})
    for year, value in _PAYMENT_ITEM.findall(items):
        figures[year] = money(value)


# ---------------------------------------------------------------------------- parks


@given(pattern("该企业运营的(?:«park»|园区)于{year}年(?:被)?评为{count}星(?:级)?"))
def park_rating(case: Case, year: str, count: str, park: str | None) -> None:
    """而且 该企业运营的"科创小微企业园"于2020年被评为"3"星（园区类型可省略：该企业运营的园区于…）。"""
    rating: dict = {"stars": int(count), "year": int(year)}
    if park:
        rating["park_kind"] = park_kind_code(park)
    case.profile["park_rating"] = rating


# ---------------------------------------------------------------------------- readings


@given(pattern("解释«interp»采用«reading»"))
def switch_reading(case: Case, interp: str, reading: str) -> None:
    """假如 解释"同一年达到多个台阶"采用"各台阶分别奖励"（解释标题和解释名称均取自规则文件）。

    标题中的引号写成单引号：解释"‘突破’‘超过’是否包含本数"采用"突破含本数"。
    """
    iid = interpretation_id(interp)
    case.switches[iid] = reading_key(iid, reading)


__all__ = [name for name in dir() if name.startswith("pytestbdd_")] + ["case"]
