"""Unit tests of the profile contract (CONTRACT.md): what is accepted, what is refused, and how."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from decimal import Decimal
from typing import Any

import pytest

from subsidy import vocab
from subsidy.profile import (
    CREDIT_CODE_CHARSET,
    FIELD_LABELS,
    Problem,
    Profile,
    ProfileError,
    credit_code_check_char,
    dump_profile,
    field_label,
    is_valid_credit_code,
    load_profile,
    parse_profile,
    profile_json_schema,
    validate_profile,
)

CJK = re.compile(r"[\u4e00-\u9fff]")

EXAMPLE_CODE = "91420104MA4K2XXXX" + credit_code_check_char("91420104MA4K2XXXX")


def example() -> dict[str, Any]:
    """The CONTRACT.md example profile, with a credit code whose check character is right."""
    return {
        "name": "汉正街示例商贸有限公司",
        "credit_code": EXAMPLE_CODE,
        "district": "硚口区",
        "sector": "wholesale",
        "scale_entry_year": 2019,
        "prior_peak_revenue_wan": 150000,
        "prior_peak_main_revenue_wan": 150000,
        "years": [
            {
                "year": 2019,
                "revenue_wan": 480000,
                "main_business_revenue_wan": 470000,
                "district_fiscal_contribution_wan": 1500,
            },
            {"year": 2020, "revenue_wan": 1020000, "district_fiscal_contribution_wan": 2300},
        ],
        "listings": [{"board": "star", "date": "2020-07-22"}],
        "recognitions": [{"title": "hidden_champion_demo", "year": 2020}],
        "incubator": {
            "kind": "incubator",
            "recognition": {"level": "district", "year": 2020},
            "yearly": [
                {
                    "year": 2020,
                    "resident_enterprises": 120,
                    "new_enterprises": 55,
                    "hightech_cultivated": 6,
                }
            ],
        },
        "talent_projects": [{"programme": "yellow_crane", "year": 2020, "leader": "项目负责人甲"}],
        "tech_upgrade_projects": [
            {
                "name": "冲压线智能化改造",
                "in_catalogue": True,
                "accepted_year": 2019,
                "new_local_fiscal_revenue_wan": {"2020": 50, "2021": 60, "2022": 70},
            }
        ],
        "park_rating": {"stars": 4, "year": 2020},
    }


def minimal(**extra: Any) -> dict[str, Any]:
    return {"name": "甲公司", "district": "硚口区", "sector": "industry", **extra}


def as_json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False)


def refusal(text_or_data: str | dict[str, Any]) -> ProfileError:
    """The ProfileError a profile raises (JSON text goes through load_profile)."""
    with pytest.raises(ProfileError) as caught:
        if isinstance(text_or_data, str):
            load_profile(text_or_data)
        else:
            load_profile(as_json(text_or_data))
    return caught.value


def assert_bilingual(problem: Problem) -> None:
    assert CJK.search(problem.message_zh), problem
    assert re.search(r"\b(field|JSON|expected|invalid|malformed)\b", problem.message_en), problem


# ------------------------------------------------------------------------------------------
# Accepted
# ------------------------------------------------------------------------------------------


def test_contract_example_parses() -> None:
    profile = load_profile(as_json(example()))

    assert profile.name == "汉正街示例商贸有限公司"
    assert profile.credit_code == EXAMPLE_CODE
    assert profile.district == "硚口区" and profile.in_wuhan
    assert profile.sector == "wholesale"
    assert profile.scale_entry_year == 2019
    assert profile.prior_peak_revenue_wan == Decimal(150000)
    assert [y.year for y in profile.years] == [2019, 2020]
    y2020 = profile.year(2020)
    assert y2020 is not None
    assert y2020.revenue_wan == Decimal(1020000)
    assert isinstance(y2020.revenue_wan, Decimal)
    assert y2020.main_business_revenue_wan is None  # absent stays absent, never 0
    assert profile.year(2018) is None
    assert profile.listings[0].date == dt.date(2020, 7, 22)
    assert profile.recognitions[0].title == "hidden_champion_demo"
    assert profile.incubator is not None
    assert profile.incubator.recognition is not None
    assert profile.incubator.recognition.level == "district"
    assert profile.incubator.yearly[0].hightech_cultivated == 6
    assert profile.talent_projects[0].programme == "yellow_crane"
    project = profile.tech_upgrade_projects[0]
    assert project.new_local_fiscal_revenue_wan == {
        2020: Decimal(50),
        2021: Decimal(60),
        2022: Decimal(70),
    }
    assert project.completed is None
    assert profile.park_rating is not None and profile.park_rating.stars == 4
    assert profile.industry_tags is None  # not stated, different from []


def test_minimal_profile_has_empty_lists_and_no_figures() -> None:
    profile = parse_profile(minimal())
    assert profile.years == [] and profile.listings == [] and profile.recognitions == []
    assert profile.credit_code is None and profile.incubator is None
    assert profile.scale_entry_year is None


def test_outside_wuhan_is_not_in_wuhan() -> None:
    assert not parse_profile(minimal(district="outside_wuhan")).in_wuhan
    assert parse_profile(minimal(district="东湖高新区")).in_wuhan


def test_years_are_sorted() -> None:
    profile = parse_profile(minimal(years=[{"year": 2021}, {"year": 2019}, {"year": 2020}]))
    assert [y.year for y in profile.years] == [2019, 2020, 2021]


def test_credit_code_lower_case_and_blanks_are_normalised() -> None:
    profile = parse_profile(minimal(credit_code=f"  {EXAMPLE_CODE.lower()} "))
    assert profile.credit_code == EXAMPLE_CODE
    assert parse_profile(minimal(credit_code="")).credit_code is None


def test_known_talent_programme_name_is_stored_as_code_and_others_are_kept() -> None:
    profile = parse_profile(
        minimal(
            talent_projects=[
                {"programme": "黄鹤英才", "year": 2020},
                {"programme": "“千人计划”", "year": 2020},
                {"programme": "武汉英才", "year": 2021},
            ]
        )
    )
    assert [t.programme for t in profile.talent_projects] == [
        "yellow_crane",
        "thousand_talents",
        "武汉英才",
    ]


def test_numeric_strings_and_whole_number_years_are_accepted() -> None:
    profile = load_profile(
        as_json(
            minimal(years=[{"year": "2020", "revenue_wan": " 1500.25 "}], scale_entry_year=2019)
        )
    )
    assert profile.years[0].year == 2020
    assert profile.years[0].revenue_wan == Decimal("1500.25")


# ------------------------------------------------------------------------------------------
# Exact money
# ------------------------------------------------------------------------------------------


def test_decimal_strings_add_up_exactly() -> None:
    profile = parse_profile(
        minimal(years=[{"year": 2020, "revenue_wan": "0.1", "main_business_revenue_wan": "0.2"}])
    )
    figures = profile.years[0]
    assert figures.revenue_wan is not None and figures.main_business_revenue_wan is not None
    assert figures.revenue_wan + figures.main_business_revenue_wan == Decimal("0.3")


def test_json_decimal_numbers_never_become_floats() -> None:
    text = (
        '{"name": "甲", "district": "硚口区", "sector": "retail", '
        '"years": [{"year": 2020, "revenue_wan": 0.1, "main_business_revenue_wan": 0.2}]}'
    )
    figures = load_profile(text).years[0]
    assert isinstance(figures.revenue_wan, Decimal)
    assert figures.revenue_wan + figures.main_business_revenue_wan == Decimal("0.3")  # type: ignore[operator]
    assert 0.1 + 0.2 != 0.3  # what binary floats would have given


def test_six_decimal_places_are_kept_exactly() -> None:
    profile = load_profile(as_json(minimal(prior_peak_revenue_wan="123456789.123456")))
    assert profile.prior_peak_revenue_wan == Decimal("123456789.123456")


def test_python_float_from_a_form_is_read_by_its_decimal_text() -> None:
    profile = parse_profile(minimal(prior_peak_revenue_wan=0.1))
    assert profile.prior_peak_revenue_wan == Decimal("0.1")


# ------------------------------------------------------------------------------------------
# Refused: each names the field and explains in Chinese and English
# ------------------------------------------------------------------------------------------

BASE = minimal()

REFUSALS: dict[str, tuple[str | dict[str, Any], str]] = {
    "malformed JSON": ('{\n  "name": "甲",\n  "district": "硚口区",,\n}', "(JSON)"),
    "top level not an object": ("[1, 2]", "(JSON)"),
    "duplicate JSON key": (
        '{"name": "甲", "name": "乙", "district": "硚口区", "sector": "retail"}',
        "(JSON)",
    ),
    "negative money": (
        minimal(years=[{"year": 2019}, {"year": 2020, "revenue_wan": -5}]),
        "years[1].revenue_wan",
    ),
    "NaN": (
        '{"name": "甲", "district": "硚口区", "sector": "retail", '
        '"years": [{"year": 2020, "revenue_wan": NaN}]}',
        "years[0].revenue_wan",
    ),
    "Infinity string": (
        minimal(years=[{"year": 2020, "district_fiscal_contribution_wan": "Infinity"}]),
        "years[0].district_fiscal_contribution_wan",
    ),
    "Infinity literal": (
        '{"name": "甲", "district": "硚口区", "sector": "retail", "prior_peak_revenue_wan": Infinity}',
        "prior_peak_revenue_wan",
    ),
    "boolean money": (minimal(prior_peak_revenue_wan=True), "prior_peak_revenue_wan"),
    "text money": (minimal(years=[{"year": 2020, "revenue_wan": "很多"}]), "years[0].revenue_wan"),
    "seven decimal places": (
        minimal(years=[{"year": 2020, "revenue_wan": "0.0000001"}]),
        "years[0].revenue_wan",
    ),
    "unknown district": (minimal(district="硚口"), "district"),
    "unknown sector": (minimal(sector="farming"), "sector"),
    "unknown industry tag": (minimal(industry_tags=["ai"]), "industry_tags[0]"),
    "year 3000": (minimal(years=[{"year": 3000}]), "years[0].year"),
    "year 1989": (minimal(scale_entry_year=1989), "scale_entry_year"),
    "fractional year": (minimal(years=[{"year": 2020.5}]), "years[0].year"),
    "boolean year": (minimal(scale_entry_year=True), "scale_entry_year"),
    "duplicate year": (
        minimal(years=[{"year": 2020}, {"year": 2021}, {"year": 2020}]),
        "years[2].year",
    ),
    "duplicate incubator year": (
        minimal(incubator={"kind": "incubator", "yearly": [{"year": 2020}, {"year": 2020}]}),
        "incubator.yearly[1].year",
    ),
    "bad credit code check char": (minimal(credit_code="91420104MA4K2XXXXX"), "credit_code"),
    "wrong-length credit code": (minimal(credit_code="91420104MA4K2XXX"), "credit_code"),
    "credit code with O": (minimal(credit_code="9142010OMA4K2XXXX0"), "credit_code"),
    "unknown board": (
        minimal(listings=[{"board": "nasdaq", "date": "2020-07-22"}]),
        "listings[0].board",
    ),
    "bad date": (minimal(listings=[{"board": "star", "date": "2020-13-01"}]), "listings[0].date"),
    "number as date": (minimal(listings=[{"board": "star", "date": 20200722}]), "listings[0].date"),
    "unknown title": (
        minimal(recognitions=[{"title": "unicorn_enterprise", "year": 2020}]),
        "recognitions[0].title",
    ),
    "unknown key": (minimal(revenue_wan=5), "revenue_wan"),
    "unknown nested key": (minimal(years=[{"year": 2020, "revenu_wan": 1}]), "years[0].revenu_wan"),
    "missing name": ({"district": "硚口区", "sector": "retail"}, "name"),
    "blank name": (minimal(name="   "), "name"),
    "missing sector": ({"name": "甲", "district": "硚口区"}, "sector"),
    "negative count": (
        minimal(incubator={"kind": "incubator", "yearly": [{"year": 2020, "new_enterprises": -1}]}),
        "incubator.yearly[0].new_enterprises",
    ),
    "six stars": (minimal(park_rating={"stars": 6, "year": 2020}), "park_rating.stars"),
    "unknown park kind": (
        minimal(park_rating={"stars": 3, "year": 2020, "park_kind": "zoo"}),
        "park_rating.park_kind",
    ),
    "bad tech-upgrade year key": (
        minimal(tech_upgrade_projects=[{"name": "x", "new_local_fiscal_revenue_wan": {"20x0": 5}}]),
        'tech_upgrade_projects[0].new_local_fiscal_revenue_wan["20x0"]',
    ),
    "tech-upgrade year key out of range": (
        minimal(tech_upgrade_projects=[{"name": "x", "new_local_fiscal_revenue_wan": {"1980": 5}}]),
        'tech_upgrade_projects[0].new_local_fiscal_revenue_wan["1980"]',
    ),
    "empty talent programme": (
        minimal(talent_projects=[{"programme": " ", "year": 2020}]),
        "talent_projects[0].programme",
    ),
    "list expected": (minimal(years={"year": 2020}), "years"),
}


@pytest.mark.parametrize("case", list(REFUSALS), ids=list(REFUSALS))
def test_refusal_names_the_field_in_both_languages(case: str) -> None:
    source, field = REFUSALS[case]
    error = refusal(source)
    fields = [p.field for p in error.problems]
    assert field in fields, fields
    problem = next(p for p in error.problems if p.field == field)
    assert_bilingual(problem)
    if field != "(JSON)":
        assert field in problem.message_zh and field in problem.message_en
    text = str(error)
    assert problem.message_zh in text and problem.message_en in text


def test_negative_money_message_reads_well() -> None:
    problem = refusal(REFUSALS["negative money"][0]).problems[0]
    assert problem.value == "-5"
    assert problem.message_zh == (
        "字段 years[1].revenue_wan（营业收入）：值 -5 无效，应为不小于 0 的金额（万元）"
    )
    assert problem.message_en == (
        "field years[1].revenue_wan (operating revenue): value -5 is invalid; "
        "expected an amount >= 0 in RMB 10k"
    )


def test_malformed_json_says_line_and_column() -> None:
    problem = refusal(REFUSALS["malformed JSON"][0]).problems[0]
    assert "第 3 行" in problem.message_zh and "line 3" in problem.message_en
    assert "column" in problem.message_en


def test_bad_check_character_message_gives_the_expected_one() -> None:
    problem = refusal(minimal(credit_code="91420104MA4K2XXXXX")).problems[0]
    expected = credit_code_check_char("91420104MA4K2XXXX")
    assert f"应为 {expected}" in problem.message_zh
    assert f"should be {expected}" in problem.message_en


def test_duplicate_year_message_names_the_year() -> None:
    problem = refusal(REFUSALS["duplicate year"][0]).problems[0]
    assert "2020" in problem.message_zh and "2020" in problem.message_en
    assert problem.value == "2020"


def test_unknown_district_lists_the_districts() -> None:
    problem = refusal(minimal(district="硚口")).problems[0]
    assert "硚口区" in problem.message_zh and "outside_wuhan" in problem.message_zh
    assert "Qiaokou District" in problem.message_en


def test_unknown_key_lists_the_allowed_keys() -> None:
    problem = refusal(minimal(years=[{"year": 2020, "revenu_wan": 1}])).problems[0]
    assert "revenue_wan" in problem.message_zh and "revenue_wan" in problem.message_en


def test_every_problem_is_reported_at_once() -> None:
    error = refusal(
        {
            "district": "硚口",
            "sector": "farming",
            "years": [{"year": 2020, "revenue_wan": -1}],
            "colour": "red",
        }
    )
    assert {p.field for p in error.problems} == {
        "name",
        "district",
        "sector",
        "years[0].revenue_wan",
        "colour",
    }
    assert str(error).startswith("企业档案有 5 处问题 / the profile has 5 problems:")
    assert isinstance(error, ValueError)


def test_parse_profile_refuses_a_non_mapping() -> None:
    with pytest.raises(ProfileError) as caught:
        parse_profile(["not", "a", "profile"])  # type: ignore[arg-type]
    assert_bilingual(caught.value.problems[0])


def test_bytes_are_read_as_utf8_with_or_without_bom() -> None:
    text = as_json(minimal())
    assert load_profile(text.encode("utf-8")).name == "甲公司"
    assert load_profile(b"\xef\xbb\xbf" + text.encode("utf-8")).name == "甲公司"
    error = refusal_bytes(text.encode("gbk"))
    assert error.problems[0].field == "(JSON)"
    assert "UTF-8" in error.problems[0].message_en


def refusal_bytes(data: bytes) -> ProfileError:
    with pytest.raises(ProfileError) as caught:
        load_profile(data)
    return caught.value


def test_validate_profile_never_raises() -> None:
    profile, problems = validate_profile(minimal())
    assert profile is not None and problems == []
    for bad in ("{", "[]", b"\xff\xfe\x00", "null", minimal(district="x"), 42, None):
        profile, problems = validate_profile(bad)  # type: ignore[arg-type]
        assert profile is None and problems, bad
        assert all(isinstance(p, Problem) for p in problems)


def test_deep_nesting_is_a_json_problem_not_a_crash() -> None:
    error = refusal("[" * 100_000 + "]" * 100_000)
    assert error.problems[0].field == "(JSON)"


# ------------------------------------------------------------------------------------------
# Dump and schema
# ------------------------------------------------------------------------------------------


def test_dump_load_round_trip() -> None:
    data = example()
    data["years"][1]["revenue_wan"] = "1020000.123456"
    data["industry_tags"] = []
    data["recognitions"].append(
        {"title": "single_champion_product", "year": 2021, "name": "精密冲压件"}
    )
    profile = load_profile(as_json(data))
    dumped = dump_profile(profile)
    text = json.dumps(dumped, ensure_ascii=False)
    again = load_profile(text)
    assert again == profile
    assert dumped["credit_code"] == EXAMPLE_CODE
    assert dumped["listings"][0]["date"] == "2020-07-22"
    assert dumped["years"][1]["revenue_wan"] == 1020000.123456  # a JSON number, not a string
    assert dumped["years"][0]["revenue_wan"] == 480000 and isinstance(
        dumped["years"][0]["revenue_wan"], int
    )
    assert dumped["tech_upgrade_projects"][0]["new_local_fiscal_revenue_wan"] == {
        "2020": 50,
        "2021": 60,
        "2022": 70,
    }
    assert dumped["industry_tags"] == []  # stated "none" survives the round trip
    assert "main_business_revenue_wan" not in dumped["years"][1]  # unknown stays unknown


def test_dump_keeps_the_largest_amounts_exact() -> None:
    profile = parse_profile(minimal(prior_peak_revenue_wan="999999999.123456"))
    dumped = dump_profile(profile)
    again = load_profile(json.dumps(dumped, ensure_ascii=False))
    assert again.prior_peak_revenue_wan == Decimal("999999999.123456")


def test_dump_of_minimal_profile_round_trips() -> None:
    profile = parse_profile(minimal())
    assert load_profile(json.dumps(dump_profile(profile))) == profile


def test_json_schema_has_required_fields_and_bilingual_descriptions() -> None:
    schema = profile_json_schema()
    json.dumps(schema)  # JSON-serialisable
    assert schema["type"] == "object"
    assert sorted(schema["required"]) == ["district", "name", "sector"]
    assert schema["additionalProperties"] is False
    expected_fields = {
        "name",
        "credit_code",
        "district",
        "sector",
        "industry_tags",
        "scale_entry_year",
        "scale_entries",
        "prior_peak_revenue_wan",
        "prior_peak_main_revenue_wan",
        "years",
        "listings",
        "recognitions",
        "incubator",
        "talent_projects",
        "tech_upgrade_projects",
        "park_rating",
    }
    assert set(schema["properties"]) == expected_fields
    for name, prop in schema["properties"].items():
        description = prop.get("description", "")
        assert CJK.search(description) and re.search(r"[A-Za-z]{3}", description), name
    assert set(schema["properties"]["district"]["enum"]) == set(vocab.DISTRICTS)
    year_figures = schema["$defs"]["YearFigures"]
    assert year_figures["required"] == ["year"]
    assert year_figures["additionalProperties"] is False
    assert set(schema["$defs"]["Recognition"]["properties"]["title"]["enum"]) == set(
        vocab.RECOGNITION_TITLES
    )


# ------------------------------------------------------------------------------------------
# Credit code check (GB 32100-2015)
# ------------------------------------------------------------------------------------------


def test_published_example_credit_code_is_valid() -> None:
    assert is_valid_credit_code("91350100M000100Y43")
    assert credit_code_check_char("91350100M000100Y4") == "3"
    assert is_valid_credit_code("91350100m000100y43")
    assert parse_profile(minimal(credit_code="91350100M000100Y43")).credit_code == (
        "91350100M000100Y43"
    )


@pytest.mark.parametrize(
    "first17",
    [
        "91420104MA4K2XXXX",  # a 硚口区 (420104) company, the contract's pattern
        "91420100177680366",  # Wuhan (420100), old organisation code embedded
        "12420000MB1234567",  # a public institution in Hubei
        "52420102MJH000000",
    ],
)
def test_generated_credit_codes_are_valid_and_any_other_check_char_is_not(first17: str) -> None:
    check = credit_code_check_char(first17)
    assert check in CREDIT_CODE_CHARSET
    code = first17 + check
    assert is_valid_credit_code(code)
    assert parse_profile(minimal(credit_code=code)).credit_code == code
    for other in CREDIT_CODE_CHARSET.replace(check, ""):
        assert not is_valid_credit_code(first17 + other)


def test_credit_code_check_char_refuses_bad_input() -> None:
    with pytest.raises(ValueError):
        credit_code_check_char("9142")
    with pytest.raises(ValueError):
        credit_code_check_char("91420104MA4K2XXXI")
    assert not is_valid_credit_code(None)
    assert not is_valid_credit_code("91350100M000100Y4")
    assert not is_valid_credit_code("91350100M000100Y4O")


# ------------------------------------------------------------------------------------------
# Labels
# ------------------------------------------------------------------------------------------


def test_vocabularies_match_the_contract() -> None:
    assert len(vocab.DISTRICTS) == 18 and "outside_wuhan" in vocab.DISTRICTS
    contract_titles = {
        "hidden_champion_demo", "hidden_champion_cultivation", "tech_little_giant",
        "single_champion_demo", "single_champion_product", "single_champion_cultivation",
        "high_tech_enterprise", "growth_pool", "innovation_center_national",
        "innovation_center_provincial", "innovation_center_municipal", "wqb_key_enterprise",
        "chain_leader"}
    assert contract_titles <= set(vocab.RECOGNITION_TITLES)  # rule files may add titles
    assert vocab.label(vocab.RECOGNITION_TITLES, "hidden_champion_demo") == "隐形冠军示范企业"
    assert vocab.label(vocab.DISTRICTS, "硚口区", "en") == "Qiaokou District"
    assert vocab.label(vocab.TALENT_PROGRAMMES, "武汉英才") == "武汉英才"  # falls back to the code
    assert vocab.label(vocab.STATUSES, "needs_info") == "需补充信息"


def test_field_labels() -> None:
    assert FIELD_LABELS["revenue_wan"] == "营业收入"
    assert FIELD_LABELS["district_fiscal_contribution_wan"] == "区级财政贡献"
    assert field_label("years[1].revenue_wan") == "营业收入"
    assert field_label("years[1].revenue_wan", "en") == "operating revenue"
    assert field_label("recognitions[0].name") != field_label("name")
    assert field_label('tech_upgrade_projects[0].new_local_fiscal_revenue_wan["2020"]') == (
        "地方新增财力"
    )


def test_model_is_usable_directly() -> None:
    profile = Profile(name="乙", district="江岸区", sector="services")  # type: ignore[arg-type]
    assert profile.in_wuhan and profile.years == []
    copy.deepcopy(profile)
