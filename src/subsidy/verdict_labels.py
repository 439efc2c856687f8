"""The verdicts a claim can get: their codes, bilingual labels, and the order they are shown in.

Kept apart from :mod:`subsidy.verify` (which decides verdicts and offers these names too) so
that what only shows verdicts, such as the report workbooks of :mod:`subsidy.verify_report`,
can name them without importing the verifier.
"""

from __future__ import annotations

from . import vocab

__all__ = ["STATUS_LABELS", "VERDICT_ORDER"]

STATUS_LABELS: dict[str, vocab.Label] = {
    "confirmed": vocab.Label("核实通过", "Confirmed"),
    "amount_differs": vocab.Label("金额不符", "Amount differs"),
    "not_eligible": vocab.Label("不符合条件", "Not eligible"),
    "needs_documents": vocab.Label("需补充材料", "Documents needed"),
    "out_of_scope": vocab.Label("超出政策期限或区域", "Outside the policy's period or area"),
    "duplicate": vocab.Label("重复申报", "Duplicate claim"),
}
VERDICT_ORDER = tuple(STATUS_LABELS)
