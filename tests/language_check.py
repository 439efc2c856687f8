"""What counts as Chinese in an English text: one checker for the pages (the browser walk)
and for the files downloaded from the English pages.

Why shared: a page and the file it offers must be held to the same rule, so a change of
what may stay (the policy documents' section numbers, the language switch's "中文") applies
to both at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

CHINESE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+")
"""CJK characters and Chinese punctuation (，：（）、。 and the full-width forms)."""
SECTION = re.compile(r"[一二三四五六七八九十]+[、]?(?:\([一二三四五六七八九十]+\))*[0-9]*")
"""A section number of a policy document ("三(二)1"): a citation of the Chinese text."""
EN_ALLOWED_RUNS = {"中文", "语言"}
"""The language switch's own words, shown in both languages so either reader finds it."""


def chinese_runs(text: str) -> list[str]:
    """The runs of Chinese in ``text`` that an English page or file must not contain."""
    return [r for r in CHINESE.findall(SECTION.sub(" ", text)) if r not in EN_ALLOWED_RUNS]


def without(text: str, values: list[str]) -> str:
    """``text`` with exactly the given values (what the user typed) taken out, longest first."""
    for value in sorted(values, key=len, reverse=True):
        text = text.replace(value, " ")
    return text


FREE_TEXT_KEYS = {"name", "credit_code", "leader", "project", "project_name"}
"""The keys of a company profile whose values the user types (names, codes)."""


def free_text(node: Any) -> Iterator[str]:
    """Every value the user typed in a profile (parsed JSON): data, kept as typed."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in FREE_TEXT_KEYS and isinstance(value, str):
                yield value
            else:
                yield from free_text(value)
    elif isinstance(node, list):
        for value in node:
            yield from free_text(value)
