"""Streamlit's own words in the chosen language, and the scroll to the results.

Why this exists: Streamlit draws some texts of its widgets itself, in English, with no setting
to change them — the file uploader's "Drag and drop a file here" and "20MB per file", the
multiselect's "Select all", a select's "No results", a text field's "Press Enter to apply",
and the uploader's "… files are not allowed." In a Chinese page a finance clerk reads them
as noise or as an error they cannot understand. A small script, run once per page in the
browser, replaces exactly those texts (a fixed table below, nothing else) whenever Streamlit
draws them, and a style sheet hides what has no useful translation.

Nothing from a user goes into the script: it is built from the constant tables here and the
language code, so it cannot carry markup from a profile.
"""

from __future__ import annotations

import json

import streamlit as st

# Exact texts Streamlit draws → (Chinese, English). English keeps Streamlit's wording except
# where it is wrong for this app (the size is the real limit either way).
EXACT: dict[str, tuple[str, str]] = {
    "Drag and drop a file here": ("将文件拖放到此处", "Drag and drop a file here"),
    "Drag and drop files here": ("将文件拖放到此处", "Drag and drop files here"),
    "Upload": ("选择文件", "Upload"),
    "Browse files": ("选择文件", "Browse files"),
    "Select all": ("全选", "Select all"),
    "Error:": ("错误：", "Error:"),
    "Error": ("错误", "Error"),
    "Clear all": ("全部清除", "Clear all"),
    "No results": ("无匹配项", "No results"),
    "Press Enter to apply": ("按回车键确认", "Press Enter to apply"),
    "Press Enter to submit form": ("按回车键提交", "Press Enter to submit form"),
    "Running...": ("正在计算…", "Running..."),
    "Stop": ("停止", "Stop"),
    "Page not found": ("页面不存在", "Page not found"),
    "The page that you have requested does not seem to exist. Running the app's main page.": (
        "您打开的页面不存在，已转到首页。",
        "The page you asked for does not exist; showing the main page."),
}

# Texts with a variable part: JavaScript regular expressions and their replacements.
PATTERNS: list[tuple[str, tuple[str, str]]] = [
    (r"^(\d+(?:\.\d+)?)\s?MB per file(?: • (.*))?$",
     ("单个文件不超过 $1 MB · $2", "At most $1 MB per file · $2")),
    (r"^(\S*) files are not allowed\.$",
     ("不接受此类文件（$1），请选择 JSON 文件。", "This kind of file ($1) is not accepted; choose a JSON file.")),
    (r"^File must be (\S+) or smaller\.$",
     ("文件过大：不能超过 $1。", "The file is too large: at most $1.")),
    (r"^Select (\d+) matches$", ("选择 $1 个匹配项", "Select $1 matches")),
]

# Parts of Streamlit's frame that carry no meaning for a clerk and have no translation
# setting: the "Made with Streamlit" footer and the deploy button (not shown under
# toolbarMode "minimal", hidden here too in case a proxy serves the app in developer mode).
_CSS = """
footer, [data-testid="stAppDeployButton"] { display: none !important; }
[data-testid="stFileUploaderDropzoneInstructions"] span { white-space: normal; }
"""

_SCRIPT = """
(() => {
  const lang = %(lang)s, exact = %(exact)s, patterns = %(patterns)s;
  const pick = (pair) => pair[lang === "en" ? 1 : 0];
  const regexps = patterns.map(([re, pair]) => [new RegExp(re), pick(pair)]);
  const fix = (text) => {
    const key = text.trim();
    if (!key) return null;
    if (Object.prototype.hasOwnProperty.call(exact, key)) return pick(exact[key]);
    for (const [re, to] of regexps) {
      if (re.test(key)) return key.replace(re, to).replace(/ · $/, "");
    }
    return null;
  };
  const state = window.__subsidyText || (window.__subsidyText = {});
  // A replaced node remembers Streamlit's own text, so a later switch of language translates
  // from it (React does not redraw a text it believes unchanged).
  state.source = state.source || new WeakMap();
  state.shown = state.shown || new WeakMap();
  const walk = (root) => {
    const it = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const todo = [];
    for (let n = it.nextNode(); n; n = it.nextNode()) todo.push(n);
    for (const n of todo) {
      const ours = state.shown.get(n) === n.nodeValue;
      const source = ours ? state.source.get(n) : n.nodeValue;
      const to = fix(source);
      if (to === null || to === n.nodeValue) continue;
      state.source.set(n, source);
      state.shown.set(n, to);
      n.nodeValue = to;
    }
  };
  state.walk = walk;
  if (!state.observer) {
    state.observer = new MutationObserver((records) => {
      for (const r of records) {
        if (r.type === "characterData") state.walk(r.target.parentNode || document.body);
        for (const n of r.addedNodes || []) {
          if (n.nodeType === 1) state.walk(n);
          else if (n.nodeType === 3 && n.parentNode) state.walk(n.parentNode);
        }
      }
    });
    state.observer.observe(document.body, {subtree: true, childList: true, characterData: true});
  }
  walk(document.body);
})();
"""


def install(lang: str) -> None:
    """Put the translator and the style sheet on the page (cheap: the browser keeps one
    observer per page and only the language changes it)."""
    script = _SCRIPT % {
        "lang": json.dumps("en" if lang == "en" else "zh"),
        "exact": json.dumps(EXACT, ensure_ascii=False),
        "patterns": json.dumps(PATTERNS, ensure_ascii=False),
    }
    st.html(f"<style>{_CSS}</style><script>{script}</script>", unsafe_allow_javascript=True)


_SCROLL = """
(() => {
  const n = %(n)d;
  const state = window.__subsidyScroll || (window.__subsidyScroll = {done: 0});
  if (state.done >= n) return;
  let tries = 0;
  const go = () => {
    const target = document.getElementById("results");
    if (target) {
      state.done = n;
      target.scrollIntoView({behavior: "instant", block: "start"});
    } else if (++tries < 100) {
      setTimeout(go, 50);
    }
  };
  go();
})();
"""


def scroll_to_results(check_number: int) -> None:
    """Bring the results into view once per press of 开始核查 (``check_number`` counts the
    presses, so a later edit of the form, which reruns the page, does not scroll again)."""
    st.html(f"<script>{_SCROLL % {'n': check_number}}</script>", unsafe_allow_javascript=True)
