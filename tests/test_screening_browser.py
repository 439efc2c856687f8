"""The 政策测算 page in a real headless Chromium: officials only (sign in), upload a population
file, read the totals and charts, open one company with its reasons, download the push and 公示
lists (they open in Excel), compare a changed reading; a bad file is refused in words.
Screenshots go to artifacts/.
"""

from __future__ import annotations

import csv
import os
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
    signed_in_at,
    start_app,
    wait_for_app,
)
from openpyxl import load_workbook
from register_support import PASSWORD, staff

from subsidy.accounts import Accounts
from subsidy.evaluate import evaluate
from subsidy.money_display import wan_short as format_wan
from subsidy.population import COLUMNS, profile_rows
from subsidy.profile import load_profile
from subsidy.register import Register
from subsidy.sample import sample_profiles

ROOT = Path(__file__).resolve().parents[1]
SKIP = browser_skip_reason()
pytestmark = [pytest.mark.browser, pytest.mark.skipif(SKIP is not None, reason=SKIP or "")]
APP = "app.py"

TRADING = load_profile((ROOT / "examples" / "qiaokou-trading-group.json").read_bytes())


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("screening")


@pytest.fixture(scope="module")
def population(workdir: Path) -> tuple[Path, list]:
    profiles = [TRADING, *sample_profiles(60, seed=4)]
    path = workdir / "企业年度数据.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(COLUMNS))
        writer.writeheader()
        for profile in profiles:
            writer.writerows(profile_rows(profile))
    return path, profiles


@pytest.fixture(scope="module")
def db_url(workdir: Path) -> Iterator[str]:
    url = f"sqlite:///{workdir / 'register.sqlite'}"
    register = Register(url)
    staff(Accounts(register))
    register.dispose()
    previous = os.environ.get("SUBSIDY_DB_URL")
    os.environ["SUBSIDY_DB_URL"] = url
    try:
        yield url
    finally:
        if previous is None:
            os.environ.pop("SUBSIDY_DB_URL", None)
        else:
            os.environ["SUBSIDY_DB_URL"] = previous


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch_browser() as chromium:
        yield chromium


@pytest.fixture(scope="module")
def base_url(db_url: str) -> Iterator[str]:
    with start_app(app=APP) as url:
        yield url


def signed_in(browser: Any, base_url: str, username: str = "clerk1") -> Any:
    page = new_page(browser)
    signed_in_at(page, base_url, "screening", username, PASSWORD)
    return page


def metric(page: Any, label: str) -> str:
    box = page.get_by_test_id("stMetric").filter(has=page.get_by_text(label, exact=True))
    return box.get_by_test_id("stMetricValue").inner_text().strip()


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1400, "height": 3600})
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)
    page.set_viewport_size({"width": 1400, "height": 1000})


def test_the_page_is_for_officials_only(browser, base_url):
    page = new_page(browser)
    page.goto(f"{base_url}/screening")
    wait_for_app(page, timeout_ms=60_000)
    page.get_by_role("button", name="登录").wait_for()
    assert page.get_by_text("政策测算：全部企业对照全部条款").count() == 0
    page = signed_in(browser, base_url, "admin")
    page.get_by_text("本页面须由").wait_for()  # an administrator decides and screens nothing
    assert page.get_by_text("政策测算：全部企业对照全部条款").count() == 0


def test_upload_totals_charts_drill_down_downloads_and_compare(browser, base_url, population, tmp_path):
    path, profiles = population
    page = signed_in(browser, base_url)
    page.get_by_text("政策测算：全部企业对照全部条款").wait_for()
    page.get_by_text("不超过 20 MB").first.wait_for()  # the server's real limit, in the page's words
    page.locator('input[type="file"]').first.set_input_files(str(path))
    wait_for_app(page, timeout_ms=60_000)
    page.get_by_role("button", name="开始测算").click()
    wait_for_app(page, timeout_ms=180_000)
    page.get_by_text("汇总（预算测算）").wait_for(timeout=180_000)

    # the totals are the interactive engine's, company by company
    reports = [evaluate(p) for p in profiles]
    eligible = sum(1 for r in reports for f in r.results if f.status == "eligible")
    total = sum((r.total_wan for r in reports), Decimal(0))
    assert metric(page, "企业数") == f"{len(profiles):,}"
    assert metric(page, "可获得（家次）") == f"{eligible:,}"
    assert metric(page, "可获得金额") == format_wan(total)
    assert page.locator('[data-testid="stVegaLiteChart"]').count() >= 3
    shot(page, "screening-totals.png")

    # downloads: the push list and the 公示 list open in Excel, under safe names
    with page.expect_download() as download:
        page.get_by_role("button", name="免申即享推送清单（Excel）").click()
    assert download.value.suggested_filename.startswith("免申即享推送清单-")
    assert download.value.suggested_filename.endswith(".xlsx")
    push_path = tmp_path / "push.xlsx"
    download.value.save_as(push_path)
    push = list(load_workbook(push_path, read_only=True).worksheets[0].iter_rows(values_only=True))
    assert push[0][0] == "统一社会信用代码" and "责任单位" in push[0]
    assert any(row[1] == TRADING.name and row[3] == "qk.revenue_milestone" for row in push[1:])
    with page.expect_download() as download:
        page.get_by_role("button", name="公示清单（Excel）").click()
    notice_path = tmp_path / "notice.xlsx"
    download.value.save_as(notice_path)
    notice = list(load_workbook(notice_path, read_only=True).worksheets[0].iter_rows(values_only=True))
    assert notice[0][0] == "企业名称" and "公示开始" in notice[0] and "公示结束" in notice[0]
    assert len(notice) == len(push)

    # one company opened with the interactive engine: its reasons are on the page
    page.get_by_label("统一社会信用代码或企业名称").fill("汉正街")
    page.get_by_label("统一社会信用代码或企业名称").press("Enter")
    wait_for_app(page, timeout_ms=60_000)
    finding = next(f for f in evaluate(TRADING).results if f.rule_id == "qk.revenue_milestone" and f.year == 2020)
    page.get_by_text(f"2020 · {finding.title}").first.click()
    wait_for_app(page)
    reason = next(r.text for r in finding.reasons if r.passed)
    page.get_by_text(reason).first.wait_for()
    shot(page, "screening-company.png")

    # a changed reading side by side
    chooser = page.get_by_test_id("stMultiSelect").filter(has_text="切换以下解释后重新测算")
    chooser.locator("input").click()
    chooser.locator("input").fill("INTERP-WQB-1")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    wait_for_app(page)
    page.get_by_role("button", name="对比", exact=True).click()
    wait_for_app(page, timeout_ms=180_000)
    page.get_by_text("获益或受损的企业").wait_for(timeout=180_000)
    assert metric(page, "当前规则") == format_wan(total)
    shot(page, "screening-compare.png")


def test_a_bad_file_is_refused_in_words(browser, base_url, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("name,district\n甲,硚口区\n", encoding="utf-8")
    page = signed_in(browser, base_url, "reviewer1")
    page.locator('input[type="file"]').first.set_input_files(str(bad))
    wait_for_app(page, timeout_ms=60_000)
    page.get_by_role("button", name="开始测算").click()
    wait_for_app(page, timeout_ms=60_000)
    page.get_by_text("缺少必填列").wait_for()
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("name,district,sector,year\n甲公司,硚口区,other,2020\n".encode("gbk"))
    page.locator('input[type="file"]').first.set_input_files(str(gbk))
    wait_for_app(page, timeout_ms=60_000)
    page.get_by_role("button", name="开始测算").click()
    wait_for_app(page, timeout_ms=60_000)
    page.get_by_text("另存为").first.wait_for()
    assert page.get_by_text("Traceback").count() == 0
    shot(page, "screening-refused.png")
