"""Plain data in and out of the register (no ORM object leaves the package)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .. import vocab

ACTIONS: dict[str, vocab.Label] = {
    "approve": vocab.Label("批准", "Approve"),
    "reject": vocab.Label("驳回", "Reject"),
    "return": vocab.Label("退回补充材料", "Return for documents"),
}

ROLES: dict[str, vocab.Label] = {
    "clerk": vocab.Label("经办", "Clerk"),
    "reviewer": vocab.Label("复核", "Reviewer"),
    "admin": vocab.Label("管理员", "Administrator"),
}
"""经办 verifies and proposes; 复核 decides on what another user proposed; 管理员 manages
accounts and decides nothing."""


def aware(moment: dt.datetime) -> dt.datetime:
    """SQLite returns naive times; they were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def person_in(shown: str, lang: str = "zh") -> str:
    """An official as the register names them ("张三（zhangsan）"), with the brackets of
    ``lang``: the name is data, the full-width brackets around the account are wording."""
    return shown.replace("（", " (").replace("）", ")") if lang == "en" else shown


@dataclass(frozen=True)
class User:
    """A signed-in (or listed) account."""

    id: int
    username: str
    display_name: str
    role: str
    disabled: bool = False
    created_at: dt.datetime | None = None

    def role_label(self, lang: str = "zh") -> str:
        return vocab.label(ROLES, self.role, lang)

    @property
    def shown(self) -> str:
        """How the user is named on records: display name and account."""
        if self.display_name and self.display_name != self.username:
            return f"{self.display_name}（{self.username}）"
        return self.username


@dataclass(frozen=True)
class ClaimInput:
    key: str
    sheet: str
    row: int
    claim_ref: str | None
    company_key: str
    name_key: str
    credit_code: str | None
    company_name: str
    rule_id: str
    rule_title: str
    year: int
    claimed_wan: Decimal
    note: str | None = None


@dataclass(frozen=True)
class ResultInput:
    status: str
    computed_wan: Decimal | None
    detail: dict[str, Any]
    scopes: list[str]
    ruleset_version: str
    readings: dict[str, str]


@dataclass(frozen=True)
class Grant:
    """An approved claim (its current decision is approve) and the award scopes it used."""

    claim_id: int
    claim_key: str
    decision_id: int
    company_key: str
    name_key: str
    company_name: str
    rule_id: str
    year: int
    scopes: tuple[str, ...]
    official: str
    decided_at: dt.datetime


@dataclass(frozen=True)
class ResultInfo:
    id: int
    status: str
    computed_wan: Decimal | None
    detail: dict[str, Any]
    scopes: list[str]
    ruleset_version: str
    readings: dict[str, str]
    verified_by: str | None
    verified_at: dt.datetime


@dataclass(frozen=True)
class ProposalInfo:
    """What a 经办 proposed; ``decision_id`` is None while it waits for a 复核."""

    id: int
    claim_id: int
    result_id: int | None
    action: str
    approved_wan: Decimal | None
    computed_wan: Decimal | None
    note: str
    proposed_by: int
    proposer: str
    proposed_at: dt.datetime
    status_at_proposal: str | None
    decision_id: int | None = None

    def label(self, lang: str = "zh") -> str:
        return vocab.label(ACTIONS, self.action, lang)


@dataclass(frozen=True)
class DecisionInfo:
    id: int
    claim_id: int
    result_id: int | None
    action: str
    official: str
    note: str
    decided_at: dt.datetime
    status_at_decision: str | None
    ruleset_version: str | None
    readings: dict[str, str] | None
    proposal_id: int | None = None
    approved_wan: Decimal | None = None
    computed_wan: Decimal | None = None
    decided_by: int | None = None
    proposer: str = ""

    def label(self, lang: str = "zh") -> str:
        return vocab.label(ACTIONS, self.action, lang)


@dataclass
class ClaimHistory:
    """One claim with every verification, proposal and decision, oldest first."""

    id: int
    key: str
    batch_id: int
    source_name: str
    sheet: str
    row: int
    claim_ref: str | None
    company_key: str
    credit_code: str | None
    company_name: str
    rule_id: str
    rule_title: str
    year: int
    claimed_wan: Decimal
    note: str | None
    created_at: dt.datetime
    results: list[ResultInfo] = field(default_factory=list)
    proposals: list[ProposalInfo] = field(default_factory=list)
    decisions: list[DecisionInfo] = field(default_factory=list)

    @property
    def latest_result(self) -> ResultInfo | None:
        return self.results[-1] if self.results else None

    @property
    def current_decision(self) -> DecisionInfo | None:
        """The latest decision by id: a changed decision is a newer row."""
        return self.decisions[-1] if self.decisions else None

    @property
    def open_proposal(self) -> ProposalInfo | None:
        """The proposal waiting for a 复核, if any."""
        waiting = [p for p in self.proposals if p.decision_id is None]
        return waiting[-1] if waiting else None
