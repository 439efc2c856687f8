"""The rule language's core: strict loading with messages a maintainer can act on, tiers
ranked by meaning (not file order), every quote found in its source, the engine deciding.
"""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

import pytest
import yaml

from subsidy import conditions, engine
from subsidy.evaluate import evaluate
from subsidy.profile import load_profile
from subsidy.ruleset import DEFAULT_RULES_DIR, RuleFileError, load_rules
from subsidy.sample import sample_profiles

REPO = Path(__file__).resolve().parents[1]
SOURCES = REPO / "docs" / "sources"
EXAMPLES = sorted((REPO / "examples").glob("*.json"))


def _copy_rules(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, folder)
    return folder


def _edit(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# ------------------------------------------------------------------ strict loading

MISNAMED = [
    # (file, old, new, words the message must contain)
    ("qiaokou-2019-4yp.yaml", "area: {districts: [硚口区]}", "area: {districts: [乔口区]}",
     ["qiaokou-2019-4yp.yaml", "policy.area.districts[0]", "乔口区", "did you mean", "硚口区", "allowed"]),
    ("wuhan-2018-wqb.yaml", "- {field: sector, op: in, value: [industry], label: 企业为工业企业}\n    repeat:",
     "- {field: sector, op: in, value: [industrial], label: 企业为工业企业}\n    repeat:",
     ["wuhan-2018-wqb.yaml", "wqb.industrial_revenue_milestone", "conditions[0].value", "industrial",
      "did you mean: industry", "allowed"]),
    ("qiaokou-2019-4yp.yaml", "value: [tech_little_giant]", "value: [specialised_little_giant]",
     ["qk.tech_little_giant", "select[0].value", "specialised_little_giant", "recognition_titles",
      "tech_little_giant"]),
    ("qiaokou-2019-4yp.yaml", "hit_policy: {by_reading: INTERP-QK-3,", "hit_policy: {by_reading: INTERP-QK-33,",
     ["qiaokou-2019-4yp.yaml", "by_reading", "INTERP-QK-33", "INTERP-QK-3", "unknown interpretation id"]),
    ("wuhan-2021-4jk.yaml", "window: {start: 2021-09-09}", "window: {start: 2021}",
     ["wuhan-2021-4jk.yaml", "window.start", "YYYY-MM-DD", "2021-01-01"]),
    ("qiaokou-2019-4yp.yaml", "    subject: scale_entry\n    award: {kind: fixed}",
     "    subject: scale_entry\n    conditions: [{field: revenue_wan, op: \">=\", value: 1}]\n    award: {kind: fixed}",
     ["qk.scale_entry", "conditions[0].field", "revenue_wan", "scale_entry", "allowed", "entry_kind"]),
    ("common.yaml", "rules: [qk.scale_entry, wqb.scale_entry_industrial]",
     "rules: [qk.scale_entry, wqb.scale_entry_industrail]",
     ["common.yaml", "group scale_entry", "groups[0].rules[1]", "wqb.scale_entry_industrail",
      "did you mean: wqb.scale_entry_industrial"]),
    ("qiaokou-2019-4yp.yaml", "      text_en: Each tier met is awarded.\n",
     "      text_en: Each tier met is awarded.\n    use: alternate\n",
     ["qiaokou-2019-4yp.yaml", "INTERP-QK-3", "use", "default", "alternative", "alternate"]),
    ("qiaokou-2019-4yp.yaml", "    once: company\n    contacts: *contacts_3\n    conditions:\n      - {field: kind",
     "    once: company\n    contacts: *contacts_3\n    condtions:\n      - {field: kind",
     ["qk.incubator_performance", "condtions", "unknown key", "did you mean: conditions"]),
]


@pytest.mark.parametrize("name, old, new, words", MISNAMED, ids=[m[2][:30] for m in MISNAMED])
def test_misnamed_values_are_refused_with_file_rule_path_value_and_allowed(
        tmp_path: Path, name: str, old: str, new: str, words: list[str]) -> None:
    folder = _copy_rules(tmp_path)
    _edit(folder, name, old, new)
    with pytest.raises(RuleFileError) as info:
        load_rules(folder)
    message = str(info.value)
    assert "规则文件无效" in message and "rule file refused" in message
    for word in words:
        assert word in message, f"{word!r} missing from: {message}"


def test_project_rules_load_and_every_rule_has_its_policy() -> None:
    rules = load_rules()
    assert rules.rules and rules.policies
    for rule_id in rules.rules:
        assert rules.policy_of(rule_id).id in rules.policies


# ------------------------------------------------------------------ quotes and sources


def _normal(text: str) -> str:
    """Quote marks and spaces (and line breaks of the extraction) do not count."""
    text = re.sub(r"[\s\u3000]+", "", text)
    return re.sub(r"[\"'“”‘’「」『』]", "\"", text)


def test_every_policy_source_exists_and_every_quote_is_in_it() -> None:
    rules = load_rules()
    for policy in rules.policies.values():
        source = SOURCES / policy.source
        assert source.is_file(), f"{policy.id}: source {policy.source} not in docs/sources/"
    for rule_id, rule in rules.rules.items():
        source = SOURCES / rules.policy_of(rule_id).source
        text = _normal(source.read_text(encoding="utf-8"))
        assert _normal(rule.quote) in text, f"{rule_id}: quote not found in {source.name}"


def test_every_rule_cites_the_line_where_its_quote_starts() -> None:
    rules = load_rules()
    for rule_id, rule in rules.rules.items():
        assert rule.heading and rule.source_line, f"{rule_id}: no heading or source_line"
        lines = (SOURCES / rules.policy_of(rule_id).source).read_text(encoding="utf-8").splitlines()
        here = _normal(lines[rule.source_line - 1])
        rest = _normal("".join(lines[rule.source_line - 1:]))
        at = rest.find(_normal(rule.quote))
        assert 0 <= at < len(here), f"{rule_id}: the quote does not start on line {rule.source_line}"
        for part in rule.heading.split(" / "):
            assert _normal(part) in _normal("".join(lines[: rule.source_line])), (rule_id, part)


# ------------------------------------------------------------------ tiers by meaning


def _shuffled_copy(tmp_path: Path, seed: int) -> Path:
    """rules/ with the tiers of every rule (and the rules of every file) in another order."""
    folder = _copy_rules(tmp_path / f"s{seed}")
    rng = random.Random(seed)
    for path in folder.glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        changed = False
        for rule in data.get("rules", []) or []:
            if isinstance(rule.get("tiers"), list) and len(rule["tiers"]) > 1:
                before = list(rule["tiers"])
                while rule["tiers"] == before:
                    rng.shuffle(rule["tiers"])
                changed = True
        if changed:
            data.pop("anchors", None)
            path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder


def _answers(report) -> list[tuple]:
    return [(f.rule_id, f.year, f.status, f.amount_wan, f.tier, f.event) for f in report.results]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_shuffling_tiers_changes_no_finding(tmp_path: Path, seed: int) -> None:
    original = load_rules()
    shuffled = load_rules(_shuffled_copy(tmp_path, seed))
    profiles = [load_profile(p.read_bytes()) for p in EXAMPLES] + sample_profiles(300, seed=seed)
    for interp in [None, *sorted(original.interpretations)]:
        switches = {interp: "alternative"} if interp else None
        for profile in profiles[: 40 if interp else None]:
            a = evaluate(profile, rules=original, switches=switches)
            b = evaluate(profile, rules=shuffled, switches=switches)
            assert _answers(a) == _answers(b), (profile.name, interp)


def test_highest_means_the_highest_amount_not_the_first_in_the_file(tmp_path: Path) -> None:
    folder = _copy_rules(tmp_path)
    path = folder / "qiaokou-2019-4yp.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    milestone = next(r for r in data["rules"] if r["id"] == "qk.revenue_milestone")
    milestone["tiers"].reverse()  # T50 first
    data.pop("anchors")
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    profile = load_profile(
        '{"name": "甲", "district": "硚口区", "sector": "wholesale", "prior_peak_revenue_wan": 0,'
        ' "years": [{"year": 2020, "revenue_wan": 1020000, "district_fiscal_contribution_wan": 2300}]}')
    report = evaluate(profile, rules=load_rules(folder))
    [found] = [f for f in report.results if f.rule_id == "qk.revenue_milestone"]
    assert (found.status, found.amount_wan, found.tier) == ("eligible", 500, "T100")


# ------------------------------------------------------------------ the engine decides


def test_the_engine_decides_and_the_words_are_checked_against_it(monkeypatch) -> None:
    """Drop one of durable_rules' matches: the finding is not granted on the explainer's say,
    the disagreement is an error."""
    profile = load_profile((REPO / "examples" / "qiaokou-trading-group.json").read_bytes())
    real = engine.run

    def without_listing(ruleset, facts):
        return {m for m in real(ruleset, facts) if m[0] != "qk.listing"}

    monkeypatch.setattr(engine, "run", without_listing)
    with pytest.raises(engine.EngineError, match="qk.listing"):
        evaluate(profile)


def test_no_dispatch_on_condition_kinds_outside_the_core() -> None:
    kinds = "|".join(cls.__name__ for cls in conditions.KINDS.values())
    pattern = re.compile(rf"isinstance\([^)]*\b({kinds})\b")
    offenders = [f"{path.relative_to(REPO)}:{n}"
                 for path in (REPO / "src").rglob("*.py") if path.name != "conditions.py"
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if pattern.search(line)]
    assert not offenders, offenders
