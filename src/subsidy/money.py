"""Exact money in 万元 (10,000 yuan), parsed and formatted at the edges only.

All sums are :class:`~decimal.Decimal`. The rules engine cannot carry decimals (its facts
go through JSON, and a string would pass a numeric test), so money crosses into it as an
integer count of 分 (0.01 yuan): 1 万元 = 1,000,000 分. Inputs are therefore limited to
six decimal places of 万元.
"""

from __future__ import annotations

import re
from decimal import ROUND_FLOOR, Decimal, InvalidOperation

FEN_PER_WAN = 1_000_000
"""分 per 万元: the integer unit money is carried in inside the rules engine."""

WAN_PER_YI = Decimal(10_000)
MAX_PLACES = 6
PPM = 1_000_000
"""Ratios (growth rates) cross into the engine as integer parts per million, floored."""

_UNITS = {
    "亿元": Decimal(10_000),
    "亿": Decimal(10_000),
    "万元": Decimal(1),
    "万": Decimal(1),
    "元": Decimal("0.0001"),
}
_MONEY_RE = re.compile(r"^\s*([+-]?[0-9][0-9,]*(?:\.[0-9]+)?)\s*(亿元|亿|万元|万|元)?\s*$")


class MoneyError(ValueError):
    """A text that is not an amount of money."""


def to_decimal(value: object) -> Decimal:
    """Convert an int, a Decimal or a decimal string to Decimal — never via binary float."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise MoneyError(f"not a number: {value!r}")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # A float reaching here came from JSON or YAML text; its shortest repr is that text.
        return Decimal(repr(value))
    try:
        return Decimal(str(value).replace(",", "").strip())
    except InvalidOperation as exc:
        raise MoneyError(f"not a number: {value!r}") from exc


def parse_money(text: str | int | Decimal) -> Decimal:
    """Parse "100亿元", "2,300万元", "5万", "1500" (万元) into Decimal 万元."""
    if not isinstance(text, str):
        return to_decimal(text)
    match = _MONEY_RE.match(text)
    if not match:
        raise MoneyError(f"不是金额 / not an amount: {text!r} (例如 e.g. 100亿元, 2300万元)")
    number = to_decimal(match.group(1))
    return number * _UNITS[match.group(2) or "万元"]


def parse_ratio(text: str | int | Decimal) -> Decimal:
    """Parse "15%" or "0.15" into a Decimal fraction."""
    if isinstance(text, str) and text.strip().endswith("%"):
        return to_decimal(text.strip()[:-1]) / 100
    return to_decimal(text)


def to_fen(wan: Decimal) -> int:
    """万元 → integer 分, exact; refuses more than six decimal places."""
    fen = wan * FEN_PER_WAN
    if fen != fen.to_integral_value():
        raise MoneyError(f"{wan} 万元 has more than {MAX_PLACES} decimal places")
    return int(fen)


def from_fen(fen: int) -> Decimal:
    """Integer 分 → Decimal 万元."""
    return normalize(Decimal(fen) / FEN_PER_WAN)


def ratio_to_ppm(ratio: Decimal) -> int:
    """A fraction as floored parts per million: floor keeps `>= threshold` exact for whole-ppm thresholds."""
    return int((ratio * PPM).to_integral_value(rounding=ROUND_FLOOR))


def normalize(value: Decimal) -> Decimal:
    """Drop trailing zeros without switching to exponent notation (1E+3 → 1000)."""
    normal = value.normalize()
    return normal.quantize(Decimal(1)) if normal == normal.to_integral_value() else normal


def format_wan(value: Decimal | None, lang: str = "zh") -> str:
    """Format 万元 for people: "500万元", "102亿元", "1.5亿元"; English "RMB 5.00 m"."""
    if value is None:
        return "—"
    value = normalize(value)
    if lang == "en":
        yuan_m = normalize(value / 100)
        return f"RMB {yuan_m:,} m"
    if abs(value) >= WAN_PER_YI:
        return f"{normalize(value / WAN_PER_YI)}亿元"
    return f"{value}万元"


def format_wan_both(value: Decimal | None) -> str:
    """万元 with 亿元 alongside where large: "1,020,000万元（102亿元）"."""
    if value is None:
        return "—"
    value = normalize(value)
    text = f"{value:,}万元"
    if abs(value) >= WAN_PER_YI:
        text += f"（{normalize(value / WAN_PER_YI)}亿元）"
    return text


def to_json_number(value: Decimal | None) -> int | float | None:
    """For JSON output only: an integral amount as int, else the float whose text is the decimal."""
    if value is None:
        return None
    value = normalize(value)
    return int(value) if value == value.to_integral_value() else float(str(value))
