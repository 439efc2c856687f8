"""Session hooks shared by the test modules.

``SUBSIDY_REACHED_FILE``: when set, the rule ids for which a scenario's result check found a
finding (``steps.support.REACHED``) are written there, one per line, when the session ends.
The clause coverage test runs the scenarios in a subprocess with it, so "every rule has a
scenario" means a scenario reached a result for the rule, whatever order the tests run in.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REACHED_FILE_ENV = "SUBSIDY_REACHED_FILE"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    target = os.environ.get(REACHED_FILE_ENV, "").strip()
    if not target:
        return
    from steps.support import REACHED

    Path(target).write_text("".join(f"{rule_id}\n" for rule_id in sorted(REACHED)), encoding="utf-8")
