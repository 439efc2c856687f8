"""Hostile input in a real headless Chromium: while one official's heavy upload is being read,
a second user's check still answers; names carrying Markdown or HTML are shown as text.

Screenshots are saved under artifacts/ for a person to look at.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hostile_files as hostile
import pytest
from browser_support import (
    ARTIFACTS,
    browser_skip_reason,
    launch_browser,
    new_page,
    review_signed_in,
    start_app,
    wait_for_app,
)
from register_support import PASSWORD, staff

from subsidy.accounts import Accounts
from subsidy.evaluate import evaluate
from subsidy.profile import credit_code_check_char, load_profile
from subsidy.register import Register

ROOT = Path(__file__).resolve().parents[1]
SKIP = browser_skip_reason()
pytestmark = [pytest.mark.browser, pytest.mark.skipif(SKIP is not None, reason=SKIP or "")]

MARKUP_NAME = "**粗**[点我](https://evil.example)![图](https://evil.example/x.png)<b>b</b>:material/home:"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hostile-browser")


@pytest.fixture(scope="module")
def base_url(workdir: Path) -> Iterator[str]:
    previous = os.environ.get("SUBSIDY_DB_URL")
    url = f"sqlite:///{workdir / 'register.sqlite'}"
    register = Register(url)
    accounts = Accounts(register)
    people = staff(accounts)
    # an official whose display name carries markup: it must be shown as text
    accounts.add("clerk_markup", "经办", PASSWORD, display_name=MARKUP_NAME[:40], by=people["admin"])
    register.dispose()
    os.environ["SUBSIDY_DB_URL"] = url
    try:
        with start_app() as url:
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


def screenshot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1400, "height": 2400})
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)
    page.set_viewport_size({"width": 1400, "height": 1000})


def is_running(page: Any) -> bool:
    return bool(page.evaluate(
        """() => document.querySelector('[data-testid="stApp"]')
                   .getAttribute('data-test-script-state') === 'running'"""))


def no_injected_markup(page: Any) -> None:
    """Nothing from the hostile name became a link, an image or bold text."""
    assert page.locator('a[href*="evil.example"]').count() == 0
    assert page.locator('img[src*="evil.example"]').count() == 0
    assert page.locator("strong", has_text="粗").count() == 0
    assert page.locator("b", has_text="b").count() == 0


def test_a_second_user_is_answered_while_a_heavy_upload_is_read(browser: Any, base_url: str,
                                                                workdir: Path) -> None:
    heavy = workdir / "heavy.xlsx"
    heavy.write_bytes(hostile.problem_in_every_cell(20_000))  # just under the cell limit
    official = new_page(browser)
    review_signed_in(official, base_url, "clerk1", PASSWORD)
    wait_for_app(official)
    official.locator('input[type="file"]').set_input_files(str(heavy))
    wait_for_app(official, timeout_ms=60_000)

    user = new_page(browser)
    user.goto(base_url)
    wait_for_app(user)
    user.get_by_test_id("stSelectbox").filter(has_text="示例企业").click()
    user.get_by_role("option", name="汉正街示例商贸集团有限公司").click()
    wait_for_app(user)

    official.get_by_role("button", name="开始核验").click()
    official.wait_for_function(
        """() => document.querySelector('[data-testid="stApp"]')
                   .getAttribute('data-test-script-state') === 'running'""")
    started = time.perf_counter()
    user.get_by_role("button", name="载入示例").click()
    wait_for_app(user)
    user.get_by_role("button", name="开始核查").click()
    wait_for_app(user, timeout_ms=60_000)
    user.get_by_role("heading", name="核查结果：汉正街示例商贸集团有限公司").first.wait_for()
    answered = time.perf_counter() - started
    still_reading = is_running(official)
    screenshot(user, "hostile-second-user.png")

    wait_for_app(official, timeout_ms=120_000)
    official.get_by_text("问题行").first.wait_for(timeout=60_000)
    screenshot(official, "hostile-heavy-upload.png")
    assert still_reading, f"the upload finished before the second user was answered ({answered:.1f} s)"
    assert answered < 30, answered


def test_a_zip_bomb_upload_is_refused_with_the_limit_named(browser: Any, base_url: str,
                                                          workdir: Path) -> None:
    bomb = workdir / "bomb.xlsx"
    bomb.write_bytes(hostile.zip_bomb(400))
    page = new_page(browser)
    review_signed_in(page, base_url, "clerk1", PASSWORD)
    page.locator('input[type="file"]').set_input_files(str(bomb))
    wait_for_app(page, timeout_ms=60_000)
    started = time.perf_counter()
    page.get_by_role("button", name="开始核验").click()
    wait_for_app(page, timeout_ms=60_000)
    page.get_by_text("解压后").first.wait_for()
    assert time.perf_counter() - started < 10
    screenshot(page, "hostile-zip-bomb.png")


def test_a_name_with_markdown_is_shown_as_text_on_the_check_page(browser: Any, base_url: str,
                                                                 workdir: Path) -> None:
    data = json.loads((ROOT / "examples" / "qiaokou-trading-group.json").read_text(encoding="utf-8"))
    data["name"] = MARKUP_NAME
    path = workdir / "markup.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    report = evaluate(load_profile(path.read_bytes()))
    page = new_page(browser)
    page.goto(base_url)
    wait_for_app(page)
    page.locator('input[type="file"]').set_input_files(str(path))
    wait_for_app(page, timeout_ms=60_000)
    heading = page.get_by_role("heading", name="核查结果").first
    heading.wait_for()
    shown = heading.inner_text().replace("\u200b", "")
    assert shown.startswith("核查结果：" + MARKUP_NAME[:20]), shown  # long names are cut, as text
    assert report.company == MARKUP_NAME
    no_injected_markup(page)
    screenshot(page, "hostile-markup-check.png")


def test_names_with_markdown_are_shown_as_text_on_the_review_page(browser: Any, base_url: str,
                                                                  workdir: Path) -> None:
    code = "91420104MA4K2ABC1" + credit_code_check_char("91420104MA4K2ABC1")
    rows = [[code, MARKUP_NAME[:90], "硚口区", "批发", 2020, 1000, 100, "科创板", "2020-07-22",
             "qk.listing", 2020, 200],
            ["", MARKUP_NAME, "", "", "", "", "", "", "", "qk.listing", 2020, 200]]
    head = ["统一社会信用代码", "企业名称", "所在区", "行业门类", "年份", "营业收入（万元）",
            "区级财政贡献（万元）", "上市板块", "上市日期", "奖励条款", "申报年度", "申报金额（万元）"]
    path = workdir / "markup.csv"
    path.write_bytes("\r\n".join(",".join(json.dumps(str(v), ensure_ascii=False) for v in row)
                                 for row in [head, *rows]).encode("utf-8"))
    page = new_page(browser)
    review_signed_in(page, base_url, "clerk_markup", PASSWORD)
    page.locator('input[type="file"]').set_input_files(str(path))
    wait_for_app(page, timeout_ms=60_000)
    page.get_by_text("核验结果记入登记簿").click()
    wait_for_app(page)
    page.get_by_role("button", name="开始核验").click()
    wait_for_app(page, timeout_ms=60_000)
    page.get_by_text("已记入登记簿").wait_for()
    no_injected_markup(page)
    assert MARKUP_NAME[:40] in page.inner_text("body").replace("\u200b", ""), "the official's name as text"
    screenshot(page, "hostile-markup-review.png")
