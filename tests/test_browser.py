"""End to end in a real headless Chromium: load an example, run the check, read the total and
a reason on the page; switch pages without losing anything; and two sessions checking
different companies at the same time each get their own, correct results.

Screenshots are saved under artifacts/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

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

from subsidy.evaluate import evaluate
from subsidy.findings import Report
from subsidy.profile import load_profile

ROOT = Path(__file__).resolve().parents[1]
SKIP = browser_skip_reason()

pytestmark = [pytest.mark.browser, pytest.mark.skipif(SKIP is not None, reason=SKIP or "")]


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with start_app() as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch_browser() as chromium:
        yield chromium


def example_report(stem: str) -> Report:
    return evaluate(load_profile((ROOT / "examples" / f"{stem}.json").read_bytes()))


def shown_wan(text: str) -> Decimal:
    match = re.match(r"\s*([0-9][0-9,]*(?:\.[0-9]+)?)万元", text)
    assert match, f"not a 万元 amount: {text!r}"
    return Decimal(match.group(1).replace(",", ""))


def open_app(browser: Any, base_url: str) -> Any:
    page = new_page(browser)
    page.goto(base_url)
    wait_for_app(page)
    return page


def load_example(page: Any, company: str) -> None:
    page.get_by_test_id("stSelectbox").filter(has_text="示例企业").click()
    page.get_by_role("option", name=company).click()
    wait_for_app(page)
    page.get_by_role("button", name="载入示例").click()
    wait_for_app(page)


def total_on(page: Any) -> Decimal:
    metric = page.get_by_test_id("stMetric").filter(has_text="可获得奖励合计")
    value = metric.get_by_test_id("stMetricValue")
    value.wait_for(state="visible")
    return shown_wan(value.inner_text())


def expect_company(page: Any, company: str) -> None:
    """The name field shows ``company`` (retried: a page switch remounts the widgets)."""
    from playwright.sync_api import expect

    expect(page.get_by_role("textbox", name="企业名称")).to_have_value(company)


def open_form(page: Any) -> None:
    """Unfold the form below the results (it folds away after each check)."""
    page.get_by_text("修改企业数据并重新核查").click()
    wait_for_app(page)


def choose(page: Any, label: str, option: str) -> None:
    box = page.get_by_test_id("stSelectbox").filter(has_text=label)
    wanted = page.get_by_role("option", name=option, exact=True)
    for attempt in range(3):  # on a busy machine the list may open after the typing began
        box.click()
        page.wait_for_timeout(200 * (attempt + 1))
        page.keyboard.type(option)  # the list shows a few options at a time: filter it
        try:
            wanted.click(timeout=15_000)
            break
        except Exception:  # noqa: BLE001 — close the list and try again
            page.keyboard.press("Escape")
    else:
        raise AssertionError(f"option {option!r} of {label!r} never appeared")
    wait_for_app(page)


def fill(page: Any, label: str, text: str) -> None:
    box = page.get_by_role("textbox", name=label, exact=True)
    box.fill(text)
    box.press("Enter")
    wait_for_app(page)


def run_check(page: Any) -> None:
    page.get_by_role("button", name="开始核查").click()
    wait_for_app(page)
    page.locator("#results").wait_for()


def save_screenshot(page: Any, name: str) -> Path:
    """The whole page: a tall viewport, since Streamlit scrolls inside its own container."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.set_viewport_size({"width": 1400, "height": 5200})
    page.wait_for_timeout(500)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size({"width": 1400, "height": 1000})
    return path


def test_check_an_example_and_read_total_and_reason(browser: Any, base_url: str) -> None:
    report = example_report("qiaokou-trading-group")
    page = open_app(browser, base_url)
    load_example(page, report.company)
    expect_company(page, report.company)
    page.get_by_role("button", name="开始核查").click()
    wait_for_app(page)

    assert total_on(page) == Decimal(str(report.contract()["total_wan"]))

    finding = next(f for f in report.results if f.status == "eligible" and f.tier == "T100")
    reason = next(r for r in finding.reasons if r.field == "revenue_wan")
    expander = page.get_by_test_id("stExpander").filter(has_text=finding.tier_title or finding.title)
    expander.first.locator("summary").click()
    shown = expander.first.get_by_text(reason.text, exact=False)
    shown.first.wait_for(state="visible")
    assert shown.first.is_visible()
    assert save_screenshot(page, "browser-check.png").stat().st_size > 10_000

    # another page and back: the form and the results are still there
    page.get_by_test_id("stSidebarNav").get_by_text("规则目录").click()
    wait_for_app(page)
    page.get_by_role("heading", name="规则目录").first.wait_for()
    page.get_by_test_id("stSidebarNav").get_by_text("企业自查").click()
    wait_for_app(page)
    assert total_on(page) == Decimal(str(report.contract()["total_wan"]))
    open_form(page)
    expect_company(page, report.company)
    page.context.close()


def test_two_sessions_at_once_get_their_own_results(browser: Any, base_url: str) -> None:
    companies = {"qiaokou-trading-group": None, "wedz-manufacturer": None}
    reports = {stem: example_report(stem) for stem in companies}
    pages = {stem: open_app(browser, base_url) for stem in companies}
    for stem, page in pages.items():
        load_example(page, reports[stem].company)
    for page in pages.values():  # both checks start before either is read
        page.get_by_role("button", name="开始核查").click()
    for stem, page in pages.items():
        wait_for_app(page)
        heading = page.get_by_role("heading", name=f"核查结果：{reports[stem].company}")
        heading.first.wait_for()
        assert total_on(page) == Decimal(str(reports[stem].contract()["total_wan"]))
        other = next(s for s in companies if s != stem)
        assert page.get_by_text(f"核查结果：{reports[other].company}").count() == 0
    save_screenshot(pages["wedz-manufacturer"], "browser-second-session.png")
    for page in pages.values():
        page.context.close()


def test_the_results_are_in_view_after_the_check(browser: Any, base_url: str) -> None:
    report = example_report("wedz-manufacturer")
    page = open_app(browser, base_url)
    load_example(page, report.company)
    button = page.get_by_role("button", name="开始核查")
    button.scroll_into_view_if_needed()  # the button sits below a long form
    page.wait_for_timeout(300)
    button.click()
    wait_for_app(page)
    heading = page.locator("#results")
    heading.wait_for()
    page.wait_for_timeout(500)
    top = heading.evaluate("e => e.getBoundingClientRect().top")
    assert 0 <= top < 300, f"the results heading is at {top}px, not in view"
    summary = page.get_by_text(re.compile(r"^可获得 [0-9]+ 项，共 "))
    assert summary.is_visible()
    assert summary.evaluate("e => e.getBoundingClientRect().bottom") < 1000
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "browser-results-in-view.png"))  # what the user sees
    page.context.close()


def test_a_long_company_name_downloads_under_a_short_file_name(browser: Any, base_url: str) -> None:
    page = open_app(browser, base_url)
    # 482 characters: refused by the profile (names are at most 100), yet the typed profile
    # still downloads, under a short name
    fill(page, "企业名称", ("汉正街示例商贸有限公司" * 44)[:482])
    with page.expect_download() as info:
        page.get_by_role("button", name="下载企业档案（JSON）").click()
    assert len(info.value.suggested_filename.encode("utf-8")) < 140, info.value.suggested_filename
    info.value.save_as(ARTIFACTS / info.value.suggested_filename)  # the file system takes it
    # the longest valid name: results, and every export under a short file name
    name = ("汉正街示例商贸有限公司" * 10)[:100]
    fill(page, "企业名称", name)
    choose(page, "所在区", "硚口区")
    choose(page, "行业门类", "批发")
    run_check(page)
    page.get_by_role("tab", name="导出").click()
    wait_for_app(page)
    names = []
    for label in ("下载 Excel 工作簿", "下载可打印报告（HTML）", "下载结果（JSON）"):
        with page.expect_download() as info:
            page.get_by_role("button", name=label).click()
        download = info.value
        names.append(download.suggested_filename)
        saved = ARTIFACTS / download.suggested_filename
        download.save_as(saved)  # the file system takes it (ENAMETOOLONG before)
        assert saved.stat().st_size > 100
    for file_name in names:
        assert len(file_name.encode("utf-8")) < 140 and file_name.startswith("汉正街示例商贸有限公司"), file_name
    page.context.close()


def test_the_uploader_speaks_chinese_and_states_the_real_limit(browser: Any, base_url: str, tmp_path: Path) -> None:
    page = open_app(browser, base_url)
    zone = page.get_by_test_id("stFileUploaderDropzone")
    zone.wait_for()
    page.wait_for_timeout(300)
    text = zone.inner_text()
    assert "单个文件不超过 20 MB" in text and "选择文件" in text, text
    assert "200" not in text and "per file" not in text and "Upload" not in text, text
    # switched to English on the same page: the uploader's words follow, and back
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_text("English", exact=True).click()
    wait_for_app(page)
    page.wait_for_timeout(500)
    text = page.get_by_test_id("stFileUploaderDropzone").inner_text()
    assert "At most 20 MB per file" in text and "Upload" in text, text
    assert not re.search(r"[\u4e00-\u9fff]", text), text
    sidebar.get_by_text("中文", exact=True).click()
    wait_for_app(page)
    page.wait_for_timeout(500)
    assert "单个文件不超过 20 MB" in page.get_by_test_id("stFileUploaderDropzone").inner_text()
    wrong = tmp_path / "notes.txt"
    wrong.write_text("not a profile", encoding="utf-8")
    page.locator("input[type=file]").set_input_files(str(wrong))
    page.wait_for_timeout(800)
    uploader = page.get_by_test_id("stFileUploader").inner_text()
    assert "不接受此类文件" in uploader and "not allowed" not in uploader, uploader
    assert "Error" not in uploader, uploader
    page.get_by_test_id("stFileUploader").screenshot(path=str(ARTIFACTS / "browser-uploader-zh.png"))
    page.context.close()


def near_miss_panel(page: Any) -> str:
    title = page.get_by_text("距下一档奖励：还差什么", exact=True)
    return str(title.locator("xpath=ancestor::div[@data-testid='stVerticalBlock'][1]").inner_text())


def test_the_wholesale_near_miss_is_told_whole(browser: Any, base_url: str) -> None:
    """硚口 wholesaler, 2020 revenue 102亿, contribution 2300万, earlier peak 45亿: the page
    names the 5000万 contribution the 1,000万 tier also needs; entered as 服务业, the same
    figures lose that tier for good, and the page says so."""
    page = open_app(browser, base_url)
    fill(page, "企业名称", "汉正街示例商贸有限公司")
    choose(page, "所在区", "硚口区")
    choose(page, "行业门类", "批发")
    fill(page, "此前最高营业收入（万元）", "45亿")
    page.get_by_text("从 Excel 粘贴年度数据").click()
    page.get_by_role("textbox", name="粘贴内容").fill("年度\t营业收入\t区级财政贡献\n2020\t102亿\t2300")
    page.get_by_role("button", name="填入表格").click()
    wait_for_app(page)
    run_check(page)
    assert total_on(page) == Decimal(500)
    text = near_miss_panel(page)
    assert "下一档：「五百亿级台阶（服务业一百亿级）」，奖励 1,000万元" in text, text
    assert "5000万元" in text and "2,700万元" in text and "398亿元" in text, text
    summary = page.get_by_text(re.compile(r"^可获得 ")).inner_text()
    assert "区级财政贡献还差 2,700万元" in summary, summary
    save_screenshot(page, "browser-near-miss-wholesale.png")

    open_form(page)
    choose(page, "行业门类", "服务业")
    run_check(page)
    assert total_on(page) == Decimal(500)
    text = near_miss_panel(page)
    assert "已无法获得「五百亿级台阶（服务业一百亿级）」（1,000万元）" in text, text
    assert "区级财政贡献还差 2,700万元" in text, text
    assert "下一档：" not in text and "已达到图中所有台阶" not in text, text  # nothing left to reach
    page.get_by_role("tab", name="距下一档奖励").click()
    wait_for_app(page)
    page.get_by_test_id("stVegaLiteChart").first.wait_for()
    save_screenshot(page, "browser-near-miss-services.png")
    page.context.close()
