"""Claim verification: every verdict, its reasons, the sums, and the same answer on every face.

Expected amounts come from evaluating the same profiles (never typed here), so the tests
hold when a rule file's amounts change and fail when verification and evaluation disagree.
"""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from register_support import staff
from typer.testing import CliRunner

from subsidy.accounts import Accounts
from subsidy.claims import ClaimBatch, read_claims, template_bytes, template_csv
from subsidy.cli import app
from subsidy.evaluate import default_rules, evaluate
from subsidy.findings import Finding
from subsidy.profile import (
    Profile,
    credit_code_check_char,
    dump_profile,
    load_profile,
    parse_profile,
)
from subsidy.register import Register, User
from subsidy.verify import (
    STATUS_LABELS,
    VERDICT_ORDER,
    Verification,
    report_workbook,
    run_batch,
    verify,
)

ROOT = Path(__file__).resolve().parents[1]


def code(first17: str) -> str:
    return first17 + credit_code_check_char(first17)


TRADING = load_profile((ROOT / "examples" / "qiaokou-trading-group.json").read_bytes())
MAKER = parse_profile({
    "name": "江汉示例装备制造有限公司", "credit_code": code("91420103MA4K3DEF1"), "district": "江汉区",
    "sector": "industry", "prior_peak_main_revenue_wan": 90000, "prior_peak_revenue_wan": 90000,
    "years": [{"year": 2020, "revenue_wan": 600000, "main_business_revenue_wan": 600000}],
    "listings": [{"board": "star", "date": "2020-07-22"}],
})
"""An industrial company outside 硚口: its 2020 main revenue first exceeds two city levels
at once (a ladder whose tiers add up), and 硚口's listing award does not apply to it."""


def eligible(profile: Profile, rule_id: str, year: int) -> list[Finding]:
    return [f for f in evaluate(profile).results
            if f.rule_id == rule_id and f.year == year and f.status == "eligible"]


def computed(profile: Profile, rule_id: str, year: int) -> Decimal:
    found = eligible(profile, rule_id, year)
    assert found, f"{rule_id} {year} should be eligible for {profile.name}"
    return sum((f.amount_wan for f in found), Decimal(0))


def claim(profile: Profile | None, rule: str, year: int, amount: Any, **extra: Any) -> dict[str, Any]:
    row = {"rule": rule, "claim_year": year, "claimed_wan": amount, **extra}
    if profile is not None:
        row.setdefault("credit_code", profile.credit_code)
        row.setdefault("name", profile.name)
    return row


def batch_of(claims: list[dict[str, Any]], companies: list[Any] | None = None,
             name: str = "claims.xlsx") -> ClaimBatch:
    data = template_bytes(companies=companies if companies is not None else [TRADING, MAKER], claims=claims)
    return read_claims(data, name)


def only(verification: Verification) -> Any:
    assert len(verification.verdicts) == 1
    return verification.verdicts[0]


# ------------------------------------------------------------------------------ each verdict


def test_confirmed_when_eligible_and_the_amount_is_the_computed_one() -> None:
    amount = computed(TRADING, "qk.listing", 2020)
    verdict = only(verify(batch_of([claim(TRADING, "上市奖励", 2020, amount)])))
    assert verdict.status == "confirmed" and verdict.label() == "核实通过"
    assert verdict.computed_wan == amount and verdict.difference_wan == 0
    assert any(line.passed is True and "科创板" in line.text for line in verdict.lines)


def test_amount_differs_shows_claimed_computed_and_difference() -> None:
    amount = computed(TRADING, "qk.revenue_milestone", 2020)
    verdict = only(verify(batch_of([claim(TRADING, "qk.revenue_milestone", 2020, amount + 100)])))
    assert verdict.status == "amount_differs" and verdict.label() == "金额不符"
    assert verdict.claimed_wan == amount + 100 and verdict.computed_wan == amount
    assert verdict.difference_wan == Decimal(100)
    assert "多报" in verdict.reasons_text() and "difference" in verdict.reasons_text("en")


def test_not_eligible_lists_the_failing_conditions() -> None:
    assert not eligible(TRADING, "qk.revenue_milestone", 2021)
    verdict = only(verify(batch_of([claim(TRADING, "qk.revenue_milestone", 2021, 1000)])))
    assert verdict.status == "not_eligible" and verdict.label() == "不符合条件"
    failing = [line for line in verdict.lines if line.passed is False]
    assert failing and all(line.kind == "condition" for line in failing)
    assert any("还差" in line.text for line in failing)  # the gap to the threshold
    assert verdict.computed_wan is None


def test_needs_documents_names_the_missing_figure() -> None:
    verdict = only(verify(batch_of([claim(TRADING, "qk.revenue_milestone_bonus", 2019, 50)])))
    assert verdict.status == "needs_documents" and verdict.label() == "需补充材料"
    # said in words, never as a field path: what to add and what for
    assert any("请补充2018年的区级财政贡献" in m for m in verdict.missing), verdict.missing
    assert not any("_wan" in m for m in verdict.missing)
    assert any(line.passed is None for line in verdict.lines)


def test_needs_documents_when_the_event_is_not_on_file() -> None:
    verdict = only(verify(batch_of([claim(TRADING, "qk.listing", 2019, 200)])))
    assert verdict.status == "needs_documents"
    assert any("listings" in m for m in verdict.missing)
    assert "2020" in verdict.reasons_text()  # the year that is on file is pointed out


def test_needs_documents_for_a_company_not_on_the_company_sheet() -> None:
    stranger = {"credit_code": code("91420104MA4K9QQQ1"), "name": "不存在的公司"}
    verdict = only(verify(batch_of([claim(None, "上市奖励", 2020, 200, **stranger)])))
    assert verdict.status == "needs_documents"
    assert "企业表中没有" in verdict.reasons_text()


def test_out_of_scope_outside_the_policy_area_or_period() -> None:
    verdict = only(verify(batch_of([claim(MAKER, "qk.listing", 2020, 200)])))
    assert verdict.status == "out_of_scope" and verdict.label() == "超出政策期限或区域"
    assert "硚口区" in verdict.reasons_text()
    late = parse_profile({**dump_profile(TRADING),
                          "listings": [{"board": "star", "date": "2023-03-01"}]})
    verdict = only(verify(batch_of([claim(late, "qk.listing", 2023, 200)], companies=[late])))
    assert verdict.status == "out_of_scope" and "期限" in verdict.reasons_text()


def test_duplicate_in_the_batch_same_claim_twice() -> None:
    amount = computed(TRADING, "qk.listing", 2020)
    verification = verify(batch_of([claim(TRADING, "qk.listing", 2020, amount),
                                    claim(TRADING, "上市奖励", 2020, amount)]))
    first, second = verification.verdicts
    assert first.status == "confirmed"
    assert second.status == "duplicate" and second.label() == "重复申报"
    assert second.duplicate_of == {"kind": "batch", "sheet": "申报", "row": 2, "claim_ref": None}


def test_duplicate_in_the_batch_one_time_award_in_two_years() -> None:
    amount = computed(TRADING, "qk.hidden_champion_demo", 2021)
    verification = verify(batch_of([claim(TRADING, "qk.hidden_champion_demo", 2021, amount),
                                    claim(TRADING, "qk.hidden_champion_demo", 2022, amount)]))
    assert [v.status for v in verification.verdicts] == ["confirmed", "duplicate"]
    # an award that is not one-time may be claimed for several years
    verification = verify(batch_of([
        claim(TRADING, "qk.revenue_milestone_bonus", 2020, computed(TRADING, "qk.revenue_milestone_bonus", 2020)),
        claim(TRADING, "qk.revenue_milestone_bonus", 2021, computed(TRADING, "qk.revenue_milestone_bonus", 2021))]))
    assert [v.status for v in verification.verdicts] == ["confirmed", "confirmed"]


def test_duplicate_of_a_one_time_award_approved_in_the_register(tmp_path: Path) -> None:
    register = Register(f"sqlite:///{tmp_path / 'r.sqlite'}")
    amount = computed(TRADING, "qk.listing", 2020)
    first_file = template_bytes(companies=[TRADING], claims=[claim(TRADING, "qk.listing", 2020, amount)])
    first = run_batch(read_claims(first_file, "2021年第一批.xlsx"), register=register, record=True,
                      official="张三")
    claim_id = first.verdicts[0].register_claim_id
    assert claim_id is not None
    # before any decision the claim is not "already granted"
    again = verify(batch_of([claim(TRADING, "qk.listing", 2020, amount, note="再次申报")], name="第二批.xlsx"),
                   register=register)
    assert only(again).status == "confirmed"
    settle(register, claim_id, "approve", "材料齐全")
    again = verify(batch_of([claim(TRADING, "qk.listing", 2020, amount, note="再次申报")], name="第二批.xlsx"),
                   register=register)
    verdict = only(again)
    assert verdict.status == "duplicate"
    assert verdict.duplicate_of["kind"] == "register" and verdict.duplicate_of["claim_id"] == claim_id
    assert "李四" in verdict.reasons_text()
    # the approved claim itself, verified again from its own file, is not its own duplicate
    same = verify(read_claims(first_file, "2021年第一批.xlsx"), register=register)
    assert only(same).status == "confirmed"
    # once the approval is withdrawn (a newer decision), the award is free again
    settle(register, claim_id, "reject", "撤销")
    assert only(verify(batch_of([claim(TRADING, "qk.listing", 2020, amount)], name="第三批.xlsx"),
                       register=register)).status == "confirmed"


def test_once_per_tier_awards_are_duplicates_only_for_the_same_tier(tmp_path: Path) -> None:
    register = Register(f"sqlite:///{tmp_path / 'r.sqlite'}")
    a2019 = computed(TRADING, "qk.revenue_milestone", 2019)
    a2020 = computed(TRADING, "qk.revenue_milestone", 2020)
    recorded = run_batch(batch_of([claim(TRADING, "qk.revenue_milestone", 2019, a2019)], name="a.xlsx"),
                         register=register, record=True, official="张三")
    settle(register, recorded.verdicts[0].register_claim_id, "approve")
    later = verify(batch_of([claim(TRADING, "qk.revenue_milestone", 2019, a2019),
                             claim(TRADING, "qk.revenue_milestone", 2020, a2020)], name="b.xlsx"),
                   register=register)
    assert [v.status for v in later.verdicts] == ["duplicate", "confirmed"]


def test_a_ladder_whose_tiers_add_up_is_compared_with_the_sum() -> None:
    found = eligible(MAKER, "wqb.industrial_revenue_milestone", 2020)
    assert len(found) >= 2, "the example must cross two levels in one year"
    total = computed(MAKER, "wqb.industrial_revenue_milestone", 2020)
    verdict = only(verify(batch_of([claim(MAKER, "wqb.industrial_revenue_milestone", 2020, total)])))
    assert verdict.status == "confirmed" and verdict.computed_wan == total
    assert f"有 {len(found)} 项符合" in verdict.reasons_text()
    assert len(verdict.findings) == len(found)
    one_tier = found[0].amount_wan
    verdict = only(verify(batch_of([claim(MAKER, "wqb.industrial_revenue_milestone", 2020, one_tier)])))
    assert verdict.status == "amount_differs" and verdict.computed_wan == total


def test_a_company_with_malformed_rows_is_not_judged_on_half_read_figures() -> None:
    broken = {"credit_code": code("91420104MA4K7XYW1"), "name": "资料有误公司", "district": "硚口区",
              "sector": "wholesale", "year": 2020, "revenue_wan": "一百亿"}
    verification = verify(batch_of([claim(None, "qk.revenue_milestone", 2020, 500,
                                          credit_code=broken["credit_code"])],
                                    companies=[broken]))
    verdict = only(verification)
    assert verdict.status == "needs_documents"
    assert "企业第2行" in verdict.reasons_text()
    assert verification.problems and verification.problems[0].sheet == "企业"


# ------------------------------------------------------------------------------ summary and forms


def mixed_claims() -> list[dict[str, Any]]:
    return [
        claim(TRADING, "上市奖励", 2020, computed(TRADING, "qk.listing", 2020)),
        claim(TRADING, "qk.revenue_milestone", 2020, computed(TRADING, "qk.revenue_milestone", 2020) + 1),
        claim(TRADING, "qk.revenue_milestone", 2021, 1000),
        claim(TRADING, "qk.revenue_milestone_bonus", 2019, 50),
        claim(MAKER, "qk.listing", 2020, 200),
        claim(TRADING, "qk.listing", 2020, computed(TRADING, "qk.listing", 2020)),
        claim(MAKER, "wqb.industrial_revenue_milestone", 2020,
              computed(MAKER, "wqb.industrial_revenue_milestone", 2020), claim_ref="=HYPERLINK(\"http://x\")"),
    ]


def test_every_verdict_appears_and_the_summary_adds_up() -> None:
    verification = verify(batch_of(mixed_claims()))
    statuses = [v.status for v in verification.verdicts]
    assert set(statuses) == set(VERDICT_ORDER)
    summary = verification.summary()
    assert summary["claims"] == len(statuses)
    assert summary["by_status"] == {s: statuses.count(s) for s in VERDICT_ORDER}
    assert summary["claimed_wan"] == sum(v.claimed_wan for v in verification.verdicts)
    assert summary["confirmed_wan"] == sum(v.computed_wan for v in verification.verdicts if v.status == "confirmed")
    assert summary["supported_wan"] == sum(v.computed_wan for v in verification.verdicts if v.holds)
    assert sum(b["claims"] for b in summary["by_rule"]) == len(statuses)
    assert sum(b["claimed_wan"] for b in summary["by_year"]) == summary["claimed_wan"]
    by_rule = {b["rule_id"]: b for b in summary["by_rule"]}
    assert by_rule["qk.listing"]["by_status"]["duplicate"] == 1


def test_the_report_workbook_carries_reasons_version_readings_and_no_formulas() -> None:
    ruleset = default_rules().with_switches({"INTERP-QK-3": "alternative"})
    batch = batch_of(mixed_claims())
    verification = verify(batch, rules=ruleset)
    book = load_workbook(io.BytesIO(report_workbook(verification, rules=ruleset)))
    assert {"核验结果", "汇总", "按条款", "按年度", "问题行", "规则版本"} <= set(book.sheetnames)
    sheet = book["核验结果"]
    heads = [c.value for c in sheet[1]]
    rows = [dict(zip(heads, [c.value for c in row], strict=True)) for row in sheet.iter_rows(min_row=2)]
    assert [r["核验结论"] for r in rows] == [v.label() for v in verification.verdicts]
    assert all(r["理由"] for r in rows)
    about = "\n".join(str(c.value) for row in book["规则版本"].iter_rows() for c in row if c.value)
    assert ruleset.version in about and "INTERP-QK-3" in about and "替代" in about
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f"
                if isinstance(cell.value, str):
                    assert not cell.value.startswith("="), cell.value


def test_json_contract_is_what_the_cli_prints(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUBSIDY_DB_URL", f"sqlite:///{tmp_path / 'none.sqlite'}")  # no register here
    path = tmp_path / "claims.xlsx"
    path.write_bytes(template_bytes(companies=[TRADING, MAKER], claims=mixed_claims()))
    result = CliRunner().invoke(app, ["verify", str(path), "--format", "json", "--out", str(tmp_path / "r.xlsx")])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    library = verify(read_claims(path.read_bytes(), path.name)).contract()
    assert printed == json.loads(json.dumps(library))
    assert (tmp_path / "r.xlsx").exists()
    first = printed["claims"][0]
    for key in ("status", "status_zh", "status_en", "claimed_wan", "computed_wan", "reasons", "rule_id",
                "year", "missing", "findings", "clause", "sheet", "row"):
        assert key in first
    assert printed["status_labels"]["duplicate"] == {"zh": "重复申报", "en": "Duplicate claim"}
    assert printed["ruleset_version"] == default_rules().version


def test_csv_and_workbook_give_the_same_verdicts() -> None:
    claims = mixed_claims()
    from_xlsx = verify(batch_of(claims)).contract()
    from_csv = verify(read_claims(template_csv(companies=[TRADING, MAKER], claims=claims).encode(),
                                  "claims.csv")).contract()
    def strip(data: dict[str, Any]) -> list[tuple]:
        return [(c["rule_id"], c["year"], c["status"], c["computed_wan"], c["claimed_wan"]) for c in data["claims"]]
    assert strip(from_xlsx) == strip(from_csv)


def test_readings_switched_change_the_version_and_can_change_verdicts() -> None:
    batch = batch_of([claim(MAKER, "wqb.industrial_revenue_milestone", 2020,
                            computed(MAKER, "wqb.industrial_revenue_milestone", 2020))])
    default = verify(batch)
    highest = verify(batch, rules=default_rules().with_switches({"INTERP-WQB-1": "alternative"}))
    assert highest.ruleset_version != default.ruleset_version
    assert highest.readings["INTERP-WQB-1"] == "alternative"
    assert only(default).status == "confirmed" and only(highest).status == "amount_differs"


def test_progress_is_reported_chunk_by_chunk() -> None:
    seen: list[tuple[int, int]] = []
    claims = [claim(TRADING, "qk.revenue_milestone_bonus", 2020 + (i % 2), 1, claim_ref=str(i)) for i in range(7)]
    verification = run_batch(batch_of(claims), chunk_size=3, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(0, 7), (3, 7), (6, 7), (7, 7)]
    assert len(verification.verdicts) == 7


def test_cli_refuses_bad_options_with_exit_2() -> None:
    runner = CliRunner()
    for args in (["verify", "x.xlsx", "--format", "yaml"], ["verify", "x.xlsx", "--record"],
                 ["verify", "missing.xlsx"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, args
        assert "Traceback" not in result.output


@pytest.mark.parametrize("status", VERDICT_ORDER)
def test_every_status_has_both_labels(status: str) -> None:
    label = STATUS_LABELS[status]
    assert label.zh and label.en and label.zh != label.en


def test_approving_a_batch_duplicate_after_the_first_claim_is_refused(tmp_path: Path) -> None:
    from subsidy.register import RegisterError

    register = Register(f"sqlite:///{tmp_path / 'r.sqlite'}")
    amount = computed(TRADING, "qk.listing", 2020)
    recorded = run_batch(batch_of([claim(TRADING, "qk.listing", 2020, amount),
                                   claim(TRADING, "上市奖励", 2020, amount)]),
                         register=register, record=True, official="张三")
    first, second = recorded.verdicts
    assert (first.status, second.status) == ("confirmed", "duplicate")
    assert second.scopes == first.scopes == ["qk.listing/2020", "qk.listing"]
    settle(register, first.register_claim_id, "approve")
    with pytest.raises(RegisterError, match="重复申报"):
        settle(register, second.register_claim_id, "approve", "坚持批准")


def test_a_yearly_award_approved_in_an_earlier_batch_is_a_duplicate(tmp_path: Path) -> None:
    """Annual awards too: the same company, rule and year approved once, whatever the batch."""
    register = Register(f"sqlite:///{tmp_path / 'r.sqlite'}")
    rule = "qk.revenue_milestone_bonus"
    amount = computed(TRADING, rule, 2020)
    first = run_batch(batch_of([claim(TRADING, rule, 2020, amount)], name="第一批.xlsx"),
                      register=register, record=True, official="clerk1")
    settle(register, first.verdicts[0].register_claim_id, "approve")
    second = run_batch(batch_of([claim(TRADING, rule, 2020, amount, note="再报"),
                                 claim(TRADING, rule, 2021, computed(TRADING, rule, 2021))], name="第二批.xlsx"),
                       register=register, record=True, official="clerk1")
    assert [v.status for v in second.verdicts] == ["duplicate", "confirmed"]
    from subsidy.register import RegisterError

    with pytest.raises(RegisterError, match="重复申报"):
        settle(register, second.verdicts[0].register_claim_id, "approve", "坚持批准")
    settle(register, second.verdicts[1].register_claim_id, "approve")


_STAFF: dict[str, dict[str, User]] = {}


def settle(register: Register, claim_id: int | None, action: str, note: str = "") -> None:
    """A 经办 proposes and a 复核 decides (the register takes two people)."""
    assert claim_id is not None
    if register.url not in _STAFF:
        _STAFF[register.url] = staff(Accounts(register))
    people = _STAFF[register.url]
    register.propose(claim_id, action, people["clerk1"], note)
    register.decide(claim_id, action, people["reviewer1"], note)
