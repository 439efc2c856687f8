"""The 审核 page in a real headless Chromium, as officials and as an impostor would use it.

- an impostor without an account sees only the sign-in form, and a wrong password gets in
  nowhere;
- a 经办 verifies and records a workbook (the same verdicts as the library), proposes a
  decision, and has no way to decide it;
- pressing Enter in any field records nothing;
- a decision against the verdict without a note is refused; with a note it takes a second,
  explicit confirmation;
- a 复核 sees the claim and the approved amount (the computed one by default) before deciding.

The app runs against a register in a temporary SQLite file (``SUBSIDY_DB_URL``) with accounts
made beforehand. Screenshots are saved under artifacts/ for a person to look at.
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
    review_signed_in,
    start_app,
    wait_for_app,
)
from register_support import PASSWORD, staff

from subsidy.accounts import Accounts
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
def base_url(db_url: str) -> Iterator[str]:
    with start_app() as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch_browser() as chromium:
        yield chromium


@pytest.fixture(scope="module")
def recorded(browser: Any, base_url: str, db_url: str, workdir: Path) -> dict[str, int]:
    """The workbook verified and recorded by a 经办 through the page: claim ids by verdict."""
    page = signed_in(browser, base_url, "clerk1")
    path = workdir / "申报.xlsx"
    path.write_bytes(template_bytes(companies=[TRADING, OUTSIDER], claims=claims()))
    page.locator('input[type="file"]').set_input_files(str(path))
    wait_for_app(page, timeout_ms=60_000)
    page.get_by_text("核验结果记入登记簿").click()
    wait_for_app(page, timeout_ms=60_000)
    page.get_by_role("button", name="开始核验").click()
    wait_for_app(page, timeout_ms=60_000)
    page.get_by_text("已记入登记簿").wait_for()
    expected = verify(read_claims(path.read_bytes(), path.name)).summary()
    assert metric(page, "申报条数") == str(len(claims()))
    for status, label in STATUS_LABELS.items():
        assert metric(page, label.zh) == str(expected["by_status"][status]), status
    assert "sqlite" not in page.content(), "no database URL on the page"
    screenshot(page, "review-verdicts.png")
    page.context.close()
    register = Register(db_url)
    ids: dict[str, int] = {}
    for item in register.history(TRADING.credit_code) + register.history(OUTSIDER.credit_code):
        assert item.latest_result is not None
        ids.setdefault(item.latest_result.status, item.id)
    register.dispose()
    return ids


def page_for(browser: Any) -> Any:
    """A fresh browser session; generous timeouts, as the machine may be busy."""
    page = new_page(browser)
    page.set_default_timeout(60_000)
    return page


def signed_in(browser: Any, base_url: str, username: str, password: str = PASSWORD) -> Any:
    page = page_for(browser)
    review_signed_in(page, base_url, username, password)
    return page


def metric(page: Any, label: str) -> str:
    box = page.get_by_test_id("stMetric").filter(has=page.get_by_text(label, exact=True))
    return box.get_by_test_id("stMetricValue").first.inner_text().strip()


def screenshot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1400, "height": 3000})
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)
    page.set_viewport_size({"width": 1400, "height": 1000})


def counts(db_url: str) -> dict[str, int]:
    register = Register(db_url)
    try:
        return register.counts()
    finally:
        register.dispose()


def type_claim(page: Any, claim_id: int) -> None:
    box = page.get_by_label("或输入登记簿申报编号")
    box.fill(str(claim_id))
    box.press("Enter")
    wait_for_app(page, timeout_ms=60_000)


def choose(page: Any, action: str) -> None:
    page.get_by_role("radiogroup").get_by_text(action, exact=True).click()
    wait_for_app(page, timeout_ms=60_000)


# ------------------------------------------------------------------------------ tests


def test_an_impostor_without_an_account_cannot_open_the_review(browser: Any, base_url: str, db_url: str) -> None:
    page = page_for(browser)
    page.goto(f"{base_url}/review")
    wait_for_app(page, timeout_ms=60_000)
    page.get_by_role("button", name="登录").wait_for()
    assert page.get_by_role("button", name="开始核验").count() == 0
    assert page.get_by_text("审核：申报核验与决定").count() == 0
    page.get_by_label("用户名").fill("张三")
    page.get_by_label("密码").fill("123456789")
    page.get_by_role("button", name="登录").click()
    wait_for_app(page, timeout_ms=60_000)
    page.get_by_text("用户名或密码错误").wait_for()
    assert page.get_by_role("button", name="开始核验").count() == 0
    page.get_by_label("用户名").fill("clerk1")
    page.get_by_label("密码").fill("not the password")
    page.get_by_label("密码").press("Enter")
    wait_for_app(page, timeout_ms=60_000)
    page.get_by_text("用户名或密码错误").wait_for()
    assert page.get_by_role("button", name="开始核验").count() == 0
    # the self-check needs no sign-in
    page.goto(f"{base_url}/check")
    wait_for_app(page, timeout_ms=60_000)
    assert page.get_by_role("button", name="登录").count() == 0
    page.context.close()


def test_a_clerk_proposes_enter_records_nothing_and_cannot_decide(browser: Any, base_url: str, db_url: str,
                                                                 recorded: dict[str, int]) -> None:
    page = signed_in(browser, base_url, "clerk1")
    page.get_by_text("提出决定").first.wait_for()
    before = counts(db_url)
    claim_id = recorded["confirmed"]
    type_claim(page, claim_id)  # Enter in the claim field: shows the claim, records nothing
    page.get_by_text("上市奖励（qk.listing）", exact=False).first.wait_for()
    assert metric(page, "按规则核定") == "200万元"
    choose(page, "批准")
    amount_box = page.get_by_label("批准金额（万元，默认为按规则核定的金额）")
    assert amount_box.input_value() == "200", "the computed amount is the default"
    amount_box.press("Enter")
    wait_for_app(page, timeout_ms=60_000)
    note = page.get_by_label(re.compile("^备注"))
    note.fill("材料齐全")
    note.press("Enter")
    wait_for_app(page, timeout_ms=60_000)
    assert counts(db_url) == before, "Enter recorded nothing"
    page.get_by_role("button", name="提出决定").click()
    wait_for_app(page, timeout_ms=60_000)
    page.get_by_text(re.compile(r"已提出：提议 #\d+")).wait_for()
    assert counts(db_url)["proposals"] == before["proposals"] + 1
    assert counts(db_url)["decisions"] == before["decisions"]
    # nothing carried over: the panel starts empty again, and the claim now waits for a reviewer
    assert page.get_by_label("或输入登记簿申报编号").input_value() == ""
    type_claim(page, claim_id)
    page.get_by_text(re.compile("已有待复核的提议")).wait_for()
    assert page.get_by_role("button", name="作出决定").count() == 0
    assert page.get_by_role("button", name="提出决定").count() == 0
    screenshot(page, "review-clerk-proposed.png")
    page.context.close()


def test_against_the_verdict_needs_a_note_and_a_confirmation(browser: Any, base_url: str, db_url: str,
                                                             recorded: dict[str, int]) -> None:
    page = signed_in(browser, base_url, "clerk2")
    before = counts(db_url)
    type_claim(page, recorded["not_eligible"])
    choose(page, "批准")
    page.get_by_text("此决定与核验结论（不符合条件）不一致").wait_for()
    page.get_by_role("button", name="提出决定").click()
    wait_for_app(page, timeout_ms=60_000)
    page.get_by_text("须填写备注说明理由，未记录。").wait_for()
    assert counts(db_url) == before
    page.get_by_label(re.compile("^备注")).fill("经区政府专题会议研究同意 [/x] *不*")
    page.get_by_role("button", name="提出决定").click()
    wait_for_app(page, timeout_ms=60_000)
    page.get_by_text("请填写批准金额").wait_for()  # the rules fix no amount for a failed claim
    page.get_by_label("批准金额（万元，默认为按规则核定的金额）").fill("100")
    page.get_by_role("button", name="提出决定").click()
    wait_for_app(page, timeout_ms=60_000)
    page.get_by_role("button", name="确认记录").wait_for()
    assert counts(db_url) == before, "nothing before the confirmation"
    page.get_by_role("button", name="确认记录").click()
    wait_for_app(page, timeout_ms=60_000)
    page.get_by_text(re.compile(r"已提出：提议 #\d+")).wait_for()
    assert counts(db_url)["proposals"] == before["proposals"] + 1
    page.context.close()


def test_a_reviewer_approves_with_the_amount_shown(browser: Any, base_url: str, db_url: str,
                                                   recorded: dict[str, int]) -> None:
    claim_id = recorded["confirmed"]
    register = Register(db_url)
    if register.claim(claim_id).open_proposal is None:  # when run alone
        people = {u.username: u for u in Accounts(register).list()}
        register.propose(claim_id, "approve", people["clerk1"])
    page = signed_in(browser, base_url, "reviewer1")
    page.get_by_text("作出决定").first.wait_for()
    page.get_by_label("选择待复核的提议").click()
    page.get_by_role("option", name=re.compile(rf"^#{claim_id} ")).click()
    wait_for_app(page, timeout_ms=60_000)
    assert metric(page, "申报金额") == "200万元" and metric(page, "按规则核定") == "200万元"
    page.get_by_text(re.compile(r"经办提议：#\d+ 批准 200万元")).wait_for()
    choose(page, "批准")
    assert page.get_by_label("批准金额（万元，默认为按规则核定的金额）").input_value() == "200"
    screenshot(page, "review-reviewer-deciding.png")
    page.get_by_role("button", name="作出决定").click()
    wait_for_app(page, timeout_ms=60_000)
    page.get_by_text(re.compile(r"已记录：决定 #\d+，申报 #\d+ → 批准 200万元")).wait_for()
    decision = register.claim(claim_id).current_decision
    assert decision is not None and decision.action == "approve" and decision.approved_wan == Decimal(200)
    assert decision.official == "李四（reviewer1）" and decision.proposer == "张三（clerk1）"
    # the 公示 list of the batch now holds it
    page.get_by_label("批次").click()
    page.get_by_role("option", name=re.compile(r"^#1 ")).click()
    wait_for_app(page, timeout_ms=60_000)
    with page.expect_download() as download:
        page.get_by_role("button", name="公示名单（打印）").click()
    listing = Path(download.value.path()).read_text(encoding="utf-8")
    assert TRADING.name in listing and "200万元" in listing and "规则版本" in listing
    # the company's history shows it
    page.get_by_label("统一社会信用代码或企业名称").fill(TRADING.credit_code)
    page.get_by_label("统一社会信用代码或企业名称").press("Enter")
    wait_for_app(page, timeout_ms=60_000)
    page.get_by_role("button", name="导出记录（Excel）").wait_for()
    screenshot(page, "review-history.png")
    register.dispose()
    page.context.close()


def test_an_administrator_decides_nothing(browser: Any, base_url: str, db_url: str) -> None:
    page = page_for(browser)
    page.goto(f"{base_url}/review")
    wait_for_app(page, timeout_ms=60_000)
    page.get_by_label("用户名").fill("admin")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    wait_for_app(page, timeout_ms=60_000)
    page.get_by_text(re.compile("本页面须由经办、复核使用")).wait_for()
    assert page.get_by_role("button", name="开始核验").count() == 0
    page.get_by_role("button", name="退出登录").click()
    wait_for_app(page, timeout_ms=60_000)
    page.get_by_role("button", name="登录").wait_for()
    page.context.close()


def test_a_file_over_the_limit_is_refused_with_a_clear_message(browser: Any, base_url: str,
                                                              workdir: Path) -> None:
    page = signed_in(browser, base_url, "clerk1")
    big = workdir / "big.csv"
    with big.open("wb") as handle:
        handle.truncate(MAX_UPLOAD_BYTES + 1024)
    page.locator('input[type="file"]').set_input_files(str(big))
    wait_for_app(page, timeout_ms=60_000)
    refused = page.get_by_text(re.compile("文件过大"))
    for _attempt in range(5):
        # a 20 MB upload may still be on its way when the button is first pressed ("upload first")
        page.get_by_role("button", name="开始核验").click()
        wait_for_app(page, timeout_ms=60_000)
        if refused.count():
            break
        page.wait_for_timeout(2000)
    refused.first.wait_for()
    page.context.close()
