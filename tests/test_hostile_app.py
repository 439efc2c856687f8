"""Hostile input on the app's side: an uploaded profile is bounded before it is parsed, and
user text is made literal for Markdown."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st

from subsidy.ui import profile_form
from subsidy.ui.safe_text import md_text

CORPUS = Path(__file__).resolve().parent / "data" / "hostile"


@pytest.mark.parametrize("name", ["nested-5000.json", "nested-990-objects.json", "count-4301-digits.json"])
def test_an_uploaded_hostile_profile_is_refused_with_problems_not_a_crash(name: str) -> None:
    st.session_state.clear()
    profile_form.load_upload((CORPUS / name).read_bytes(), name)
    problems = st.session_state["ui.load_error"]
    assert problems and problems[0].message_zh


def test_an_uploaded_profile_over_the_size_limit_is_refused() -> None:
    st.session_state.clear()
    profile_form.load_upload(b"{" + b" " * (2 * 1024 * 1024) + b"}", "big.json")
    assert "字节" in st.session_state["ui.load_error"][0].message_zh


@pytest.mark.parametrize("text, expected", [
    ("**粗**", "\\*\\*粗\\*\\*"),
    ("[点我](https://evil.example)", "\\[点我\\](https:\u200b//evil.example)"),
    ("![x](y)", "!\\[x\\](y)"),
    ("<b>b</b>", "\\<b\\>b\\</b\\>"),
    ("$x$ ~~s~~ `c` #h |t|", "\\$x\\$ \\~\\~s\\~\\~ \\`c\\` \\#h \\|t\\|"),
    (":material/home: :smile: :red[x]", ":\u200bmaterial/home: :\u200bsmile: :\u200bred\\[x\\]"),
    ("- a\n1. b\n> c", "\\- a\n1\\. b\n\\> c"),
    ("a\x1bb\udfff", "a\ufffdb\ufffd"),
    ("1.5亿元 12:30 -5", "1.5亿元 12:30 -5"),
], ids=["emphasis", "link", "image", "html", "other", "codes", "blocks", "control", "plain"])
def test_md_text_makes_markup_literal(text: str, expected: str) -> None:
    assert md_text(text) == expected


def test_md_text_one_line_cannot_start_a_block() -> None:
    assert md_text("甲\n# 乙\n- 丙", one_line=True) == "甲 \\# 乙 - 丙"
