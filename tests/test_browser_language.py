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
- the values the test itself entered (the example profile's company name and project
  leader, the claim file's credit codes, company names, references and notes, the officials'
  names and accounts): user data, not the app's wording. Exactly those strings are taken out
  of a text before it is read, never whole elements.

Everything else fails the test: a Chinese character or Chinese punctuation (，：（）、。) in an
English page, from whatever source (the rule files, the evaluation's reasons, the review
page), and an English word in a Chinese page. What was found is also written to
artifacts/language-walk.txt.
"""

from __future__ import annotations

import csv
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
    review_signed_in,
    start_app,
    wait_for_app,
)
from language_check import chinese_runs, free_text, without
from register_support import PASSWORD

from subsidy.accounts import Accounts
from subsidy.register import Register

ROOT = Path(__file__).resolve().parents[1]
SKIP = browser_skip_reason()
EXAMPLE = ROOT / "examples" / "qiaokou-trading-group.json"
CLAIMS = ROOT / "examples" / "claims-demo.csv"
STAFF = (("clerk1", "经办", "张三"),)

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
ZH_ALLOWED_WORDS = {"JSON", "EXCEL", "HTML", "PDF", "XLSX", "CSV", "MB", "GB", "ENGLISH", "LANGUAGE", "YAML",
                    "PARQUET", "UTF"}


def english_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[A-Za-z]{2,}", CODES.sub(" ", text)) if w.upper() not in ZH_ALLOWED_WORDS]


FREE_TEXT_COLUMNS = ("统一社会信用代码", "企业名称", "技改项目名称", "人才项目负责人", "申报编号", "备注", "认定名称")


def typed_values() -> list[str]:
    """What this test entered, as the user would: free text of the example profile and of the
    claims file (and its file name), and the officials' names and accounts. Longest first, so a name is taken out whole."""
    values = set(free_text(json.loads(EXAMPLE.read_text(encoding="utf-8"))))
    with CLAIMS.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            values |= {row[c].strip() for c in FREE_TEXT_COLUMNS if row.get(c, "").strip()}
    values |= {name for _, _, name in STAFF} | {username for username, _, _ in STAFF} | {CLAIMS.name}
    return sorted(values, key=len, reverse=True)


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    register = tmp_path_factory.mktemp("register") / "register.sqlite"
    previous = os.environ.get("SUBSIDY_DB_URL")
    os.environ["SUBSIDY_DB_URL"] = f"sqlite:///{register}"  # a fresh register, not the checkout's
    made = Register(os.environ["SUBSIDY_DB_URL"])
    admin = Accounts(made).add("admin", "管理员", PASSWORD)
    for username, role, shown in STAFF:
        Accounts(made).add(username, role, PASSWORD, display_name=shown, by=admin)
    made.dispose()
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


def open_every_expander(page: Any, limit: int = 120) -> None:
    """Open each folded block of the page (findings, the form's optional parts, readings),
    one at a time: a finding's reasons are drawn only while it is open."""
    summaries = page.locator('[data-testid="stExpander"] details:not([open]) > summary')
    for _ in range(limit):
        if summaries.count() == 0:
            return
        summaries.first.scroll_into_view_if_needed()
        summaries.first.click()
        wait_for_app(page)


def walk(page: Any, lang: str) -> dict[str, list[str]]:
    """Visible texts of every page (the self-check with results, form, chart and the tags
    list opened, every finding opened; the catalogue; the review page with a verified batch
    and a claim picked) in the language currently chosen."""
    names = {"zh": ("企业自查", "规则目录", "审核", "修改企业数据并重新核查", "距下一档奖励", "或输入登记簿申报编号"),
             "en": ("Self-check", "Rule catalogue", "Review", "Change the figures and check again",
                    "How far to the next award", "or type a claim id of the register")}[lang]
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
    open_every_expander(page)
    seen["check: every block open"] = texts_of(page)
    page.get_by_role("tab", name=names[4]).click()
    wait_for_app(page)
    seen["check: ladder tab"] = texts_of(page)
    nav.get_by_text(names[1], exact=True).click()
    wait_for_app(page)
    seen["catalogue"] = texts_of(page)
    open_every_expander(page, limit=60)
    seen["catalogue: opened"] = texts_of(page)
    nav.get_by_text(names[2], exact=True).click()
    wait_for_app(page)
    pick_claim(page, names[5])  # a field's value does not outlive a visit to another page
    page.wait_for_timeout(1500)
    seen["review"] = texts_of(page)
    seen.update(walk_screening(page, lang))
    return seen


def walk_screening(page: Any, lang: str) -> dict[str, list[str]]:
    """The 政策测算 page with a generated sample screened (totals, charts, summary, lists)."""
    names = {"zh": ("政策测算", "生成测算样本", "开始测算"),
             "en": ("Policy screening", "Generate a sample", "Screen")}[lang]
    page.get_by_test_id("stSidebarNav").get_by_text(names[0], exact=True).click()
    wait_for_app(page)
    page.get_by_text(names[1], exact=True).click()
    wait_for_app(page)
    box = page.locator('[data-testid="stNumberInput"] input').first
    box.fill("300")
    box.press("Enter")
    wait_for_app(page)
    page.get_by_role("button", name=names[2], exact=True).click()
    wait_for_app(page, timeout_ms=180_000)
    page.get_by_test_id("stMetric").first.wait_for(timeout=180_000)
    open_every_expander(page)
    return {"screening": texts_of(page)}


def verify_claims(page: Any, base_url: str) -> None:
    """Sign in as a 经办, verify and record the demo claims, and pick a recorded claim (its
    card shows the verdict's reasons)."""
    review_signed_in(page, base_url, STAFF[0][0], PASSWORD)
    page.locator('input[type="file"]').set_input_files(str(CLAIMS))
    wait_for_app(page, timeout_ms=60_000)
    page.get_by_text("核验结果记入登记簿").click()
    wait_for_app(page, timeout_ms=60_000)
    page.get_by_role("button", name="开始核验").click()
    wait_for_app(page, timeout_ms=60_000)
    page.get_by_text("已记入登记簿").wait_for()
    pick_claim(page, "或输入登记簿申报编号")


def pick_claim(page: Any, label: str) -> None:
    """Open the first recorded claim's card (the register is fresh: claim 1 of the batch)."""
    box = page.get_by_label(label)
    box.fill("1")
    box.press("Enter")
    wait_for_app(page, timeout_ms=60_000)
    page.get_by_test_id("stMetric").first.wait_for()


def test_each_page_is_in_one_language(browser: Any, base_url: str) -> None:
    page = new_page(browser)
    page.set_default_timeout(60_000)
    verify_claims(page, base_url)
    page.get_by_test_id("stSidebarNav").get_by_text("企业自查", exact=True).click()
    wait_for_app(page)
    page.get_by_test_id("stSelectbox").filter(has_text="示例企业").click()
    company = json.loads(EXAMPLE.read_text(encoding="utf-8"))["name"]
    page.get_by_role("option", name=company).click()
    wait_for_app(page)
    page.get_by_role("button", name="载入示例").click()
    wait_for_app(page)
    page.get_by_role("button", name="开始核查").click()
    wait_for_app(page)

    typed = typed_values()
    failures: list[str] = []
    zh = walk(page, "zh")
    for where, texts in zh.items():
        for text in texts:
            words = english_words(without(text, typed))
            if words:
                failures.append(f"[zh] {where}: {words} in {text[:120]!r}")
    page.get_by_test_id("stSidebar").get_by_text("English", exact=True).click()
    wait_for_app(page)
    en = walk(page, "en")
    for where, texts in en.items():
        for text in texts:
            runs = chinese_runs(without(text, typed))
            if runs:
                failures.append(f"[en] {where}: {runs} in {text[:160]!r}")
    ARTIFACTS.mkdir(exist_ok=True)
    failures = sorted(set(failures))
    (ARTIFACTS / "language-walk.txt").write_text(
        "Words of the other language (must be empty):\n" + "\n".join(failures) + "\n", encoding="utf-8")
    page.screenshot(path=str(ARTIFACTS / "browser-language-en.png"))
    assert any("Reasons" in t or "Condition" in t for t in en["check: every block open"]), "findings were opened"
    assert any("Verdict" in t for t in en["review"]), "the review page showed the verified batch"
    assert "Reasons" in en["review"] and "Computed" in en["review"], "a recorded claim's card was read"
    assert "理由" in zh["review"] and "按规则核定" in zh["review"], "a recorded claim's card was read"
    assert sum(len(v) for v in zh.values()) > 200 and sum(len(v) for v in en.values()) > 200
    assert not failures, "\n".join(failures)
    page.context.close()
