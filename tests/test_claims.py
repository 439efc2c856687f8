"""Claim workbooks: the template, reading it back, CSV, malformed rows, size limit, safe cells."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from subsidy.claims import (
    CLAIM_COLUMNS,
    COMPANY_COLUMNS,
    MAX_UPLOAD_BYTES,
    ClaimsFileError,
    profile_rows,
    read_claims,
    read_claims_file,
    resolve_rule,
    safe_cell,
    template_bytes,
    template_csv,
)
from subsidy.cli import app
from subsidy.evaluate import default_rules
from subsidy.profile import credit_code_check_char, dump_profile, load_profile

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.json"))


def code(first17: str) -> str:
    return first17 + credit_code_check_char(first17)


def book_bytes(companies: list[list[Any]] | None, claims: list[list[Any]] | None,
               company_head: list[str] | None = None, claim_head: list[str] | None = None) -> bytes:
    """A workbook written the way an official might: plain cells under template headers."""
    book = Workbook()
    book.remove(book.active)
    if companies is not None:
        sheet = book.create_sheet("企业")
        sheet.append(company_head or ["统一社会信用代码", "企业名称", "所在区", "行业门类", "年份",
                                      "营业收入（万元）", "区级财政贡献（万元）", "上市板块", "上市日期"])
        for row in companies:
            sheet.append(row)
    if claims is not None:
        sheet = book.create_sheet("申报")
        sheet.append(claim_head or ["统一社会信用代码", "企业名称", "奖励条款", "申报年度", "申报金额（万元）"])
        for row in claims:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def normal(profile_json: dict[str, Any]) -> dict[str, Any]:
    data = dict(profile_json)
    data["recognitions"] = sorted(json.dumps(r, sort_keys=True) for r in data.get("recognitions", []))
    return data


# ------------------------------------------------------------------------------ template


def test_template_has_the_sheets_an_official_fills_with_help_and_rules() -> None:
    book = load_workbook(io.BytesIO(template_bytes()))
    assert {"填写说明", "企业", "申报", "奖励条款", "代码表"} <= set(book.sheetnames)
    heads = [c.value for c in book["企业"][1]]
    assert heads == [c.zh for c in COMPANY_COLUMNS]
    assert [c.value for c in book["申报"][1]] == [c.zh for c in CLAIM_COLUMNS]
    assert book["企业"]["B1"].comment is not None  # every header explains itself
    rules = default_rules()
    listed = {row[0].value for row in book["奖励条款"].iter_rows(min_row=2)}
    assert listed == set(rules.rules)
    # an empty template is read as no claims, not as an error
    batch = read_claims(template_bytes(), "空模板.xlsx")
    assert batch.claims == [] and batch.companies == [] and batch.problems == []


def test_example_template_reads_back_to_the_example_profiles() -> None:
    batch = read_claims(template_bytes(example=True), "示例.xlsx")
    assert batch.problems == []
    assert len(batch.companies) == len(EXAMPLES) > 0
    by_code = {c.credit_code: c for c in batch.companies}
    for path in EXAMPLES:
        original = load_profile(path.read_bytes())
        read = by_code[original.credit_code].profile
        assert read is not None
        assert normal(dump_profile(read)) == normal(dump_profile(original))
    assert batch.claims, "the example carries claims"
    assert all(c.rule_id in default_rules().rules for c in batch.claims)


def test_profile_rows_round_trip_through_a_workbook_of_given_companies() -> None:
    profile = load_profile((ROOT / "examples" / "wedz-manufacturer.json").read_bytes())
    rows = profile_rows(profile)
    assert len({r["year"] for r in rows}) == len(rows) or len(rows) > len(profile.years)
    data = template_bytes(companies=[profile], claims=[{"credit_code": profile.credit_code,
                                                        "rule": "wqb.tech_upgrade", "claim_year": 2020,
                                                        "claimed_wan": 50}])
    batch = read_claims(data, "x.xlsx")
    assert batch.problems == []
    assert normal(dump_profile(batch.companies[0].profile)) == normal(dump_profile(profile))


def test_csv_form_reads_like_the_workbook() -> None:
    xlsx = read_claims(template_bytes(example=True), "示例.xlsx")
    text = template_csv(example=True)
    csv_batch = read_claims(text.encode("utf-8"), "示例.csv")
    assert csv_batch.problems == []
    assert [(c.rule_id, c.year, c.claimed_wan, c.credit_code) for c in csv_batch.claims] == \
        [(c.rule_id, c.year, c.claimed_wan, c.credit_code) for c in xlsx.claims]
    assert {c.key: dump_profile(c.profile) for c in csv_batch.companies} == \
        {c.key: dump_profile(c.profile) for c in xlsx.companies}
    # Chinese Excel saves CSV as GBK: read as well
    gbk = read_claims(text.lstrip("\ufeff").encode("gb18030"), "示例.csv")
    assert len(gbk.claims) == len(xlsx.claims) and gbk.problems == []


def test_csv_rows_can_carry_company_data_and_a_claim_on_one_line() -> None:
    c1 = code("91420104MA4K2ABC1")
    text = ("统一社会信用代码,企业名称,所在区,行业门类,年份,上市板块,上市日期,奖励条款,申报金额\n"
            f"{c1},甲公司,硚口区,批发,,科创板,2020-07-22,上市奖励,200\n")
    batch = read_claims(text.encode(), "one.csv")
    # no 年份 and no 申报年度 on the row: the claim is refused, the company data is read
    assert [(p.row, p.field) for p in batch.problems] == [(2, "申报年度")]
    assert len(batch.companies) == 1 and batch.companies[0].profile is not None
    assert batch.companies[0].profile.listings[0].board == "star"
    text2 = text.replace("奖励条款,申报金额", "奖励条款,申报年度,申报金额").replace("上市奖励,200", "上市奖励,2020,200")
    batch2 = read_claims(text2.encode(), "two.csv")
    assert batch2.problems == []
    claim = batch2.claims[0]
    assert (claim.rule_id, claim.year, claim.claimed_wan) == ("qk.listing", 2020, Decimal(200))


# ------------------------------------------------------------------------------ reading cells


def test_values_are_read_in_the_forms_officials_write_them() -> None:
    c1 = code("91420104MA4K2ABC1")
    data = book_bytes(
        [[c1.lower(), "甲公司", "硚口区", "批发", "2020年", "102亿元", "2,300", "科创板", "2020/7/22"],
         [c1, "甲公司", "硚口区", "wholesale", 2019, 520000.5, 1500, None, None]],
        [[c1, None, "上市奖励", 2020, "200万元"],
         [None, "甲公司", "qk.revenue_milestone", "2020", 500],
         [None, "甲公司", "营业收入首次达到台阶奖励", 2019.0, "1,00"]])
    batch = read_claims(data, "f.xlsx")
    assert batch.problems == []
    profile = batch.companies[0].profile
    assert profile is not None and profile.credit_code == c1
    assert profile.year(2020).revenue_wan == Decimal(1020000)
    assert profile.year(2020).district_fiscal_contribution_wan == Decimal(2300)
    assert profile.year(2019).revenue_wan == Decimal("520000.5")
    assert str(profile.listings[0].date) == "2020-07-22"
    assert [c.rule_id for c in batch.claims] == ["qk.listing", "qk.revenue_milestone", "qk.revenue_milestone"]
    assert [c.claimed_wan for c in batch.claims] == [Decimal(200), Decimal(500), Decimal(100)]


def test_rules_are_found_by_id_or_title_and_unknown_ones_get_a_suggestion() -> None:
    rules = default_rules()
    assert resolve_rule(rules, "qk.listing")[0] == "qk.listing"
    assert resolve_rule(rules, " 上市奖励 ")[0] == "qk.listing"
    assert resolve_rule(rules, "新两园星级评定差异化奖励")[0] == "wqb.park_star_rating"
    rule_id, zh, en = resolve_rule(rules, "上市奖")
    assert rule_id is None and "上市奖励" in zh and "unknown award" in en


def test_malformed_rows_are_reported_with_sheet_row_and_column_and_the_rest_is_read() -> None:
    good, bad_check = code("91420104MA4K2ABC1"), code("91420104MA4K2ABC2")[:-1] + "0"
    other = code("91420104MA4K2ABC3")
    companies = [
        [good, "甲公司", "硚口区", "批发", 2020, 1020000, 2300, None, None],
        [bad_check, "乙公司", "硚口区", "批发", 2020, 100, 10, None, None],      # row 3: check digit
        [other, "丙公司", "火星区", "批发", 2020, 100, 10, None, None],          # row 4: district
        [other, "丙公司", "硚口区", "批发", 2020, 200, 10, None, None],          # row 5: conflict
        [None, None, "硚口区", "批发", 2020, 1, 1, None, None],                 # row 6: no identity
    ]
    claims = [
        [good, None, "上市奖励", 2020, 200],            # row 2 good
        [good, None, "上市奖", 2020, 200],              # row 3 unknown rule
        [good, None, "上市奖励", 1890, 200],            # row 4 year
        [good, None, "上市奖励", 2020, -5],             # row 5 negative
        [None, None, "上市奖励", 2020, 200],            # row 6 no company
        [good, None, "上市奖励", 2020, "两百万"],       # row 7 not an amount
        [good, None, None, 2020, 200],                  # row 8 no rule
        [good, None, "qk.revenue_milestone", 2020, 500],  # row 9 good
    ]
    batch = read_claims(book_bytes(companies, claims), "bad.xlsx")
    where = {(p.sheet, p.row) for p in batch.problems}
    for row in (3, 4, 5, 6, 7, 8):
        assert ("申报", row) in where, row
    for row in (3, 4, 6):
        assert ("企业", row) in where, row
    assert ("企业", 5) in where or ("企业", 4) in where
    assert [c.row for c in batch.claims] == [2, 9]
    by_row = {(p.sheet, p.row): p for p in batch.problems}
    assert by_row[("申报", 3)].field == "奖励条款" and "上市奖励" in by_row[("申报", 3)].message_zh
    assert by_row[("申报", 4)].field == "申报年度"
    assert "负数" in by_row[("申报", 5)].message_zh and "negative" in by_row[("申报", 5)].message_en
    assert "校验位" in by_row[("企业", 3)].message_zh
    companies_by_name = {c.name: c for c in batch.companies}
    assert companies_by_name["甲公司"].profile is not None
    assert companies_by_name["丙公司"].profile is None and companies_by_name["丙公司"].problems


def test_unknown_columns_are_reported_not_silently_dropped() -> None:
    data = book_bytes([], [[code("91420104MA4K2ABC1"), None, "上市奖励", 2020, 200, "x"]],
                      claim_head=["统一社会信用代码", "企业名称", "奖励条款", "申报年度", "申报金额", "审批人"])
    batch = read_claims(data, "cols.xlsx")
    assert any(p.field == "审批人" and p.row == 1 for p in batch.problems)
    assert len(batch.claims) == 1


def test_identical_claims_get_distinct_stable_keys() -> None:
    c1 = code("91420104MA4K2ABC1")
    data = book_bytes([], [[c1, None, "上市奖励", 2020, 200]] * 2)
    first = read_claims(data, "dup.xlsx")
    again = read_claims(data, "dup.xlsx")
    keys = [c.key for c in first.claims]
    assert len(set(keys)) == 2
    assert keys == [c.key for c in again.claims]
    other_file = read_claims(book_bytes([], [[c1, None, "上市奖励", 2020, 200]] * 3), "dup.xlsx")
    assert other_file.claims[0].key != keys[0]  # another file is another batch


# ------------------------------------------------------------------------------ refusals


def test_files_over_the_size_limit_are_refused_with_a_clear_message(tmp_path: Path) -> None:
    big = tmp_path / "big.xlsx"
    with big.open("wb") as handle:
        handle.truncate(MAX_UPLOAD_BYTES + 1)
    with pytest.raises(ClaimsFileError) as caught:
        read_claims_file(big)
    assert "文件过大" in caught.value.message_zh and "too large" in caught.value.message_en
    result = CliRunner().invoke(app, ["verify", str(big)])
    assert result.exit_code == 2
    assert "文件过大" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(("data", "name", "words"), [
    (b"\x00\x01garbage", "x.xls", "xlsx"),
    (b"PK\x03\x04not really a zip", "x.xlsx", "Excel"),
], ids=["old-xls", "broken-zip"])
def test_unreadable_files_are_refused(data: bytes, name: str, words: str) -> None:
    with pytest.raises(ClaimsFileError) as caught:
        read_claims(data, name)
    assert words in str(caught.value)


def test_a_file_without_a_claims_sheet_is_refused() -> None:
    data = book_bytes([[code("91420104MA4K2ABC1"), "甲公司", "硚口区", "批发", 2020, 1, 1, None, None]], None)
    with pytest.raises(ClaimsFileError, match="申报"):
        read_claims(data, "companies-only.xlsx")


# ------------------------------------------------------------------------------ safe cells


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://evil\",\"点我\")", "+1+1", "-2+3", "@SUM(A1)",
                                  "\t=1", "＝1+1"],
                         ids=["hyperlink", "plus", "minus", "at", "tab", "full-width"])
def test_formula_like_text_is_made_inert(text: str) -> None:
    assert safe_cell(text).startswith("'")
    assert safe_cell("汉正街示例") == "汉正街示例"
    assert safe_cell(Decimal("-5")) == Decimal("-5")  # numbers are numbers, not text


def test_template_with_hostile_names_writes_no_formula_cells() -> None:
    hostile = "=HYPERLINK(\"http://evil.example\",\"点击领取\")"
    data = template_bytes(companies=[{"name": hostile, "district": "硚口区", "sector": "wholesale"}],
                          claims=[{"name": hostile, "rule": "上市奖励", "claim_year": 2020,
                                   "claimed_wan": 1, "note": "@cmd|' /C calc'!A0"}])
    book = load_workbook(io.BytesIO(data))
    for sheet in (book["企业"], book["申报"]):
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "@", "+", "-")), cell.value
