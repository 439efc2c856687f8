"""``当`` and ``那么`` steps: evaluate the profile, then check findings precisely.

A result step names the rule, the year and — where one rule gives several findings in one
year (several tiers, two products, two projects) — the tier or subject; it checks the status
*and* the amount. Leaving the amount out means "no amount" (``None``), so a check can never
pass by forgetting half of it. When the finding asked for does not exist, or several match,
the step fails and lists what the calculator did answer.
"""

from __future__ import annotations

import re
from decimal import Decimal

from pytest_bdd import then, when

from steps.support import (
    REACHED,
    Case,
    ScenarioError,
    amount_kind_code,
    amount_text,
    asks_for,
    describe,
    describe_all,
    interpretation_id,
    missing_words,
    money,
    norm,
    pattern,
    policy_id,
    ruleset,
    status_code,
    status_label,
    tier_titles,
)
from subsidy import vocab
from subsidy.evaluate import evaluate
from subsidy.findings import Finding
from subsidy.profile import ProfileError, parse_profile
from subsidy.ruleset import RuleFileError

# ---------------------------------------------------------------------------- evaluating


def _evaluate(case: Case, year: int | None) -> None:
    try:
        profile = parse_profile(case.data())
    except ProfileError as exc:
        raise ScenarioError(f"场景描述的企业档案被拒绝 / the profile was refused:\n{exc}") from None
    try:
        case.report = evaluate(profile, rules=ruleset(), switches=case.switches or None, year=year)
    except RuleFileError as exc:
        raise ScenarioError(f"解释开关有误 / bad reading switch: {exc}") from None
    case.finding = None


@when(pattern("计算奖励"))
def calculate(case: Case) -> None:
    """当 计算奖励 — 按档案和所选解释计算全部条款。"""
    _evaluate(case, None)


@when(pattern("计算{year}年的奖励"))
def calculate_year(case: Case, year: str) -> None:
    """当 计算2020年的奖励 — 只看该年度的事件；企业层面的扶持措施按该年度判断。"""
    _evaluate(case, int(year))


# ---------------------------------------------------------------------------- choosing findings


def _is_tier(finding: Finding, which: str) -> bool:
    """The finding's tier is named: by its title (or, for maintainers, its id)."""
    return finding.tier is not None and norm(which) in (norm(finding.tier), norm(finding.tier_title or ""))


def _matches(finding: Finding, which: str) -> bool:
    """A finding is named by its tier (see :func:`_is_tier`) or by its subject."""
    return _is_tier(finding, which) or which.strip() in finding.subject


def _names_a_tier(rule: str, which: str) -> bool:
    """Whether ``which`` is one of the rule's tier titles (a ladder title such as
    "跨越{level}台阶" stands for every step of the ladder)."""
    wanted = norm(which)
    for title in tier_titles(ruleset(), rule):
        pattern = ".+".join(re.escape(norm(part)) for part in re.split(r"\{\w+\}", title))
        if re.fullmatch(pattern, wanted):
            return True
    return False


def _unknown_which(rule: str, which: str, findings: list[Finding]) -> ScenarioError:
    """The tier or subject written names nothing: list the tiers and subjects there are."""
    titles = tier_titles(ruleset(), rule) + [f.tier_title for f in findings if f.tier_title]
    subjects = [f.subject for f in findings]
    return ScenarioError(
        f"规则\"{rule}\"没有名为“{which}”的档次或对象 / {rule} has no tier or subject {which!r}.\n"
        f"  可用档次 / tiers: {'、'.join(f'“{t}”' for t in dict.fromkeys(titles)) or '（无）'}\n"
        f"  结果的对象 / subjects: {'、'.join(dict.fromkeys(subjects)) or '（无）'}")


def _known_rule(rule: str) -> str:
    """The rule id, checked against rules/: a mistyped id must fail, never pass as "no finding"."""
    rule = rule.strip()
    known = ruleset().rules
    if rule not in known:
        raise ScenarioError(f"rules/ 中没有规则编号\"{rule}\" / no rule {rule!r} in rules/.\n"
                            f"已有规则 / known rules: {', '.join(sorted(known))}")
    return rule


def _select(case: Case, rule: str, year: str | None, which: str | None) -> list[Finding]:
    report = case.evaluated()
    rule = _known_rule(rule)
    of_rule = [f for f in report.results if f.rule_id == rule]
    if not of_rule:
        known = sorted({f.rule_id for f in report.results})
        raise ScenarioError(
            f"规则\"{rule}\"没有任何结果 / no finding for rule {rule!r}.\n"
            f"有结果的规则 / rules with findings: {', '.join(known) or '（无）'}\n"
            f"{describe_all(report.results)}")
    if which is not None and not _names_a_tier(rule, which) and not any(_matches(f, which) for f in of_rule):
        raise _unknown_which(rule, which, of_rule)
    chosen = [f for f in of_rule if (year is None or f.year == int(year))
              and (which is None or _matches(f, which))]
    return chosen


def _one(case: Case, rule: str, year: str | None, which: str | None) -> Finding:
    chosen = _select(case, rule, year, which)
    where = (f"{year}年" if year else "") + (f"「{which}」" if which else "")
    of_rule = [f for f in case.evaluated().results if f.rule_id == rule.strip()]
    if not chosen:
        raise ScenarioError(
            f"规则\"{rule}\"没有{where}的结果 / no such finding for {rule} {year or ''} {which or ''}.\n"
            f"该规则现有结果 / findings of this rule:\n{describe_all(of_rule)}")
    if len(chosen) > 1:
        raise ScenarioError(
            f"规则\"{rule}\"{where}有{len(chosen)}项结果，请写明档次或对象，例如 "
            f"规则\"{rule}\"在{chosen[0].year}年\"{chosen[0].tier_title or chosen[0].subject}\"的结果为… / "
            f"several findings match; name the tier or subject.\n{describe_all(chosen)}")
    return chosen[0]


NO_AMOUNT = ("无", "无金额", "—", "-", "")
"""Written as the amount, these mean "no amount" (handy in a 例子 table)."""


def _check_amount(finding: Finding, status: str, amount: str | None, provisional: str | None) -> None:
    """The amount written, or none at all ("无金额" or nothing written) — always checked."""
    if provisional and status != "needs_info":
        raise ScenarioError("\"暂定金额\"只用于\"需补充信息\"的结果 / a provisional amount is for needs_info only")
    wanted = None if amount is None or amount.strip() in NO_AMOUNT else money(amount)
    if finding.amount_wan != wanted:
        raise ScenarioError(
            f"金额不符 / amount differs: 期望 expected {amount_text(wanted)}，"
            f"实际 actual {amount_text(finding.amount_wan)}\n  {describe(finding, True)}")


RESULT = ("规则«rule»(?:在{year}年)?(?:«which»档?)?的结果为«status»"
          "(?:[、，,]\\s*(?:(?P<provisional>暂定)?金额为«amount»|(?P<no_amount>无金额|没有金额)))?")


@then(pattern(RESULT))
def result(case: Case, rule: str, year: str | None, which: str | None, status: str,
           amount: str | None, provisional: str | None) -> None:
    """那么 规则"qk.revenue_milestone"在2020年的结果为"可获得"、金额为"500万元"。

    需补充信息时写 暂定金额；不写金额即"没有金额"。同一年有多项结果时写明档次（规则文件中的
    档次名称）或对象：规则"wqb.industrial_revenue_milestone"在2020年"首次突破10亿元"档的结果为
    "可获得"、金额为"100万元"。
    """
    finding = _one(case, rule, year, which)
    wanted = status_code(status)
    if finding.status != wanted:
        raise ScenarioError(
            f"结果不符 / status differs: 期望 expected {status_label(wanted)}，"
            f"实际 actual {status_label(finding.status)}\n  {describe(finding, True)}")
    _check_amount(finding, wanted, amount, provisional)
    case.finding = finding
    REACHED.add(finding.rule_id)


@then(pattern("规则«rule»在{year}年共有(?P<count>\\d+)项结果为«status»[、，,]\\s*合计«amount»"))
def results_sum(case: Case, rule: str, year: str, count: str, status: str, amount: str) -> None:
    """那么 规则"qk.talent_project"在2020年共有2项结果为"可获得"、合计"200万元"。"""
    chosen = _select(case, rule, year, None)
    wanted = status_code(status)
    with_status = [f for f in chosen if f.status == wanted]
    total = sum((f.amount_wan or Decimal(0) for f in with_status), Decimal(0))
    if len(with_status) != int(count) or len(chosen) != int(count) or total != money(amount):
        raise ScenarioError(
            f"期望 {count} 项\"{status_label(wanted)}\"、合计 {amount}；实际 {len(with_status)} 项、合计 "
            f"{amount_text(total)}（该年共 {len(chosen)} 项结果） / expected {count} findings totalling {amount}.\n"
            f"{describe_all(chosen)}")
    REACHED.update(f.rule_id for f in chosen)


@then(pattern("规则«rule»在{year}年有(?P<count>\\d+)项结果为«status»[、，,]\\s*合计«amount»"))
def results_among(case: Case, rule: str, year: str, count: str, status: str, amount: str) -> None:
    """那么 规则"qk.talent_project"在2020年有1项结果为"可获得"、合计"100万元"（该年其余结果是别的结果）。"""
    chosen = _select(case, rule, year, None)
    wanted = status_code(status)
    with_status = [f for f in chosen if f.status == wanted]
    total = sum((f.amount_wan or Decimal(0) for f in with_status), Decimal(0))
    if len(with_status) != int(count) or total != money(amount):
        raise ScenarioError(
            f"期望 {count} 项\"{status_label(wanted)}\"、合计 {amount}；实际 {len(with_status)} 项、合计 "
            f"{amount_text(total)} / expected {count} findings totalling {amount}.\n{describe_all(chosen)}")
    REACHED.update(f.rule_id for f in with_status)


@then(pattern("规则«rule»(?:在{year}年)?没有(?:任何)?结果"))
def no_result(case: Case, rule: str, year: str | None) -> None:
    """那么 规则"wqb.tech_upgrade"在2019年没有结果（该条款不涉及此事件/年度）。"""
    report = case.evaluated()
    rule = _known_rule(rule)
    chosen = [f for f in report.results
              if f.rule_id == rule and (year is None or f.year == int(year))]
    if chosen:
        raise ScenarioError(f"不应有结果，实际有 / expected no finding, found:\n{describe_all(chosen, True)}")


@then(pattern("政策«policy»没有(?:任何)?结果"))
def policy_none(case: Case, policy: str) -> None:
    """那么 政策"wuhan-2021-4jk"没有任何结果（扶持措施只在适用区域和期限内显示）。"""
    pid = policy_id(policy)
    findings = [f for f in case.evaluated().results if f.policy_id == pid]
    if findings:
        raise ScenarioError(f"政策\"{policy}\"不应有结果，实际有 / expected no finding:\n{describe_all(findings, True)}")


@then(pattern("政策«policy»的(?:全部|所有)结果均为«status»"))
def policy_all(case: Case, policy: str, status: str) -> None:
    """那么 政策"wuhan-2018-wqb"的全部结果均为"不适用"（政策编号即场景文件名，也可写政策标题）。"""
    pid = policy_id(policy)
    findings = [f for f in case.evaluated().results if f.policy_id == pid]
    wanted = status_code(status)
    if not findings:
        raise ScenarioError(f"政策\"{policy}\"没有任何结果 / no finding for policy {policy!r}\n"
                            f"{describe_all(case.evaluated().results)}")
    wrong = [f for f in findings if f.status != wanted]
    if wrong:
        raise ScenarioError(f"以下结果不是\"{status_label(wanted)}\" / these differ:\n{describe_all(wrong, True)}")


# ---------------------------------------------------------------------------- the last finding


def _texts_fail(what: str, text: str, have: list[str], finding: Finding) -> ScenarioError:
    listed = "\n".join(f"    · {t}" for t in have) or "    （无）"
    return ScenarioError(f"{what}中没有“{text}” / {text!r} not found.\n  现有{what}：\n{listed}\n"
                         f"  结果：{describe(finding)}")


@then(pattern("理由(?P<neg>不)?包含«text»"))
def reason_contains(case: Case, text: str, neg: str | None) -> None:
    """而且 理由包含"首次达到100亿元"（检查上一条结果的理由；理由不包含… 反之）。"""
    finding = case.last()
    have = [r.text for r in finding.reasons]
    found = any(text in t for t in have)
    if neg and found:
        raise ScenarioError(f"理由不应包含“{text}” / reasons must not contain {text!r}\n  {describe(finding, True)}")
    if not neg and not found:
        raise _texts_fail("理由", text, have, finding)


@then(pattern("说明包含«text»"))
def note_contains(case: Case, text: str) -> None:
    """而且 说明包含"一事一议"（检查上一条结果的说明/备注）。"""
    finding = case.last()
    if not any(text in note for note in finding.notes):
        raise _texts_fail("说明", text, finding.notes, finding)


@then(pattern("需补充«text»"))
def missing_contains(case: Case, text: str) -> None:
    """而且 需补充"2019年营业收入"（上一条结果要求补充的数据，按中文写；"的"可写可不写）。"""
    finding = case.last()
    if finding.status != "needs_info":
        raise ScenarioError(f"上一条结果不是\"需补充信息\" / not a needs_info finding\n  {describe(finding, True)}")
    if not asks_for(finding, text):
        raise _texts_fail("需补充的数据", text, missing_words(finding), finding)


@then(pattern("适用解释包含«interp»"))
def interpretation_listed(case: Case, interp: str) -> None:
    """而且 适用解释包含"同一年达到多个台阶"（解释标题；该结果受此解释影响，界面会显示其说明）。"""
    finding = case.last()
    iid = interpretation_id(interp)
    if iid not in finding.interpretations:
        titles = [ruleset().interpretations[i].title if i in ruleset().interpretations else i
                  for i in finding.interpretations]
        raise _texts_fail("适用解释", interp, titles, finding)


@then(pattern("联系部门包含«unit»"))
def contact_listed(case: Case, unit: str) -> None:
    """而且 联系部门包含"区财政局"（责任单位，申报去处）。"""
    finding = case.last()
    if unit.strip() not in finding.contacts:
        raise _texts_fail("联系部门", unit, finding.contacts, finding)


@then(pattern("金额类型为«kind»"))
def amount_kind(case: Case, kind: str) -> None:
    """而且 金额类型为"一事一议/差异化"（定额、按数量、返还新增财力、一事一议/差异化、非资金支持）。"""
    finding = case.last()
    wanted = amount_kind_code(kind)
    if finding.amount_kind != wanted:
        raise ScenarioError(
            f"金额类型不符 / amount kind differs: 期望 {vocab.label(vocab.AMOUNT_KINDS, wanted)}，"
            f"实际 {vocab.label(vocab.AMOUNT_KINDS, finding.amount_kind)}\n  {describe(finding)}")


@then(pattern("档次为«tier»"))
def tier_is(case: Case, tier: str) -> None:
    """而且 档次为"百亿级台阶（服务业五十亿级）"（规则文件中的档次名称）。"""
    finding = case.last()
    if not _is_tier(finding, tier):
        known = tier_titles(ruleset(), finding.rule_id)
        raise ScenarioError(
            f"档次不符 / tier differs: 期望 {tier}，实际 {finding.tier_title or '（无档次）'}\n"
            f"  该规则的档次 / tiers of the rule: {'、'.join(f'“{t}”' for t in known) or '（无）'}")


# ---------------------------------------------------------------------------- the whole report


@then(pattern("可获得金额合计为«amount»"))
def total(case: Case, amount: str) -> None:
    """那么 可获得金额合计为"600万元"（所有"可获得"结果的金额之和）。"""
    report = case.evaluated()
    if report.total_wan != money(amount):
        raise ScenarioError(
            f"合计不符 / total differs: 期望 {amount}，实际 {amount_text(report.total_wan)}\n"
            f"{describe_all(report.eligible)}")


@then(pattern("提示包含«text»"))
def hint_contains(case: Case, text: str) -> None:
    """那么 提示包含"可向统计部门申请入库"（提示从不是奖励）。"""
    hints = [h.text for h in case.evaluated().hints]
    if not any(text in h for h in hints):
        listed = "\n".join(f"    · {h}" for h in hints) or "    （无提示 / no hints）"
        raise ScenarioError(f"提示中没有“{text}” / no hint contains {text!r}\n{listed}")


@then(pattern("没有提示"))
def no_hint(case: Case) -> None:
    """那么 没有提示。"""
    hints = [h.text for h in case.evaluated().hints]
    if hints:
        raise ScenarioError("不应有提示 / expected no hint:\n" + "\n".join(f"    · {h}" for h in hints))


__all__ = [name for name in dir() if name.startswith("pytestbdd_")]
