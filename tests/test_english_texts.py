"""English words for the English pages, checked without a browser: every English text of the
rule files, every English text of the examples' reports, and a reason's figures as the English
page shows them. (The browser walk, tests/test_browser_language.py, reads the pages
themselves; these checks say at once which text of which file is at fault.)"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from subsidy.evaluate import evaluate
from subsidy.profile import load_profile
from subsidy.ui.i18n import figure

ROOT = Path(__file__).resolve().parents[1]
CHINESE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
EXAMPLES = sorted((ROOT / "examples").glob("*.json"))


def english_texts(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(where, text) of every value under a key ``en`` or ``…_en``."""
    if isinstance(node, dict):
        for key, value in node.items():
            where = f"{path}.{key}"
            if isinstance(key, str) and (key == "en" or key.endswith("_en")):
                for text in value if isinstance(value, list) else [value]:
                    if isinstance(text, str):
                        yield where, text
            else:
                yield from english_texts(value, where)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from english_texts(value, f"{path}[{index}]")


@pytest.mark.parametrize("path", sorted((ROOT / "rules").glob("*.yaml")), ids=lambda p: p.name)
def test_the_english_texts_of_a_rule_file_are_english(path: Path) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    found = [f"{where}: {text}" for where, text in english_texts(data) if CHINESE.search(text)]
    assert not found, "\n".join(found)


def typed(path: Path) -> list[str]:
    """The free text of a profile (its name, a project leader): data, kept as typed."""
    data = json.loads(path.read_text(encoding="utf-8"))
    values = [data.get("name", "")]
    values += [p.get("leader", "") for p in data.get("talent_projects", [])]
    values += [p.get("name", "") for p in data.get("tech_upgrade_projects", [])]
    return [v for v in values if v]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_the_english_texts_of_a_report_are_english(path: Path) -> None:
    report = evaluate(load_profile(path.read_bytes())).model_dump(mode="json")
    found = []
    for where, text in english_texts(report):
        for value in typed(path):
            text = text.replace(value, "")
        if CHINESE.search(text):
            found.append(f"{where}: {text}")
    assert not found, "\n".join(found)


@pytest.mark.parametrize(("written", "shown"), [
    ("3家", "3"), ("2019年", "2019"), ("是", "yes"), ("否", "no"), ("未填写", "not given"),
    ("2300万元", "RMB 23 m"), ("102亿元", "RMB 10.2 bn"), ("> 500万元", "> RMB 5 m"),
    ("≥ 15%", "≥ 15%"), ("工业", "Industry"), ("硚口区", "Qiaokou District"),
])
def test_a_reasons_figure_is_shown_in_english(written: str, shown: str) -> None:
    assert figure(written, "en") == shown
    assert not CHINESE.search(shown.replace("≥", ""))


def test_a_list_of_labels_is_joined_the_english_way() -> None:
    assert figure("工业、批发", "en") == "Industry, Wholesale"
    assert figure("工业、批发", "zh") == "工业、批发"
