"""The decision register: claims, their verification, and officials' decisions, in a database.

Why a real database (SQLAlchemy 2.0): decisions are records a district keeps for years and
several officials write at once. By default the register is a SQLite file in the working
directory (``subsidy-register.sqlite``; no set-up); setting ``SUBSIDY_DB_URL`` selects
another, e.g. ``postgresql+psycopg://user:password@host/dbname`` for a shared server.

What the tables guarantee:

- **batches** — one row per claims file (by the file's SHA-256), so a re-run is recognised.
- **claims** — one row per claim, with a unique idempotency key (company, rule, year, amount,
  the file's digest, and the occurrence of that same claim in the file): re-running a batch
  never duplicates a claim.
- **verification_results** — what the rules said about a claim, under which ruleset version
  and readings; unique per (claim, ruleset version), so a re-run adds nothing and a run
  under changed rules adds a new result beside the old one.
- **decisions** — approve / reject / return for documents, with the official, time, note,
  the result that supported it, and its ruleset version and readings. Append-only: a changed
  decision is a new row, the current decision is the latest by id. Database triggers refuse
  UPDATE and DELETE on claims, results and decisions, so nothing is overwritten silently,
  whichever program writes.

Batches are recorded one chunk per transaction (:meth:`Register.record`): a crash or kill
loses at most the chunk being written, and the re-run completes it.

Money is exact: NUMERIC on PostgreSQL, decimal text on SQLite (whose NUMERIC is a float).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    func,
    or_,
    select,
    text,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.types import TypeDecorator

from . import vocab
from .claims.model import company_name_key
from .money import normalize
from .profile import is_valid_credit_code
from .verdict_labels import STATUS_LABELS

__all__ = [
    "ACTIONS",
    "DB_URL_ENV",
    "DEFAULT_DB_URL",
    "ClaimHistory",
    "ClaimInput",
    "DecisionInfo",
    "Grant",
    "Register",
    "RegisterError",
    "ResultInfo",
    "ResultInput",
    "database_url",
    "parse_action",
    "register_exists",
]

DB_URL_ENV = "SUBSIDY_DB_URL"
DEFAULT_DB_URL = "sqlite:///subsidy-register.sqlite"
"""A SQLite file in the working directory: nothing to install or configure."""

ACTIONS: dict[str, vocab.Label] = {
    "approve": vocab.Label("批准", "Approve"),
    "reject": vocab.Label("驳回", "Reject"),
    "return": vocab.Label("退回补充材料", "Return for documents"),
}
_ACTION_ALIASES = {
    "approve": "approve", "approved": "approve", "批准": "approve", "通过": "approve", "同意": "approve",
    "reject": "reject", "rejected": "reject", "驳回": "reject", "不予": "reject", "不同意": "reject",
    "return": "return", "returned": "return", "退回": "return", "退回补充材料": "return", "补充材料": "return",
}
_HOLDS = ("confirmed", "amount_differs")
"""Verdicts under which an approval needs no note."""


class RegisterError(ValueError):
    """A register operation refused, with the reason in Chinese and English."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        self.message_zh, self.message_en = message_zh, message_en
        super().__init__(f"{message_zh} / {message_en}")


def database_url(url: str | None = None) -> str:
    """The register's URL: the argument, else ``SUBSIDY_DB_URL``, else the SQLite default.

    ``postgres://`` and ``postgresql://`` are read with the psycopg 3 driver installed here.
    """
    chosen = (url or os.environ.get(DB_URL_ENV) or DEFAULT_DB_URL).strip()
    for prefix in ("postgres://", "postgresql://"):
        if chosen.startswith(prefix):
            chosen = "postgresql+psycopg://" + chosen[len(prefix):]
    return chosen


def register_exists(url: str | None = None) -> bool:
    """Whether there is a register to consult: a SQLite file that exists, or a server URL.

    Verifying without recording should not create an empty database file as a side effect,
    but must see the approvals of a register that is there (for 重复申报).
    """
    chosen = database_url(url)
    try:
        parsed = make_url(chosen)
    except Exception:  # noqa: BLE001 — a malformed URL is reported when the register is opened
        return True
    if parsed.get_backend_name() != "sqlite":
        return True
    database = parsed.database
    return bool(database) and database != ":memory:" and Path(database).expanduser().exists()


def parse_action(text: str) -> str:
    """``approve`` / ``reject`` / ``return`` from the code or its Chinese word."""
    action = _ACTION_ALIASES.get((text or "").strip().lower())
    if action is None:
        raise RegisterError(f"决定应为 approve（批准）、reject（驳回）或 return（退回补充材料），实为「{text}」",
                            f"a decision is approve, reject or return, not {text!r}")
    return action


# --------------------------------------------------------------------------------------------
# Schema
# --------------------------------------------------------------------------------------------


class Money(TypeDecorator):
    """Exact 万元: NUMERIC(24, 6) on PostgreSQL, decimal text elsewhere (SQLite has no
    exact decimal type)."""

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


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class BatchRow(Base):
    __tablename__ = "batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_digest: Mapped[str] = mapped_column(String(80), unique=True)
    source_name: Mapped[str] = mapped_column(String(500))
    claim_count: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


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
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


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
    verified_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class DecisionRow(Base):
    __tablename__ = "decisions"
    __table_args__ = (CheckConstraint("action IN ('approve', 'reject', 'return')",
                                      name="ck_decisions_action"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    result_id: Mapped[int | None] = mapped_column(ForeignKey("verification_results.id"), nullable=True)
    action: Mapped[str] = mapped_column(String(16))
    official: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    status_at_decision: Mapped[str | None] = mapped_column(String(32), nullable=True)
    ruleset_version: Mapped[str | None] = mapped_column(String(80), nullable=True)
    readings: Mapped[dict | None] = mapped_column(JSON, nullable=True)


_APPEND_ONLY = ("claims", "verification_results", "decisions")


def _append_only_sqlite(conn: Any) -> None:
    for table in _APPEND_ONLY:
        for verb in ("UPDATE", "DELETE"):
            conn.execute(text(
                f"CREATE TRIGGER IF NOT EXISTS {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} are append-only: record a new row instead'); END"))


def _append_only_postgres(conn: Any) -> None:
    conn.execute(text(
        "CREATE OR REPLACE FUNCTION subsidy_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION '% are append-only: record a new row instead', TG_TABLE_NAME; END $$"))
    for table in _APPEND_ONLY:
        exists = conn.execute(text(
            "SELECT 1 FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname = :name AND c.relname = :table AND c.relnamespace = "
            "(SELECT oid FROM pg_namespace WHERE nspname = current_schema())"),
            {"name": f"{table}_append_only", "table": table}).first()
        if not exists:
            conn.execute(text(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION subsidy_append_only()"))


# --------------------------------------------------------------------------------------------
# Plain data in and out (no ORM objects leave this module)
# --------------------------------------------------------------------------------------------


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
    """An approved claim (its current decision is approve) and the once-only scopes it used."""

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

    def label(self, lang: str = "zh") -> str:
        return vocab.label(ACTIONS, self.action, lang)


@dataclass
class ClaimHistory:
    """One claim with every verification and every decision, oldest first."""

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
    decisions: list[DecisionInfo] = field(default_factory=list)

    @property
    def latest_result(self) -> ResultInfo | None:
        return self.results[-1] if self.results else None

    @property
    def current_decision(self) -> DecisionInfo | None:
        """The latest decision by id: a changed decision is a newer row."""
        return self.decisions[-1] if self.decisions else None


def aware(moment: dt.datetime) -> dt.datetime:
    """SQLite returns naive times; they were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


# --------------------------------------------------------------------------------------------
# The register
# --------------------------------------------------------------------------------------------


class Register:
    """One database of claims and decisions. Thread-safe for readers and writers alike
    (each call uses its own session)."""

    def __init__(self, url: str | None = None, *, create: bool = True) -> None:
        self.url = database_url(url)
        try:
            parsed = make_url(self.url)
        except Exception:  # noqa: BLE001 — any malformed URL is the user's input
            raise RegisterError(f"登记簿数据库地址无效：{self.url!r}（{DB_URL_ENV}）",
                                f"invalid register database URL {self.url!r} ({DB_URL_ENV})") from None
        self.dialect = parsed.get_backend_name()
        kwargs: dict[str, Any] = {"future": True}
        if self.dialect == "sqlite":
            database = parsed.database
            if database and database != ":memory:":
                Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
        else:
            kwargs["pool_pre_ping"] = True
        try:
            self.engine: Engine = create_engine(parsed, **kwargs)
        except Exception as exc:  # noqa: BLE001 — e.g. a driver that is not installed
            raise RegisterError(f"无法打开登记簿数据库：{exc}",
                                f"cannot open the register database: {exc}") from None
        if self.dialect == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        if create:
            self.create_schema()

    @property
    def display_url(self) -> str:
        """The URL without its password, for messages and reports."""
        return make_url(self.url).render_as_string(hide_password=True)

    def create_schema(self) -> None:
        """Create the tables and the append-only triggers when missing (idempotent)."""
        try:
            Base.metadata.create_all(self.engine)
            with self.engine.begin() as conn:
                if self.dialect == "sqlite":
                    _append_only_sqlite(conn)
                elif self.dialect == "postgresql":
                    _append_only_postgres(conn)
        except SQLAlchemyError as exc:
            raise self._error(exc) from None

    def dispose(self) -> None:
        self.engine.dispose()

    def _error(self, exc: Exception) -> RegisterError:
        detail = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else type(exc).__name__
        return RegisterError(f"登记簿数据库出错（{self.display_url}）：{detail}",
                             f"register database error ({self.display_url}): {detail}")

    @contextmanager
    def _session(self) -> Iterator[Session]:
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                yield session
        except RegisterError:
            raise
        except SQLAlchemyError as exc:
            raise self._error(exc) from None

    # ------------------------------------------------------------------ batches and claims

    def open_batch(self, digest: str, source_name: str, claim_count: int,
                   created_by: str | None = None) -> int:
        """The batch row of a claims file, created on its first run (committed at once)."""
        for attempt in range(2):
            try:
                with self._session() as s, s.begin():
                    found = s.scalar(select(BatchRow.id).where(BatchRow.source_digest == digest))
                    if found is not None:
                        return found
                    row = BatchRow(source_digest=digest, source_name=source_name[:500],
                                   claim_count=claim_count, created_by=created_by)
                    s.add(row)
                    s.flush()
                    return row.id
            except RegisterError:
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def record(self, batch_id: int, items: Sequence[tuple[ClaimInput, ResultInput]],
               verified_by: str | None = None) -> list[int]:
        """Record a chunk of claims and their results in one transaction; return claim ids.

        Claims already recorded (same key) and results already recorded (same claim and
        ruleset version) are left as they are, so a re-run adds only what is missing.
        """
        for attempt in range(3):
            try:
                return self._record(batch_id, items, verified_by)
            except IntegrityError:
                # another writer inserted the same claim between our read and our insert
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _record(self, batch_id: int, items: Sequence[tuple[ClaimInput, ResultInput]],
                verified_by: str | None) -> list[int]:
        keys = [claim.key for claim, _ in items]
        try:
            with Session(self.engine, expire_on_commit=False) as s, s.begin():
                ids: dict[str, int] = {}
                for part in _chunks(keys, 500):
                    ids.update(s.execute(select(ClaimRow.key, ClaimRow.id)
                                         .where(ClaimRow.key.in_(part))).all())
                new: dict[str, ClaimRow] = {}
                for claim, _ in items:
                    if claim.key in ids or claim.key in new:
                        continue
                    row = ClaimRow(
                        key=claim.key, batch_id=batch_id, sheet=claim.sheet[:200], row=claim.row,
                        claim_ref=(claim.claim_ref or None) and claim.claim_ref[:200],
                        company_key=claim.company_key[:520], name_key=claim.name_key[:500],
                        credit_code=claim.credit_code, company_name=claim.company_name[:500],
                        rule_id=claim.rule_id, rule_title=claim.rule_title[:500], year=claim.year,
                        claimed_wan=claim.claimed_wan, note=claim.note)
                    s.add(row)
                    new[claim.key] = row
                s.flush()
                ids.update({key: row.id for key, row in new.items()})
                versions = {result.ruleset_version for _, result in items}
                have: set[tuple[int, str]] = set()
                for part in _chunks(list(set(ids.values())), 500):
                    have.update(s.execute(select(ResultRow.claim_id, ResultRow.ruleset_version)
                                          .where(ResultRow.claim_id.in_(part),
                                                 ResultRow.ruleset_version.in_(versions))).all())
                for claim, result in items:
                    claim_id = ids[claim.key]
                    if (claim_id, result.ruleset_version) in have:
                        continue
                    s.add(ResultRow(claim_id=claim_id, status=result.status,
                                    computed_wan=result.computed_wan, detail=result.detail,
                                    scopes=list(result.scopes), ruleset_version=result.ruleset_version,
                                    readings=dict(result.readings), verified_by=verified_by))
                    have.add((claim_id, result.ruleset_version))
            return [ids[key] for key in keys]
        except IntegrityError:
            raise
        except SQLAlchemyError as exc:
            raise self._error(exc) from None

    # ------------------------------------------------------------------ grants and decisions

    def approved_grants(self, company_keys: Iterable[str] = (),
                        name_keys: Iterable[str] = ()) -> list[Grant]:
        """Claims of these companies whose current decision is approve."""
        company_keys, name_keys = sorted(set(company_keys)), sorted(set(name_keys))
        grants: dict[int, Grant] = {}
        with self._session() as s:
            latest = (select(DecisionRow.claim_id, func.max(DecisionRow.id).label("last"))
                      .group_by(DecisionRow.claim_id).subquery())
            base = (select(DecisionRow, ClaimRow, ResultRow)
                    .join(latest, DecisionRow.id == latest.c.last)
                    .join(ClaimRow, ClaimRow.id == DecisionRow.claim_id)
                    .outerjoin(ResultRow, ResultRow.id == DecisionRow.result_id)
                    .where(DecisionRow.action == "approve"))
            for column, values in ((ClaimRow.company_key, company_keys), (ClaimRow.name_key, name_keys)):
                for part in _chunks(values, 500):
                    for decision, claim, result in s.execute(base.where(column.in_(part))):
                        grants[claim.id] = Grant(
                            claim_id=claim.id, claim_key=claim.key, decision_id=decision.id,
                            company_key=claim.company_key, name_key=claim.name_key,
                            company_name=claim.company_name, rule_id=claim.rule_id, year=claim.year,
                            scopes=tuple(result.scopes if result else ()), official=decision.official,
                            decided_at=aware(decision.decided_at))
        return sorted(grants.values(), key=lambda g: g.decision_id)

    def decide(self, claim_id: int, action: str, official: str, note: str = "",
               at: dt.datetime | None = None) -> DecisionInfo:
        """Record a decision on a claim (a new row, always).

        Refused: an unknown claim, no official, an approval of a one-time award this company
        was already granted by another approved claim, and an approval against the verdict
        (not confirmed / amount differs) without a note saying why.
        """
        action = parse_action(action)
        official = (official or "").strip()
        note = (note or "").strip()
        if not official:
            raise RegisterError("请填写经办人姓名", "the official's name is required")
        with self._session() as s, s.begin():
            claim = s.get(ClaimRow, claim_id)
            if claim is None:
                raise RegisterError(f"登记簿中没有编号为 {claim_id} 的申报",
                                    f"no claim with id {claim_id} in the register")
            result = s.scalars(select(ResultRow).where(ResultRow.claim_id == claim_id)
                               .order_by(ResultRow.id.desc()).limit(1)).first()
            if action == "approve":
                status = result.status if result else None
                if status not in _HOLDS and not note:
                    shown = vocab.label(STATUS_LABELS, status or "", "zh") if status else "未核验"
                    raise RegisterError(
                        f"该申报的核验结论为「{shown}」，批准时须在备注中说明理由",
                        f"the verdict on this claim is {status or 'none'}; an approval needs a note saying why")
                scopes = set(result.scopes) if result else set()
                if scopes:
                    for grant in self._grants_in(s, claim):
                        overlap = scopes & set(grant.scopes)
                        if grant.claim_id != claim.id and overlap:
                            raise RegisterError(
                                f"重复申报：{claim.company_name} 的一次性奖励「{claim.rule_title}」已于 "
                                f"{aware(grant.decided_at):%Y-%m-%d} 由 {grant.official} 批准（申报编号 {grant.claim_id}，"
                                f"决定编号 {grant.decision_id}），不能再次批准",
                                f"duplicate: this one-time award was already approved for the company "
                                f"(claim {grant.claim_id}, decision {grant.decision_id})")
            row = DecisionRow(claim_id=claim.id, result_id=result.id if result else None, action=action,
                              official=official[:200], note=note, decided_at=at or _now(),
                              status_at_decision=result.status if result else None,
                              ruleset_version=result.ruleset_version if result else None,
                              readings=dict(result.readings) if result else None)
            s.add(row)
            s.flush()
            return _decision_info(row)

    def _grants_in(self, s: Session, claim: ClaimRow) -> list[Grant]:
        """Approved claims of the same company and rule; on PostgreSQL their rows are locked
        so that two officials cannot approve the same one-time award at the same moment."""
        latest = (select(DecisionRow.claim_id, func.max(DecisionRow.id).label("last"))
                  .group_by(DecisionRow.claim_id).subquery())
        query = (select(DecisionRow, ClaimRow, ResultRow)
                 .join(latest, DecisionRow.id == latest.c.last)
                 .join(ClaimRow, ClaimRow.id == DecisionRow.claim_id)
                 .outerjoin(ResultRow, ResultRow.id == DecisionRow.result_id)
                 .where(DecisionRow.action == "approve", ClaimRow.rule_id == claim.rule_id,
                        or_(ClaimRow.company_key == claim.company_key,
                            ClaimRow.name_key == claim.name_key)))
        if self.dialect == "postgresql":
            s.execute(select(ClaimRow.id).where(ClaimRow.rule_id == claim.rule_id,
                                                or_(ClaimRow.company_key == claim.company_key,
                                                    ClaimRow.name_key == claim.name_key))
                      .with_for_update())
        out = []
        for decision, other, result in s.execute(query):
            out.append(Grant(claim_id=other.id, claim_key=other.key, decision_id=decision.id,
                             company_key=other.company_key, name_key=other.name_key,
                             company_name=other.company_name, rule_id=other.rule_id, year=other.year,
                             scopes=tuple(result.scopes if result else ()), official=decision.official,
                             decided_at=aware(decision.decided_at)))
        return out

    # ------------------------------------------------------------------ reading

    def claim(self, claim_id: int) -> ClaimHistory:
        found = self._histories(ClaimRow.id == claim_id)
        if not found:
            raise RegisterError(f"登记簿中没有编号为 {claim_id} 的申报",
                                f"no claim with id {claim_id} in the register")
        return found[0]

    def claims_by_key(self, keys: Iterable[str]) -> dict[str, int]:
        """Claim ids of idempotency keys already recorded."""
        out: dict[str, int] = {}
        with self._session() as s:
            for part in _chunks(sorted(set(keys)), 500):
                out.update(s.execute(select(ClaimRow.key, ClaimRow.id)
                                     .where(ClaimRow.key.in_(part))).all())
        return out

    def history(self, ref: str) -> list[ClaimHistory]:
        """Every claim of a company (by credit code or name) with its results and decisions."""

        ref = (ref or "").strip()
        if not ref:
            raise RegisterError("请填写统一社会信用代码或企业名称", "give a credit code or a company name")
        if is_valid_credit_code(ref):
            code = ref.upper()
            return self._histories(or_(ClaimRow.credit_code == code, ClaimRow.company_key == code))
        return self._histories(ClaimRow.name_key == company_name_key(ref))

    def _histories(self, where: Any) -> list[ClaimHistory]:
        with self._session() as s:
            rows = s.execute(select(ClaimRow, BatchRow.source_name)
                             .join(BatchRow, BatchRow.id == ClaimRow.batch_id)
                             .where(where).order_by(ClaimRow.year, ClaimRow.id)).all()
            out = {claim.id: ClaimHistory(
                id=claim.id, key=claim.key, batch_id=claim.batch_id, source_name=source,
                sheet=claim.sheet, row=claim.row, claim_ref=claim.claim_ref,
                company_key=claim.company_key, credit_code=claim.credit_code,
                company_name=claim.company_name, rule_id=claim.rule_id, rule_title=claim.rule_title,
                year=claim.year, claimed_wan=claim.claimed_wan, note=claim.note,
                created_at=aware(claim.created_at)) for claim, source in rows}
            for part in _chunks(list(out), 500):
                for result in s.scalars(select(ResultRow).where(ResultRow.claim_id.in_(part))
                                        .order_by(ResultRow.id)):
                    out[result.claim_id].results.append(ResultInfo(
                        id=result.id, status=result.status, computed_wan=result.computed_wan,
                        detail=result.detail, scopes=list(result.scopes),
                        ruleset_version=result.ruleset_version, readings=dict(result.readings),
                        verified_by=result.verified_by, verified_at=aware(result.verified_at)))
                for decision in s.scalars(select(DecisionRow).where(DecisionRow.claim_id.in_(part))
                                          .order_by(DecisionRow.id)):
                    out[decision.claim_id].decisions.append(_decision_info(decision))
        return list(out.values())

    def counts(self) -> dict[str, int]:
        """Rows per table (for checks and the page's status line)."""
        with self._session() as s:
            return {
                "batches": s.scalar(select(func.count()).select_from(BatchRow)) or 0,
                "claims": s.scalar(select(func.count()).select_from(ClaimRow)) or 0,
                "verification_results": s.scalar(select(func.count()).select_from(ResultRow)) or 0,
                "decisions": s.scalar(select(func.count()).select_from(DecisionRow)) or 0,
            }


def _decision_info(row: DecisionRow) -> DecisionInfo:
    return DecisionInfo(id=row.id, claim_id=row.claim_id, result_id=row.result_id, action=row.action,
                        official=row.official, note=row.note or "", decided_at=aware(row.decided_at),
                        status_at_decision=row.status_at_decision, ruleset_version=row.ruleset_version,
                        readings=dict(row.readings) if row.readings is not None else None)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Foreign keys on; WAL so that the page can read while a batch writes."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
