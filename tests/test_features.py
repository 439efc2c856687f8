"""Binds every Gherkin file of ``features/`` (one file per policy document) to the steps.

The feature files are discovered: a new ``features/*.feature`` runs with no change here. The
step library lives in ``tests/steps/``; pytest-bdd registers each step as a fixture of the
module that defines it, so the step modules are imported here.

Each scenario's test gets the file's stem and, when the file says one in a comment line
``# 简称: 硚口``, that short name as keywords, so one document's scenarios can be run alone:
``.venv/bin/pytest tests/test_features.py -k 硚口`` (or ``-k qiaokou-2019-4yp``).

The scenarios run against ``$SUBSIDY_RULES_DIR`` when it is set (default: ``rules/``), and the
feature files are read from ``$SUBSIDY_FEATURES_DIR`` when it is set (default: ``features/``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from pytest_bdd import scenarios
from steps.profile_steps import *  # noqa: F403 — step fixtures and the `case` fixture
from steps.result_steps import *  # noqa: F403 — step fixtures
from steps.support import RULES_DIR_ENV
from steps.vocabulary_steps import *  # noqa: F403 — step fixtures

from subsidy.ruleset import DEFAULT_RULES_DIR

REPO = Path(__file__).resolve().parents[1]
FEATURES_DIR = Path(os.environ.get("SUBSIDY_FEATURES_DIR", "").strip() or REPO / "features")
SHORT_NAME = re.compile(r"^\s*#\s*简称\s*[:：]\s*(\S+)\s*$", re.MULTILINE)


def keywords_of(path: Path) -> list[str]:
    """The file's stem and, when the file declares one (``# 简称: 硚口``), its short name."""
    found = SHORT_NAME.search(path.read_text(encoding="utf-8"))
    return [path.stem] + ([found.group(1)] if found else [])


for _path in sorted(FEATURES_DIR.glob("*.feature")):
    _before = set(globals())
    scenarios(str(_path))
    for _name in set(globals()) - _before:
        if _name.startswith("test_"):
            # pytest's -k also matches names set on the test function itself.
            globals()[_name].__dict__.update(dict.fromkeys(keywords_of(_path), True))


# ------------------------------------------------------------------ the rule folder is chosen


def _smallest_feature() -> Path:
    return min(FEATURES_DIR.glob("*.feature"), key=lambda p: (len(p.read_text(encoding="utf-8")), p.name))


def _run_scenarios(rules: Path, stem: str, features: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, RULES_DIR_ENV: str(rules), "SUBSIDY_FEATURES_DIR": str(features or FEATURES_DIR)}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", stem, __file__],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600)


def test_scenarios_run_against_the_rule_folder_in_the_environment(tmp_path: Path) -> None:
    """``SUBSIDY_RULES_DIR`` decides the rules: a copy passes, a broken copy fails, naming it."""
    stem = _smallest_feature().stem
    good = tmp_path / "good"
    shutil.copytree(DEFAULT_RULES_DIR, good)
    passed = _run_scenarios(good, stem)
    assert passed.returncode == 0, passed.stdout[-3000:]
    assert " passed" in passed.stdout and "deselected" in passed.stdout

    broken = tmp_path / "broken"
    shutil.copytree(DEFAULT_RULES_DIR, broken)
    (broken / "zz-broken.yaml").write_text("rules: [unclosed\n", encoding="utf-8")
    failed = _run_scenarios(broken, stem)
    assert failed.returncode == 1, failed.stdout[-3000:]
    assert "zz-broken.yaml" in failed.stdout and str(broken) in failed.stdout


def test_the_scenarios_of_the_features_readme_run(tmp_path: Path) -> None:
    """The scenarios features/README.md offers an official to copy pass as they are written."""
    readme = (REPO / "features" / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```gherkin\n(.*?)```", readme, re.DOTALL)
    assert blocks, "features/README.md shows no ```gherkin example"
    folder = tmp_path / "features"
    folder.mkdir()
    (folder / "readme-examples.feature").write_text(
        "# language: zh-CN\n功能: features/README.md 中的示例\n\n" + "\n".join(blocks), encoding="utf-8")
    done = _run_scenarios(DEFAULT_RULES_DIR, "readme-examples", folder)
    assert done.returncode == 0, done.stdout[-3000:]
    assert " passed" in done.stdout
