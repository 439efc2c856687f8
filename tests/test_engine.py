"""The durable_rules engine module: sessions, threads, chaining and the cross-check."""

from __future__ import annotations

import json
import threading
from decimal import Decimal
from pathlib import Path

import pytest

from subsidy import engine
from subsidy.evaluate import default_rules, evaluate
from subsidy.facts import derive_facts
from subsidy.profile import load_profile, parse_profile

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _profile(name: str):
    return load_profile((EXAMPLES / f"{name}.json").read_bytes())


def test_sessions_are_deleted_after_each_evaluation():
    """More evaluations than the engine's 1024 live sessions: each session must be removed."""
    rules = default_rules()
    profile = _profile("qiaokou-trading-group")
    compiled = engine.compiled_for(rules)
    for _ in range(1100):
        engine.run(rules, derive_facts(profile))
    state = engine._host().get_ruleset(compiled.name)
    assert state is not None  # still registered, and no MemoryError was raised


def test_concurrent_evaluations_are_independent():
    """Eight threads evaluating different companies get exactly their own sequential results."""
    names = ["qiaokou-trading-group", "wedz-manufacturer", "qiaokou-incubator"]
    profiles = [_profile(n) for n in names]
    expected = [json.dumps(evaluate(p).contract(), sort_keys=True) for p in profiles]
    failures: list[str] = []

    def work(k: int) -> None:
        for i in range(40):
            index = (k + i) % len(profiles)
            got = json.dumps(evaluate(profiles[index]).contract(), sort_keys=True)
            if got != expected[index]:
                failures.append(f"thread {k} run {i}: {names[index]} differs")

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []


def test_ruleset_names_follow_content_and_readings():
    rules = default_rules()
    flipped = rules.with_switches({"INTERP-QK-1": "alternative"})
    assert engine.compiled_for(rules).name != engine.compiled_for(flipped).name
    # A reading that changes no condition (a hit policy) reuses the registered ruleset.
    same = rules.with_switches({"INTERP-QK-3": "alternative"})
    assert engine.compiled_for(same).name == engine.compiled_for(rules).name
    assert engine.compiled_for(rules) is engine.compiled_for(default_rules())


def test_engine_matches_agree_with_explanation_for_random_profiles():
    """evaluate() raises EngineError when durable_rules and the explanation disagree."""
    from subsidy.sample import sample_profiles

    rules = default_rules()
    profiles = sample_profiles(150, seed=7)
    for switches in ({}, {k: "alternative" for k in rules.readings}):
        for profile in profiles:
            evaluate(profile, switches=switches)


def test_money_reaches_the_engine_as_integers():
    profile = _profile("qiaokou-trading-group")
    fact = next(f for f in derive_facts(profile) if f.id == "company_year:2020")
    form = fact.engine_form(engine.KINDS)
    assert form["revenue_wan"] == 1020000 * 1_000_000
    assert isinstance(form["contribution_growth"], int)
    assert all(not isinstance(v, (str, Decimal)) or k in ("fact_kind", "fid", "district", "sector")
               for k, v in form.items())


def test_missing_figures_are_left_out_not_zero():
    profile = parse_profile({"name": "缺数企业", "district": "硚口区", "sector": "wholesale",
                             "years": [{"year": 2020, "revenue_wan": 600000}]})
    fact = next(f for f in derive_facts(profile) if f.subject == "company_year")
    form = fact.engine_form(engine.KINDS)
    assert "contribution_wan" not in form
    assert form["revenue_wan__complete"] is False


def test_action_errors_surface(monkeypatch):
    """An exception inside an action is swallowed by durable_rules; run() must raise it."""
    rules = default_rules()
    profile = _profile("qiaokou-trading-group")
    monkeypatch.setattr(engine, "_SINK", _Exploding())
    with pytest.raises(engine.EngineError, match="boom"):
        engine.run(rules, derive_facts(profile))


class _Exploding(list):
    def append(self, item):  # noqa: D102 — a sink that fails like a broken action
        raise RuntimeError("boom")


def test_growth_bonus_chains_on_the_milestone_inside_the_engine():
    """"满足以上条件": the bonus joins on `level` facts asserted by the milestone's tiers."""
    compiled = engine.compiled_for(default_rules())
    assert {"qk.revenue_milestone#T500#level", "qk.revenue_milestone#T100#level",
            "qk.revenue_milestone#T50#level"} <= set(compiled.definition)
    bonus = compiled.definition["qk.revenue_milestone_bonus#T100"]["all"]
    assert len(bonus) == 2 and "a0" in bonus[1]
    alternative = engine.compiled_for(default_rules().with_switches({"INTERP-QK-2": "alternative"}))
    assert "qk.revenue_milestone" in alternative.chained
    assert len(alternative.definition["qk.revenue_milestone_bonus#T100"]["all"]) == 3


def test_level_chain_fires_without_first_time():
    """A year that meets the 100亿 figures again (not for the first time) still gets the bonus."""
    profile = parse_profile({
        "name": "连续达标企业", "district": "硚口区", "sector": "wholesale",
        "prior_peak_revenue_wan": 1100000,
        "years": [{"year": 2020, "revenue_wan": 1050000, "district_fiscal_contribution_wan": 2000},
                  {"year": 2021, "revenue_wan": 1150000, "district_fiscal_contribution_wan": 2400}]})
    matches = engine.run(default_rules(), derive_facts(profile))
    assert ("qk.revenue_milestone_bonus", "T100", "company_year:2021") in matches
    assert not any(m[0] == "qk.revenue_milestone" for m in matches)


def test_sessions_where_no_rule_matches_do_not_corrupt_memory():
    """A company no rule concerns (outside Wuhan, nothing but a name) used to crash the process
    when its empty session was deleted; run such evaluations in a child process and check it
    ends cleanly."""
    import subprocess
    import sys

    script = (
        "from subsidy.evaluate import evaluate\n"
        "from subsidy.profile import parse_profile\n"
        "profiles = [\n"
        "  {'name': 'a', 'district': 'outside_wuhan', 'sector': 'industry', 'scale_entry_year': 2020},\n"
        "  {'name': 'b', 'district': 'outside_wuhan', 'sector': 'other'},\n"
        "  {'name': 'c', 'district': '江岸区', 'sector': 'retail', 'years': [{'year': 1995}]},\n"
        "]\n"
        "for i in range(300):\n"
        "    evaluate(parse_profile(profiles[i % 3]))\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ok"
