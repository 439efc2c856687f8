"""Every page in both languages, read as the user sees it in a real Chromium: no English word
in the Chinese pages and no Chinese in the English pages.

The text is taken from the page itself (every visible text node, Streamlit's own widgets
included), not from our string tables, so a text Streamlit draws in English is caught too.

What may stay, and why (the allow-list):
- in the Chinese pages: codes a reader looks up elsewhere (rule ids ``qk.listing``, reading ids
  ``INTERP-QK-1``, policy ids, the ruleset version ``sha256:…``, source file names), the
  format names JSON, Excel, HTML, PDF, XLSX, CSV, the unit MB and the standard's name GB, and
  the language switch's "English" / "Language" (so a reader of either language finds it), and
  commands shown as code (typed as they are, in either language);
- in the English pages: the switch's "中文" / "语言"; the section numbers of the policy
  documents ("三(二)1": a citation of the Chinese text, which has no English numbering); text
  marked ``lang="zh-CN"`` — verbatim clauses and proper names that exist only in Chinese.
- Chinese that comes from the rule files, the evaluation's reasons, the profile itself (the
  company's name) or the review page's own wording is not the self-check's to translate: it
  is written to artifacts/language-walk.txt and counted, not failed, so what remains is known.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import (
    ARTIFACTS,
    browser_skip_reason,
    launch_browser,
    new_page,
    start_app,
    wait_for_app,
)

from subsidy.evaluate import evaluate
from subsidy.profile import load_profile

ROOT = Path(__file__).resolve().parents[1]
SKIP = browser_skip_reason()
EXAMPLE = ROOT / "examples" / "qiaokou-trading-group.json"

pytestmark = [pytest.mark.browser, pytest.mark.skipif(SKIP is not None, reason=SKIP or "")]

VISIBLE_TEXT = """
() => {
  const clipped = (el) => {
    for (let e = el, depth = 0; e && depth < 6; e = e.parentElement, depth++) {
      const s = getComputedStyle(e);
      if (s.clip === "rect(0px, 0px, 0px, 0px)" || s.clipPath === "inset(50%)") return true;
      const b = e.getBoundingClientRect();
      if (b.width <= 1 || b.height <= 1) return true;
    }
    return false;
  };
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = n.nodeValue.trim();
    const el = n.parentElement;
    if (!text || !el) continue;
    if (el.closest('script, style, noscript, code, pre, [data-testid="stIconMaterial"], [lang^="zh"]')) continue;
    if (getComputedStyle(el).fontFamily.includes("Material")) continue;  // icon ligatures
    if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true}) || clipped(el)) continue;
    out.push(text);
  }
  return out;
}
"""

CODES = re.compile(
    r"sha256:?[0-9a-f]*|:[0-9a-f]{16}|INTERP-[A-Z0-9-]+|[\w-]+\.txt\b|\b[a-z0-9]+\.[a-z0-9_.]+\b"
    r"|\b[a-z]+-[0-9]{4}-[a-z0-9]+\b|\b[A-Z]+(?:_[A-Z]+)+\b")  # …, environment variable names
ZH_ALLOWED_WORDS = {"JSON", "EXCEL", "HTML", "PDF", "XLSX", "CSV", "MB", "GB", "ENGLISH", "LANGUAGE"}
CHINESE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+")
SECTION = re.compile(r"[一二三四五六七八九十]+[、]?(?:\([一二三四五六七八九十]+\))*[0-9]*")
EN_ALLOWED_RUNS = {"中文", "语言"}


def english_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[A-Za-z]{2,}", CODES.sub(" ", text)) if w.upper() not in ZH_ALLOWED_WORDS]


def chinese_runs(text: str) -> list[str]:
    return [r for r in CHINESE.findall(SECTION.sub(" ", text)) if r not in EN_ALLOWED_RUNS]


def data_corpus() -> str:
    """Chinese the self-check shows but does not write: the rule files (vocabulary included),
    the evaluation's findings and hints, the example profiles, the review page's own table."""
    from subsidy.ui import review_page

    report = evaluate(load_profile(EXAMPLE.read_bytes()))
    parts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "rules").glob("*.yaml"))]
    parts.append(json.dumps(report.model_dump(mode="json"), ensure_ascii=False))
    parts += [p.read_text(encoding="utf-8") for p in sorted((ROOT / "examples").glob("*.json"))]
    parts += [text for pair in getattr(review_page, "TEXT", {}).values() for text in pair]
    return "\n".join(parts)


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    register = tmp_path_factory.mktemp("register") / "register.sqlite"
    previous = os.environ.get("SUBSIDY_DB_URL")
    os.environ["SUBSIDY_DB_URL"] = f"sqlite:///{register}"  # a fresh register, not the checkout's
    try:
        with start_app() as url:
            yield url
    finally:
        if previous is None:
            os.environ.pop("SUBSIDY_DB_URL", None)
        else:
            os.environ["SUBSIDY_DB_URL"] = previous


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch_browser() as chromium:
        yield chromium


def texts_of(page: Any) -> list[str]:
    page.wait_for_timeout(600)
    return sorted(set(page.evaluate(VISIBLE_TEXT)))


def walk(page: Any, lang: str) -> dict[str, list[str]]:
    """Visible texts of every page (the self-check with results, form, chart and the tags
    list opened; the catalogue; the review page) in the language currently chosen."""
    names = {"zh": ("企业自查", "规则目录", "审核", "修改企业数据并重新核查", "距下一档奖励"),
             "en": ("Self-check", "Rule catalogue", "Review", "Change the figures and check again",
                    "How far to the next award")}[lang]
    seen: dict[str, list[str]] = {}
    nav = page.get_by_test_id("stSidebarNav")
    nav.get_by_text(names[0], exact=True).click()
    wait_for_app(page)
    seen["check: results"] = texts_of(page)
    form = page.get_by_text(names[3])
    if page.locator('[data-testid="stTextInputRootElement"]').count() == 0:
        form.click()
        wait_for_app(page)
    seen["check: results and form"] = texts_of(page)
    page.get_by_test_id("stMultiSelect").first.click()  # the tags list ("Select all")
    seen["check: tags list open"] = texts_of(page)
    page.keyboard.press("Escape")
    page.get_by_role("tab", name=names[4]).click()
    wait_for_app(page)
    seen["check: ladder tab"] = texts_of(page)
    nav.get_by_text(names[1], exact=True).click()
    wait_for_app(page)
    seen["catalogue"] = texts_of(page)
    nav.get_by_text(names[2], exact=True).click()
    wait_for_app(page)
    page.wait_for_timeout(1500)
    seen["review"] = texts_of(page)
    return seen


def test_each_page_is_in_one_language(browser: Any, base_url: str) -> None:
    page = new_page(browser)
    page.goto(base_url)
    wait_for_app(page)
    page.get_by_test_id("stSelectbox").filter(has_text="示例企业").click()
    company = json.loads(EXAMPLE.read_text(encoding="utf-8"))["name"]
    page.get_by_role("option", name=company).click()
    wait_for_app(page)
    page.get_by_role("button", name="载入示例").click()
    wait_for_app(page)
    page.get_by_role("button", name="开始核查").click()
    wait_for_app(page)

    corpus = data_corpus()
    failures: list[str] = []
    reported: list[str] = []
    zh = walk(page, "zh")
    for where, texts in zh.items():
        for text in texts:
            words = english_words(text)
            if words:
                failures.append(f"[zh] {where}: {words} in {text[:120]!r}")
    page.get_by_test_id("stSidebar").get_by_text("English", exact=True).click()
    wait_for_app(page)
    en = walk(page, "en")
    for where, texts in en.items():
        for text in texts:
            runs = chinese_runs(text)
            if not runs:
                continue
            line = f"[en] {where}: {runs} in {text[:160]!r}"
            (reported if all(r in corpus for r in runs) else failures).append(line)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "language-walk.txt").write_text(
        "Self-check wording (must be empty):\n" + "\n".join(failures)
        + "\n\nChinese from rule files, reasons, the profile or the review page, in English pages:\n"
        + "\n".join(sorted(set(reported))) + "\n", encoding="utf-8")
    page.screenshot(path=str(ARTIFACTS / "browser-language-en.png"))
    print(f"language walk: {len(set(reported))} Chinese texts from rule data/reasons left in English pages "
          "(artifacts/language-walk.txt)")
    assert sum(len(v) for v in zh.values()) > 200 and sum(len(v) for v in en.values()) > 200
    assert not failures, "\n".join(failures)
    page.context.close()
