"""The 审核 page in a real headless Chromium: download the template, upload a claims workbook,
verify and record it, read the verdicts (the same as the library and the command line give),
record a decision, see the company's history, and be refused a file over the size limit.

The app runs against a register in a temporary SQLite file (``SUBSIDY_DB_URL``). Screenshots
are saved under artifacts/ for a person to look at.
"""

from __future__ import annotations

import os
import re
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

from subsidy.claims import MAX_UPLOAD_BYTES, read_claims, template_bytes
from subsidy.evaluate import evaluate
from subsidy.profile import credit_code_check_char, load_profile, parse_profile
from subsidy.register import Register
from subsidy.verify import STATUS_LABELS, verify

ROOT = Path(__file__).resolve().parents[1]
SKIP = browser_skip_reason()

pytestmark = [pytest.mark.browser, pytest.mark.skipif(SKIP is not None, reason=SKIP or "")]

TRADING = load_profile((ROOT / "examples" / "qiaokou-trading-group.json").read_bytes())
OUTSIDER = parse_profile({
    "name": "江汉示例商贸有限公司", "district": "江汉区", "sector": "wholesale",
    "credit_code": "91420103MA4K3DEF1" + credit_code_check_char("91420103MA4K3DEF1"),
    "listings": [{"board": "star", "date": "2020-07-22"}],
})


def amount(rule_id: str, year: int) -> Decimal:
    return sum((f.amount_wan for f in evaluate(TRADING).results
                if f.rule_id == rule_id and f.year == year and f.status == "eligible"), Decimal(0))


def claims() -> list[dict[str, Any]]:
    """One claim per verdict (and a hostile claim reference that must stay text)."""
    listing = amount("qk.listing", 2020)
    row = {"credit_code": TRADING.credit_code, "name": TRADING.name}
    return [
        {**row, "rule": "上市奖励", "claim_year": 2020, "claimed_wan": listing, "claim_ref": "=HYPERLINK(\"x\")"},
        {**row, "rule": "qk.revenue_milestone", "claim_year": 2020,
         "claimed_wan": amount("qk.revenue_milestone", 2020) + 1},
        {**row, "rule": "qk.revenue_milestone", "claim_year": 2021, "claimed_wan": 1000},
        {**row, "rule": "qk.revenue_milestone_bonus", "claim_year": 2019, "claimed_wan": 50},
        {"credit_code": OUTSIDER.credit_code, "rule": "上市奖励", "claim_year": 2020, "claimed_wan": 200},
        {**row, "rule": "qk.listing", "claim_year": 2020, "claimed_wan": listing},
    ]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("review")


@pytest.fixture(scope="module")
def db_url(workdir: Path) -> Iterator[str]:
    url = f"sqlite:///{workdir / 'register.sqlite'}"
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
def base_url(db_url: str) -> Iterator[str]:
    with start_app() as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch_browser() as chromium:
        yield chromium


def open_review(browser: Any, base_url: str) -> Any:
    page = new_page(browser)
    page.goto(f"{base_url}/review")
    wait_for_app(page)
    page.get_by_text("审核：申报核验与决定").wait_for()
    return page


def metric(page: Any, label: str) -> str:
    box = page.get_by_test_id("stMetric").filter(has=page.get_by_text(label, exact=True))
    return box.get_by_test_id("stMetricValue").inner_text().strip()


def screenshot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1400, "height": 3200})
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)
    page.set_viewport_size({"width": 1400, "height": 1000})


def test_official_verifies_records_decides_and_reads_history(browser: Any, base_url: str, db_url: str,
                                                             workdir: Path) -> None:
    page = open_review(browser, base_url)

    # the template comes from the page
    with page.expect_download() as download:
        page.get_by_role("button", name="下载空白模板").click()
    template = workdir / "template.xlsx"
    download.value.save_as(template)
    assert read_claims(template.read_bytes(), "template.xlsx").claims == []

    path = workdir / "申报.xlsx"
    path.write_bytes(template_bytes(companies=[TRADING, OUTSIDER], claims=claims()))
    page.locator('input[type="file"]').set_input_files(str(path))
    wait_for_app(page)
    page.get_by_label("经办人姓名").fill("张三")
    page.get_by_label("经办人姓名").press("Enter")
    wait_for_app(page)
    page.get_by_text("核验结果记入登记簿").click()
    wait_for_app(page)
    page.get_by_role("button", name="开始核验").click()
    wait_for_app(page, timeout_ms=60_000)
    page.get_by_text("已记入登记簿").wait_for()

    # the same verdicts as the library gives for the same file
    expected = verify(read_claims(path.read_bytes(), path.name)).summary()
    assert metric(page, "申报条数") == str(len(claims()))
    for status, label in STATUS_LABELS.items():
        assert metric(page, label.zh) == str(expected["by_status"][status]), status
    assert all(expected["by_status"][s] >= 1 for s in STATUS_LABELS), "every verdict is on the page"
    screenshot(page, "review-verdicts.png")

    register = Register(db_url)
    history = register.history(TRADING.credit_code)
    assert register.counts()["claims"] == len(claims())
    listing = next(h for h in history if h.rule_id == "qk.listing" and h.latest_result.status == "confirmed")
    duplicate = next(h for h in history if h.rule_id == "qk.listing" and h.latest_result.status == "duplicate")

    # a decision from the page lands in the register
    page.get_by_label("登记簿申报编号").fill(str(listing.id))
    page.get_by_text("批准", exact=True).click()
    page.get_by_label("备注（批准与核验结论不一致时必填）").fill("材料齐全")
    page.get_by_role("button", name="保存决定").click()
    wait_for_app(page)
    page.get_by_text(re.compile(r"已记录：决定编号 \d+")).wait_for()
    decided = register.claim(listing.id).current_decision
    assert decided is not None and (decided.action, decided.official, decided.note) == ("approve", "张三", "材料齐全")

    # the same one-time award cannot be approved a second time
    page.get_by_label("登记簿申报编号").fill(str(duplicate.id))
    page.get_by_text("批准", exact=True).click()
    page.get_by_label("备注（批准与核验结论不一致时必填）").fill("再批一次")
    page.get_by_role("button", name="保存决定").click()
    wait_for_app(page)
    page.get_by_text(re.compile("重复申报")).first.wait_for()
    assert register.claim(duplicate.id).decisions == []

    # the company's history with the decision
    page.get_by_label("统一社会信用代码或企业名称").fill(TRADING.credit_code)
    page.get_by_label("统一社会信用代码或企业名称").press("Enter")
    wait_for_app(page)
    page.get_by_role("button", name="导出记录（Excel）").wait_for()
    table = page.get_by_test_id("stDataFrame").last
    table.wait_for()
    screenshot(page, "review-history.png")


def test_a_file_over_the_limit_is_refused_with_a_clear_message(browser: Any, base_url: str,
                                                              workdir: Path) -> None:
    page = open_review(browser, base_url)
    big = workdir / "big.csv"
    with big.open("wb") as handle:
        handle.truncate(MAX_UPLOAD_BYTES + 1024)
    page.locator('input[type="file"]').set_input_files(str(big))
    wait_for_app(page, timeout_ms=60_000)
    page.get_by_role("button", name="开始核验").click()
    wait_for_app(page)
    page.get_by_text(re.compile("文件过大")).wait_for()
