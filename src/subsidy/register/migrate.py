"""The register's schema, created by numbered steps under a lock (not re-created on every open).

Why not ``create_all`` on every open: two processes opening a new SQLite file at once raced
("table batches already exists"), and re-creating PostgreSQL's trigger function on every open
collided ("tuple concurrently updated"). Here, opening a register reads ``schema_version``
(one query, no DDL). Only when a step is missing does it take the register's lock — SQLite's
write lock (``BEGIN IMMEDIATE``), PostgreSQL's transaction-level advisory lock — read the
version again, apply the missing steps and record them, all in one transaction (both
databases have transactional DDL). Whoever waited on the lock then finds the work done.

Append-only, whatever SQL is sent:

- SQLite: ``BEFORE UPDATE`` and ``BEFORE DELETE`` triggers on every table, and a
  ``BEFORE INSERT`` trigger refusing a row whose key is already taken. The last one is what
  stops ``INSERT OR REPLACE`` / ``REPLACE INTO``: their implicit delete fires no delete
  trigger unless ``PRAGMA recursive_triggers`` is on, which a connection may not set. An
  upsert (``ON CONFLICT DO UPDATE``) fires the update trigger.
- PostgreSQL: a row trigger refusing UPDATE and DELETE (upserts included) and a statement
  trigger refusing TRUNCATE, on every table.

Rules that need two rows, also in the database: a decision's user is not its proposal's
user, only a 复核 decides and only a 经办 proposes, and an award is held by one approval at a
time (the ledger's numbering has no gaps and no second hold).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Connection, Engine

from .errors import RegisterError
from .schema import UNIQUE_KEYS, Base, SchemaVersionRow, now

LOCK_KEY = 727_019_410_001
"""PostgreSQL advisory lock of the register: schema steps and every write take it."""

APPEND_ONLY_MESSAGE = "append-only: record a new row instead"
TWO_PERSON_MESSAGE = "two-person rule: the proposer cannot decide their own proposal"


def _sqlite_triggers(conn: Connection) -> None:
    for table, keys in UNIQUE_KEYS.items():
        message = f"{table} are {APPEND_ONLY_MESSAGE}"
        for verb in ("UPDATE", "DELETE"):
            conn.exec_driver_sql(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END")
        taken = " OR ".join(
            "EXISTS (SELECT 1 FROM {t} WHERE {cond})".format(
                t=table, cond=" AND ".join(f"{c} = NEW.{c}" for c in key))
            for key in keys)
        conn.exec_driver_sql(
            f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} WHEN {taken} "
            f"BEGIN SELECT RAISE(ABORT, '{message} (key already taken)'); END")
    conn.exec_driver_sql(
        "CREATE TRIGGER proposals_by_clerk BEFORE INSERT ON proposals "
        "WHEN (SELECT role FROM users WHERE id = NEW.proposed_by) IS NOT 'clerk' "
        "BEGIN SELECT RAISE(ABORT, 'only a clerk (经办) proposes a decision'); END")
    conn.exec_driver_sql(
        "CREATE TRIGGER decisions_two_person BEFORE INSERT ON decisions "
        "WHEN (SELECT proposed_by FROM proposals WHERE id = NEW.proposal_id) = NEW.decided_by "
        f"BEGIN SELECT RAISE(ABORT, '{TWO_PERSON_MESSAGE}'); END")
    conn.exec_driver_sql(
        "CREATE TRIGGER decisions_by_reviewer BEFORE INSERT ON decisions "
        "WHEN (SELECT role FROM users WHERE id = NEW.decided_by) IS NOT 'reviewer' "
        "BEGIN SELECT RAISE(ABORT, 'only a reviewer (复核) decides'); END")
    conn.exec_driver_sql(
        "CREATE TRIGGER decisions_same_claim BEFORE INSERT ON decisions "
        "WHEN (SELECT claim_id FROM proposals WHERE id = NEW.proposal_id) IS NOT NEW.claim_id "
        "BEGIN SELECT RAISE(ABORT, 'a decision is on its proposal''s claim'); END")
    conn.exec_driver_sql(
        "CREATE TRIGGER awards_one_holder BEFORE INSERT ON awards "
        "WHEN NEW.seq IS NOT (SELECT COALESCE(MAX(seq), 0) + 1 FROM awards WHERE award_key = NEW.award_key) "
        "OR (NEW.held AND COALESCE((SELECT held FROM awards WHERE award_key = NEW.award_key "
        "ORDER BY seq DESC LIMIT 1), 0)) "
        "BEGIN SELECT RAISE(ABORT, 'award already approved: one award, one approval'); END")


_PG_FUNCTIONS = [
    """CREATE FUNCTION subsidy_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION '% are append-only: record a new row instead', TG_TABLE_NAME; END $$""",
    """CREATE FUNCTION subsidy_proposal_role() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF (SELECT role FROM users WHERE id = NEW.proposed_by) IS DISTINCT FROM 'clerk' THEN
        RAISE EXCEPTION 'only a clerk (经办) proposes a decision';
      END IF;
      RETURN NEW;
    END $$""",
    f"""CREATE FUNCTION subsidy_two_person() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE p proposals%ROWTYPE;
    BEGIN
      SELECT * INTO p FROM proposals WHERE id = NEW.proposal_id;
      IF p.proposed_by = NEW.decided_by THEN RAISE EXCEPTION '{TWO_PERSON_MESSAGE}'; END IF;
      IF p.claim_id IS DISTINCT FROM NEW.claim_id THEN
        RAISE EXCEPTION 'a decision is on its proposal''s claim';
      END IF;
      IF (SELECT role FROM users WHERE id = NEW.decided_by) IS DISTINCT FROM 'reviewer' THEN
        RAISE EXCEPTION 'only a reviewer (复核) decides';
      END IF;
      RETURN NEW;
    END $$""",
    """CREATE FUNCTION subsidy_one_holder() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.seq IS DISTINCT FROM (SELECT COALESCE(MAX(seq), 0) + 1 FROM awards WHERE award_key = NEW.award_key)
         OR (NEW.held AND COALESCE((SELECT held FROM awards WHERE award_key = NEW.award_key
                                    ORDER BY seq DESC LIMIT 1), false)) THEN
        RAISE EXCEPTION 'award already approved: one award, one approval';
      END IF;
      RETURN NEW;
    END $$""",
]


def _postgres_triggers(conn: Connection) -> None:
    for statement in _PG_FUNCTIONS:
        conn.exec_driver_sql(statement.replace("%", "%%"))  # the driver's paramstyle is pyformat
    for table in UNIQUE_KEYS:
        conn.exec_driver_sql(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                             "FOR EACH ROW EXECUTE FUNCTION subsidy_append_only()")
        conn.exec_driver_sql(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                             "FOR EACH STATEMENT EXECUTE FUNCTION subsidy_append_only()")
    conn.exec_driver_sql("CREATE TRIGGER proposals_by_clerk BEFORE INSERT ON proposals "
                         "FOR EACH ROW EXECUTE FUNCTION subsidy_proposal_role()")
    conn.exec_driver_sql("CREATE TRIGGER decisions_two_person BEFORE INSERT ON decisions "
                         "FOR EACH ROW EXECUTE FUNCTION subsidy_two_person()")
    conn.exec_driver_sql("CREATE TRIGGER awards_one_holder BEFORE INSERT ON awards "
                         "FOR EACH ROW EXECUTE FUNCTION subsidy_one_holder()")


def _step_1(conn: Connection) -> None:
    Base.metadata.create_all(conn)
    if conn.dialect.name == "sqlite":
        _sqlite_triggers(conn)
    elif conn.dialect.name == "postgresql":
        _postgres_triggers(conn)


STEPS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "accounts, two-person decisions, award ledger, hash chain, append-only triggers", _step_1),
]
LATEST = STEPS[-1][0]


def current_version(engine: Engine) -> int | None:
    """The schema's version, or None for a database without a register (no DDL, no lock)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("schema_version"):
            return None
        return conn.execute(select(SchemaVersionRow.version).order_by(SchemaVersionRow.version.desc())
                            .limit(1)).scalar()


def ensure_schema(engine: Engine) -> int:
    """Bring the register to :data:`LATEST`, safely when several processes open it at once."""
    found = current_version(engine)
    if found == LATEST:
        return found
    if found is not None and found > LATEST:
        raise RegisterError(f"登记簿由更新版本的程序创建（结构版本 {found}），请升级本程序",
                            f"the register was made by a newer program (schema {found}); upgrade")
    with engine.connect() as conn:
        conn.execution_options(sqlite_begin="IMMEDIATE")
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
            inspector: Any = inspect(conn)
            version = None
            if inspector.has_table("schema_version"):
                version = conn.execute(select(SchemaVersionRow.version)
                                       .order_by(SchemaVersionRow.version.desc()).limit(1)).scalar()
            elif inspector.has_table("decisions") or inspector.has_table("claims"):
                raise RegisterError(
                    "该数据库中的登记簿由早期版本创建（没有结构版本表、没有账户与哈希链），"
                    "不能直接使用：请为新登记簿指定新的数据库（SUBSIDY_DB_URL），旧库留作档案",
                    "this register was made by an early version (no schema_version, accounts or "
                    "hash chain): use a new database (SUBSIDY_DB_URL) and keep the old one as an archive")
            for number, description, apply in STEPS:
                if version is not None and number <= version:
                    continue
                apply(conn)
                conn.execute(SchemaVersionRow.__table__.insert().values(
                    version=number, description=description, applied_at=now()))
    return LATEST
