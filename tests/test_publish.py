"""The 公示 list and 一次告知 letters for the demo batch: complete, safe, and readable in
openpyxl and in a real Chromium (screenshots in artifacts/)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from browser_support import ARTIFACTS, browser_skip_reason, launch_browser, new_page
from openpyxl import load_workbook
from register_support import item, staff

from subsidy.accounts import Accounts
from subsidy.claims import read_claims_file
from subsidy.publish import (
    gongshi_html,
    gongshi_rows,
    gongshi_xlsx,
    notice_html,
    notice_xlsx,
    notices,
)
from subsidy.register import Register, User
from subsidy.verify import Verification, run_batch

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "examples" / "claims-demo.csv"
START = dt.date(2026, 3, 2)


def decide_demo(register: Register, people: dict[str, User]) -> Verification:
    """The demo batch recorded by a 经办 and decided by a 复核: confirmed claims approved,
    amount-differs approved at the computed amount (with a note), the others rejected or
    returned for documents."""
    verification = run_batch(read_claims_file(DEMO), register=register, record=True, official="clerk1")
    clerk, reviewer = people["clerk1"], people["reviewer1"]
    for v in verification.verdicts:
        claim_id = v.register_claim_id
        assert claim_id is not None
        if v.status == "confirmed":
            register.propose(claim_id, "approve", clerk)
            register.decide(claim_id, "approve", reviewer)
        elif v.status == "amount_differs":
            register.propose(claim_id, "approve", clerk, "按核定金额批准", v.computed_wan)
            register.decide(claim_id, "approve", reviewer, "同意按核定金额批准", v.computed_wan)
        else:
            action = "return" if v.status == "needs_documents" else "reject"
            register.propose(claim_id, action, clerk, f"{v.label()}，见核验理由")
            register.decide(claim_id, action, reviewer, "同意")
    return verification


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Register, Verification]:
    register = Register(f"sqlite:///{tmp_path_factory.mktemp('publish') / 'r.sqlite'}")
    verification = decide_demo(register, staff(Accounts(register)))
    return register, verification


def _texts(data: bytes) -> str:
    book = load_workbook(io.BytesIO(data))
    return "\n".join(str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row
                     if c is not None)


def test_every_verdicts_reasons_are_in_the_list_or_a_letter(demo: tuple[Register, Verification]) -> None:
    register, verification = demo
    histories = register.histories(batch_id=verification.batch_id)
    published = _texts(gongshi_xlsx(histories, start=START)) + _texts(notice_xlsx(histories))
    page = gongshi_html(histories, start=START) + notice_html(histories)
    statuses = set()
    for v in verification.verdicts:
        conditions = [line.text for line in v.lines if line.kind == "condition"]
        assert conditions, v.status
        for text in conditions:
            assert text in published, (v.status, text)
        for missing in v.missing:
            assert missing in published
        statuses.add(v.status)
    assert statuses == {"confirmed", "amount_differs", "not_eligible", "needs_documents",
                        "out_of_scope", "duplicate"}
    assert "规则版本" in page and verification.ruleset_version in page


def test_the_list_holds_the_approved_claims_with_amounts_and_dates(demo: tuple[Register, Verification]) -> None:
    register, verification = demo
    histories = register.histories(batch_id=verification.batch_id)
    rows = gongshi_rows(histories)
    holds = [v for v in verification.verdicts if v.holds]
    assert len(rows) == len(holds)
    assert {r.claim_id for r in rows} == {v.register_claim_id for v in holds}
    differs = next(v for v in holds if v.status == "amount_differs")
    row = next(r for r in rows if r.claim_id == differs.register_claim_id)
    assert row.approved_wan == differs.computed_wan != differs.claimed_wan
    book = load_workbook(io.BytesIO(gongshi_xlsx(histories, start=START, days=7, objection="硚口区经信局 027-0000")))
    sheet = book["公示名单"]
    header = [c.value for c in sheet[1]]
    first = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert first["公示开始"] == "2026-03-02" and first["公示结束"] == "2026-03-08"
    assert first["异议受理"] == "硚口区经信局 027-0000"
    assert isinstance(first["批准金额（万元）"], int | float)
    assert "规则版本" in book.sheetnames


def test_one_letter_per_company_with_contacts_quote_and_how_to_reapply(demo: tuple[Register, Verification]) -> None:
    register, verification = demo
    histories = register.histories(batch_id=verification.batch_id)
    letters = notices(histories)
    refused = {v.company for v in verification.verdicts if not v.holds}
    assert {letter.company for letter in letters} == refused
    for letter in letters:
        assert letter.contacts and all(i.quote for i in letter.items)
    page = notice_html(histories)
    assert page.count('<section class="letter">') == len(letters)
    assert "如何重新申报" in page and "责任单位" in page


def test_text_from_claims_is_escaped_and_never_a_formula(tmp_path: Path) -> None:
    register = Register(f"sqlite:///{tmp_path / 'r.sqlite'}")
    people = staff(Accounts(register))
    batch = register.open_batch("sha256:x", "x.csv", 2)
    hostile = '<script>alert("x")</script>'
    a, b = register.record(batch, [item("x1", name=hostile, company="名称:x"),
                                   item("x2", name="=HYPERLINK(\"http://x\")", company="名称:y",
                                        status="not_eligible")])
    register.propose(a, "approve", people["clerk1"])
    register.decide(a, "approve", people["reviewer1"])
    register.propose(b, "reject", people["clerk1"], "=1+1")
    register.decide(b, "reject", people["reviewer1"], "<b>bold</b>")
    histories = register.histories(batch_id=batch)
    page = gongshi_html(histories, start=START) + notice_html(histories)
    assert "<script>" not in page and "&lt;script&gt;" in page and "<b>bold" not in page
    for data in (gongshi_xlsx(histories, start=START), notice_xlsx(histories)):
        book = load_workbook(io.BytesIO(data))
        for sheet in book:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", cell.value
    assert "'=HYPERLINK" in _texts(notice_xlsx(histories))
    assert gongshi_rows(histories)[0].approved_wan == Decimal(200)


@pytest.mark.browser
@pytest.mark.skipif(browser_skip_reason() is not None, reason=browser_skip_reason() or "")
def test_the_pages_open_in_chromium(demo: tuple[Register, Verification], tmp_path: Path) -> None:
    register, verification = demo
    histories = register.histories(batch_id=verification.batch_id)
    pages = {"gongshi": gongshi_html(histories, start=START, objection="硚口区经济和信息化局（电话 027-0000 0000）"),
             "notice": notice_html(histories, issuer="硚口区经济和信息化局")}
    ARTIFACTS.mkdir(exist_ok=True)
    with launch_browser() as browser:
        for name, content in pages.items():
            path = tmp_path / f"{name}.html"
            path.write_text(content, encoding="utf-8")
            page = new_page(browser)
            page.goto(path.as_uri())
            page.wait_for_load_state()
            assert page.locator("h1").first.inner_text().strip()
            if name == "gongshi":
                assert page.locator("tbody tr").count() == len(gongshi_rows(histories))
            else:
                assert page.locator("section.letter").count() == len(notices(histories))
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
            page.context.close()


def test_a_period_selects_the_claims_decided_in_it(demo: tuple[Register, Verification]) -> None:
    register, verification = demo
    now = dt.datetime.now(dt.UTC)
    decided = register.histories(since=now - dt.timedelta(days=1), until=now + dt.timedelta(days=1))
    assert {h.id for h in decided} == {v.register_claim_id for v in verification.verdicts}
    assert register.histories(since=now + dt.timedelta(days=1)) == []
