"""Texts every face shows alike: amounts with separators, what to provide in words, and a
download's file name built safely from any company name."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from subsidy.evaluate import evaluate
from subsidy.money_display import wan_full, wan_short
from subsidy.profile import load_profile
from subsidy.report_text import MAX_STEM_BYTES, MAX_STEM_CHARS, file_stem, missing_words, short_name

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("wan", "full", "short", "full_en", "short_en"), [
    ("2235", "2,235万元", "2,235万元", "RMB 22,350,000", "RMB 22.35 m"),
    ("1160", "1,160万元", "1,160万元", "RMB 11,600,000", "RMB 11.6 m"),
    ("1020000", "1,020,000万元（102亿元）", "102亿元", "RMB 10,200,000,000", "RMB 10.2 bn"),
    ("0.5", "0.5万元", "0.5万元", "RMB 5,000", "RMB 5,000"),
])
def test_amounts_have_separators_and_no_chinese_unit_in_english(
        wan: str, full: str, short: str, full_en: str, short_en: str) -> None:
    value = Decimal(wan)
    assert (wan_full(value), wan_short(value), wan_full(value, "en"), wan_short(value, "en")) == (
        full, short, full_en, short_en)
    assert wan_full(None) == "—"


def test_missing_information_is_a_sentence_without_field_codes() -> None:
    report = evaluate(load_profile((ROOT / "examples/qiaokou-trading-group.json").read_bytes()))
    needs = [f for f in report.results if f.status == "needs_info"]
    assert needs
    for finding in needs:
        for lang in ("zh", "en"):
            for text in missing_words(finding, lang):
                assert "[" not in text and "_wan" not in text, text
    bonus = next(f for f in needs if f.rule_id == "qk.revenue_milestone_bonus")
    assert missing_words(bonus)[0].startswith(f"请补充{bonus.year - 1}年的区级财政贡献")


@pytest.mark.parametrize("name", [
    "汉正街示例商贸有限公司" * 44,  # 484 characters
    "../../etc/passwd",
    'a<b>c:d"e/f\\g|h?i*j',
    "CON",
    "...",
    "名\x00称\n换行",
])
def test_file_names_are_short_and_safe(name: str) -> None:
    stem = file_stem(name)
    assert stem and len(stem) <= MAX_STEM_CHARS and len(stem.encode()) <= MAX_STEM_BYTES
    assert not any(ch in stem for ch in '/\\:*?"<>|\x00\n') and not stem.startswith(".")
    assert stem.upper() != "CON"


def test_a_long_name_is_cut_for_titles() -> None:
    assert short_name("甲" * 482).endswith("…") and len(short_name("甲" * 482)) == 100
    assert short_name("甲" * 100) == "甲" * 100  # the longest valid name is shown whole
    assert short_name("乙公司") == "乙公司"
