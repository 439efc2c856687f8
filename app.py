"""武汉产业政策奖补自查 — the self-check app.  Run: ``make run`` (or ``streamlit run app.py``).

Thin on purpose: the pages live in ``subsidy.ui``, and every figure comes from the library.
"""

import sys
from pathlib import Path

try:
    from subsidy.ui.shell import main
except ModuleNotFoundError:  # a checkout that was not installed: use src/ directly
    sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))
    from subsidy.ui.shell import main

main()
