"""Result models: one finding per rule and event, the report, and its JSON contract form.

A finding carries everything a reader needs to trust it without the code: the status,
the amount, each condition in a sentence with the actual and required figures, the clause
quoted, the readings (INTERP ids) that shaped it, and where to apply.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

from .money import normalize, to_json_number

Status = Literal["eligible", "not_eligible", "needs_info", "not_applicable"]
STATUS_ORDER: tuple[Status, ...] = ("eligible", "needs_info", "not_eligible", "not_applicable")


class Reason(BaseModel):
    """One condition of a clause, judged against the company's figures."""

    text: str
    text_en: str = ""
    passed: bool | None
    """True met, False not met, None unknown (a figure is missing)."""
    field: str | None = None
    actual: str | None = None
    required: str | None = None
    gap_wan: Decimal | None = None
    """How much is missing to meet a money threshold (not-eligible findings)."""
    missing: str | None = None
    """The profile field to fill in, when passed is None (a path, for machines)."""
    missing_text: str | None = None
    """What to provide, in words: "请补充2018年的区级财政贡献（用于计算2019年增幅）"."""
    missing_text_en: str | None = None
    code: str | None = None
    """Machine-readable kind of failure: "reached_before" (a one-time level used up), "equal"."""


class Clause(BaseModel):
    quote: str
    section: str
    policy_title: str = ""
    source: str = ""
    doc_number: str | None = None
    heading: str | None = None
    """The heading path as it stands in the source text."""
    source_line: int | None = None
    """The line of the source file where the quote starts."""
    reliability: str | None = None
    """Set when the text is a reposted copy: "转载文本，以官方原文为准"."""


class Finding(BaseModel):
    rule_id: str
    policy_id: str
    year: int | None
    status: Status
    amount_wan: Decimal | None
    amount_kind: str
    title: str
    title_en: str = ""
    tier: str | None = None
    tier_title: str | None = None
    tier_title_en: str | None = None
    subject: str = ""
    """What the finding is about, in words ("2020年", "科创板上市 2020-07-22")."""
    level: Literal["city", "district", "zone"] = "city"
    reasons: list[Reason] = []
    interpretations: list[str] = []
    clause: Clause
    contacts: list[str] = []
    notes: list[str] = []
    notes_en: list[str] = []
    missing: list[str] = []
    """Profile fields to provide (needs_info), as paths for machines."""
    missing_text: list[str] = []
    """What to provide, in words, one sentence each (needs_info)."""
    missing_text_en: list[str] = []
    payer: str | None = None
    """Who pays (市级财政, 区级财政), where the rule file says."""
    event: str = ""
    """The event the finding is about (a fact id): groups "one award per event" use it."""

    def contract(self) -> dict[str, Any]:
        """The CONTRACT.md JSON form (numbers as JSON numbers, keys as published)."""
        data = self.model_dump(mode="python")
        data["amount_wan"] = to_json_number(self.amount_wan)
        for reason in data["reasons"]:
            reason["gap_wan"] = to_json_number(reason["gap_wan"])
        return data


class Hint(BaseModel):
    """Advice that is never an award (e.g. revenue meets the 规上 line, not yet 入库)."""

    kind: str
    year: int | None
    text: str
    text_en: str = ""


class Report(BaseModel):
    company: str
    credit_code: str | None = None
    ruleset_version: str
    readings: dict[str, str]
    """Every INTERP id with the reading in force ("default" / "alternative")."""
    year: int | None = None
    results: list[Finding]
    hints: list[Hint] = []
    total_wan: Decimal = Field(default=Decimal(0))

    @property
    def eligible(self) -> list[Finding]:
        return [f for f in self.results if f.status == "eligible"]

    def by_status(self) -> dict[str, list[Finding]]:
        groups: dict[str, list[Finding]] = {s: [] for s in STATUS_ORDER}
        for finding in self.results:
            groups[finding.status].append(finding)
        return groups

    def total_by(self, key: str) -> dict[Any, Decimal]:
        """Eligible amounts summed by "level" (city/district) or "year"."""
        out: dict[Any, Decimal] = {}
        for finding in self.eligible:
            if finding.amount_wan is not None:
                k = getattr(finding, key)
                out[k] = normalize(out.get(k, Decimal(0)) + finding.amount_wan)
        return out

    def contract(self) -> dict[str, Any]:
        return {
            "company": self.company,
            "credit_code": self.credit_code,
            "ruleset_version": self.ruleset_version,
            "readings": self.readings,
            "interpretations_switched": {k: v for k, v in self.readings.items() if v != "default"},
            "year": self.year,
            "results": [f.contract() for f in self.results],
            "hints": [h.model_dump() for h in self.hints],
            "total_wan": to_json_number(self.total_wan),
            "total_by_level_wan": {k: to_json_number(v) for k, v in self.total_by("level").items()},
            "total_by_year_wan": {str(k): to_json_number(v) for k, v in self.total_by("year").items()},
        }
