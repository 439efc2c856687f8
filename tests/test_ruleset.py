"""Rule files are validated strictly: a bad file is refused with file, rule id and problem."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from subsidy.evaluate import default_rules
from subsidy.ruleset import RuleFileError, load_rules, parse_switches

RULES = Path(__file__).resolve().parents[1] / "rules"


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    shutil.copytree(RULES, folder)
    return folder


def _edit(folder: Path, name: str, change) -> None:
    path = folder / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def _rule(data: dict, rule_id: str) -> dict:
    return next(r for r in data["rules"] if r["id"] == rule_id)


def test_project_rules_load():
    """Every policy and rule written in rules/*.yaml is loaded, however many there are."""
    rules = default_rules()
    written_policies, written_rules = set(), set()
    for path in sorted(RULES.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if data.get("policy"):
            written_policies.add(data["policy"]["id"])
        written_rules |= {rule["id"] for rule in data.get("rules") or []}
    assert written_policies and written_rules
    assert set(rules.policies) == written_policies
    assert set(rules.rules) == written_rules
    assert all(rules.rule_policy[rid] in written_policies for rid in written_rules)
    assert rules.version.startswith("sha256:")


@pytest.mark.parametrize(
    ("rule_id", "change", "words"),
    [
        ("qk.listing", lambda r: r.update(amount=5), "amount"),
        ("qk.listing", lambda r: r["tiers"][0].update(amount_wan="lots"), "amount"),
        ("qk.listing", lambda r: r["tiers"][0]["conditions"][0].update(field="boardz"), "boardz"),
        ("qk.listing", lambda r: r.update(subject="planet"), "planet"),
        ("qk.listing", lambda r: r.update(interpretations=["INTERP-NOPE"]), "INTERP-NOPE"),
        ("qk.scale_entry", lambda r: r.update(once="twice"), "once"),
        ("qk.incubator_hightech", lambda r: r["award"].pop("unit_field"), "unit_field"),
        ("qk.listing", lambda r: r.pop("hit_policy"), "hit_policy"),
    ],
)
def test_bad_rule_is_refused_with_file_and_rule(rules_copy, rule_id, change, words):
    _edit(rules_copy, "qiaokou-2019-4yp.yaml", lambda d: change(_rule(d, rule_id)))
    with pytest.raises(RuleFileError) as info:
        load_rules(rules_copy)
    message = str(info.value)
    assert "qiaokou-2019-4yp.yaml" in message
    assert words in message
    if "INTERP" not in words:
        assert rule_id in message


def test_bad_alternative_reading_is_refused_at_load_time(rules_copy):
    def change(data):
        rule = _rule(data, "qk.revenue_milestone")
        rule["hit_policy"] = {"by_reading": "INTERP-QK-3", "default": "highest", "alternative": "random"}

    _edit(rules_copy, "qiaokou-2019-4yp.yaml", change)
    with pytest.raises(RuleFileError, match="hit_policy"):
        load_rules(rules_copy)


@pytest.mark.parametrize(
    ("after", "words"),
    [
        ({"after": "qk.revenue_milestone", "met": "level"}, "tier"),
        ({"after": "qk.revenue_milestone", "tier": "T999", "met": "level"}, "T999"),
        ({"after": "qk.no_such_rule"}, "qk.no_such_rule"),
        ({"after": "qk.listing", "tier": "star", "met": "level"}, "same facts"),
    ],
)
def test_bad_chain_is_refused(rules_copy, after, words):
    _edit(rules_copy, "qiaokou-2019-4yp.yaml",
          lambda d: _rule(d, "qk.revenue_milestone_bonus")["tiers"][0].update(conditions=[after]))
    with pytest.raises(RuleFileError, match=words):
        load_rules(rules_copy)


def test_duplicate_rule_id_is_refused(rules_copy):
    _edit(rules_copy, "wuhan-2018-wqb.yaml", lambda d: d["rules"].append(dict(_rule(d, "wqb.park_star_rating"))))
    with pytest.raises(RuleFileError, match="duplicate"):
        load_rules(rules_copy)


def test_yaml_syntax_error_names_the_file(rules_copy):
    (rules_copy / "wuhan-2025-ja2.yaml").write_text("rules: [unclosed\n", encoding="utf-8")
    with pytest.raises(RuleFileError, match="wuhan-2025-ja2.yaml"):
        load_rules(rules_copy)


def test_switches_change_version_and_are_checked():
    rules = default_rules()
    flipped = rules.with_switches({"INTERP-QK-1": "alternative"})
    assert flipped.version != rules.version
    assert flipped.switched() == {"INTERP-QK-1": "alternative"}
    with pytest.raises(RuleFileError):
        rules.with_switches({"INTERP-XX-9": "alternative"})
    with pytest.raises(RuleFileError):
        rules.with_switches({"INTERP-QK-1": "sideways"})
    assert parse_switches(["INTERP-QK-1=alternative"]) == {"INTERP-QK-1": "alternative"}
    with pytest.raises(RuleFileError):
        parse_switches(["INTERP-QK-1"])


def test_per_file_use_sets_the_default_reading(rules_copy):
    def change(data):
        next(i for i in data["interpretations"] if i["id"] == "INTERP-QK-3")["use"] = "alternative"

    _edit(rules_copy, "qiaokou-2019-4yp.yaml", change)
    rules = load_rules(rules_copy)
    assert rules.readings["INTERP-QK-3"] == "alternative"
    assert rules.rules["qk.revenue_milestone"].hit_policy == "collect"


def test_no_amounts_or_thresholds_in_python():
    """Award figures live in rules/: no string constant in the library is an amount with a unit."""
    import ast
    import re

    src = Path(__file__).resolve().parents[1] / "src" / "subsidy"
    amount = re.compile(r"^[0-9][0-9,]*(?:\.[0-9]+)?\s*(?:亿元|万元|亿|万)$")
    offenders = []
    for path in src.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and amount.match(node.value.strip()):
                offenders.append(f"{path.name}:{node.lineno} {node.value!r}")
    assert offenders == []
