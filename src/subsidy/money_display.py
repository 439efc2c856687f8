"""Amounts for people, written one way on every page and in every export.

Why a module of its own: the app's pages, the printable report and the workbook all show
amounts, and a reader who sees "2235万元" on one and "1,160万元" on another wonders whether
they are the same kind of figure. Every amount shown goes through these two functions:
thousands separators always, 亿元 beside large 万元 figures in Chinese, and in English plain
yuan (no Chinese unit in an English page).

Money stays :class:`~decimal.Decimal` in 万元 until here; these functions only format.
"""

from __future__ import annotations

from decimal import Decimal

from .money import WAN_PER_YI, normalize

YUAN_PER_WAN = Decimal(10_000)
WAN_UNIT = {"zh": "万元", "en": "RMB 10k"}
"""The name of the unit figures are typed in (万元, ten thousand yuan), as a header or a field
label says it: one wording for the English pages and every English file."""
_MILLION = Decimal(1_000_000)
_BILLION = Decimal(1_000_000_000)


def _grouped(value: Decimal) -> str:
    """1234567.5 → "1,234,567.5" (exact: no rounding, no exponent)."""
    return f"{normalize(value):,f}"


def wan_unit(lang: str = "zh") -> str:
    """The unit figures are typed in, named in ``lang``: "万元" / "RMB 10k"."""
    return WAN_UNIT["en" if lang == "en" else "zh"]


def wan_full(value: Decimal | None, lang: str = "zh") -> str:
    """An award or total in full: "1,160万元", "1,020,000万元（102亿元）"; "RMB 11,600,000"."""
    if value is None:
        return "—"
    if lang == "en":
        return f"RMB {_grouped(value * YUAN_PER_WAN)}"
    text = f"{_grouped(value)}万元"
    if abs(value) >= WAN_PER_YI:
        text += f"（{_grouped(value / WAN_PER_YI)}亿元）"
    return text


def wan_short(value: Decimal | None, lang: str = "zh") -> str:
    """A compact amount for lists, levels and chart labels: "2,235万元", "102亿元";
    "RMB 22.35 m", "RMB 10.2 bn"."""
    if value is None:
        return "—"
    if lang == "en":
        yuan = value * YUAN_PER_WAN
        if abs(yuan) >= _BILLION:
            return f"RMB {_grouped(yuan / _BILLION)} bn"
        if abs(yuan) >= _MILLION:
            return f"RMB {_grouped(yuan / _MILLION)} m"
        return f"RMB {_grouped(yuan)}"
    if abs(value) >= WAN_PER_YI:
        return f"{_grouped(value / WAN_PER_YI)}亿元"
    return f"{_grouped(value)}万元"
