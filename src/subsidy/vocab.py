"""Controlled vocabularies: the codes the profile contract and the findings use, with labels.

Codes are what data carries (stable, language-free, in the contract); labels are what
people read. Keeping both here, in one place, means the profile validator, the rules,
the CLI and the UI cannot drift apart on spelling — and the UI can offer a Chinese
drop-down while the JSON keeps the code.

Districts are the exception to "codes are language-free": their code *is* the Chinese
name, because that is how a district's own registers, exports and officials write them.

Deliberately nothing here is an amount or a threshold: those belong to the rule files.
"""

from __future__ import annotations

from typing import NamedTuple


class Label(NamedTuple):
    """A code's human names: Chinese (the official wording) and English."""

    zh: str
    en: str


OUTSIDE_WUHAN = "outside_wuhan"
"""District code for a company outside Wuhan: city and district rules are not applicable."""

DISTRICTS: dict[str, Label] = {
    "江岸区": Label("江岸区", "Jiang'an District"),
    "江汉区": Label("江汉区", "Jianghan District"),
    "硚口区": Label("硚口区", "Qiaokou District"),
    "汉阳区": Label("汉阳区", "Hanyang District"),
    "武昌区": Label("武昌区", "Wuchang District"),
    "青山区": Label("青山区", "Qingshan District"),
    "洪山区": Label("洪山区", "Hongshan District"),
    "东西湖区": Label("东西湖区", "Dongxihu District"),
    "汉南区": Label("汉南区", "Hannan District"),
    "蔡甸区": Label("蔡甸区", "Caidian District"),
    "江夏区": Label("江夏区", "Jiangxia District"),
    "黄陂区": Label("黄陂区", "Huangpi District"),
    "新洲区": Label("新洲区", "Xinzhou District"),
    "东湖高新区": Label("东湖高新区", "East Lake High-tech Development Zone"),
    "武汉经开区": Label("武汉经开区", "Wuhan Economic & Technological Development Zone"),
    "长江新区": Label("长江新区", "Changjiang New Area"),
    "临空港经开区": Label(
        "临空港经开区", "Wuhan Airport (Lingkonggang) Economic & Technological Development Zone"
    ),
    OUTSIDE_WUHAN: Label("武汉市外", "Outside Wuhan"),
}
"""The 13 districts and 4 functional zones of Wuhan (CONTRACT.md), plus ``outside_wuhan``."""

SECTORS: dict[str, Label] = {
    "industry": Label("工业", "Industry"),
    "wholesale": Label("批发", "Wholesale"),
    "retail": Label("零售", "Retail"),
    "accommodation": Label("住宿", "Accommodation"),
    "catering": Label("餐饮", "Catering"),
    "services": Label("服务业", "Services"),
    "construction": Label("建筑业", "Construction"),
    "real_estate": Label("房地产", "Real estate"),
    "other": Label("其他", "Other"),
}

INDUSTRY_TAGS: dict[str, Label] = {
    "optoelectronics": Label("光电子信息", "Optoelectronic information"),
    "health": Label("大健康", "Health industry"),
    "automotive": Label("汽车制造及服务", "Automotive manufacturing and services"),
    "high_end_equipment": Label("高端装备", "High-end equipment"),
    "beidou": Label("北斗", "BeiDou navigation"),
}
"""The city's five priority industries (seed 004)."""

BOARDS: dict[str, Label] = {
    "domestic_main": Label("境内主板", "Domestic main board (SSE / SZSE)"),
    "overseas_main": Label("境外主板", "Overseas main board"),
    "star": Label("科创板", "STAR Market"),
    "chinext": Label("创业板", "ChiNext"),
    "bse": Label("北交所", "Beijing Stock Exchange"),
    "neeq": Label("新三板", "NEEQ (New Third Board)"),
    "other": Label("其他", "Other"),
}

RECOGNITION_TITLES: dict[str, Label] = {
    "hidden_champion_demo": Label("隐形冠军示范企业", "Hidden-champion demonstration enterprise"),
    "hidden_champion_cultivation": Label(
        "隐形冠军培育企业", "Hidden-champion cultivation enterprise"
    ),
    "tech_little_giant": Label("科技小巨人企业", 'Technology "little giant" enterprise'),
    "single_champion_demo": Label(
        "全国制造业单项冠军示范企业",
        "National manufacturing single-champion demonstration enterprise",
    ),
    "single_champion_product": Label(
        "全国制造业单项冠军产品", "National manufacturing single-champion product"
    ),
    "single_champion_cultivation": Label(
        "全国制造业单项冠军培育企业",
        "National manufacturing single-champion cultivation enterprise",
    ),
    "high_tech_enterprise": Label("高新技术企业", "High and new technology enterprise"),
    "growth_pool": Label(
        "高成长企业培育库入库企业", "Enterprise in the high-growth enterprise cultivation pool"
    ),
    "innovation_center_national": Label(
        "国家制造业创新中心", "National manufacturing innovation center"
    ),
    "innovation_center_provincial": Label(
        "省级制造业创新中心", "Provincial manufacturing innovation center"
    ),
    "innovation_center_municipal": Label(
        "市级制造业创新中心", "Municipal manufacturing innovation center"
    ),
    "wqb_key_enterprise": Label(
        '"万千百工程"重点企业', 'Key enterprise of the "Wan-Qian-Bai" programme (万千百工程)'
    ),
    "chain_leader": Label("产业链领军企业", "Industrial-chain leading enterprise"),
}

INCUBATOR_KINDS: dict[str, Label] = {
    "science_park": Label("科技产业园区", "Science and technology industrial park"),
    "incubator": Label("科技企业孵化器", "Technology business incubator"),
    "accelerator": Label("加速器", "Accelerator"),
    "maker_space": Label("众创空间", "Maker space"),
    "startup_base": Label("创业示范基地", "Entrepreneurship demonstration base"),
}

INCUBATOR_LEVELS: dict[str, Label] = {
    "district": Label("区级", "District level"),
    "city": Label("市级", "City level"),
    "province": Label("省级", "Provincial level"),
    "national": Label("国家级", "National level"),
}

TALENT_PROGRAMMES: dict[str, Label] = {
    "thousand_talents": Label("千人计划", "Thousand Talents Plan"),
    "hundred_talents": Label("百人计划", "Hundred Talents Plan"),
    "yellow_crane": Label("黄鹤英才", "Yellow Crane Talent programme"),
}
"""Known programmes. A profile may name others ("等" in the clause); a rule file decides
whether an official accepts them as equivalent."""

PARK_KINDS: dict[str, Label] = {
    "modern_industrial_park": Label("现代产业园", "Modern industrial park"),
    "tech_sme_park": Label("科创小微企业园", "Sci-tech small and micro enterprise park"),
}
"""The "新两园" (two new kinds of park) rated by stars under wuhan-2018-wqb 四(四)."""

STATUSES: dict[str, Label] = {
    "eligible": Label("可获得", "Eligible"),
    "not_eligible": Label("不符合", "Not eligible"),
    "needs_info": Label("需补充信息", "Needs information"),
    "not_applicable": Label("不适用", "Not applicable"),
}

AMOUNT_KINDS: dict[str, Label] = {
    "fixed": Label("定额", "Fixed amount"),
    "per_unit": Label("按数量", "Per unit"),
    "pass_through": Label("返还新增财力", "Pass-through of new local fiscal revenue"),
    "case_by_case": Label("一事一议/差异化", "Case by case / differentiated"),
    "none": Label("非资金支持", "Non-monetary support"),
}

VOCABULARIES: dict[str, dict[str, Label]] = {
    "districts": DISTRICTS,
    "sectors": SECTORS,
    "industry_tags": INDUSTRY_TAGS,
    "boards": BOARDS,
    "recognition_titles": RECOGNITION_TITLES,
    "incubator_kinds": INCUBATOR_KINDS,
    "incubator_levels": INCUBATOR_LEVELS,
    "talent_programmes": TALENT_PROGRAMMES,
    "park_kinds": PARK_KINDS,
    "statuses": STATUSES,
    "amount_kinds": AMOUNT_KINDS,
}
"""Every vocabulary by name, for faces that list them (UI drop-downs, ``subsidy vocab``)."""

BY_FIELD: dict[str, dict[str, Label]] = {
    "district": DISTRICTS,
    "sector": SECTORS,
    "industry_tags": INDUSTRY_TAGS,
    "board": BOARDS,
    "title": RECOGNITION_TITLES,
    "kind": INCUBATOR_KINDS,
    "level": INCUBATOR_LEVELS,
    "park_kind": PARK_KINDS,
}
"""The vocabulary an enumerated profile or fact field takes its codes from, by field name:
one table for validation messages, form selects and reason texts."""


def label(vocab: dict[str, Label], code: str, lang: str = "zh") -> str:
    """The label of ``code`` in ``lang`` ("zh" or "en"); the code itself when unknown.

    Falling back to the code (rather than raising) keeps a report readable when it shows a
    value the vocabulary does not know, e.g. a talent programme an official added.
    """
    entry = vocab.get(code)
    if entry is None:
        return code
    return entry.en if lang.lower().startswith("en") else entry.zh
