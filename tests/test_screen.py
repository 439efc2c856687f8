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
from subsidy.columnar.screen import screen_file
from subsidy.evaluate import default_rules, evaluate
from subsidy.population import COLUMNS, profile_rows, rows_table
from subsidy.profile import load_profile
from subsidy.register import ClaimInput, Register, ResultInput
from subsidy.sample import sample_profiles

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
    assert milestone[0]["revenue_wan"] == "1020000" and "区发改局" in milestone[0]["contacts"]
    assert "tax_paid_wan" in push[0] and "contribution_growth_pct" in push[0]
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
    plain = screen_file(source, tmp_path / "a.parquet", default_rules(), push_path=tmp_path / "a.csv")
    result = screen_file(source, tmp_path / "f.parquet", default_rules(), push_path=tmp_path / "push.csv",
                         register_url=url)
    with (tmp_path / "push.csv").open(encoding="utf-8-sig") as handle:
        push = list(csv.DictReader(handle))
    assert plain.already_claimed == 0 and result.already_claimed == 1
    assert result.pushed == plain.pushed - 1
    assert not [p for p in push if p["rule_id"] == "qk.revenue_milestone" and p["year"] == "2020"]
    assert [p for p in push if p["rule_id"] != "qk.revenue_milestone" or p["year"] != "2020"]


def _base_row(**extra) -> dict:
    row = {"name": "甲公司", "district": "硚口区", "sector": "wholesale", "year": "2020", "revenue_wan": "1000"}
    row.update(extra)
    return row


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
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("name,district,sector,year,revenue\n甲,硚口区,other,2020,1\n", encoding="utf-8")
    done = run("screen", str(wrong), "--out", str(out))
    assert done.returncode == 2 and "无法识别的列 revenue" in done.stderr and "unknown columns revenue" in done.stderr
    good = write_csv(tmp_path / "good.csv", [_base_row()])
    done = run("screen", str(good), "--out", str(out), "--list", "eligible", "--register",
               f"sqlite:///{tmp_path / 'none.sqlite'}")
    assert done.returncode == 2 and "登记簿" in done.stderr and "register" in done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists() and not list(tmp_path.glob("*.part")) and not (tmp_path / "none.sqlite").exists()


def test_screen_help_documents_the_layout():
    done = run("screen", "--help")
    assert done.returncode == 0
    text = " ".join(done.stdout.split())
    for column in ("district", "tax_paid_wan", "city_services_revenue_rank", "scale_entries", "prior_peak_revenue_wan"):
        assert column in text, column


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
    # a failure after the findings were written removes them too: nothing of the run remains
    monkeypatch.setattr(output, "XLSX_MAX_ROWS", 1_048_575)
    import subsidy.columnar.screen as screen

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(screen, "_write_summary", broken)
    with pytest.raises(OSError):
        screen_file(source, tmp_path / "f.parquet", default_rules(), summary_path=tmp_path / "s.xlsx")
    assert os.listdir(tmp_path) == ["pop.csv"]


def test_row_errors_are_written_whole_with_the_findings(tmp_path):
    rows = [_base_row(year="2019"), _base_row(year="2020", revenue_wan="abc")]
    source = write_csv(tmp_path / "pop.csv", rows)
    done = run("screen", str(source), "--out", str(tmp_path / "f.csv"))
    assert done.returncode == 0, done.stderr
    with (tmp_path / "f.errors.csv").open(encoding="utf-8-sig") as handle:
        errors = list(csv.DictReader(handle))
    # CSV keeps the machine column names (as the findings do); xlsx heads them in Chinese.
    assert errors[0]["row"] == "3" and errors[0]["column"] == "revenue_wan"
    assert "营业收入" in errors[0]["problem"] and "operating revenue" in errors[0]["problem_en"]
    assert "第 3 行" in done.stderr and "row 3" in done.stderr


# ------------------------------------------------------------------ the pipeline around the plan


def test_pipeline_outputs(tmp_path, example):
    others = sample_profiles(30, seed=3)
    source = write_csv(tmp_path / "pop.csv", [r for p in [example, *others] for r in profile_rows(p)])
    steps = []
    result = screen_file(source, tmp_path / "f.parquet", default_rules(), push_path=tmp_path / "push.xlsx",
                         summary_path=tmp_path / "summary.xlsx", errors_path=tmp_path / "errors.csv",
                         progress=lambda stage, done, total: steps.append(stage))
    assert steps[0] == "read" and "screen" in steps
    reports = [evaluate(p) for p in [example, *others]]
    assert result.eligible == sum(1 for r in reports for f in r.results if f.status == "eligible")
    assert result.eligible_wan == sum((r.total_wan for r in reports), Decimal(0))
    findings = pq.read_table(tmp_path / "f.parquet").to_pylist()
    assert {r["name"] for r in findings} >= {example.name}
    assert all(r["source_row"] >= 2 for r in findings)
    push = list(load_workbook(tmp_path / "push.xlsx", read_only=True).worksheets[0].iter_rows(values_only=True))
    header = push[0]
    assert header[:3] == ("统一社会信用代码", "企业名称", "所在区") and "年度缴税额（万元）" in header
    assert "责任单位" in header and "区级财政贡献增幅（%）" in header
    milestone = [r for r in push[1:] if r[1] == example.name and r[3] == "qk.revenue_milestone" and r[7] == 2020]
    assert milestone and milestone[0][header.index("营业收入（万元）")] == "1020000"
    assert milestone[0][header.index("区级财政贡献增幅（%）")] is not None
    assert result.pushed == len(push) - 1
    summary = list(load_workbook(tmp_path / "summary.xlsx", read_only=True).worksheets[0].iter_rows(values_only=True))
    assert summary[0][:5] == ("规则编号", "条款", "年度", "所在区", "层级")
    assert sum(Decimal(r[6]) for r in summary[1:]) == result.eligible_wan
    assert not (tmp_path / "errors.csv").exists()  # no row errors: no errors file
    assert not list(tmp_path.glob("*.part"))


def test_row_errors_file(tmp_path):
    rows = [_base_row(year="2019"), _base_row(year="2020", revenue_wan="abc")]
    source = write_csv(tmp_path / "pop.csv", rows)
    result = screen_file(source, tmp_path / "f.csv", default_rules(), errors_path=tmp_path / "f.errors.xlsx")
    assert result.loaded.error_count == 1
    errors = list(load_workbook(tmp_path / "f.errors.xlsx", read_only=True).worksheets[0].iter_rows(values_only=True))
    assert errors[0] == ("行号", "列", "内容", "问题", "problem")
    assert errors[1][:3] == (3, "revenue_wan", "abc") and errors[1][3] and errors[1][4]
