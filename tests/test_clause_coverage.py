"""Every clause of the catalogue has a rule and a scenario; every reading's alternative is tried.

The clause catalogue (``CLAUSES.md`` in the ``shared`` folder beside the repository) is the
domain specification: each award clause has a rule id (``qk.revenue_milestone``) and each
ambiguity an ``INTERP-`` id. These tests fail when an id lacks a rule in ``rules/``, lacks a
scenario in ``features/`` that names it, or when an INTERP id has no scenario that switches it
to its alternative reading — so a clause cannot be added or changed without its scenarios.

``tests/data/clause_ids.txt`` is a copy of the ids, used where the catalogue is not beside the
repository (e.g. a checkout of the repository alone); while the catalogue is there, the copy
must match it. Regenerate the copy with::

    .venv/bin/python tests/test_clause_coverage.py --write
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CATALOGUE = REPO.parent / "shared" / "CLAUSES.md"
ID_COPY = REPO / "tests" / "data" / "clause_ids.txt"
FEATURES = REPO / "features"

RULE_ID = re.compile(r"`((?:qk|wqb|jk4|wedz|ja2)\.[a-z0-9_]+)`")
INTERP_ID = re.compile(r"\bINTERP-[A-Z0-9]+-\d+\b")

# ------------------------------------------------------------------------------ the ids


def ids_in_catalogue(text: str) -> tuple[list[str], list[str]]:
    """Rule ids (backticked) and INTERP ids of the catalogue, sorted, without repeats."""
    return sorted(set(RULE_ID.findall(text))), sorted(set(INTERP_ID.findall(text)))


def ids_in_copy(text: str) -> tuple[list[str], list[str]]:
    lines = [line.strip() for line in text.splitlines()]
    ids = [line for line in lines if line and not line.startswith("#")]
    return sorted(i for i in ids if not i.startswith("INTERP-")), sorted(i for i in ids if i.startswith("INTERP-"))


def copy_text(rules: list[str], interps: list[str]) -> str:
    head = [
        "# Rule and INTERP ids of CLAUSES.md (the clause catalogue), one per line.",
        "# Generated; regenerate with: .venv/bin/python tests/test_clause_coverage.py --write",
    ]
    return "\n".join(head + rules + interps) + "\n"


def catalogue_ids() -> tuple[list[str], list[str]]:
    """The catalogue's ids when it is beside the repository, else the copy's."""
    if CATALOGUE.is_file():
        return ids_in_catalogue(CATALOGUE.read_text(encoding="utf-8"))
    if not ID_COPY.is_file():
        pytest.fail(f"neither {CATALOGUE} nor {ID_COPY} exists: no clause ids to check")
    return ids_in_copy(ID_COPY.read_text(encoding="utf-8"))


# ------------------------------------------------------------------------------ the scenarios

_SCENARIO = re.compile(r"^\s*(场景大纲|剧本大纲|场景|剧本|Scenario Outline|Scenario Template|Scenario|Example)\s*[:：]")
_BACKGROUND = re.compile(r"^\s*(背景|Background)\s*[:：]")
_EXAMPLES = re.compile(r"^\s*(例子|Examples|Scenarios)\s*[:：]")
_OTHER_BLOCK = re.compile(r"^\s*(功能|Feature|规则|Rule)\s*[:：]")
_STEP = re.compile(r"^\s*(假如|假设|假定|当|那么|而且|并且|同时|但是|\*|Given|When|Then|And|But)\s*(.*)$")


@dataclass
class Scenario:
    """One scenario of a feature file, its steps expanded for every row of its examples."""

    file: str
    name: str
    steps: list[str] = field(default_factory=list)
    tables: list[list[list[str]]] = field(default_factory=list)

    def texts(self) -> list[str]:
        """Every step text as run: outline placeholders replaced by each example row."""
        rows: list[dict[str, str]] = []
        for table in self.tables:
            header, *body = table
            rows += [dict(zip(header, row, strict=False)) for row in body]
        if not rows:
            return list(self.steps)
        out = []
        for row in rows:
            for step in self.steps:
                for key, value in row.items():
                    step = step.replace(f"<{key}>", value)
                out.append(step)
        return out


def parse_feature(path: Path) -> list[Scenario]:
    """A small Gherkin reader: enough to see which steps each scenario runs."""
    scenarios: list[Scenario] = []
    background: list[str] = []
    current: Scenario | None = None
    in_background = in_examples = False
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if _SCENARIO.match(line):
            current = Scenario(path.name, line.split(":", 1)[-1].split("：", 1)[-1].strip(), list(background))
            scenarios.append(current)
            in_background = in_examples = False
        elif _BACKGROUND.match(line):
            in_background, in_examples, current = True, False, None
        elif _OTHER_BLOCK.match(line):
            in_background = in_examples = False
            current = None
        elif _EXAMPLES.match(line):
            in_examples = True
            if current is not None:
                current.tables.append([])
        elif line.startswith("|") and in_examples and current is not None:
            current.tables[-1].append([cell.strip() for cell in line.strip("|").split("|")])
        elif (step := _STEP.match(line)) is not None:
            if in_background:
                background.append(step.group(2))
            elif current is not None:
                current.steps.append(step.group(2))
    return scenarios


def all_scenarios() -> list[Scenario]:
    return [s for path in sorted(FEATURES.glob("*.feature")) for s in parse_feature(path)]


def _quoted(value: str) -> re.Pattern[str]:
    return re.compile(rf'["“]{re.escape(value)}["”]')


_SWITCH = re.compile(r'解释\s*["“](INTERP-[A-Z0-9]+-\d+)["”]\s*采用\s*["“]([^"“”]*)["”]')


def switched_to_alternative(scenario: Scenario) -> set[str]:
    from steps.support import READINGS

    found = set()
    for text in scenario.texts():
        for interp, reading in _SWITCH.findall(text):
            if READINGS.get(reading.strip()) == "alternative":
                found.add(interp)
    return found


# ------------------------------------------------------------------------------ the tests


@pytest.fixture(scope="module")
def rules():
    from subsidy.ruleset import load_rules

    return load_rules()


def test_id_copy_matches_catalogue() -> None:
    if not CATALOGUE.is_file():
        pytest.skip(f"{CATALOGUE} is not beside the repository; the copy {ID_COPY.name} is used")
    expected = ids_in_catalogue(CATALOGUE.read_text(encoding="utf-8"))
    assert ID_COPY.is_file(), f"{ID_COPY} is missing; run: .venv/bin/python tests/test_clause_coverage.py --write"
    assert ids_in_copy(ID_COPY.read_text(encoding="utf-8")) == expected, (
        f"{ID_COPY} differs from {CATALOGUE}; run: .venv/bin/python tests/test_clause_coverage.py --write")


def test_catalogue_has_ids() -> None:
    rule_ids, interp_ids = catalogue_ids()
    assert len(rule_ids) >= 20 and len(interp_ids) >= 5, (rule_ids, interp_ids)


def test_every_clause_id_has_a_rule(rules) -> None:
    rule_ids, _ = catalogue_ids()
    missing = [rid for rid in rule_ids if rid not in rules.rules]
    assert not missing, f"clause ids with no rule in rules/: {missing}"


def test_every_rule_is_in_the_catalogue(rules) -> None:
    rule_ids, _ = catalogue_ids()
    extra = sorted(set(rules.rules) - set(rule_ids))
    assert not extra, f"rules in rules/ that the clause catalogue does not list: {extra}"


def test_every_interpretation_is_defined_in_the_rules(rules) -> None:
    _, interp_ids = catalogue_ids()
    missing = [iid for iid in interp_ids if iid not in rules.interpretations]
    assert not missing, f"INTERP ids of the catalogue with no interpretation in rules/: {missing}"


def test_every_clause_id_has_a_scenario() -> None:
    rule_ids, _ = catalogue_ids()
    texts = [text for scenario in all_scenarios() for text in scenario.texts()]
    missing = [rid for rid in rule_ids if not any(_quoted(rid).search(t) for t in texts)]
    assert not missing, f"clause ids that no scenario in features/ names (as \"{{id}}\"): {missing}"


def test_every_interpretation_alternative_has_a_scenario() -> None:
    _, interp_ids = catalogue_ids()
    switched = set().union(*(switched_to_alternative(s) for s in all_scenarios()))
    missing = [iid for iid in interp_ids if iid not in switched]
    assert not missing, (
        "INTERP ids with no scenario that switches them to the alternative reading "
        f"(假如 解释 \"INTERP-…\" 采用 \"alternative\"): {missing}")


def test_one_chinese_feature_per_policy(rules) -> None:
    names = {path.stem for path in FEATURES.glob("*.feature")}
    missing = sorted(set(rules.policies) - names)
    assert not missing, f"policies with no features/<policy id>.feature: {missing}"
    for path in FEATURES.glob("*.feature"):
        first = path.read_text(encoding="utf-8").lstrip("\ufeff").splitlines()[0].strip()
        assert first == "# language: zh-CN", f"{path.name} must start with '# language: zh-CN'"


def test_reader_sees_outline_rows_and_background(tmp_path: Path) -> None:
    feature = tmp_path / "x.feature"
    feature.write_text(
        "# language: zh-CN\n功能: 示例\n  背景:\n    假如 解释 \"INTERP-X-1\" 采用 \"备选\"\n"
        "  场景大纲: 大纲\n    那么 规则\"<规则>\"的结果为\"可获得\"\n    例子:\n      | 规则 |\n"
        "      | qk.a |\n      | qk.b |\n", encoding="utf-8")
    [scenario] = parse_feature(feature)
    texts = scenario.texts()
    assert any('"qk.a"' in t for t in texts) and any('"qk.b"' in t for t in texts)
    assert switched_to_alternative(scenario) == {"INTERP-X-1"}


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python tests/test_clause_coverage.py --write   (regenerates tests/data/clause_ids.txt)")
    ID_COPY.parent.mkdir(parents=True, exist_ok=True)
    ID_COPY.write_text(copy_text(*ids_in_catalogue(CATALOGUE.read_text(encoding="utf-8"))), encoding="utf-8")
    print(f"wrote {ID_COPY}")
