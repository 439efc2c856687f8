"""The columnar backend against the interactive engine: identical status, amount and tier
for every rule and year, on generated edge-case profiles, under every reading.

All profiles run under the files' readings; a slice of them under each reading flipped on
its own, and under all readings flipped at once (the interactive path costs 1–2 ms per
profile, so the slices keep ``make test`` within a minute or so).
"""

from __future__ import annotations

import json
import os

import pytest

from subsidy.columnar.run import findings_map
from subsidy.columnar.screen import from_profiles
from subsidy.edge_profiles import edge_profiles
from subsidy.evaluate import default_rules, evaluate
from subsidy.profile import dump_profile

N = int(os.environ.get("SUBSIDY_DIFF_N", "10000"))
# About 75 s of CPU for the whole module; on a shared, loaded machine the wall time can be
# many times that, so the module gets a longer limit than the suite's default.
pytestmark = pytest.mark.timeout(3600)
SLICE = max(1, N // 20)


@pytest.fixture(scope="module")
def rules():
    return default_rules()


@pytest.fixture(scope="module")
def profiles(rules):
    return edge_profiles(N, rules)


@pytest.fixture(scope="module")
def screened(profiles):
    return from_profiles(profiles)


def _interactive(profile, ruleset):
    out: dict = {}
    for f in evaluate(profile, rules=ruleset).results:
        if f.status == "not_applicable":
            continue
        amount = f.amount_wan.normalize() if f.amount_wan is not None else None
        out.setdefault((f.rule_id, f.year), []).append((f.status, amount, f.tier))
    for items in out.values():
        items.sort(key=lambda t: (t[0], str(t[1]), t[2] or ""))
    return out


def _compare(profiles, indices, screened, ruleset, table=None) -> list[str]:
    """Every profile whose findings differ, as JSON: the profile and both answers."""
    got: dict[int, dict] = {}
    table = screened.findings(ruleset) if table is None else table
    for (cid, rule, year), items in findings_map(table).items():
        got.setdefault(cid, {})[(rule, year)] = items
    problems = []
    for cid in indices:
        want = _interactive(profiles[cid], ruleset)
        have = got.get(cid, {})
        if want != have:
            diff = {f"{r} {y}": {"interactive": want.get((r, y)), "columnar": have.get((r, y))}
                    for r, y in sorted(want.keys() | have.keys()) if want.get((r, y)) != have.get((r, y))}
            problems.append(json.dumps({"profile": dump_profile(profiles[cid]), "differences": diff},
                                       ensure_ascii=False, default=str))
    return problems


def _readings(rules):
    flips = {iid: "alternative" if rules.readings[iid] == "default" else "default"
             for iid in sorted(rules.interpretations)}
    cases = [(iid, {iid: value}) for iid, value in flips.items()]
    cases.append(("all-flipped", flips))
    return cases


def test_every_profile_under_the_files_readings(profiles, screened, rules):
    assert len(profiles) == N
    assert screened.loaded.errors == []
    problems = _compare(profiles, range(N), screened, rules)
    assert not problems, f"{len(problems)} profiles differ; first:\n" + "\n".join(problems[:3])


@pytest.mark.parametrize("case", range(11))
def test_a_slice_under_each_reading_switched(case, profiles, screened, rules):
    cases = _readings(rules)
    if case >= len(cases):
        pytest.skip("fewer readings than cases")
    name, switches = cases[case]
    ruleset = rules.with_switches({**rules.readings, **switches})
    start = (case * SLICE) % N
    indices = [(start + k) % N for k in range(SLICE)]
    problems = _compare(profiles, indices, screened, ruleset)
    assert not problems, f"{name}: {len(problems)} profiles differ; first:\n" + "\n".join(problems[:3])


def test_a_disagreement_prints_the_profile_and_both_answers(profiles, screened, rules):
    """The comparison itself can fail: one amount changed in the columnar answer is found."""
    import pyarrow as pa
    import pyarrow.compute as pc

    table = screened.findings(rules)
    amounts = table["amount_wan"].to_pylist()
    eligible = pc.equal(table["status"], "eligible").to_pylist()
    row = next(i for i, (e, a) in enumerate(zip(eligible, amounts, strict=True)) if e and a is not None)
    amounts[row] = amounts[row] + 1
    tampered = table.set_column(table.schema.get_field_index("amount_wan"), "amount_wan",
                                pa.array(amounts, table.schema.field("amount_wan").type))
    cid = table["cid"][row].as_py()
    problems = _compare(profiles, [cid], screened, rules, tampered)
    assert len(problems) == 1
    shown = json.loads(problems[0])
    assert shown["profile"]["name"] == profiles[cid].name
    (both,) = [d for d in shown["differences"].values()]
    assert both["interactive"] != both["columnar"]


def test_the_readings_cover_every_interpretation(rules):
    assert {name for name, _ in _readings(rules)} >= set(rules.interpretations)
