"""The command line: exit codes, bilingual refusals, the JSON findings contract."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "qiaokou-trading-group.json"


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "subsidy.cli", *args], input=stdin,
                          capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_check_json_follows_the_contract():
    done = run("check", str(EXAMPLE), "--format", "json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["company"] == "汉正街示例商贸集团有限公司"
    assert data["ruleset_version"].startswith("sha256:")
    for finding in data["results"]:
        assert {"rule_id", "policy_id", "year", "status", "amount_wan", "amount_kind", "title",
                "reasons", "interpretations", "clause", "contacts"} <= set(finding)
        assert {"quote", "section"} <= set(finding["clause"])
        assert finding["status"] in ("eligible", "not_eligible", "needs_info", "not_applicable")
    eligible = sum(f["amount_wan"] for f in data["results"]
                   if f["status"] == "eligible" and f["amount_wan"] is not None)
    assert data["total_wan"] == eligible
    milestone = [f for f in data["results"] if f["rule_id"] == "qk.revenue_milestone" and f["year"] == 2020]
    assert milestone[0]["status"] == "eligible" and milestone[0]["amount_wan"] == 500


def test_check_reads_stdin_and_filters_year():
    done = run("check", "-", "--year", "2020", "--format", "json", stdin=EXAMPLE.read_text(encoding="utf-8"))
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["results"] and {f["year"] for f in data["results"]} == {2020}


def test_check_table_is_chinese_and_shows_total():
    done = run("check", str(EXAMPLE))
    assert done.returncode == 0, done.stderr
    assert "可获得" in done.stdout and "合计" in done.stdout and "规则版本" in done.stdout


def test_interp_switch_is_reported():
    done = run("check", str(EXAMPLE), "--format", "json", "--interp", "INTERP-QK-3=alternative")
    data = json.loads(done.stdout)
    assert data["readings"]["INTERP-QK-3"] == "alternative"
    assert data["interpretations_switched"] == {"INTERP-QK-3": "alternative"}


@pytest.mark.parametrize(
    ("profile", "words"),
    [
        ("{bad json", "JSON"),
        ('{"name": "x", "district": "火星区", "sector": "industry"}', "district"),
        ('{"name": "x", "district": "硚口区", "sector": "industry", "years": [{"year": 3000}]}', "years[0].year"),
        ('{"name": "x", "district": "硚口区", "sector": "industry", "years": [{"year": 2020, "revenue_wan": -5}]}', "revenue_wan"),
        ('{"name": "x", "district": "硚口区", "sector": "industry", "years": [{"year": 2020, "revenue_wan": NaN}]}', "revenue_wan"),
        ('{"name": "x", "district": "硚口区", "sector": "industry", "credit_code": "91420104MA4K2ABC19"}', "credit_code"),
        ('{"name": "x", "district": "硚口区", "sector": "industry", "listings": [{"board": "moon", "date": "2020-01-01"}]}', "board"),
        ('{"district": "硚口区", "sector": "industry"}', "name"),
    ],
)
def test_refused_profiles_exit_2_with_bilingual_message(profile, words):
    done = run("check", "-", stdin=profile)
    assert done.returncode == 2
    assert words in done.stderr
    assert "Traceback" not in done.stderr
    assert "错误" in done.stderr and "error" in done.stderr


def test_missing_file_and_bad_switch_exit_2():
    assert run("check", "no-such-file.json").returncode == 2
    bad = run("check", str(EXAMPLE), "--interp", "INTERP-QK-1=maybe")
    assert bad.returncode == 2 and "INTERP-QK-1" in bad.stderr and "Traceback" not in bad.stderr


def test_rules_and_schema_commands():
    rules = run("rules", "--format", "json")
    assert rules.returncode == 0
    ids = {r["id"] for r in json.loads(rules.stdout)["rules"]}
    assert "qk.revenue_milestone" in ids and "wqb.tech_upgrade" in ids
    schema = run("schema")
    assert schema.returncode == 0
    assert set(json.loads(schema.stdout)["required"]) == {"name", "district", "sector"}
