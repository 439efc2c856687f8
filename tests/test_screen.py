"""`subsidy screen`: population files in, findings / push list / summary out; bad files refused
with row-numbered bilingual errors, and nothing half-written."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook

from subsidy.columnar.output import write_table
from subsidy.columnar.screen import from_file, screen_file
from subsidy.evaluate import default_rules, evaluate
from subsidy.population import COLUMNS, PopulationError, profile_rows, rows_table
from subsidy.profile import load_profile
from subsidy.register import ClaimInput, Register, ResultInput

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "qiaokou-trading-group.json"


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "subsidy.cli", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=300)


@pytest.fixture(scope="module")
def example():
    return load_profile(EXAMPLE.read_bytes())


def write_csv(path: Path, rows: list[dict], encoding: str = "utf-8", columns=COLUMNS) -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns))
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c) for c in columns})
    return path


def test_the_example_screens_like_the_interactive_engine(tmp_path, example):
    source = write_csv(tmp_path / "pop.csv", profile_rows(example))
    out = tmp_path / "findings.parquet"
    result = screen_file(source, out, default_rules(), push_path=tmp_path / "push.csv",
                         summary_path=tmp_path / "summary.xlsx")
    table = pq.read_table(out).to_pylist()
    want = [(f.rule_id, f.year, f.status, f.amount_wan, f.tier) for f in evaluate(example).results
            if f.status != "not_applicable"]
    got = [(r["rule_id"], r["year"], r["status"], r["amount_wan"], r["tier"]) for r in table]
    assert sorted(got, key=str) == sorted(want, key=str)
    assert result.eligible == sum(1 for w in want if w[2] == "eligible")
    assert all(r["credit_code"] == example.credit_code and r["name"] == example.name for r in table)
    # push list: monetary awards only, with the figures used and the responsible units
    with (tmp_path / "push.csv").open(encoding="utf-8-sig") as handle:
        push = list(csv.DictReader(handle))
    milestone = [p for p in push if p["rule_id"] == "qk.revenue_milestone" and p["year"] == "2020"]
    assert milestone and milestone[0]["amount_wan"] == "500"
    assert milestone[0]["revenue_wan"] and "区发改局" in milestone[0]["contacts"]
    assert not any(p["rule_id"].startswith("jk4.") for p in push)  # non-monetary support left out
    # the summary opens in Excel with Chinese headings and adds up
    sheet = load_workbook(tmp_path / "summary.xlsx", read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("规则编号", "条款", "年度")
    total = sum(Decimal(r[6]) for r in rows[1:])
    assert total == sum(w[3] for w in want if w[2] == "eligible" and w[3] is not None)


def test_awards_already_in_the_register_are_not_pushed(tmp_path, example):
    source = write_csv(tmp_path / "pop.csv", profile_rows(example))
    url = f"sqlite:///{tmp_path / 'register.sqlite'}"
    register = Register(url)
    batch = register.open_batch("sha256:x", "claims.xlsx", 1, "张三")
    register.record(batch, [(
        ClaimInput(key="k1", sheet="申报", row=2, claim_ref=None, company_key=example.credit_code,
                   name_key=example.name, credit_code=example.credit_code, company_name=example.name,
                   rule_id="qk.revenue_milestone", rule_title="营业收入首次达到台阶奖励", year=2020,
                   claimed_wan=Decimal(500)),
        ResultInput(status="confirmed", computed_wan=Decimal(500), detail={}, scopes=[],
                    ruleset_version="sha256:test", readings={}))], verified_by="张三")
    register.dispose()
    result = screen_file(source, tmp_path / "f.parquet", default_rules(), push_path=tmp_path / "push.csv",
                         register_url=url)
    with (tmp_path / "push.csv").open(encoding="utf-8-sig") as handle:
        push = list(csv.DictReader(handle))
    assert result.already_claimed == 1
    assert not [p for p in push if p["rule_id"] == "qk.revenue_milestone" and p["year"] == "2020"]


def _base_row(**extra) -> dict:
    row = {"name": "甲公司", "district": "硚口区", "sector": "wholesale", "year": "2020", "revenue_wan": "1000"}
    row.update(extra)
    return row


def test_bad_rows_are_reported_with_row_numbers_and_skipped_never_zero(tmp_path):
    rows = [
        _base_row(year="2019"),
        _base_row(year="2020", revenue_wan="abc"),                    # text in a number: line 3
        _base_row(year="2021", revenue_wan="-5"),                     # negative: line 4
        _base_row(year="2021"),                                       # duplicate company-year: line 5
        _base_row(name="乙公司", district="火星区"),                  # unknown district: line 6
        _base_row(name="丙公司", credit_code="91420104MA4K2ABC19"),  # wrong check character: line 7
        _base_row(name="丁公司", revenue_wan="1.1234567"),            # seven decimals: line 8
        _base_row(name="戊公司", listings='[{"board": "moon", "date": "2020-01-01"}]'),  # line 9
    ]
    screened = from_file(write_csv(tmp_path / "pop.csv", rows))
    errors = {(e.row, e.column) for e in screened.loaded.errors}
    assert {(3, "revenue_wan"), (4, "revenue_wan"), (6, "district"), (7, "credit_code"),
            (8, "revenue_wan"), (9, "listings")} <= errors
    assert any(e.row == 5 and "重复" in e.zh and "duplicate" in e.en for e in screened.loaded.errors)
    assert all(e.zh and e.en for e in screened.loaded.errors)
    # 甲公司 keeps its good year; bad rows (and the repeat of one) are skipped, not read as 0
    years = screened.con.execute("SELECT year, revenue_wan FROM pop JOIN companies USING (cid) "
                                 "WHERE name = '甲公司' ORDER BY year").fetchall()
    assert years == [(2019, Decimal("1000"))]
    names = {r[0] for r in screened.con.execute("SELECT name FROM companies").fetchall()}
    assert names == {"甲公司"}


def test_company_cells_that_disagree_are_an_error(tmp_path):
    rows = [_base_row(year="2019", sector="industry"), _base_row(year="2020", sector="retail")]
    screened = from_file(write_csv(tmp_path / "pop.csv", rows))
    assert [(e.row, e.column) for e in screened.loaded.errors] == [(3, "sector")]
    assert screened.loaded.companies == 0


@pytest.mark.parametrize(("columns", "words"), [
    (("name", "district", "year"), "缺少必填列 sector"),
    (("name", "district", "sector", "year", "revenue"), "无法识别的列 revenue"),
])
def test_wrong_columns_are_refused_naming_them(tmp_path, columns, words):
    path = write_csv(tmp_path / "pop.csv", [_base_row()], columns=columns)
    with pytest.raises(PopulationError) as caught:
        from_file(path)
    assert words in caught.value.zh and caught.value.en


def test_cli_refuses_gbk_huge_and_unknown_files_and_writes_nothing(tmp_path):
    gbk = write_csv(tmp_path / "gbk.csv", [_base_row()], encoding="gbk")
    out = tmp_path / "out.parquet"
    done = run("screen", str(gbk), "--out", str(out))
    assert done.returncode == 2 and "UTF-8" in done.stderr and "GBK" in done.stderr
    assert "Traceback" not in done.stderr
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as handle:
        handle.truncate(2 * 1024**3)  # a sparse 2 GB file
    done = run("screen", str(huge), "--out", str(out))
    assert done.returncode == 2 and "文件过大" in done.stderr and "too large" in done.stderr
    done = run("screen", str(tmp_path / "pop.json"), "--out", str(out))
    assert done.returncode == 2 and "找不到文件" in done.stderr
    assert not out.exists() and not list(tmp_path.glob("*.part"))


def test_cli_screen_writes_findings_push_list_and_summary(tmp_path, example):
    source = tmp_path / "pop.parquet"
    write_table(rows_table(profile_rows(example)), source)
    done = run("screen", str(source), "--out", str(tmp_path / "f.csv"), "--list", "eligible")
    assert done.returncode == 0, done.stderr
    assert "可获得" in done.stdout
    for name in ("f.csv", "f.push.xlsx", "f.summary.xlsx"):
        assert (tmp_path / name).exists(), name
    push = list(load_workbook(tmp_path / "f.push.xlsx", read_only=True).worksheets[0].iter_rows(values_only=True))
    assert push[0][0] == "统一社会信用代码" and any(r[3] == "qk.revenue_milestone" for r in push[1:])
    assert not list(tmp_path.glob("*.part"))


def test_a_failed_write_leaves_no_file(tmp_path, example, monkeypatch):
    import subsidy.columnar.output as output

    source = write_csv(tmp_path / "pop.csv", profile_rows(example))
    monkeypatch.setattr(output, "XLSX_MAX_ROWS", 3)
    with pytest.raises(output.OutputError):
        screen_file(source, tmp_path / "f.xlsx", default_rules())
    assert os.listdir(tmp_path) == ["pop.csv"]
