"""The app with the interactive engine standing in for the compiled columnar plan — used by
the 政策测算 browser test only while the plan is being ported (``tests/plan_support.py``).

Everything else — sign-in, upload, validation, progress, charts, drill-down, downloads,
comparison — is the real app.
"""

import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS))
sys.path.insert(0, str(TESTS.parent / "src"))

from plan_support import install_stand_in  # noqa: E402

from subsidy.ui.shell import main  # noqa: E402

install_stand_in()
main()
