"""The clause catalogue, the rules and the scenarios stay tied to each other, both ways.

The clause catalogue (``CLAUSES.md`` in the ``shared`` folder beside the repository) is the
domain specification: each award clause has a rule id (``qk.revenue_milestone``) and each
ambiguity an ``INTERP-`` id. ``CLAUSES-additions.md`` beside it lists clauses and readings not
yet folded into the catalogue: each of its ids joins the checks once ``rules/`` has it.

These tests fail when

- a catalogue id has no rule in ``rules/``, or a rule is in no catalogue;
- a rule has no scenario in ``features/`` that *reaches a result* for it — the scenarios are
  run in a subprocess and the result steps record which rules they found a finding for, so a
  scenario that merely names a rule does not count;
- a scenario names a rule or policy that ``rules/`` does not have;
- some reading of an interpretation other than the rule file's own is never switched to;
- a feature file shows code to its reader: a tier code, a field path, an INTERP id or the
  words default/alternative (scenarios name tiers, readings and data by their Chinese labels);
- a feature does not quote the clauses of its policy, or a scenario traces to no rule.

``tests/data/clause_ids.txt`` is a copy of the ids, used where the catalogue is not beside the
repository (e.g. a checkout of the repository alone); while the catalogue is there, the copy
must match it. Regenerate the copy with::

    .venv/bin/python tests/test_clause_coverage.py --write
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from gherkin.parser import Parser
from gherkin.pickles.compiler import Compiler
from steps.support import (
    ScenarioError,
    file_reading,
    interpretation_id,
    policy_id,
    reading_key,
    readings_of,
    ruleset,
)

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CATALOGUE = SHARED / "CLAUSES.md"
ADDITIONS = SHARED / "CLAUSES-additions.md"
ID_COPY = REPO / "tests" / "data" / "clause_ids.txt"
FEATURES = Path(os.environ.get("SUBSIDY_FEATURES_DIR", "").strip() or REPO / "features")
"""The feature files checked (``$SUBSIDY_FEATURES_DIR``, as for tests/test_features.py)."""
ADDITIONS_HEADING = "# CLAUSES-additions.md"

RULE_ID = re.compile(r"`([a-z][a-z0-9]*\.[a-z][a-z0-9_]*)`")
"""A rule id as the catalogue writes it: backticked ``policy-prefix.name``."""
INTERP_ID = re.compile(r"\bINTERP-[A-Z0-9]+-\d+\b")

# ------------------------------------------------------------------------------ the ids


@dataclass(frozen=True)
class Catalogue:
    """Rule and INTERP ids of ``CLAUSES.md`` and of ``CLAUSES-additions.md``, sorted."""

    rules: list[str]
    interps: list[str]
    added_rules: list[str]
    added_interps: list[str]


def ids_in_catalogue(text: str) -> tuple[list[str], list[str]]:
    """Rule ids (backticked) and INTERP ids of a catalogue text, sorted, without repeats."""
    return sorted(set(RULE_ID.findall(text))), sorted(set(INTERP_ID.findall(text)))


def _split(ids: list[str]) -> tuple[list[str], list[str]]:
    return sorted(i for i in ids if not i.startswith("INTERP-")), sorted(i for i in ids if i.startswith("INTERP-"))


def ids_in_copy(text: str) -> Catalogue:
    main: list[str] = []
    added: list[str] = []
    target = main
    for line in (line.strip() for line in text.splitlines()):
        if line == ADDITIONS_HEADING:
            target = added
        elif line and not line.startswith("#"):
            target.append(line)
    return Catalogue(*_split(main), *_split(added))


def catalogue_from_files() -> Catalogue:
    additions = ids_in_catalogue(ADDITIONS.read_text(encoding="utf-8")) if ADDITIONS.is_file() else ([], [])
    return Catalogue(*ids_in_catalogue(CATALOGUE.read_text(encoding="utf-8")), *additions)


def copy_text(cat: Catalogue) -> str:
    head = [
        "# Rule and INTERP ids of CLAUSES.md (the clause catalogue), one per line, then those of",
        "# CLAUSES-additions.md (checked once rules/ has them).",
        "# Generated; regenerate with: .venv/bin/python tests/test_clause_coverage.py --write",
    ]
    return "\n".join(head + cat.rules + cat.interps + [ADDITIONS_HEADING]
                     + cat.added_rules + cat.added_interps) + "\n"


def catalogue_ids() -> Catalogue:
    """The catalogue's ids when it is beside the repository, else the copy's."""
    if CATALOGUE.is_file():
        return catalogue_from_files()
    if not ID_COPY.is_file():
        pytest.fail(f"neither {CATALOGUE} nor {ID_COPY} exists: no clause ids to check")
    return ids_in_copy(ID_COPY.read_text(encoding="utf-8"))


# ------------------------------------------------------------------------------ the scenarios


@dataclass
class Scenario:
    """One scenario as run: background steps included, one per row of an outline's examples."""

    file: str
    name: str
    line: int
    steps: list[str]

    def texts(self) -> list[str]:
        return self.steps


def parse_feature(path: Path) -> list[Scenario]:
    """The scenarios of a feature file, read by the official Gherkin parser ("pickles")."""
    document = Parser().parse(path.read_text(encoding="utf-8"))
    document["uri"] = path.name
    lines = {}
    for child in document["feature"]["children"]:
        for node in [child.get("scenario")] + [c.get("scenario") for c in child.get("rule", {}).get("children", [])]:
            if node:
                lines[node["id"]] = node["location"]["line"]
    return [Scenario(path.name, pickle["name"], lines.get(pickle["astNodeIds"][0], 0),
                     [step["text"] for step in pickle["steps"]])
            for pickle in Compiler().compile(document)]


def all_scenarios() -> list[Scenario]:
    return [s for path in sorted(FEATURES.glob("*.feature")) for s in parse_feature(path)]


QUOTED = r'\s*["“]([^"“”]*)["”]\s*'
_RULE_NAMED = re.compile(rf"规则{QUOTED}")
_POLICY_NAMED = re.compile(rf"政策{QUOTED}")
_SWITCH = re.compile(rf"^解释{QUOTED}采用{QUOTED}$")


def switched_readings(scenario: Scenario, rules) -> set[tuple[str, str]]:
    """(INTERP id, reading) pairs the scenario switches to, its labels resolved by the rule set."""
    found = set()
    for text in scenario.texts():
        if (switch := _SWITCH.match(text.strip())) is not None:
            iid = interpretation_id(switch.group(1), rules)
            found.add((iid, reading_key(iid, switch.group(2), rules)))
    return found


# ------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def rules():
    return ruleset()


@pytest.fixture(scope="module")
def scenarios_run() -> list[Scenario]:
    return all_scenarios()


@pytest.fixture(scope="module")
def reached(tmp_path_factory) -> set[str]:
    """Rule ids for which some scenario's result check found a finding.

    The scenarios run in a subprocess (whatever this session selected or ran before), with the
    same rule folder; ``tests/conftest.py`` writes what the result steps recorded.
    """
    target = tmp_path_factory.mktemp("reached") / "reached.txt"
    env = {**os.environ, "SUBSIDY_REACHED_FILE": str(target)}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
         "-k", "not rule_folder_in_the_environment", str(REPO / "tests" / "test_features.py")],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    if done.returncode not in (0, 1) or not target.is_file():
        pytest.fail(f"the scenarios did not run (exit {done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return set(target.read_text(encoding="utf-8").split())


# ------------------------------------------------------------------------------ catalogue ↔ rules


def test_id_copy_matches_catalogue() -> None:
    if not CATALOGUE.is_file():
        pytest.skip(f"{CATALOGUE} is not beside the repository; the copy {ID_COPY.name} is used")
    assert ID_COPY.is_file(), f"{ID_COPY} is missing; run: .venv/bin/python tests/test_clause_coverage.py --write"
    assert ids_in_copy(ID_COPY.read_text(encoding="utf-8")) == catalogue_from_files(), (
        f"{ID_COPY} differs from {CATALOGUE} (and {ADDITIONS.name}); "
        "run: .venv/bin/python tests/test_clause_coverage.py --write")


def test_catalogue_has_ids() -> None:
    cat = catalogue_ids()
    assert len(cat.rules) >= 20 and len(cat.interps) >= 5, cat


def test_every_clause_id_has_a_rule(rules) -> None:
    missing = [rid for rid in catalogue_ids().rules if rid not in rules.rules]
    assert not missing, f"clause ids of CLAUSES.md with no rule in rules/: {missing}"


def test_every_rule_is_in_the_catalogue(rules) -> None:
    cat = catalogue_ids()
    extra = sorted(set(rules.rules) - set(cat.rules) - set(cat.added_rules))
    assert not extra, (
        f"rules in rules/ that neither CLAUSES.md nor CLAUSES-additions.md lists: {extra}; "
        f"add them to the catalogue (or, with no catalogue beside the repository, to {ID_COPY.name})")


def test_every_interpretation_is_defined_in_the_rules(rules) -> None:
    missing = [iid for iid in catalogue_ids().interps if iid not in rules.interpretations]
    assert not missing, f"INTERP ids of CLAUSES.md with no interpretation in rules/: {missing}"


# ------------------------------------------------------------------------------ rules ↔ scenarios


def test_every_rule_has_a_scenario_that_reaches_a_result(rules, reached) -> None:
    """Covers the catalogue's ids and every addition that has a rule (all are rules here)."""
    missing = sorted(set(rules.rules) - reached)
    assert not missing, (
        "rules for which no scenario's result step (那么 规则\"…\"在…年的结果为\"…\") found a finding "
        f"(a scenario that names a rule but fails, or never checks its result, does not count): {missing}")


def test_every_rule_and_policy_a_scenario_names_exists(rules, scenarios_run) -> None:
    unknown = []
    for scenario in scenarios_run:
        for text in scenario.texts():
            unknown += [f"{scenario.file}:{scenario.line} 规则\"{rid}\"" for rid in _RULE_NAMED.findall(text)
                        if rid.strip() not in rules.rules]
            for named in _POLICY_NAMED.findall(text):
                try:
                    policy_id(named, rules)
                except ScenarioError:
                    unknown.append(f"{scenario.file}:{scenario.line} 政策\"{named}\"")
    assert not unknown, "scenarios name rules or policies that rules/ does not have:\n" + "\n".join(sorted(set(unknown)))


def test_every_scenario_traces_to_a_rule(scenarios_run) -> None:
    untraced = sorted({f"{s.file}:{s.line} {s.name}" for s in scenarios_run
                       if not any(_RULE_NAMED.search(t) or _POLICY_NAMED.search(t) for t in s.texts())})
    assert not untraced, "scenarios that name no rule (规则\"…\") or policy (政策\"…\"):\n" + "\n".join(untraced)


def test_every_reading_of_every_interpretation_has_a_scenario(rules, scenarios_run) -> None:
    """Every reading other than the rule file's own is switched to in some scenario.

    Covers every INTERP id of the catalogue (each has an interpretation, tested above) and every
    INTERP id of the additions once rules/ defines it.
    """
    switched = set().union(*(switched_readings(s, rules) for s in scenarios_run))
    missing = []
    for iid, interp in sorted(rules.interpretations.items()):
        for key, reading in readings_of(interp).items():
            if key != file_reading(interp) and (iid, key) not in switched:
                missing.append(f"{iid} 解释\"{interp.title}\"采用\"{reading.label}\"")
    assert not missing, "readings no scenario switches to (假如 解释\"…\"采用\"…\"):\n" + "\n".join(missing)


def test_one_chinese_feature_per_policy(rules) -> None:
    names = {path.stem for path in FEATURES.glob("*.feature")}
    missing = sorted(set(rules.policies) - names)
    assert not missing, f"policies with no features/<policy id>.feature: {missing}"
    for path in FEATURES.glob("*.feature"):
        first = path.read_text(encoding="utf-8").lstrip("\ufeff").splitlines()[0].strip()
        assert first == "# language: zh-CN", f"{path.name} must start with '# language: zh-CN'"


# ------------------------------------------------------------------------------ what an official reads


def _squash(text: str) -> str:
    """Text compared for quoting: without quote marks, spaces and punctuation width."""
    table = str.maketrans({"，": ",", "；": ";", "：": ":", "（": "(", "）": ")", "、": "、"})
    return re.sub(r"[\s\"'“”‘’「」]", "", text.translate(table))


def test_each_feature_quotes_the_clauses_of_its_policy(rules) -> None:
    """A feature's description quotes (原文) every clause its policy's rules encode."""
    missing = []
    for path in sorted(FEATURES.glob("*.feature")):
        if path.stem not in rules.policies:
            continue
        document = Parser().parse(path.read_text(encoding="utf-8"))
        description = _squash(document["feature"].get("description") or "")
        if "原文" not in description:
            missing.append(f"{path.name}: no 原文 in the feature's description")
        for rid, rule in sorted(rules.rules.items()):
            if rules.rule_policy[rid] == path.stem and rule.quote and _squash(rule.quote) not in description:
                missing.append(f"{path.name}: {rid} 原文“{rule.quote}”")
    assert not missing, "feature descriptions that do not quote their clauses:\n" + "\n".join(missing)


def code_in_line(line: str, rules) -> list[str]:
    """The pieces of code a feature-file line shows: tier codes, field paths, INTERP ids,
    default/alternative. Rule ids and policy ids may stay (scenarios trace to them)."""
    bare = line
    for known in sorted([*rules.rules, *rules.policies], key=len, reverse=True):
        bare = bare.replace(known, " ")
    found = re.findall(r"(?i)(?<![a-z])(?:default|alternative)(?![a-z])", bare)
    found += re.findall(r"INTERP-[A-Z0-9]+-\d+", bare)
    found += re.findall(r"[\w.]*\[\][\w.]*|[A-Za-z_]*_wan(?![A-Za-z])|prior_peak_[a-z_]*"
                        r"|(?<![A-Za-z0-9_])[a-z]+(?:_[a-z0-9]+)+(?![A-Za-z0-9_])", bare)
    found += re.findall(r"S@\d+", bare)
    tier_ids = {tier.id for rule in rules.rules.values() for tier in (getattr(rule, "tiers", None) or [])}
    found += [tid for tid in sorted(tier_ids)
              if re.search(rf"(?<![A-Za-z0-9_@]){re.escape(tid)}(?![A-Za-z0-9_@])", bare)]
    return found


def test_no_code_in_feature_files(rules) -> None:
    offenders = []
    for path in sorted(FEATURES.glob("*.feature")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if code := code_in_line(line, rules):
                offenders.append(f"{path.name}:{number}: {', '.join(code)} — {line.strip()}")
    assert not offenders, (
        "feature files must name tiers, readings and data in Chinese (规则文件中的名称), "
        "not by code:\n" + "\n".join(offenders))


def test_code_detector_sees_each_kind_of_code(rules) -> None:
    tier = next(t.id for r in rules.rules.values() for t in (getattr(r, "tiers", None) or []))
    rule_id = next(iter(rules.rules))
    for line in [f'档次为"{tier}"', f"在2020年{tier}档的结果", '需补充"years[].revenue_wan（2019年）"', '需补充"prior_peak_revenue_wan"',
                 '解释"x"采用"alternative"', "| default | 2018 |", '适用解释包含"INTERP-QK-1"',
                 '在2020年"S@2000000"的结果', '需补充"district_fiscal_contribution_wan"']:
        assert code_in_line(line, rules), line
    for line in [f'那么 规则"{rule_id}"在2020年的结果为"可获得"', '需补充"2019年营业收入"',
                 '假如 解释"同一年达到多个台阶"采用"各台阶分别奖励"', "原文：营业收入首次达到500(100)亿元"]:
        assert not code_in_line(line, rules), line


def test_reader_sees_outline_rows_and_background(tmp_path: Path, rules) -> None:
    iid, interp = next(iter(sorted(rules.interpretations.items())))
    key, other = next((k, r) for k, r in readings_of(interp).items() if k != file_reading(interp))
    feature = tmp_path / "x.feature"
    feature.write_text(
        f"# language: zh-CN\n功能: 示例\n  背景:\n    假如 解释\"{interp.title.replace(chr(34), '‘')}\"采用\"{other.label}\"\n"
        "  场景大纲: 大纲\n    那么 规则\"<规则>\"的结果为\"可获得\"\n    例子:\n      | 规则 |\n"
        "      | qk.a |\n      | qk.b |\n", encoding="utf-8")
    first, second = parse_feature(feature)
    assert any('"qk.a"' in t for t in first.texts()) and any('"qk.b"' in t for t in second.texts())
    assert switched_readings(first, rules) == {(iid, key)}


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python tests/test_clause_coverage.py --write   (regenerates tests/data/clause_ids.txt)")
    ID_COPY.parent.mkdir(parents=True, exist_ok=True)
    ID_COPY.write_text(copy_text(catalogue_from_files()), encoding="utf-8")
    print(f"wrote {ID_COPY}")
