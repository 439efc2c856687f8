"""Every file downloaded from an English page is in English; the Chinese files are unchanged.

Each file is built by the same function, with the same arguments, that the page's download
button calls, and read back as a user would open it. The checker is the browser walk's
(``language_check``): a Chinese character or Chinese punctuation fails the test, except the
policy documents' section numbers and exactly the values the user typed (a company's name,
a project leader). What exists only in Chinese and is quoted on purpose is named by the file
itself: the verbatim clause and the responsible departments sit in columns whose headers say
so, and in the printable report they are marked ``lang="zh-CN"``.
"""

from __future__ import annotations

import io
import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from language_check import chinese_runs, free_text, without

from subsidy.evaluate import default_rules, evaluate
from subsidy.export import report_html, workbook_bytes
from subsidy.profile import load_profile

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.json"))
CHINESE_ONLY_HEADERS = {"Clause (original Chinese text)", "Responsible units (Chinese names)"}
"""English headers of columns that quote Chinese originals on purpose (their cells are
skipped; the headers themselves are checked)."""


def workbook_texts(data: bytes, skip_headers: set[str] = CHINESE_ONLY_HEADERS) -> list[str]:
    """Every sheet name and text cell of an .xlsx file, except the cells under a header of
    ``skip_headers`` (row 1)."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    texts: list[str] = []
    for sheet in book.worksheets:
        texts.append(sheet.title)
        skipped: set[int] = set()
        for row in sheet.iter_rows():
            for cell in row:
                if cell.row == 1 and cell.value in skip_headers:
                    skipped.add(cell.column)
                elif isinstance(cell.value, str) and cell.column not in skipped:
                    texts.append(cell.value)
    return texts


class _Text(HTMLParser):
    """The text of an HTML page a reader sees, without elements marked as Chinese."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.stack: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"meta", "br", "link", "img", "hr", "input"}:
            return
        chinese = dict(attrs).get("lang", "") or ""
        self.stack.append((tag, chinese.startswith("zh") or any(z for _, z in self.stack)))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if not (self.stack and self.stack[-1][1]) and data.strip():
            self.texts.append(data)


def html_texts(page: str) -> list[str]:
    """The visible texts of ``page`` (its title included), leaving out ``lang="zh…"`` parts."""
    parser = _Text()
    parser.feed(page)
    return parser.texts


def chinese_in(texts: list[str], typed: list[str]) -> list[str]:
    """The texts that hold Chinese once the user's own values are taken out."""
    return [text for text in texts if chinese_runs(without(text, typed))]


def typed_values(path: Path) -> list[str]:
    """What the user typed into an example profile: names, codes, leaders, projects."""
    return sorted(set(free_text(json.loads(path.read_text(encoding="utf-8")))), key=len, reverse=True)


def _report(path: Path) -> tuple[Any, Any]:
    profile = load_profile(path.read_bytes())
    return evaluate(profile), profile


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_the_self_check_workbook_is_english(path: Path) -> None:
    report, profile = _report(path)
    data = workbook_bytes(report, profile, ruleset=default_rules(), lang="en")
    assert chinese_in(workbook_texts(data), typed_values(path)) == []


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_the_printable_report_is_english(path: Path) -> None:
    report, profile = _report(path)
    page = report_html(report, profile, ruleset=default_rules(), lang="en")
    assert '<html lang="en">' in page
    assert chinese_in(html_texts(page), typed_values(path)) == []


def test_the_checker_finds_chinese_in_a_workbook() -> None:
    """The checks above can fail: a Chinese workbook is caught, sheet names included."""
    path = ROOT / "examples" / "qiaokou-trading-group.json"
    report, profile = _report(path)
    texts = workbook_texts(workbook_bytes(report, profile, ruleset=default_rules(), lang="zh"))
    assert "结果" in chinese_in(texts, typed_values(path))
    assert html_texts('<p>ok <span lang="zh-CN">原文</span> 说明</p>') == ["ok ", " 说明"]


def test_the_chinese_self_check_files_are_unchanged() -> None:
    path = ROOT / "examples" / "qiaokou-trading-group.json"
    report, profile = _report(path)
    texts = workbook_texts(workbook_bytes(report, profile, ruleset=default_rules(), lang="zh"), set())
    assert {"结果", "企业档案", "概要", "金额（万元）", "政策原文", "责任单位", "事项"} <= set(texts)
    page = report_html(report, profile, ruleset=default_rules(), lang="zh")
    assert '<html lang="zh-CN">' in page and "lang=\"zh-CN\"><" not in page.split("<body>", 1)[1]
    assert "可获得奖励合计" in page and "（" in page
