"""Exports: the Excel workbook and the printable HTML report of a report, and the cell
sanitising that keeps text from running as a spreadsheet formula."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from subsidy.evaluate import default_rules, evaluate
from subsidy.export import report_html, safe_cell, workbook_bytes
from subsidy.profile import load_profile

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.json"))


@pytest.mark.parametrize("text", ["=1+1", "+41 22", "-2+3", "@SUM(A1)", "\tx", "\r=1", "＝1+1",
                                  "=HYPERLINK(\"http://x\",\"y\")"])
def test_safe_cell_makes_formula_text_inert(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["硚口区", "营业收入 = 102亿元", "2020-07-22", "", "'quoted"])
def test_safe_cell_leaves_plain_text(value: str) -> None:
    assert safe_cell(value) == value


@pytest.mark.parametrize("value", [None, 0, -5, Decimal("-1.5"), 2.5, True, dt.date(2020, 7, 22)])
def test_safe_cell_leaves_numbers_dates_and_none(value: object) -> None:
    assert safe_cell(value) == value


def test_safe_cell_turns_other_objects_into_safe_text() -> None:
    class Odd:
        def __str__(self) -> str:
            return "=cmd"

    assert safe_cell(Odd()) == "'=cmd"


def _evaluate(name: str, **switches: str):
    profile = load_profile((ROOT / "examples" / name).read_bytes())
    ruleset = default_rules()
    if switches:
        ruleset = ruleset.with_switches(switches)
    return profile, ruleset, evaluate(profile, rules=ruleset)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_workbook_holds_findings_profile_and_summary(path: Path) -> None:
    profile, ruleset, report = _evaluate(path.name)
    book = load_workbook(io.BytesIO(workbook_bytes(report, profile, ruleset=ruleset)))
    assert book.sheetnames == ["结果", "企业档案", "概要"]
    findings = book["结果"]
    rows = list(findings.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(report.results)
    header = [c.value for c in findings[1]]
    amount_col, status_col, reasons_col = header.index("金额（万元）"), header.index("状态"), header.index("理由")
    eligible_sum = sum((Decimal(str(r[amount_col])) for r in rows
                        if r[status_col] == "可获得" and r[amount_col] is not None), Decimal(0))
    assert eligible_sum == report.total_wan
    assert all(r[reasons_col] for r in rows), "every finding carries its reasons"
    profile_values = {r[0]: r[2] for r in book["企业档案"].iter_rows(min_row=2, values_only=True)}
    assert profile_values["name"] == profile.name
    summary = [c for row in book["概要"].iter_rows(values_only=True) for c in row if c is not None]
    assert report.ruleset_version in summary
    assert all(iid in summary for iid in report.readings)


def test_workbook_never_writes_a_formula() -> None:
    data = json.loads((ROOT / "examples/qiaokou-trading-group.json").read_text(encoding="utf-8"))
    data["name"] = '=HYPERLINK("http://evil.example","点击")'
    data["talent_projects"][0]["leader"] = "@SUM(1+1)*cmd|' /C calc'!A0"
    profile = load_profile(json.dumps(data, ensure_ascii=False))
    report = evaluate(profile)
    book = load_workbook(io.BytesIO(workbook_bytes(report, profile)))
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert "'" + data["name"] in texts
    assert "'" + data["talent_projects"][0]["leader"] in texts
    assert not any(t.startswith(("=", "+", "@")) for t in texts)


def test_workbook_and_report_name_the_readings_used() -> None:
    profile, ruleset, report = _evaluate("wedz-manufacturer.json", **{"INTERP-WQB-2": "alternative"})
    book = load_workbook(io.BytesIO(workbook_bytes(report, profile, ruleset=ruleset)))
    summary = [list(row) for row in book["概要"].iter_rows(values_only=True)]
    row = next(r for r in summary if r[0] == "INTERP-WQB-2")
    assert row[2] == "备选（已切换）" and row[3] == "含验收当年"
    page = report_html(report, profile, ruleset=ruleset)
    assert "INTERP-WQB-2" in page and "含验收当年" in page and "备选（已切换）" in page
    assert report.ruleset_version in page


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_html_report_is_printable_and_complete(path: Path) -> None:
    profile, ruleset, report = _evaluate(path.name)
    page = report_html(report, profile, ruleset=ruleset)
    assert page.startswith("<!DOCTYPE html>") and "@media print" in page
    assert '<p class="total" id="total">' in page
    total = f"{report.total_wan:,}万元"
    assert total in page
    for finding in report.results:
        assert finding.rule_id in page
    english = report_html(report, profile, ruleset=ruleset, lang="en")
    assert 'lang="en"' in english and "Total of eligible awards" in english


def test_html_report_escapes_what_it_shows() -> None:
    data = json.loads((ROOT / "examples/qiaokou-incubator.json").read_text(encoding="utf-8"))
    data["name"] = "<script>alert(1)</script>孵化器"
    profile = load_profile(json.dumps(data, ensure_ascii=False))
    page = report_html(evaluate(profile), profile)
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;孵化器" in page


def test_exports_say_what_to_provide_in_words_and_write_amounts_alike() -> None:
    report = evaluate(load_profile((ROOT / "examples/qiaokou-trading-group.json").read_bytes()))
    bonus = next(f for f in report.results if f.status == "needs_info")
    sentence = f"请补充{bonus.year - 1}年的区级财政贡献"
    page = report_html(report, lang="zh")
    assert sentence in page and "years[].district_fiscal_contribution_wan" not in page
    book = load_workbook(io.BytesIO(workbook_bytes(report, lang="zh")))
    cells = [str(c.value) for row in book.worksheets[0].iter_rows() for c in row if c.value]
    assert any(sentence in c for c in cells)
    assert not any("years[]" in c for c in cells)
    from subsidy.money_display import wan_full

    assert wan_full(report.total_wan) in page and "," in wan_full(report.total_wan)
    english = report_html(report, lang="en")
    assert "district fiscal contribution for 2018" in english and "years[]" not in english
    assert f"RMB {report.total_wan * 10_000:,}" in english


def test_exporting_does_not_need_openpyxl_until_a_workbook_is_built() -> None:
    import subprocess
    import sys

    code = ("import sys, subsidy.export, subsidy.ui.check_page; "
            "print(sorted(m for m in ('openpyxl', 'sqlalchemy', 'altair') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
