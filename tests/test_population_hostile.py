"""Population files: what the loader refuses and how it says so — no plan needed.

A whole file is refused (wrong columns, GBK or UTF-16 CSV, oversized, hostile xlsx) with a
bilingual message; a bad cell is reported with its row and column in both languages and its
row or company skipped, never read as zero; a row the profile model would refuse is refused;
a profile laid out as rows loads back to the same profile.
"""

from __future__ import annotations

import csv
import zipfile
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from subsidy import vocab
from subsidy.edge_profiles import edge_profiles
from subsidy.evaluate import default_rules
from subsidy.population import (
    COLUMNS,
    JSON_FIELDS,
    YEAR_FIELDS,
    PopulationError,
    company_profile,
    load,
    load_rows,
    profile_rows,
    rows_table,
)
from subsidy.profile import ProfileError, load_profile, parse_profile

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.json"))


def write_csv(path: Path, rows: list[dict], encoding: str = "utf-8", columns=COLUMNS) -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns))
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c) for c in columns})
    return path


def base_row(**extra: str) -> dict:
    row = {"name": "甲公司", "district": "硚口区", "sector": "wholesale", "year": "2020", "revenue_wan": "1000"}
    row.update(extra)
    return row


def load_file(path: Path, **kwargs):
    con = duckdb.connect()
    return con, load(path, con, **kwargs)


# ------------------------------------------------------------------ the layout follows the model


def test_the_layout_is_the_profile_and_its_vocabulary():
    assert set(YEAR_FIELDS) == {f.profile for f in vocab.VOCABULARY.yearly}
    assert {"tax_paid_wan", "city_services_revenue_rank"} <= set(YEAR_FIELDS)
    assert {"scale_entries", "listings", "recognitions", "talent_projects"} <= set(JSON_FIELDS)
    assert COLUMNS[:4] == ("name", "district", "sector", "year")


def test_the_tables_meet_the_fact_builders_interface(tmp_path):
    profile = load_profile(EXAMPLES[0].read_bytes())
    con = duckdb.connect()
    load_rows(rows_table(profile_rows(profile)), con)
    companies = dict((r[0], r[1]) for r in con.execute("DESCRIBE companies").fetchall())
    assert companies["cid"] == "BIGINT" and companies["scale_entry_year"] == "INTEGER"
    assert companies["prior_peak_revenue_wan"] == companies["prior_peak_main_revenue_wan"] == "DECIMAL(38,6)"
    pop = dict((r[0], r[1]) for r in con.execute("DESCRIBE pop").fetchall())
    assert list(pop) == ["cid", "year", *YEAR_FIELDS]
    assert pop["year"] == "INTEGER" and pop["tax_paid_wan"] == "DECIMAL(38,6)"
    assert pop["city_services_revenue_rank"] == "INTEGER"


# ------------------------------------------------------------------ round trip


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_an_example_loads_back_to_the_same_profile(path):
    profile = load_profile(path.read_bytes())
    con = duckdb.connect()
    loaded = load_rows(rows_table(profile_rows(profile)), con)
    assert loaded.errors == [] and loaded.companies == 1
    assert company_profile(con, loaded, 0) == profile


def test_edge_profiles_load_back_through_a_csv_file(tmp_path):
    profiles = [p for p in edge_profiles(400, default_rules(), seed=7) if p.years]
    path = tmp_path / "pop.csv"
    write_csv(path, [row for p in profiles for row in profile_rows(p)])
    con, loaded = load_file(path)
    assert loaded.errors == []
    assert loaded.companies == len(profiles)
    for cid, profile in enumerate(profiles):
        assert company_profile(con, loaded, cid) == profile, profile.name


def test_company_cells_may_be_given_on_one_row_only(tmp_path):
    rows = [base_row(year="2019", credit_code="91420104MA4K2ABC18", prior_peak_revenue_wan="500",
                     recognitions='[{"title": "gazelle", "year": 2019}]'),
            base_row(year="2020")]
    con, loaded = load_file(write_csv(tmp_path / "pop.csv", rows))
    assert loaded.errors == [] and loaded.companies == 1
    profile = company_profile(con, loaded, 0)
    assert profile.credit_code == "91420104MA4K2ABC18"
    assert [y.year for y in profile.years] == [2019, 2020]
    assert profile.recognitions[0].title == "gazelle"


# ------------------------------------------------------------------ whole-file refusals


@pytest.mark.parametrize(("columns", "zh", "en"), [
    (("name", "district", "year"), "缺少必填列 sector", "missing required columns sector"),
    (("name", "district", "sector", "year", "revenue"), "无法识别的列 revenue", "unknown columns revenue"),
    (("name", "district", "sector", "year", "year"), "列名重复 year", "repeated columns year"),
])
def test_wrong_columns_refuse_the_file_naming_them(tmp_path, columns, zh, en):
    path = tmp_path / "pop.csv"
    path.write_text(",".join(columns) + "\n" + ",".join(["甲", "硚口区", "other", "2020", "1"][: len(columns)]) + "\n",
                    encoding="utf-8")
    with pytest.raises(PopulationError) as caught:
        load_file(path)
    assert zh in caught.value.zh and en in caught.value.en


def test_a_gbk_csv_is_refused_with_the_way_to_convert_it(tmp_path):
    path = write_csv(tmp_path / "pop.csv", [base_row(), base_row(name="乙公司")], encoding="gbk")
    with pytest.raises(PopulationError) as caught:
        load_file(path)
    assert "GBK" in caught.value.zh and "iconv" in caught.value.zh and "CSV UTF-8" in caught.value.zh
    assert "GBK" in caught.value.en and "row 2" in caught.value.en


def test_a_utf16_csv_is_refused(tmp_path):
    path = write_csv(tmp_path / "pop.csv", [base_row()], encoding="utf-16")
    with pytest.raises(PopulationError) as caught:
        load_file(path)
    assert "UTF-16" in caught.value.zh and "UTF-16" in caught.value.en


def test_a_utf8_bom_is_fine(tmp_path):
    path = write_csv(tmp_path / "pop.csv", [base_row()], encoding="utf-8-sig")
    _, loaded = load_file(path)
    assert loaded.errors == [] and loaded.companies == 1


def test_an_oversized_file_is_refused_before_reading(tmp_path):
    path = write_csv(tmp_path / "pop.csv", [base_row()] * 50)
    with pytest.raises(PopulationError) as caught:
        load_file(path, max_bytes=100)
    assert "文件过大" in caught.value.zh and "too large" in caught.value.en
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as handle:
        handle.truncate(2 * 1024**3)  # a sparse 2 GB file: refused by its size alone
    with pytest.raises(PopulationError) as caught:
        load_file(huge)
    assert "2.0 GB" in caught.value.zh and "1.0 GB" in caught.value.en


@pytest.mark.parametrize(("name", "content", "words"), [
    ("pop.json", b"{}", "不支持的文件类型"),
    ("pop.xlsx", b"not a zip", "已损坏"),
    ("pop.csv", b"", "找不到表头"),
    ("pop.csv", b"name,district,sector,year\n", "没有数据行"),
], ids=["json", "damaged-xlsx", "empty", "header-only"])
def test_other_bad_files_are_refused_in_words(tmp_path, name, content, words):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(PopulationError) as caught:
        load_file(path)
    assert words in caught.value.zh and caught.value.en


def test_an_xlsx_declaring_a_document_type_is_refused(tmp_path):
    path = tmp_path / "pop.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><Types/>')
    with pytest.raises(PopulationError) as caught:
        load_file(path)
    assert "DTD" in caught.value.zh


def test_an_xlsx_population_is_read(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["name", "district", "sector", "year", "revenue_wan", "city_services_revenue_rank"])
    sheet.append(["甲公司", "硚口区", "services", 2020, 1500.5, 12])
    sheet.append(["甲公司", "硚口区", "services", 2021, 2000, None])
    book.save(tmp_path / "pop.xlsx")
    con, loaded = load_file(tmp_path / "pop.xlsx")
    assert loaded.errors == [] and loaded.rows_used == 2
    assert con.execute("SELECT revenue_wan, city_services_revenue_rank FROM pop ORDER BY year").fetchall() == [
        (Decimal("1500.5"), 12), (Decimal("2000"), None)]


# ------------------------------------------------------------------ bad cells: row numbers, skipped


def test_bad_cells_are_reported_with_row_numbers_and_skipped_never_zero(tmp_path):
    rows = [
        base_row(year="2019"),                                        # row 2: fine
        base_row(year="2020", revenue_wan="abc"),                     # row 3: text in a number
        base_row(year="2021", revenue_wan="-5"),                      # row 4: negative
        base_row(year="2021", tax_paid_wan="12"),                     # row 5: same year as row 4
        base_row(name="乙公司", district="火星区"),                   # row 6: unknown district
        base_row(name="丙公司", credit_code="91420104MA4K2ABC19"),   # row 7: wrong check character
        base_row(name="丁公司", revenue_wan="1.1234567"),            # row 8: seven decimals
        base_row(name="戊公司", listings='[{"board": "moon", "date": "2020-01-01"}]'),  # row 9
        base_row(name="己公司", city_services_revenue_rank="第三"),  # row 10: text in a rank
        base_row(name="庚公司", revenue_wan="2000000000"),           # row 11: over 10^9 万元
        base_row(name="辛公司", scale_entries='[{"kind": "mining", "year": 2020}]'),  # row 12
    ]
    con, loaded = load_file(write_csv(tmp_path / "pop.csv", rows))
    errors = {(e.row, e.column) for e in loaded.errors}
    assert {(3, "revenue_wan"), (4, "revenue_wan"), (6, "district"), (7, "credit_code"), (8, "revenue_wan"),
            (9, "listings"), (10, "city_services_revenue_rank"), (11, "revenue_wan"),
            (12, "scale_entries")} <= errors
    duplicate = [e for e in loaded.errors if e.row in (4, 5) and "重复" not in e.zh and "多行" in e.zh]
    assert {e.row for e in duplicate} == {4, 5}
    assert all("4、5" in e.zh and "4、5" in e.en for e in duplicate)
    assert all(e.zh and e.en and e.zh != e.en for e in loaded.errors)
    # the model's own words: the check character it expects, the limit it states
    code = next(e for e in loaded.errors if e.column == "credit_code")
    assert "校验位" in code.zh and "check character" in code.en
    big = next(e for e in loaded.errors if e.row == 11)
    assert "1,000,000,000" in big.zh
    text = next(e for e in loaded.errors if e.row == 3)  # a cell's words, not JSON's
    assert "例如 1500" in text.zh and "数字字符串" not in text.zh and "numeric string" not in text.en
    # 甲公司 keeps its good year; bad rows and both rows of the repeated year are skipped
    years = con.execute("SELECT year, revenue_wan FROM pop JOIN companies USING (cid) WHERE name = '甲公司' "
                        "ORDER BY year").fetchall()
    assert years == [(2019, Decimal("1000"))]
    names = {r[0] for r in con.execute("SELECT name FROM companies").fetchall()}
    assert names == {"甲公司"}  # a bad year cell skips the row: 己公司 keeps none and is left out


def test_a_row_without_name_or_code_is_refused_alone(tmp_path):
    rows = [base_row(year="2019"), base_row(name="", year="2020"), base_row(name="乙公司")]
    con, loaded = load_file(write_csv(tmp_path / "pop.csv", rows))
    assert [(e.row, e.column) for e in loaded.errors] == [(3, "name")]
    names = {r[0] for r in con.execute("SELECT name FROM companies").fetchall()}
    assert names == {"甲公司", "乙公司"} and loaded.rows_used == 2


def test_a_row_without_year_carries_company_cells_only(tmp_path):
    rows = [base_row(year="", revenue_wan="", credit_code="91420104MA4K2ABC18"),
            base_row(name="乙公司", year="", revenue_wan="1000")]
    con, loaded = load_file(write_csv(tmp_path / "pop.csv", rows))
    assert [(e.row, e.column) for e in loaded.errors] == [(3, "year")]
    assert loaded.companies == 1 and loaded.rows_used == 0
    assert company_profile(con, loaded, 0).years == []


def test_company_cells_that_disagree_skip_the_company(tmp_path):
    rows = [base_row(year="2019", sector="industry"), base_row(year="2020", sector="retail"),
            base_row(name="乙公司")]
    _, loaded = load_file(write_csv(tmp_path / "pop.csv", rows))
    assert [(e.row, e.column) for e in loaded.errors] == [(3, "sector")]
    assert "第 2 行" in loaded.errors[0].zh and "row 2" in loaded.errors[0].en
    assert loaded.companies == 1


def test_hostile_text_is_refused_like_the_profile_refuses_it(tmp_path):
    rows = [base_row(name="甲\u202e公司"), base_row(name="乙" * 101), base_row(name="丙\x1b[31m"),
            base_row(name="丁公司", talent_projects='[{"programme": "yellow_crane", "year": 2020, '
                                                       '"leader": "甲"}, {"programme": "yellow_crane", '
                                                       '"year": 2020, "leader": "甲"}]'),
            base_row(name="戊公司", recognitions="[" * 40 + "]" * 40),
            base_row(name="己公司", listings='{"board": "star", "board": "star"}')]
    _, loaded = load_file(write_csv(tmp_path / "pop.csv", rows))
    assert {e.row for e in loaded.errors} == {2, 3, 4, 5, 6, 7}
    assert loaded.companies == 0
    assert any("重复" in e.zh for e in loaded.errors if e.row == 5)


SCALAR_VALUES = ["1500", "0", "1e3", "-1", "+5", "1,500", "1_000", "NaN", "inf", "0x10", "１５００", "1.1234567",
                 "1000000001", "12.5", "2020", "1989", "02020", "2101", "abc", "真", "5.", ".5", " 7 ", "1000000"]


@pytest.mark.parametrize("column", ["revenue_wan", "tax_paid_wan", "city_services_revenue_rank", "year",
                                    "scale_entry_year", "prior_peak_revenue_wan"])
def test_no_value_the_profile_refuses_is_accepted(tmp_path, column):
    """The SQL checks are at least as strict as the model: for each value, the model refuses ⇒
    the loader refuses (the loader may also refuse a form the model tolerates, e.g. 1e3)."""
    rows = [base_row(name=f"企业{i}", **{column: value}) for i, value in enumerate(SCALAR_VALUES)]
    _, loaded = load_file(write_csv(tmp_path / "pop.csv", rows))
    refused = {e.row - 2 for e in loaded.errors if e.column == column}
    for i, value in enumerate(SCALAR_VALUES):
        data = {"name": "企业", "district": "硚口区", "sector": "wholesale",
                "years": [{"year": 2020, "revenue_wan": "1000"}]}
        if column == "year":
            data["years"] = [{"year": value, "revenue_wan": "1000"}]
        elif column in YEAR_FIELDS:
            data["years"] = [{"year": 2020, "revenue_wan": "1000", column: value}]
        else:
            data[column] = value
        try:
            parse_profile(data)
        except ProfileError:
            assert i in refused, f"{column}={value!r}: the model refuses it, the loader took it"


def test_a_problem_in_every_cell_is_counted_and_listed_within_bounds(tmp_path, monkeypatch):
    import subsidy.population as population

    monkeypatch.setattr(population, "MAX_LISTED_ERRORS", 50)
    rows = [base_row(name=f"企业{i}", revenue_wan="x", tax_paid_wan="y") for i in range(300)]
    _, loaded = load_file(write_csv(tmp_path / "pop.csv", rows))
    assert loaded.error_count == 600 and len(loaded.errors) == 50
    assert loaded.companies == 0


def test_a_ragged_csv_row_is_named(tmp_path):
    path = tmp_path / "pop.csv"
    path.write_text("name,district,sector,year\n甲,硚口区,other,2020\n乙,硚口区,other,2020,5\n", encoding="utf-8")
    with pytest.raises(PopulationError) as caught:
        load_file(path)
    assert "第 3 行" in caught.value.zh and "row 3" in caught.value.en
