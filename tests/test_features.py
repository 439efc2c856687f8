"""Binds the Gherkin scenarios of ``features/`` (one file per policy document) to the steps.

The step library lives in ``tests/steps/``; pytest-bdd registers each step as a fixture of the
module that defines it, so the step modules are imported here. Each scenario's test also gets
the policy id and a short Chinese name as keywords, so that one document's scenarios can be
run alone: ``.venv/bin/pytest tests/test_features.py -k 硚口`` (or ``-k qiaokou-2019-4yp``).
"""

from __future__ import annotations

from pytest_bdd import scenarios
from steps.profile_steps import *  # noqa: F403 — step fixtures and the `case` fixture
from steps.result_steps import *  # noqa: F403 — step fixtures
from steps.vocabulary_steps import *  # noqa: F403 — step fixtures

FEATURES: dict[str, str] = {
    "qiaokou-2019-4yp.feature": "硚口",
    "wuhan-2018-wqb.feature": "万千百",
    "wuhan-2021-4jk.feature": "四个加快",
    "wedz-2019-zbjq.feature": "经开区",
    "wuhan-2025-ja2.feature": "建议案",
    "common.feature": "通用",
}
"""Feature file → short name usable with ``-k`` (the file's stem works too)."""

for _file, _keyword in FEATURES.items():
    _before = set(globals())
    scenarios(_file)
    for _name in set(globals()) - _before:
        if _name.startswith("test_"):
            # pytest's -k also matches names set on the test function itself.
            globals()[_name].__dict__.update({_keyword: True, _file.removesuffix(".feature"): True})
