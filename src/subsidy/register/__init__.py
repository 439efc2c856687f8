"""The decision register: claims, their verification, proposals, decisions and accounts.

- :mod:`.schema` — the tables; :mod:`.migrate` — the versioned schema step and the
  append-only triggers; :mod:`.chain` — the hash chain and its check;
- :mod:`.core` — :class:`Register`, the one object the rest of the program writes through;
- :mod:`.records` — the plain data it takes and returns.

Accounts (passwords, sign-in, lockout) are in :mod:`subsidy.accounts`.
"""

from .chain import Break, ChainReport
from .core import (
    DB_URL_ENV,
    DEFAULT_DB_URL,
    MAX_NOTE,
    Register,
    against_verdict,
    award_keys,
    database_url,
    parse_action,
    register_exists,
)
from .errors import RegisterError
from .records import (
    ACTIONS,
    ROLES,
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

__all__ = [
    "ACTIONS",
    "DB_URL_ENV",
    "DEFAULT_DB_URL",
    "MAX_NOTE",
    "ROLES",
    "Break",
    "ChainReport",
    "ClaimHistory",
    "ClaimInput",
    "DecisionInfo",
    "Grant",
    "ProposalInfo",
    "Register",
    "RegisterError",
    "ResultInfo",
    "ResultInput",
    "User",
    "against_verdict",
    "award_keys",
    "aware",
    "database_url",
    "parse_action",
    "register_exists",
]
