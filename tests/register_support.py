"""Registers for tests: a SQLite file, or a PostgreSQL schema of its own on the test server.

PostgreSQL tests run when ``SUBSIDY_TEST_PG_URL`` is set (``scripts/run-tests.sh`` starts a
throwaway server and sets it). Without it they are skipped — except under ``CI``, where a
missing server is a failure, never a silent skip. Each PostgreSQL register gets a fresh
schema (dropped afterwards): the register is append-only, so nothing can be emptied.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from subsidy.accounts import Accounts
from subsidy.register import ClaimInput, ResultInput, User

PG_ENV = "SUBSIDY_TEST_PG_URL"
PASSWORD = "correct horse battery"


def pg_base_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {PG_ENV} is not: the PostgreSQL register tests must run "
                        "(use scripts/run-tests.sh, which starts a throwaway server)")
        pytest.skip(f"{PG_ENV} is not set (scripts/run-tests.sh starts a throwaway PostgreSQL)")
    return url


@contextmanager
def pg_schema_url() -> Iterator[str]:
    """A URL whose search_path is a new, empty schema; the schema is dropped afterwards."""
    base = pg_base_url()
    schema = "t_" + uuid.uuid4().hex[:16]
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@contextmanager
def database(kind: str, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty register database of this kind ("sqlite" or "postgresql")."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / f'register-{uuid.uuid4().hex[:8]}.sqlite'}"
    else:
        with pg_schema_url() as url:
            yield url


KINDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def staff(accounts: Accounts) -> dict[str, User]:
    """An administrator, two clerks (经办) and two reviewers (复核)."""
    admin = accounts.add("admin", "管理员", PASSWORD, display_name="管理员甲")
    people = {"admin": admin}
    for name, role, shown in (("clerk1", "经办", "张三"), ("clerk2", "经办", "赵六"),
                              ("reviewer1", "复核", "李四"), ("reviewer2", "复核", "王五")):
        people[name] = accounts.add(name, role, PASSWORD, display_name=shown, by=admin)
    return people


def item(key: str, *, company: str = "91420104MA4K2ABC18", rule: str = "qk.listing", year: int = 2020,
         amount: Decimal = Decimal(200), status: str = "confirmed", scopes: list[str] | None = None,
         version: str = "sha256:test", name: str = "甲公司") -> tuple[ClaimInput, ResultInput]:
    """A claim and its verification result, as the verifier would record them."""
    return (ClaimInput(key=key, sheet="申报", row=2, claim_ref=None, company_key=company, name_key=name,
                       credit_code=company if not company.startswith("名称:") else None,
                       company_name=name, rule_id=rule, rule_title="上市奖励", year=year,
                       claimed_wan=amount),
            ResultInput(status=status, computed_wan=amount, detail={"reasons": []},
                        scopes=scopes if scopes is not None else [f"{rule}/{year}", rule],
                        ruleset_version=version, readings={"INTERP-QK-1": "default"}))
