"""The 政策测算 page in a real headless Chromium: upload a population file, read the totals
and charts, open one company with its reasons, download the push and 公示 lists, and compare
a changed reading. Screenshots go to artifacts/."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from browser_support import (
    ARTIFACTS,
    browser_skip_reason,
    launch_browser,
    new_page,
    start_app,
    wait_for_app,
)
from openpyxl import load_workbook

from subsidy.evaluate import evaluate
from subsidy.money import format_wan
from subsidy.population import COLUMNS, profile_rows
from subsidy.profile import load_profile
from subsidy.sample import sample_profiles

ROOT = Path(__file__).resolve().parents[1]
SKIP = browser_skip_reason()
pytestmark = [pytest.mark.browser, pytest.mark.skipif(SKIP is not None, reason=SKIP or "")]

TRADING = load_profile((ROOT / "examples" / "qiaokou-trading-group.json").read_bytes())


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:
    profiles = [TRADING, *sample_profiles(150, seed=4)]
    path = tmp_path_factory.mktemp("screening") / "企业年度数据.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(COLUMNS))
        writer.writeheader()
        for profile in profiles:
            writer.writerows(profile_rows(profile))
    return path, profiles


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch_browser() as chromium:
        yield chromium


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with start_app() as url:
        yield url


def metric(page: Any, label: str) -> str:
    box = page.get_by_test_id("stMetric").filter(has=page.get_by_text(label, exact=True))
    return box.get_by_test_id("stMetricValue").inner_text().strip()


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1400, "height": 3600})
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)
    page.set_viewport_size({"width": 1400, "height": 1000})


def test_upload_totals_charts_drill_down_downloads_and_compare(browser, base_url, population, tmp_path):
    path, profiles = population
    page = new_page(browser)
    page.goto(f"{base_url}/screening")
    wait_for_app(page)
    page.get_by_text("政策测算：全部企业对照全部条款").wait_for()
    page.locator('input[type="file"]').set_input_files(str(path))
    wait_for_app(page)
    page.get_by_role("button", name="开始测算").click()
    wait_for_app(page, timeout_ms=120_000)
    page.get_by_text("按条款的可获得金额").wait_for()

    # the totals are the interactive engine's, company by company
    reports = [evaluate(p) for p in profiles]
    eligible = sum(1 for r in reports for f in r.results if f.status == "eligible")
    total = sum((r.total_wan for r in reports), Decimal(0))
    assert metric(page, "企业数") == f"{len(profiles):,}"
    assert metric(page, "可获得（家次）") == f"{eligible:,}"
    assert metric(page, "可获得金额") == format_wan(total)
    assert page.locator('[data-testid="stVegaLiteChart"]').count() >= 2
    shot(page, "screening-totals.png")

    # downloads: the push list and the 公示 list open in Excel
    with page.expect_download() as download:
        page.get_by_role("button", name="免申即享推送清单（Excel）").click()
    push_path = tmp_path / "push.xlsx"
    download.value.save_as(push_path)
    push = list(load_workbook(push_path, read_only=True).worksheets[0].iter_rows(values_only=True))
    assert push[0][0] == "统一社会信用代码"
    assert any(row[1] == TRADING.name and row[3] == "qk.revenue_milestone" for row in push[1:])
    with page.expect_download() as download:
        page.get_by_role("button", name="公示清单（Excel）").click()
    notice_path = tmp_path / "notice.xlsx"
    download.value.save_as(notice_path)
    notice = list(load_workbook(notice_path, read_only=True).worksheets[0].iter_rows(values_only=True))
    assert notice[0][0] == "企业名称" and "公示开始" in notice[0] and len(notice) == len(push)

    # one company opened with the interactive engine: its reasons are on the page
    page.get_by_label("统一社会信用代码或企业名称").fill("汉正街")
    page.get_by_label("统一社会信用代码或企业名称").press("Enter")
    wait_for_app(page)
    page.get_by_text("2020 · 营业收入首次达到台阶奖励").first.click()
    wait_for_app(page)
    finding = next(f for f in evaluate(TRADING).results if f.rule_id == "qk.revenue_milestone" and f.year == 2020)
    reason = next(r.text for r in finding.reasons if "首次达到" in r.text)
    page.get_by_text(reason).first.wait_for()
    shot(page, "screening-company.png")

    # a changed reading side by side
    chooser = page.get_by_test_id("stMultiSelect").filter(has_text="切换以下解释后重新测算")
    chooser.locator("input").click()
    chooser.locator("input").fill("INTERP-QK-3")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    wait_for_app(page)
    page.get_by_role("button", name="对比", exact=True).click()
    wait_for_app(page, timeout_ms=120_000)
    assert metric(page, "当前解释") == format_wan(total)
    page.get_by_text("切换后").wait_for()
    shot(page, "screening-compare.png")


def test_a_bad_file_is_refused_in_words(browser, base_url, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("name,district\n甲,硚口区\n", encoding="utf-8")
    page = new_page(browser)
    page.goto(f"{base_url}/screening")
    wait_for_app(page)
    page.locator('input[type="file"]').set_input_files(str(bad))
    wait_for_app(page)
    page.get_by_role("button", name="开始测算").click()
    wait_for_app(page)
    page.get_by_text("缺少必填列").wait_for()
