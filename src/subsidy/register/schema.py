"""The register's tables (SQLAlchemy 2.0 declarative models).

Every table is append-only (see :mod:`subsidy.register.migrate` for the triggers): a changed
decision, a disabled account or a new password is a new row, never an edit. Mapped attribute
names equal column names, so that :mod:`subsidy.register.chain` can hash a row the same way
from the object that was written and from the row read back.

Money is exact: NUMERIC on PostgreSQL, decimal text on SQLite (whose NUMERIC is a float).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from ..money import normalize

ROLE_CODES = ("clerk", "reviewer", "admin")
ACTION_CODES = ("approve", "reject", "return")
AGAINST_VERDICT_SQL = (
    "(action = 'approve' AND COALESCE({status}, '') <> 'confirmed') "
    "OR (action = 'reject' AND COALESCE({status}, '') = 'confirmed')"
)
"""When a decision goes against the verification's verdict (and so needs a note)."""


def now() -> dt.datetime:
    """The time of a record, in UTC to the microsecond (as both databases keep it)."""
    return dt.datetime.now(dt.UTC)


class Money(TypeDecorator):
    """Exact 万元: NUMERIC(24, 6) on PostgreSQL, decimal text elsewhere."""

    impl = String(40)
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> Any:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(Numeric(24, 6, asdecimal=True))
        return dialect.type_descriptor(String(40))

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if value is None:
            return None
        number = normalize(Decimal(value))
        return number if dialect.name == "postgresql" else format(number, "f")

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        if value is None:
            return None
        return normalize(Decimal(value))


class Base(DeclarativeBase):
    pass


class SchemaVersionRow(Base):
    """One row per schema step applied (the versioned migration table)."""

    __tablename__ = "schema_version"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    description: Mapped[str] = mapped_column(String(300))
    applied_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


# ------------------------------------------------------------------------------ accounts


class UserRow(Base):
    """An account. Its name and role never change: a new role is a new account."""

    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("username", name="uq_users_username"),
        CheckConstraint("role IN ('clerk', 'reviewer', 'admin')", name="ck_users_role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class CredentialRow(Base):
    """A password hash (Argon2id); the latest row of a user is the one in force."""

    __tablename__ = "credentials"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    set_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    set_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class AccountEventRow(Base):
    """An account disabled or enabled again; the latest row of a user says which holds."""

    __tablename__ = "account_events"
    __table_args__ = (CheckConstraint("event IN ('disable', 'enable')", name="ck_account_events_event"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    event: Mapped[str] = mapped_column(String(16))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    by_user: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class SignInRow(Base):
    """A sign-in attempt on an existing account (for the lockout after wrong passwords)."""

    __tablename__ = "sign_ins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    ok: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    channel: Mapped[str] = mapped_column(String(16))


# ------------------------------------------------------------------------------ claims


class BatchRow(Base):
    __tablename__ = "batches"
    __table_args__ = (UniqueConstraint("source_digest", name="uq_batches_digest"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_digest: Mapped[str] = mapped_column(String(80))
    source_name: Mapped[str] = mapped_column(String(500))
    claim_count: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ClaimRow(Base):
    __tablename__ = "claims"
    __table_args__ = (UniqueConstraint("key", name="uq_claims_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    sheet: Mapped[str] = mapped_column(String(200))
    row: Mapped[int] = mapped_column(Integer)
    claim_ref: Mapped[str | None] = mapped_column(String(200), nullable=True)
    company_key: Mapped[str] = mapped_column(String(520), index=True)
    name_key: Mapped[str] = mapped_column(String(500), index=True)
    credit_code: Mapped[str | None] = mapped_column(String(18), nullable=True, index=True)
    company_name: Mapped[str] = mapped_column(String(500))
    rule_id: Mapped[str] = mapped_column(String(100), index=True)
    rule_title: Mapped[str] = mapped_column(String(500))
    year: Mapped[int] = mapped_column(Integer)
    claimed_wan: Mapped[Decimal] = mapped_column(Money)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ResultRow(Base):
    __tablename__ = "verification_results"
    __table_args__ = (UniqueConstraint("claim_id", "ruleset_version", name="uq_results_claim_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    status: Mapped[str] = mapped_column(String(32))
    computed_wan: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    detail: Mapped[dict] = mapped_column(JSON)
    scopes: Mapped[list] = mapped_column(JSON)
    ruleset_version: Mapped[str] = mapped_column(String(80))
    readings: Mapped[dict] = mapped_column(JSON)
    verified_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    verified_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


# ------------------------------------------------------------------------------ decisions


class ProposalRow(Base):
    """What a 经办 proposes for a claim; a 复核 decides on it (see :class:`DecisionRow`)."""

    __tablename__ = "proposals"
    __table_args__ = (
        CheckConstraint("action IN ('approve', 'reject', 'return')", name="ck_proposals_action"),
        CheckConstraint("action <> 'approve' OR approved_wan IS NOT NULL", name="ck_proposals_amount"),
        CheckConstraint(f"note <> '' OR NOT ({AGAINST_VERDICT_SQL.format(status='status_at_proposal')})",
                        name="ck_proposals_note"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    result_id: Mapped[int | None] = mapped_column(ForeignKey("verification_results.id"), nullable=True)
    action: Mapped[str] = mapped_column(String(16))
    approved_wan: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    computed_wan: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    note: Mapped[str] = mapped_column(Text)
    proposed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    status_at_proposal: Mapped[str | None] = mapped_column(String(32), nullable=True)


class DecisionRow(Base):
    """A 复核's decision on a proposal (one decision per proposal, by another user)."""

    __tablename__ = "decisions"
    __table_args__ = (
        UniqueConstraint("proposal_id", name="uq_decisions_proposal"),
        CheckConstraint("action IN ('approve', 'reject', 'return')", name="ck_decisions_action"),
        CheckConstraint("action <> 'approve' OR approved_wan IS NOT NULL", name="ck_decisions_amount"),
        CheckConstraint(f"note <> '' OR NOT ({AGAINST_VERDICT_SQL.format(status='status_at_decision')})",
                        name="ck_decisions_note"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"))
    result_id: Mapped[int | None] = mapped_column(ForeignKey("verification_results.id"), nullable=True)
    action: Mapped[str] = mapped_column(String(16))
    approved_wan: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    computed_wan: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    note: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    official: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    status_at_decision: Mapped[str | None] = mapped_column(String(32), nullable=True)
    ruleset_version: Mapped[str | None] = mapped_column(String(80), nullable=True)
    readings: Mapped[dict | None] = mapped_column(JSON, nullable=True)


class AwardRow(Base):
    """The award ledger: who holds an award (company + rule + year, tier or subject).

    Per award key the rows are numbered 1, 2, 3 … (unique together): a row ``held`` is an
    approval taking the award, a row not held is its release (the approval withdrawn). The
    database refuses a second hold while one is in force and any gap in the numbering, so
    two approvals racing for one award cannot both be written.
    """

    __tablename__ = "awards"
    __table_args__ = (UniqueConstraint("award_key", "seq", name="uq_awards_key_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    award_key: Mapped[str] = mapped_column(String(800), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    held: Mapped[bool] = mapped_column(Boolean)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"))
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ChainRow(Base):
    """The hash chain: one link per record of the register, in the order they were written."""

    __tablename__ = "chain"
    __table_args__ = (UniqueConstraint("prev_hash", name="uq_chain_prev"),
                      UniqueConstraint("table_name", "row_id", name="uq_chain_row"))

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    table_name: Mapped[str] = mapped_column(String(40))
    row_id: Mapped[int] = mapped_column(Integer)
    row_hash: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


CHAINED: dict[str, type[Base]] = {
    model.__tablename__: model
    for model in (UserRow, CredentialRow, AccountEventRow, SignInRow, BatchRow, ClaimRow, ResultRow,
                  ProposalRow, DecisionRow, AwardRow)
}
"""Tables whose every row is a link of the chain."""

UNIQUE_KEYS: dict[str, list[tuple[str, ...]]] = {
    "schema_version": [("version",)],
    "users": [("id",), ("username",)],
    "credentials": [("id",)],
    "account_events": [("id",)],
    "sign_ins": [("id",)],
    "batches": [("id",), ("source_digest",)],
    "claims": [("id",), ("key",)],
    "verification_results": [("id",), ("claim_id", "ruleset_version")],
    "proposals": [("id",)],
    "decisions": [("id",), ("proposal_id",)],
    "awards": [("id",), ("award_key", "seq")],
    "chain": [("seq",), ("prev_hash",), ("table_name", "row_id")],
}
"""Keys an INSERT OR REPLACE could collide on: SQLite's triggers refuse such an insert."""
