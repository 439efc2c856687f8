"""The register: claims, their verification, proposals and decisions, in a database.

Why a real database (SQLAlchemy 2.0): decisions are records a district keeps for years and
several officials write at once. By default the register is a SQLite file in the working
directory (``subsidy-register.sqlite``; no set-up); ``SUBSIDY_DB_URL`` selects another, e.g.
``postgresql+psycopg://user:password@host/dbname`` for a shared server.

Writes are serialised: every write transaction first takes the register's lock (SQLite's
write lock through ``BEGIN IMMEDIATE``; a PostgreSQL advisory lock), so what it reads (the
chain's head, who holds an award, whether a proposal is still open) is still true when it
commits. The database's own constraints and triggers (see :mod:`.migrate`) refuse what
breaks the rules even from a program that skips this one.

Decisions take two people: a 经办 proposes (:meth:`Register.propose`), a 复核 decides
(:meth:`Register.decide`). An approval holds the award (company + rule + year, and the tier
or subject of a one-time award) in the award ledger; a later rejection or return of that
claim releases it. Batches are recorded one chunk per transaction (:meth:`Register.record`):
a crash loses at most the chunk being written, and the re-run completes it.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import os
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, func, or_, select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from .. import vocab
from ..money import format_wan, normalize
from ..profile import is_valid_credit_code
from ..verdict_labels import STATUS_LABELS
from . import chain
from .errors import RegisterError
from .migrate import APPEND_ONLY_MESSAGE, LOCK_KEY, TWO_PERSON_MESSAGE, ensure_schema
from .records import (
    ACTIONS,
    ClaimHistory,
    ClaimInput,
    DecisionInfo,
    Grant,
    ProposalInfo,
    ResultInfo,
    ResultInput,
    User,
    aware,
)
from .schema import (
    AccountEventRow,
    AwardRow,
    Base,
    BatchRow,
    ClaimRow,
    DecisionRow,
    ProposalRow,
    ResultRow,
    UserRow,
    now,
)

log = logging.getLogger("subsidy.register")

DB_URL_ENV = "SUBSIDY_DB_URL"
DEFAULT_DB_URL = "sqlite:///subsidy-register.sqlite"
"""A SQLite file in the working directory: nothing to install or configure."""
MAX_NOTE = 2000
"""Characters in a note."""
MAX_AMOUNT = Decimal("1000000000")
"""An approved amount above this (万元, i.e. 10万亿元) is a typing error."""

_ACTION_ALIASES = {
    "approve": "approve", "approved": "approve", "批准": "approve", "通过": "approve", "同意": "approve",
    "reject": "reject", "rejected": "reject", "驳回": "reject", "不予": "reject", "不同意": "reject",
    "return": "return", "returned": "return", "退回": "return", "退回补充材料": "return", "补充材料": "return",
}


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


def against_verdict(action: str, status: str | None) -> bool:
    """Approving what the rules do not confirm, or rejecting what they do."""
    return (action == "approve" and status != "confirmed") or (action == "reject" and status == "confirmed")


def award_keys(claim: ClaimRow, scopes: Iterable[str]) -> list[str]:
    """What an approval of this claim takes: the company's award for the rule and year, and
    the once-only scopes of the verdict (the rule, a tier, a subject), by credit code and by
    name, so that the same company found either way is the same company."""
    identities = {f"id:{claim.company_key}", f"name:{claim.name_key}"}
    parts = {f"{claim.rule_id}/{claim.year}", *scopes}
    return sorted(f"{identity}|{part}" for identity in identities for part in parts)


class _Writer:
    """A write transaction: rows added through it are linked to the chain before commit."""

    def __init__(self, session: Session) -> None:
        self.s = session
        self.added: list[Base] = []

    def add(self, row: Base) -> Base:
        self.s.add(row)
        self.added.append(row)
        return row


class Register:
    """One database of claims and decisions. Thread-safe for readers and writers alike
    (each call uses its own session)."""

    def __init__(self, url: str | None = None, *, create: bool = True) -> None:
        self.url = database_url(url)
        try:
            parsed = make_url(self.url)
        except Exception:  # noqa: BLE001 — any malformed URL is the user's input
            raise RegisterError(f"登记簿数据库地址无效（{DB_URL_ENV}）",
                                f"invalid register database URL ({DB_URL_ENV})") from None
        self.dialect = parsed.get_backend_name()
        kwargs: dict[str, Any] = {}
        if self.dialect == "sqlite":
            database = parsed.database
            if database and database != ":memory:":
                Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"timeout": 60, "check_same_thread": False}
        else:
            kwargs["pool_pre_ping"] = True
        try:
            self.engine: Engine = create_engine(parsed, **kwargs)
        except Exception as exc:  # noqa: BLE001 — e.g. a driver that is not installed
            raise RegisterError(f"无法打开登记簿数据库：{exc}",
                                f"cannot open the register database: {exc}") from None
        if self.dialect == "sqlite":
            event.listen(self.engine, "connect", _sqlite_connect)
            event.listen(self.engine, "begin", _sqlite_begin)
        if create:
            self.create_schema()

    @property
    def display_url(self) -> str:
        """The URL without its password, for messages and reports."""
        return make_url(self.url).render_as_string(hide_password=True)

    def create_schema(self) -> None:
        """Bring the schema to its latest version (a no-op when it is; safe when racing)."""
        for attempt in itertools.count():
            try:
                ensure_schema(self.engine)
                return
            except SQLAlchemyError as exc:
                # Several processes creating one new SQLite file at once: some steps (the
                # switch to WAL, the first reads while another creates the tables) answer
                # "database is locked" without SQLite's busy wait. Wait and try again, as it
                # would; the schema steps themselves are idempotent under their lock.
                if self.dialect == "sqlite" and "locked" in str(exc) and attempt < 100:
                    time.sleep(0.1)
                    continue
                raise self._error(exc) from None

    def dispose(self) -> None:
        self.engine.dispose()

    def _error(self, exc: Exception) -> RegisterError:
        detail = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else type(exc).__name__
        if TWO_PERSON_MESSAGE in detail:
            return RegisterError("同一人不能既提出又复核同一决定（数据库拒绝）",
                                 "the same person cannot propose and decide (refused by the database)")
        if "one award, one approval" in detail:
            return RegisterError("该奖励已被批准，不能再次批准（数据库拒绝）",
                                 "this award is already approved (refused by the database)")
        if APPEND_ONLY_MESSAGE in detail:
            return RegisterError(f"登记簿只能追加，不能修改或删除：{detail}",
                                 f"the register is append-only: {detail}")
        return RegisterError(f"登记簿数据库出错：{detail}", f"register database error: {detail}")

    @contextmanager
    def _session(self) -> Iterator[Session]:
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                yield session
        except RegisterError:
            raise
        except SQLAlchemyError as exc:
            raise self._error(exc) from None

    @contextmanager
    def _write(self) -> Iterator[_Writer]:
        """A write transaction holding the register's lock; its rows are chained at the end."""
        try:
            with self.engine.connect() as conn:
                conn.execution_options(sqlite_begin="IMMEDIATE")
                with Session(bind=conn, expire_on_commit=False) as s, s.begin():
                    if self.dialect == "postgresql":
                        s.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
                    writer = _Writer(s)
                    yield writer
                    s.flush()
                    chain.append(s, writer.added)
        except RegisterError:
            raise
        except SQLAlchemyError as exc:  # a constraint or trigger of the database refused it
            raise self._error(exc) from None

    # ------------------------------------------------------------------ batches and claims

    def open_batch(self, digest: str, source_name: str, claim_count: int,
                   created_by: str | None = None) -> int:
        """The batch row of a claims file, created on its first run (committed at once)."""
        with self._write() as w:
            found = w.s.scalar(select(BatchRow.id).where(BatchRow.source_digest == digest))
            if found is not None:
                return found
            row = w.add(BatchRow(source_digest=digest, source_name=source_name[:500],
                                 claim_count=claim_count, created_by=created_by, created_at=now()))
            w.s.flush()
            return row.id  # type: ignore[attr-defined]

    def record(self, batch_id: int, items: Sequence[tuple[ClaimInput, ResultInput]],
               verified_by: str | None = None) -> list[int]:
        """Record a chunk of claims and their results in one transaction; return claim ids.

        Claims already recorded (same key) and results already recorded (same claim and
        ruleset version) are left as they are, so a re-run adds only what is missing.
        """
        with self._write() as w:
            return self._record(w, batch_id, items, verified_by)

    def _record(self, w: _Writer, batch_id: int, items: Sequence[tuple[ClaimInput, ResultInput]],
                verified_by: str | None) -> list[int]:
        s = w.s
        keys = [claim.key for claim, _ in items]
        ids: dict[str, int] = {}
        for part in _chunks(keys, 500):
            ids.update(s.execute(select(ClaimRow.key, ClaimRow.id).where(ClaimRow.key.in_(part))).all())
        new: dict[str, ClaimRow] = {}
        moment = now()
        for claim, _ in items:
            if claim.key in ids or claim.key in new:
                continue
            new[claim.key] = w.add(ClaimRow(  # type: ignore[assignment]
                key=claim.key, batch_id=batch_id, sheet=claim.sheet[:200], row=claim.row,
                claim_ref=(claim.claim_ref or None) and claim.claim_ref[:200],
                company_key=claim.company_key[:520], name_key=claim.name_key[:500],
                credit_code=claim.credit_code, company_name=claim.company_name[:500],
                rule_id=claim.rule_id, rule_title=claim.rule_title[:500], year=claim.year,
                claimed_wan=claim.claimed_wan, note=claim.note, created_at=moment))
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
            w.add(ResultRow(claim_id=claim_id, status=result.status, computed_wan=result.computed_wan,
                            detail=result.detail, scopes=list(result.scopes),
                            ruleset_version=result.ruleset_version, readings=dict(result.readings),
                            verified_by=verified_by, verified_at=moment))
            have.add((claim_id, result.ruleset_version))
        return [ids[key] for key in keys]

    # ------------------------------------------------------------------ grants

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
                        grants[claim.id] = _grant(decision, claim, result)
        return sorted(grants.values(), key=lambda g: g.decision_id)

    # ------------------------------------------------------------------ proposals and decisions

    def propose(self, claim_id: int, action: str, user: User, note: str = "",
                approved_wan: Decimal | str | None = None) -> ProposalInfo:
        """A 经办 proposes a decision on a claim; a 复核 decides on it (:meth:`decide`).

        Refused: a user who is not an active 经办, an unknown claim, a claim with a proposal
        still waiting, the decision the claim already has, an approval of an award another
        decision holds, an approval with no amount, and a proposal against the verdict (or
        with an amount other than the computed one) without a note.
        """
        action = parse_action(action)
        note = _note(note)
        if user.role != "clerk":
            raise RegisterError("只有经办可以提出决定", "only a clerk (经办) proposes a decision")
        with self._write() as w:
            s = w.s
            self._require_active(s, user)
            claim = self._claim_row(s, claim_id)
            result = _latest_result(s, claim.id)
            waiting = self._open_proposal(s, claim.id)
            if waiting is not None:
                raise RegisterError(
                    f"申报 #{claim.id} 已有待复核的提议 #{waiting.id}（{vocab.label(ACTIONS, waiting.action)}），"
                    "请等待复核后再提",
                    f"claim {claim.id} already has proposal {waiting.id} waiting for a reviewer")
            self._refuse_repeat(s, claim, action)
            status = result.status if result else None
            computed = result.computed_wan if result else None
            amount = None
            if action == "approve":
                self._refuse_held(s, claim, result)
                amount = _amount(approved_wan, computed)
            _need_note(action, status, amount, computed, note)
            row = w.add(ProposalRow(claim_id=claim.id, result_id=result.id if result else None,
                                    action=action, approved_wan=amount, computed_wan=computed, note=note,
                                    proposed_by=user.id, proposed_at=now(), status_at_proposal=status))
            s.flush()
            log.info("proposal %s on claim %s: %s by user %s", row.id, claim.id, action, user.username)  # type: ignore[attr-defined]
            return _proposal_info(row, user.shown)  # type: ignore[arg-type]

    def decide(self, claim_id: int, action: str, user: User, note: str = "",
               approved_wan: Decimal | str | None = None) -> DecisionInfo:
        """A 复核 decides on the claim's waiting proposal (a new record, always).

        The approved amount is explicit: the one given, else the computed (confirmed) amount,
        else the proposal's. Refused: a user who is not an active 复核, the proposal's own
        author, a claim with no waiting proposal, an approval of an award another decision
        holds, and a decision against the verdict, against the proposal or with an amount
        other than the computed one, without a note.
        """
        action = parse_action(action)
        note = _note(note)
        if user.role != "reviewer":
            raise RegisterError("只有复核可以作出决定", "only a reviewer (复核) decides")
        with self._write() as w:
            return self._decide(w, claim_id, action, user, note, approved_wan)

    def _decide(self, w: _Writer, claim_id: int, action: str, user: User, note: str,
                approved_wan: Decimal | str | None) -> DecisionInfo:
        s = w.s
        self._require_active(s, user)
        claim = self._claim_row(s, claim_id)
        proposal = self._open_proposal(s, claim.id)
        if proposal is None:
            raise RegisterError(f"申报 #{claim.id} 没有待复核的提议：须先由经办提出",
                                f"claim {claim.id} has no proposal waiting: a clerk proposes first")
        if proposal.proposed_by == user.id:
            raise RegisterError("不能复核自己提出的决定：须由另一位复核人员决定",
                                "you cannot decide your own proposal: another reviewer must")
        self._refuse_repeat(s, claim, action)
        result = _latest_result(s, claim.id)
        status = result.status if result else None
        computed = result.computed_wan if result else None
        amount = None
        if action == "approve":
            self._refuse_held(s, claim, result)
            amount = _amount(approved_wan, computed if computed is not None else proposal.approved_wan)
        _need_note(action, status, amount, computed, note)
        if action != proposal.action and not note:
            raise RegisterError(
                f"复核决定（{vocab.label(ACTIONS, action)}）与经办提议（{vocab.label(ACTIONS, proposal.action)}）"
                "不同，请在备注中说明理由",
                "the decision differs from the proposal; a note must say why")
        current = _current_decision(s, claim.id)
        row = w.add(DecisionRow(
            claim_id=claim.id, proposal_id=proposal.id, result_id=result.id if result else None,
            action=action, approved_wan=amount, computed_wan=computed, note=note, decided_by=user.id,
            official=user.shown[:200], decided_at=now(), status_at_decision=status,
            ruleset_version=result.ruleset_version if result else None,
            readings=dict(result.readings) if result else None))
        s.flush()
        decision_id: int = row.id  # type: ignore[attr-defined]
        keys = award_keys(claim, result.scopes if result else [])
        if action == "approve":
            for key in keys:
                last = _award_head(s, key)
                w.add(AwardRow(award_key=key[:800], seq=(last.seq if last else 0) + 1, held=True,
                               claim_id=claim.id, decision_id=decision_id, at=now()))
                s.flush()
        elif current is not None and current.action == "approve":
            # the approval is withdrawn: the award it held is free again
            for held in s.scalars(select(AwardRow).where(AwardRow.decision_id == current.id, AwardRow.held)):
                last = _award_head(s, held.award_key)
                if last is not None and last.held and last.claim_id == claim.id:
                    w.add(AwardRow(award_key=held.award_key, seq=last.seq + 1, held=False,
                                   claim_id=claim.id, decision_id=decision_id, at=now()))
                    s.flush()
        proposer = s.get(UserRow, proposal.proposed_by)
        shown = _shown(proposer) if proposer else ""
        log.info("decision %s on claim %s: %s by user %s", decision_id, claim.id, action, user.username)
        return _decision_info(row, shown)  # type: ignore[arg-type]

    def award_holder(self, claim_id: int) -> DecisionInfo | None:
        """The decision that holds this claim's award for another claim, if any."""
        with self._session() as s:
            claim = self._claim_row(s, claim_id)
            result = _latest_result(s, claim.id)
            holder = self._holder(s, claim, result)
            return _decision_info(holder[0]) if holder else None

    def _holder(self, s: Session, claim: ClaimRow, result: ResultRow | None) -> tuple[DecisionRow, ClaimRow] | None:
        for key in award_keys(claim, result.scopes if result else []):
            last = _award_head(s, key)
            if last is not None and last.held:
                decision = s.get(DecisionRow, last.decision_id)
                other = s.get(ClaimRow, last.claim_id)
                if decision is not None and other is not None:
                    return decision, other
        return None

    def _refuse_held(self, s: Session, claim: ClaimRow, result: ResultRow | None) -> None:
        holder = self._holder(s, claim, result)
        if holder is None:
            return
        decision, other = holder
        when = aware(decision.decided_at).astimezone()
        if other.id == claim.id:
            raise RegisterError(
                f"申报 #{claim.id} 已于 {when:%Y-%m-%d} 批准（决定 #{decision.id}，{decision.official}），"
                "不能再次批准",
                f"claim {claim.id} is already approved (decision {decision.id})")
        raise RegisterError(
            f"重复申报：{other.company_name} 的「{other.rule_title}」（{other.year}年）已于 {when:%Y-%m-%d} "
            f"由 {decision.official} 批准（申报 #{other.id}，决定 #{decision.id}，"
            f"批准金额 {format_wan(decision.approved_wan) if decision.approved_wan is not None else '—'}），"
            "同一奖励只能批准一次",
            f"duplicate: this award is held by decision {decision.id} on claim {other.id} "
            f"({other.year}); an award is approved once")

    def _refuse_repeat(self, s: Session, claim: ClaimRow, action: str) -> None:
        current = _current_decision(s, claim.id)
        if current is not None and current.action == action:
            raise RegisterError(
                f"申报 #{claim.id} 的当前决定已是「{vocab.label(ACTIONS, action)}」（决定 #{current.id}），"
                "不重复记录",
                f"claim {claim.id} already has this decision (decision {current.id}); not recorded twice")

    def _require_active(self, s: Session, user: User) -> None:
        row = s.get(UserRow, user.id)
        if row is None or row.role != user.role or row.username != user.username:
            raise RegisterError("账户无效，请重新登录", "unknown account: sign in again")
        last = s.scalar(select(AccountEventRow.event).where(AccountEventRow.user_id == user.id)
                        .order_by(AccountEventRow.id.desc()).limit(1))
        if last == "disable":
            raise RegisterError("账户已停用", "the account is disabled")

    def _claim_row(self, s: Session, claim_id: int) -> ClaimRow:
        claim = s.get(ClaimRow, claim_id)
        if claim is None:
            raise RegisterError(f"登记簿中没有编号为 {claim_id} 的申报",
                                f"no claim with id {claim_id} in the register")
        return claim

    def _open_proposal(self, s: Session, claim_id: int) -> ProposalRow | None:
        decided = select(DecisionRow.proposal_id)
        return s.scalars(select(ProposalRow).where(ProposalRow.claim_id == claim_id,
                                                   ProposalRow.id.not_in(decided))
                         .order_by(ProposalRow.id.desc()).limit(1)).first()

    # ------------------------------------------------------------------ integrity

    def check(self) -> chain.ChainReport:
        """Recompute the hash chain (``subsidy register check``)."""
        with self._session() as s:
            return chain.check(s)

    def link_hash(self, seq: int) -> str | None:
        """The hash of link ``seq`` of the chain, to compare with one noted down earlier."""
        with self._session() as s:
            return chain.link_at(s, seq)

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
                out.update(s.execute(select(ClaimRow.key, ClaimRow.id).where(ClaimRow.key.in_(part))).all())
        return out

    def history(self, ref: str) -> list[ClaimHistory]:
        """Every claim of a company (by credit code or name) with its results and decisions."""
        ref = (ref or "").strip()
        if not ref:
            raise RegisterError("请填写统一社会信用代码或企业名称", "give a credit code or a company name")
        if len(ref) > 500:
            raise RegisterError("企业名称过长（不超过500字）", "the company name is too long (500 at most)")
        if is_valid_credit_code(ref):
            code = ref.upper()
            return self._histories(or_(ClaimRow.credit_code == code, ClaimRow.company_key == code))
        # The claims package loads openpyxl: imported here, not when an official signs in.
        from ..claims.model import company_name_key

        return self._histories(ClaimRow.name_key == company_name_key(ref))

    def histories(self, *, batch_id: int | None = None, since: dt.datetime | None = None,
                  until: dt.datetime | None = None) -> list[ClaimHistory]:
        """Claims of a batch, or claims decided within a period (for the 公示 and letters)."""
        if batch_id is not None:
            return self._histories(ClaimRow.batch_id == batch_id)
        decided = select(DecisionRow.claim_id)
        if since is not None:
            decided = decided.where(DecisionRow.decided_at >= since)
        if until is not None:
            decided = decided.where(DecisionRow.decided_at < until)
        return self._histories(ClaimRow.id.in_(decided))

    def waiting(self) -> list[ClaimHistory]:
        """Claims with a proposal waiting for a 复核, oldest proposal first."""
        open_claims = select(ProposalRow.claim_id).where(ProposalRow.id.not_in(select(DecisionRow.proposal_id)))
        found = self._histories(ClaimRow.id.in_(open_claims))
        return sorted(found, key=lambda h: h.open_proposal.id if h.open_proposal else 0)

    def batches(self) -> list[tuple[int, str, int, dt.datetime]]:
        """(id, file name, claims, created) of every batch, newest first."""
        with self._session() as s:
            return [(b.id, b.source_name, b.claim_count, aware(b.created_at))
                    for b in s.scalars(select(BatchRow).order_by(BatchRow.id.desc()))]

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
            names = {u.id: u.shown for u in self._users(s)}
            for part in _chunks(list(out), 500):
                for result in s.scalars(select(ResultRow).where(ResultRow.claim_id.in_(part))
                                        .order_by(ResultRow.id)):
                    out[result.claim_id].results.append(ResultInfo(
                        id=result.id, status=result.status, computed_wan=result.computed_wan,
                        detail=result.detail, scopes=list(result.scopes),
                        ruleset_version=result.ruleset_version, readings=dict(result.readings),
                        verified_by=result.verified_by, verified_at=aware(result.verified_at)))
                decisions = list(s.scalars(select(DecisionRow).where(DecisionRow.claim_id.in_(part))
                                           .order_by(DecisionRow.id)))
                by_proposal = {d.proposal_id: d.id for d in decisions}
                proposers: dict[int, str] = {}
                for proposal in s.scalars(select(ProposalRow).where(ProposalRow.claim_id.in_(part))
                                          .order_by(ProposalRow.id)):
                    proposers[proposal.id] = names.get(proposal.proposed_by, "")
                    out[proposal.claim_id].proposals.append(
                        _proposal_info(proposal, proposers[proposal.id], by_proposal.get(proposal.id)))
                for decision in decisions:
                    out[decision.claim_id].decisions.append(
                        _decision_info(decision, proposers.get(decision.proposal_id, "")))
        return list(out.values())

    def _users(self, s: Session) -> list[User]:
        return [_as_user(u) for u in s.scalars(select(UserRow))]

    def counts(self) -> dict[str, int]:
        """Rows per table (for checks and the page's status line)."""
        with self._session() as s:
            return {
                "batches": s.scalar(select(func.count()).select_from(BatchRow)) or 0,
                "claims": s.scalar(select(func.count()).select_from(ClaimRow)) or 0,
                "verification_results": s.scalar(select(func.count()).select_from(ResultRow)) or 0,
                "proposals": s.scalar(select(func.count()).select_from(ProposalRow)) or 0,
                "decisions": s.scalar(select(func.count()).select_from(DecisionRow)) or 0,
            }


# ------------------------------------------------------------------------------ helpers


def _as_user(row: UserRow) -> User:
    return User(id=row.id, username=row.username, display_name=row.display_name, role=row.role)


def _shown(row: UserRow) -> str:
    return _as_user(row).shown


def _note(note: str | None) -> str:
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise RegisterError(f"备注过长（不超过 {MAX_NOTE} 字）", f"the note is too long ({MAX_NOTE} characters at most)")
    return note


def _amount(given: Decimal | str | None, default: Decimal | None) -> Decimal:
    """The approved amount: the one given, else the default; positive, bounded, exact."""
    if given is None or (isinstance(given, str) and not given.strip()):
        if default is None:
            raise RegisterError("请填写批准金额（万元）：规则未定金额", "give the approved amount (RMB 10k): the rules fix none")
        return normalize(default)
    try:
        amount = Decimal(str(given).strip().replace(",", "").removesuffix("万元").removesuffix("万"))
    except InvalidOperation:
        raise RegisterError(f"批准金额应为数字（万元），实为「{given}」",
                            f"the approved amount is a number (RMB 10k), not {given!r}") from None
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        raise RegisterError("批准金额应在 0 至 10 亿万元之间", "the approved amount is out of range")
    if amount.as_tuple().exponent < -6:  # type: ignore[operator]
        raise RegisterError("批准金额最多保留六位小数（万元）", "at most six decimals (RMB 10k)")
    return normalize(amount)


def _need_note(action: str, status: str | None, amount: Decimal | None, computed: Decimal | None,
               note: str) -> None:
    if note:
        return
    if against_verdict(action, status):
        shown = vocab.label(STATUS_LABELS, status, "zh") if status else "未核验"
        verb = "批准" if action == "approve" else "驳回"
        raise RegisterError(f"核验结论为「{shown}」，{verb}与结论不一致，须在备注中说明理由",
                            f"the verdict is {status or 'none'}; deciding against it needs a note saying why")
    if action == "approve" and computed is not None and amount != normalize(computed):
        raise RegisterError(f"批准金额 {format_wan(amount)} 与核定金额 {format_wan(computed)} 不同，须在备注中说明理由",
                            "the approved amount differs from the computed one; a note must say why")


def _latest_result(s: Session, claim_id: int) -> ResultRow | None:
    return s.scalars(select(ResultRow).where(ResultRow.claim_id == claim_id)
                     .order_by(ResultRow.id.desc()).limit(1)).first()


def _current_decision(s: Session, claim_id: int) -> DecisionRow | None:
    return s.scalars(select(DecisionRow).where(DecisionRow.claim_id == claim_id)
                     .order_by(DecisionRow.id.desc()).limit(1)).first()


def _award_head(s: Session, key: str) -> AwardRow | None:
    return s.scalars(select(AwardRow).where(AwardRow.award_key == key[:800])
                     .order_by(AwardRow.seq.desc()).limit(1)).first()


def _grant(decision: DecisionRow, claim: ClaimRow, result: ResultRow | None) -> Grant:
    return Grant(claim_id=claim.id, claim_key=claim.key, decision_id=decision.id,
                 company_key=claim.company_key, name_key=claim.name_key, company_name=claim.company_name,
                 rule_id=claim.rule_id, year=claim.year, scopes=tuple(result.scopes if result else ()),
                 official=decision.official, decided_at=aware(decision.decided_at))


def _proposal_info(row: ProposalRow, proposer: str, decision_id: int | None = None) -> ProposalInfo:
    return ProposalInfo(id=row.id, claim_id=row.claim_id, result_id=row.result_id, action=row.action,
                        approved_wan=row.approved_wan, computed_wan=row.computed_wan, note=row.note or "",
                        proposed_by=row.proposed_by, proposer=proposer, proposed_at=aware(row.proposed_at),
                        status_at_proposal=row.status_at_proposal, decision_id=decision_id)


def _decision_info(row: DecisionRow, proposer: str = "") -> DecisionInfo:
    return DecisionInfo(id=row.id, claim_id=row.claim_id, result_id=row.result_id, action=row.action,
                        official=row.official, note=row.note or "", decided_at=aware(row.decided_at),
                        status_at_decision=row.status_at_decision, ruleset_version=row.ruleset_version,
                        readings=dict(row.readings) if row.readings is not None else None,
                        proposal_id=row.proposal_id, approved_wan=row.approved_wan,
                        computed_wan=row.computed_wan, decided_by=row.decided_by, proposer=proposer)


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    """Foreign keys on; WAL so that the page can read while a batch writes; recursive
    triggers on (a REPLACE's implicit delete then fires the delete trigger too); and
    transactions begun by SQLAlchemy (see :func:`_sqlite_begin`), not by the driver."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA recursive_triggers=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    """``BEGIN IMMEDIATE`` for writers (the write lock is taken before anything is read, so
    two writers cannot both act on the same state), a plain ``BEGIN`` for readers."""
    mode = conn.get_execution_options().get("sqlite_begin", "")
    conn.exec_driver_sql(f"BEGIN {mode}".strip())


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]



