"""The shipped demonstration batch gives every verdict once, for the reason its note states."""

from __future__ import annotations

from pathlib import Path

from subsidy.claims import read_claims_file
from subsidy.verify import verify

DEMO = Path(__file__).resolve().parents[1] / "examples" / "claims-demo.csv"


def test_demo_batch_shows_every_verdict():
    verification = verify(read_claims_file(DEMO))
    data = verification.contract()
    assert data["problems"] == []
    by_status = data["summary"]["by_status"]
    assert by_status["amount_differs"] == 1
    assert by_status["not_eligible"] == 1
    assert by_status["needs_documents"] == 1
    assert by_status["out_of_scope"] == 1
    assert by_status["duplicate"] == 1
    assert by_status["confirmed"] >= 15
    differs = next(c for c in data["claims"] if c["status"] == "amount_differs")
    assert differs["claimed_wan"] == 1000 and differs["computed_wan"] == 500
