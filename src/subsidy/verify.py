"""Claim verification: each claim of a batch checked against the rules, with its reasons.

One evaluation per company (:func:`subsidy.evaluate.evaluate`), not per claim: the company's
findings are matched to each claim by rule and year. A claim's verdict is one of

=================  ====================  =====================================================
code               label                 when
=================  ====================  =====================================================
confirmed          核实通过              eligible, and the claimed amount is the computed one
amount_differs     金额不符              eligible, but claimed ≠ computed (both shown)
not_eligible       不符合条件            the failing conditions, with actual and required figures
needs_documents    需补充材料            a figure or an event record is missing (named)
out_of_scope       超出政策期限或区域    the event is outside the policy's period or area
duplicate          重复申报              a one-time award already approved in the register,
                                         or the same claim earlier in the batch
=================  ====================  =====================================================

Where a rule has several findings in the claim's year (e.g. a ladder whose tiers add up, two
talent projects), the claim is compared with the sum of the eligible amounts, and the
verdict says so. Amounts are compared as Decimal.

Every award is approved once: a company's award for a rule and a year (``rule/year``), and
for a one-time award, following the rule file's ``once``, the rule (``company``: once per
company), the tier (``tier``) or the event (``subject``, e.g. per champion product). A
claim's *scopes* (``rule/year``, ``rule``, ``rule#tier``, ``rule@event``) are what an
approval uses up; a later claim overlapping an approved claim's scopes is a duplicate, and so
is one overlapping an earlier claim of the same batch. The register holds the same scopes in
its award ledger, where the database refuses a second approval.

The CLI, the page and the JSON form all come from :func:`run_batch`, so the same claims give
the same verdicts everywhere. The workbooks are written by :mod:`subsidy.verify_report` (and
offered here too); the verdicts' labels are in :mod:`subsidy.verdict_labels`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from . import vocab
from .claims import (
    Claim,
    ClaimBatch,
    CompanyEntry,
    RowProblem,
    company_name_key,
)
from .evaluate import default_rules, evaluate
from .fields import SUBJECTS
from .findings import Finding
from .money import format_wan, normalize, to_json_number
from .register import ClaimInput, Grant, Register, ResultInput
from .ruleset import Rule, RuleSet
from .verdict_labels import STATUS_LABELS, VERDICT_ORDER
from .verify_report import history_workbook, report_workbook

__all__ = [
    "STATUS_LABELS",
    "VERDICT_ORDER",
    "Line",
    "Verdict",
    "Verification",
    "history_workbook",
    "report_workbook",
    "run_batch",
    "verify",
]

SUBJECT_FIELDS: dict[str, tuple[str, str]] = {
    "company": ("企业基本信息", "company details"),
    "company_year": ("years（{year}年营业收入、主营业务收入、区级财政贡献）",
                     "years (figures of {year})"),
    "scale_entry": ("scale_entry_year（入库纳统年份）", "scale_entry_year"),
    "listing": ("listings（上市板块、上市日期）", "listings"),
    "recognition": ("recognitions（{year}年的认定称号）", "recognitions of {year}"),
    "incubator_year": ("incubator.yearly（{year}年孵化载体运营数据）", "incubator.yearly of {year}"),
    "incubator_recognition": ("incubator.recognition（孵化器认定级别和年份）", "incubator.recognition"),
    "talent_project": ("talent_projects（{year}年人才项目）", "talent_projects of {year}"),
    "tech_upgrade_payment": ("tech_upgrade_projects（技改项目、验收年份、地方新增财力）",
                             "tech_upgrade_projects"),
    "park_rating": ("park_rating（园区星级评定）", "park_rating"),
}
"""Where in the profile the record a rule is about lives, for "the record is missing"."""


@dataclass(frozen=True)
class Line:
    """One line of a verdict's explanation. ``passed``: True met, False not met, None
    unknown; ``kind`` "condition" for a judged condition, "info" for a statement."""

    text: str
    text_en: str = ""
    passed: bool | None = None
    kind: str = "info"

    def mark(self) -> str:
        if self.kind != "condition":
            return "·"
        return {True: "✓", False: "✗", None: "?"}[self.passed]

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "text_en": self.text_en, "passed": self.passed, "kind": self.kind}


@dataclass
class Verdict:
    """The answer to one claim, with everything needed to trust it."""

    claim: Claim
    company_key: str
    company: str
    credit_code: str | None
    rule: Rule
    policy_id: str
    status: str
    computed_wan: Decimal | None = None
    provisional_wan: Decimal | None = None
    lines: list[Line] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    scopes: list[str] = field(default_factory=list)
    duplicate_of: dict[str, Any] | None = None
    register_claim_id: int | None = None

    @property
    def claimed_wan(self) -> Decimal:
        return self.claim.claimed_wan

    @property
    def difference_wan(self) -> Decimal | None:
        """Claimed minus computed (positive: more was claimed than the rules give)."""
        if self.computed_wan is None:
            return None
        return normalize(self.claimed_wan - self.computed_wan)

    @property
    def holds(self) -> bool:
        """Eligible under the rules (confirmed or amount differs)."""
        return self.status in ("confirmed", "amount_differs")

    def label(self, lang: str = "zh") -> str:
        return vocab.label(STATUS_LABELS, self.status, lang)

    def reasons_text(self, lang: str = "zh") -> str:
        zh = not lang.startswith("en")
        return "\n".join(f"{line.mark()} {line.text if zh else (line.text_en or line.text)}"
                         for line in self.lines)

    def to_input(self) -> tuple[ClaimInput, ResultInput]:
        """The register's rows for this verdict."""
        claim = self.claim
        name = self.company or claim.company_name or ""
        return (
            ClaimInput(key=claim.key, sheet=claim.sheet, row=claim.row, claim_ref=claim.claim_ref,
                       company_key=self.company_key, name_key=company_name_key(name),
                       credit_code=self.credit_code or claim.credit_code, company_name=name,
                       rule_id=self.rule.id, rule_title=self.rule.title, year=claim.year,
                       claimed_wan=claim.claimed_wan, note=claim.note),
            ResultInput(status=self.status, computed_wan=self.computed_wan,
                        detail=self._detail(), scopes=list(self.scopes),
                        ruleset_version="", readings={}),
        )

    def _detail(self) -> dict[str, Any]:
        return {
            "reasons": [line.as_dict() for line in self.lines],
            "missing": list(self.missing),
            "provisional_wan": to_json_number(self.provisional_wan),
            "difference_wan": to_json_number(self.difference_wan),
            "duplicate_of": self.duplicate_of,
            "findings": [f.contract() for f in self.findings],
        }

    def contract(self) -> dict[str, Any]:
        """The JSON form of the verdict (``subsidy verify --format json``)."""
        claim = self.claim
        return {
            "sheet": claim.sheet,
            "row": claim.row,
            "claim_ref": claim.claim_ref,
            "key": claim.key,
            "company": self.company or claim.company_name,
            "credit_code": self.credit_code or claim.credit_code,
            "rule_id": self.rule.id,
            "rule_title": self.rule.title,
            "rule_title_en": self.rule.title_en,
            "policy_id": self.policy_id,
            "once": self.rule.once,
            "amount_kind": self.rule.award.kind,
            "year": claim.year,
            "claimed_wan": to_json_number(claim.claimed_wan),
            "computed_wan": to_json_number(self.computed_wan),
            "difference_wan": to_json_number(self.difference_wan),
            "provisional_wan": to_json_number(self.provisional_wan),
            "status": self.status,
            "status_zh": self.label("zh"),
            "status_en": self.label("en"),
            "reasons": [line.as_dict() for line in self.lines],
            "missing": list(self.missing),
            "scopes": list(self.scopes),
            "duplicate_of": self.duplicate_of,
            "clause": {"section": self.rule.section, "quote": self.rule.quote},
            "findings": [_finding_brief(f) for f in self.findings],
            "register_claim_id": self.register_claim_id,
        }


def _finding_brief(finding: Finding) -> dict[str, Any]:
    return {"rule_id": finding.rule_id, "year": finding.year, "status": finding.status,
            "tier": finding.tier, "tier_title": finding.tier_title, "subject": finding.subject,
            "amount_wan": to_json_number(finding.amount_wan),
            "interpretations": list(finding.interpretations)}


@dataclass
class Verification:
    """The verdicts on a batch, its problems, and the rules they were judged by."""

    source_name: str
    source_digest: str
    ruleset_version: str
    readings: dict[str, str]
    verdicts: list[Verdict]
    problems: list[RowProblem]
    companies: int = 0
    companies_refused: int = 0
    generated_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    batch_id: int | None = None
    register_url: str | None = None

    def summary(self) -> dict[str, Any]:
        """Totals claimed vs confirmed, by status, by rule and by year.

        ``confirmed_wan``: the computed amounts of confirmed claims. ``supported_wan``: the
        computed amounts of every claim that holds (confirmed or amount differs) — what the
        rules support for this batch.
        """
        def bucket() -> dict[str, Any]:
            return {"claims": 0, "claimed_wan": Decimal(0), "confirmed_wan": Decimal(0),
                    "supported_wan": Decimal(0),
                    "by_status": {s: 0 for s in VERDICT_ORDER}}

        total = bucket()
        by_rule: dict[str, dict[str, Any]] = {}
        by_year: dict[int, dict[str, Any]] = {}
        for verdict in self.verdicts:
            targets = [total,
                       by_rule.setdefault(verdict.rule.id, {"rule_id": verdict.rule.id,
                                                            "title": verdict.rule.title, **bucket()}),
                       by_year.setdefault(verdict.claim.year, {"year": verdict.claim.year, **bucket()})]
            for target in targets:
                target["claims"] += 1
                target["claimed_wan"] += verdict.claimed_wan
                target["by_status"][verdict.status] += 1
                if verdict.status == "confirmed" and verdict.computed_wan is not None:
                    target["confirmed_wan"] += verdict.computed_wan
                if verdict.holds and verdict.computed_wan is not None:
                    target["supported_wan"] += verdict.computed_wan
        return {
            "claims": total["claims"],
            "problems": len(self.problems),
            "companies": self.companies,
            "companies_refused": self.companies_refused,
            "by_status": total["by_status"],
            "claimed_wan": normalize(total["claimed_wan"]),
            "confirmed_wan": normalize(total["confirmed_wan"]),
            "supported_wan": normalize(total["supported_wan"]),
            "by_rule": [_norm_bucket(b) for b in sorted(by_rule.values(), key=lambda b: b["rule_id"])],
            "by_year": [_norm_bucket(b) for b in sorted(by_year.values(), key=lambda b: b["year"])],
        }

    def contract(self) -> dict[str, Any]:
        """The JSON form (``subsidy verify --format json``; the page offers the same)."""
        summary = self.summary()
        return {
            "source": self.source_name,
            "source_digest": self.source_digest,
            "ruleset_version": self.ruleset_version,
            "readings": dict(self.readings),
            "interpretations_switched": {k: v for k, v in self.readings.items() if v != "default"},
            "status_labels": {code: {"zh": label.zh, "en": label.en}
                              for code, label in STATUS_LABELS.items()},
            "claims": [verdict.contract() for verdict in self.verdicts],
            "problems": [problem.as_dict() for problem in self.problems],
            "summary": _json_money(summary),
        }


def _norm_bucket(bucket: dict[str, Any]) -> dict[str, Any]:
    return {k: normalize(v) if isinstance(v, Decimal) else v for k, v in bucket.items()}


def _json_money(data: Any) -> Any:
    if isinstance(data, Decimal):
        return to_json_number(data)
    if isinstance(data, dict):
        return {k: _json_money(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_json_money(v) for v in data]
    return data


# --------------------------------------------------------------------------------------------
# The verifier
# --------------------------------------------------------------------------------------------


def _claim_company_key(claim: Claim) -> str:
    return claim.credit_code or "名称:" + company_name_key(claim.company_name or "")


def _scopes(rule: Rule, year: int, findings: list[Finding]) -> list[str]:
    """What an approval of this claim uses up: the company's award for the rule and year
    (every award, yearly ones too), and for a one-time award the rule, the tier or the
    subject. The tiers and subjects are those of the eligible findings, or when none is
    eligible those still needing information (what an approval would grant if it held)."""
    scopes = [f"{rule.id}/{year}"]
    chosen = [f for f in findings if f.status == "eligible"] or \
        [f for f in findings if f.status == "needs_info"]
    if rule.once == "company":
        scopes.append(rule.id)
    elif rule.once == "tier":
        scopes += sorted({f"{rule.id}#{f.tier or '-'}" for f in chosen})
    elif rule.once == "subject":
        scopes += sorted({f"{rule.id}@{f.subject}" for f in chosen})
    return scopes


def _sum(values: Iterable[Decimal | None]) -> Decimal | None:
    total = Decimal(0)
    for value in values:
        if value is None:
            return None
        total += value
    return normalize(total)


class Verifier:
    """Verdicts for the claims of one batch, in file order (so "earlier in the batch" is
    well defined). Each company is evaluated once, when its first claim is met; only the
    findings some claim asks about are kept, so memory stays small for large batches."""

    def __init__(self, batch: ClaimBatch, ruleset: RuleSet, grants: Iterable[Grant] = ()) -> None:
        self.batch = batch
        self.rs = ruleset
        self.grants_by_company: dict[str, list[Grant]] = {}
        self.grants_by_name: dict[str, list[Grant]] = {}
        for grant in grants:
            self.grants_by_company.setdefault(grant.company_key, []).append(grant)
            self.grants_by_name.setdefault(grant.name_key, []).append(grant)
        self.needed: dict[str, set[str]] = {}
        self.entries: dict[int, tuple[CompanyEntry | None, str, str]] = {}
        for index, claim in enumerate(batch.claims):
            entry = batch.find_company(claim)
            self.entries[index] = entry
            if entry[0] is not None:
                self.needed.setdefault(entry[0].key, set()).add(claim.rule_id)
        self.findings: dict[str, dict[str, list[Finding]]] = {}
        self.seen: dict[tuple[str, str, int], Claim] = {}
        self.seen_scopes: dict[tuple[str, str], Claim] = {}

    def _company_findings(self, entry: CompanyEntry) -> dict[str, list[Finding]]:
        found = self.findings.get(entry.key)
        if found is None:
            assert entry.profile is not None
            report = evaluate(entry.profile, rules=self.rs)
            wanted = self.needed.get(entry.key, set())
            found = {}
            for finding in report.results:
                if finding.rule_id in wanted:
                    found.setdefault(finding.rule_id, []).append(finding)
            self.findings[entry.key] = found
        return found

    def verdict(self, index: int) -> Verdict:
        claim = self.batch.claims[index]
        rule = self.rs.rules[claim.rule_id]
        entry, why_zh, why_en = self.entries[index]
        company_key = entry.key if entry else _claim_company_key(claim)
        verdict = Verdict(
            claim=claim, company_key=company_key,
            company=(entry.name if entry else claim.company_name) or "",
            credit_code=(entry.credit_code if entry else claim.credit_code),
            rule=rule, policy_id=self.rs.rule_policy[rule.id], status="needs_documents")
        findings: list[Finding] = []
        verdict.scopes = [f"{rule.id}/{claim.year}"]
        if entry is not None and entry.profile is not None:
            findings = [f for f in self._company_findings(entry).get(rule.id, []) if f.year == claim.year]
            verdict.findings = findings
            # what an approval would use up: kept on duplicates too, so that approving both
            # an earlier claim and its duplicate is refused by the register
            verdict.scopes = _scopes(rule, claim.year, findings)
        ident = (company_key, rule.id, claim.year)
        if ident in self.seen:
            return self._batch_duplicate(verdict, self.seen[ident], same=True)
        self.seen[ident] = claim
        if entry is None:
            verdict.lines.append(Line(f"{why_zh}，请在企业表中补充该企业的资料", why_en, False, "condition"))
            verdict.missing.append("企业资料 / company sheet")
            return verdict
        if entry.profile is None:
            rows = dict.fromkeys(f"{p.sheet}第{p.row}行" for p in entry.problems)  # once each, in order
            where = "、".join(list(rows)[:5])
            verdict.lines.append(Line(
                f"企业资料有误（{where}），企业未能核验，请更正后重新核验",
                "the company's rows have problems (see the problems list); correct and verify again",
                False, "condition"))
            for problem in entry.problems[:5]:
                verdict.lines.append(Line(f"{problem.sheet}第{problem.row}行「{problem.field}」："
                                          f"{problem.message_zh}", problem.message_en))
            verdict.missing.append("企业资料 / company sheet")
            return verdict
        for scope in verdict.scopes:
            earlier = self.seen_scopes.get((company_key, scope))
            if earlier is not None:
                return self._batch_duplicate(verdict, earlier, same=False)
        grant = self._granted(verdict)
        if grant is not None:
            return self._register_duplicate(verdict, grant)
        for scope in verdict.scopes:
            self.seen_scopes[(company_key, scope)] = claim
        self._judge(verdict, findings)
        return verdict

    # ---- duplicates

    def _batch_duplicate(self, verdict: Verdict, earlier: Claim, same: bool) -> Verdict:
        verdict.status = "duplicate"
        verdict.duplicate_of = {"kind": "batch", "sheet": earlier.sheet, "row": earlier.row,
                                "claim_ref": earlier.claim_ref}
        if same:
            text = (f"同一批次中{earlier.sheet}第{earlier.row}行已申报同一企业、同一条款、"
                    f"同一年度（{earlier.year}年）的奖励")
            text_en = f"the same company, award and year are claimed on row {earlier.row} of {earlier.sheet}"
        else:
            text = (f"本条款为一次性奖励，同一批次中{earlier.sheet}第{earlier.row}行已申报"
                    f"（{earlier.year}年）")
            text_en = f"one-time award already claimed on row {earlier.row} of {earlier.sheet}"
        verdict.lines.append(Line(text, text_en, False, "condition"))
        return verdict

    def _granted(self, verdict: Verdict) -> Grant | None:
        if not verdict.scopes:
            return None
        name_key = company_name_key(verdict.company)
        candidates = self.grants_by_company.get(verdict.company_key, []) + \
            self.grants_by_name.get(name_key, [])
        wanted = set(verdict.scopes)
        for grant in candidates:
            if grant.claim_key != verdict.claim.key and wanted & set(grant.scopes):
                return grant
        return None

    def _register_duplicate(self, verdict: Verdict, grant: Grant) -> Verdict:
        verdict.status = "duplicate"
        verdict.duplicate_of = {"kind": "register", "claim_id": grant.claim_id,
                                "decision_id": grant.decision_id, "year": grant.year,
                                "official": grant.official,
                                "decided_at": grant.decided_at.isoformat()}
        once = {"company": "一次性奖励（每家企业限一次）", "tier": "一次性奖励（每个台阶限一次）",
                "subject": "一次性奖励（每个事项限一次）"}
        verdict.lines.append(Line(
            f"{once.get(verdict.rule.once, f'该企业{verdict.claim.year}年的本项奖励')}已批准：登记簿申报编号 {grant.claim_id}"
            f"（{grant.year}年），{grant.decided_at.astimezone():%Y-%m-%d} 由 {grant.official} 批准"
            f"（决定编号 {grant.decision_id}）",
            f"award already approved in the register: claim {grant.claim_id} ({grant.year}), "
            f"decision {grant.decision_id} by {grant.official}", False, "condition"))
        return verdict

    # ---- verdicts from findings

    def _judge(self, verdict: Verdict, findings: list[Finding]) -> None:
        rule, claim = verdict.rule, verdict.claim
        if not findings:
            self._no_record(verdict)
            return
        eligible = [f for f in findings if f.status == "eligible"]
        needs = [f for f in findings if f.status == "needs_info"]
        failed = [f for f in findings if f.status == "not_eligible"]
        outside = [f for f in findings if f.status == "not_applicable"]
        several = len(findings) > 1
        if eligible:
            computed = Decimal(0) if rule.award.kind == "none" else _sum(f.amount_wan for f in eligible)
            verdict.computed_wan = computed
            for finding in eligible:
                verdict.lines.extend(_finding_lines(finding, several, passed_only=False))
            if len(eligible) > 1 and computed is not None:
                parts = " + ".join(f"{f.tier_title or f.subject} {format_wan(f.amount_wan)}" for f in eligible)
                verdict.lines.append(Line(
                    f"本条款{claim.year}年有 {len(eligible)} 项符合，按合计核定：{parts} = {format_wan(computed)}",
                    f"{len(eligible)} findings hold in {claim.year}; compared with their sum "
                    f"{format_wan(computed, 'en')}"))
            for finding in failed + outside:
                verdict.lines.append(Line(f"另有「{finding.subject}」不符合：", f"also not eligible: {finding.subject}"))
                verdict.lines.extend(_failing_lines(finding))
            if needs and computed != claim.claimed_wan:
                verdict.status = "needs_documents"
                provisional = _sum([computed, *(f.amount_wan for f in needs)])
                verdict.provisional_wan = provisional
                for finding in needs:
                    verdict.lines.extend(_unknown_lines(finding))
                    verdict.missing.extend(m for m in _to_provide(finding) if m not in verdict.missing)
                return
            if computed is None:
                verdict.status = "confirmed"
                verdict.lines.append(Line(
                    f"符合条件；原文未定金额（{vocab.label(vocab.AMOUNT_KINDS, rule.award.kind)}），"
                    f"申报金额 {format_wan(claim.claimed_wan)} 需由主管部门另行核定",
                    "eligible; the text fixes no amount, so the claimed amount is for the "
                    "department to set", None))
                return
            if computed == normalize(claim.claimed_wan):
                verdict.status = "confirmed"
                verdict.lines.append(Line(
                    f"申报金额 {format_wan(claim.claimed_wan)} 与核定金额一致",
                    f"the claimed amount equals the computed {format_wan(computed, 'en')}", True,
                    "condition"))
            else:
                verdict.status = "amount_differs"
                diff = normalize(claim.claimed_wan - computed)
                more = "多报" if diff > 0 else "少报"
                verdict.lines.append(Line(
                    f"申报金额 {format_wan(claim.claimed_wan)}，按规则核定 {format_wan(computed)}，"
                    f"{more} {format_wan(abs(diff))}",
                    f"claimed {format_wan(claim.claimed_wan, 'en')}, computed "
                    f"{format_wan(computed, 'en')}, difference {format_wan(diff, 'en')}", False,
                    "condition"))
            return
        if needs:
            verdict.status = "needs_documents"
            verdict.provisional_wan = _sum(f.amount_wan for f in needs)
            for finding in needs:
                verdict.lines.extend(_unknown_lines(finding, several))
                verdict.missing.extend(m for m in _to_provide(finding) if m not in verdict.missing)
            if verdict.provisional_wan is not None:
                verdict.lines.append(Line(
                    f"补齐后如其余条件均满足，按规则测算金额为 {format_wan(verdict.provisional_wan)}",
                    f"if the rest holds, the computed amount would be "
                    f"{format_wan(verdict.provisional_wan, 'en')}"))
            return
        if failed:
            verdict.status = "not_eligible"
            for finding in failed + outside:
                verdict.lines.extend(_failing_lines(finding, several))
            return
        verdict.status = "out_of_scope"
        for finding in outside:
            verdict.lines.extend(_failing_lines(finding, several))

    def _no_record(self, verdict: Verdict) -> None:
        rule, claim = verdict.rule, verdict.claim
        subject_zh, subject_en = SUBJECTS.get(rule.subject, (rule.subject, rule.subject))
        field_zh, field_en = SUBJECT_FIELDS.get(rule.subject, (rule.subject, rule.subject))
        verdict.status = "needs_documents"
        other_years = sorted({f.year for f in self.findings.get(verdict.company_key, {}).get(rule.id, [])
                              if f.year is not None})
        hint_zh = (f"；资料中与本条款有关的年度：{'、'.join(map(str, other_years))}"
                   if other_years else "")
        hint_en = f"; years on file for this award: {', '.join(map(str, other_years))}" if other_years else ""
        verdict.lines.append(Line(
            f"企业资料中没有{claim.year}年与「{rule.title}」有关的{subject_zh}记录{hint_zh}",
            f"no {subject_en} record of {claim.year} for {rule.title_en}{hint_en}", None, "condition"))
        verdict.missing.append(field_zh.format(year=claim.year) + " / " + field_en.format(year=claim.year))


def _head(finding: Finding) -> Line:
    title = finding.tier_title or finding.title
    return Line(f"【{finding.subject}·{title}】", f"[{finding.subject} · {finding.title_en}]")


def _finding_lines(finding: Finding, several: bool, passed_only: bool) -> list[Line]:
    lines = [_head(finding)] if several else []
    for reason in finding.reasons:
        if passed_only and reason.passed is not True:
            continue
        lines.append(Line(reason.text, reason.text_en, reason.passed, "condition"))
    return lines


def _failing_lines(finding: Finding, several: bool = True) -> list[Line]:
    lines = [_head(finding)] if several else []
    for reason in finding.reasons:
        if reason.passed is False:
            lines.append(Line(reason.text, reason.text_en, False, "condition"))
    if len(lines) == (1 if several else 0):
        lines.extend(Line(r.text, r.text_en, r.passed, "condition") for r in finding.reasons)
    return lines


def _unknown_lines(finding: Finding, several: bool = True) -> list[Line]:
    lines = [_head(finding)] if several else []
    for reason in finding.reasons:
        if reason.passed is None:
            lines.append(Line(reason.text, reason.text_en, None, "condition"))
    if finding.missing:
        zh = _to_provide(finding)
        en = finding.missing_text_en or finding.missing
        lines.append(Line("需补充：" + "；".join(zh), "Provide: " + "; ".join(en)))
    return lines


def _to_provide(finding: Finding) -> list[str]:
    """What to provide, in words where the calculator has them ("请补充2018年的区级财政贡献
    （用于计算2019年增幅）"); the field paths otherwise."""
    return list(finding.missing_text or finding.missing)


# --------------------------------------------------------------------------------------------
# Running a batch
# --------------------------------------------------------------------------------------------

Progress = Callable[[int, int], None]


def verify(batch: ClaimBatch, *, rules: RuleSet | None = None, register: Register | None = None,
           progress: Progress | None = None) -> Verification:
    """Verdicts for every claim of the batch, nothing recorded. With ``register``, one-time
    awards already approved there make a claim a duplicate."""
    return run_batch(batch, rules=rules, register=register, record=False, progress=progress)


def run_batch(batch: ClaimBatch, *, rules: RuleSet | None = None, register: Register | None = None,
              record: bool = False, official: str | None = None, chunk_size: int = 200,
              progress: Progress | None = None,
              after_chunk: Callable[[int, list[Verdict]], None] | None = None) -> Verification:
    """Verify a batch and, with ``record``, write it to the register one chunk per transaction.

    A kill or crash loses at most the chunk being written; running the same file again skips
    what was recorded (idempotency keys) and completes the rest. ``after_chunk(index, verdicts)``
    runs after each chunk is committed (progress reports, tests that interrupt a batch).
    ``official`` is the account name of the signed-in 经办 recording the batch (the command
    line and the page take it from the sign-in, never from a typed name).
    """
    ruleset = rules or default_rules()
    if record and register is None:
        raise ValueError("record=True needs a register")
    if chunk_size < 1:
        raise ValueError("chunk_size must be >= 1")
    grants: list[Grant] = []
    if register is not None:
        company_keys = {c.key for c in batch.companies} | {_claim_company_key(c) for c in batch.claims}
        name_keys = {company_name_key(c.name) for c in batch.companies} | \
            {company_name_key(c.company_name) for c in batch.claims if c.company_name}
        grants = register.approved_grants(company_keys, name_keys)
    verifier = Verifier(batch, ruleset, grants)
    batch_id = None
    if record:
        assert register is not None
        batch_id = register.open_batch(batch.digest, batch.source_name, len(batch.claims), official)
    verdicts: list[Verdict] = []
    total = len(batch.claims)
    if progress:
        progress(0, total)
    for number, start in enumerate(range(0, total, chunk_size)):
        chunk = [verifier.verdict(i) for i in range(start, min(start + chunk_size, total))]
        if record:
            assert register is not None and batch_id is not None
            items = []
            for verdict in chunk:
                claim_input, result = verdict.to_input()
                items.append((claim_input, ResultInput(
                    status=result.status, computed_wan=result.computed_wan, detail=result.detail,
                    scopes=result.scopes, ruleset_version=ruleset.version,
                    readings=dict(ruleset.readings))))
            ids = register.record(batch_id, items, verified_by=official)
            for verdict, claim_id in zip(chunk, ids, strict=True):
                verdict.register_claim_id = claim_id
        verdicts.extend(chunk)
        if progress:
            progress(len(verdicts), total)
        if after_chunk:
            after_chunk(number, chunk)
    return Verification(
        source_name=batch.source_name, source_digest=batch.digest,
        ruleset_version=ruleset.version, readings=dict(sorted(ruleset.readings.items())),
        verdicts=verdicts, problems=list(batch.problems), companies=len(batch.companies),
        companies_refused=sum(1 for c in batch.companies if c.profile is None),
        batch_id=batch_id, register_url=register.display_url if register else None)
