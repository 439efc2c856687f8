"""One cell of a claims file read into a value of its column's kind, and the award column
read into a rule id.

Why a cell that cannot be read raises rather than defaults: the reader reports the row
(:class:`~subsidy.claims.model.RowProblem`) and goes on, and a guessed value could become a
wrong award.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from .. import vocab
from ..money import MAX_PLACES, MoneyError, normalize, parse_money
from ..profile import MAX_MONEY_WAN, MAX_YEAR, MIN_YEAR, is_valid_credit_code
from ..ruleset import RuleSet
from .columns import RULES_SHEET, Column

# --------------------------------------------------------------------------------------------
# Reading a cell
# --------------------------------------------------------------------------------------------


class CellError(Exception):
    """A cell that cannot be read as its column's kind, with the reason in both languages."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


def is_blank(value: Any) -> bool:
    """An empty cell, or one holding only blanks: not given."""
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value: Any) -> str | None:
    """A cell as text, None when blank; Excel's whole-number floats and datetimes as written."""
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return str(value).strip()


def _whole(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else None
    text = str(value).strip().replace(",", "")
    text = re.sub(r"\s*[年家个星]$", "", text)
    if len(text) <= 24 and re.fullmatch(r"[+-]?\d+(\.0+)?", text):
        return int(Decimal(text))
    return None


def _year(value: Any) -> int:
    year = _whole(value)
    if year is None or not MIN_YEAR <= year <= MAX_YEAR:
        raise CellError(f"应为 {MIN_YEAR} 至 {MAX_YEAR} 之间的年份，实为「{_show(value)}」",
                         f"expected a year from {MIN_YEAR} to {MAX_YEAR}, got {_show(value)!r}")
    return year


def _count(value: Any) -> int:
    count = _whole(value)
    if count is None or count < 0:
        raise CellError(f"应为不小于0的整数，实为「{_show(value)}」",
                         f"expected a whole number >= 0, got {_show(value)!r}")
    return count


def _stars(value: Any) -> int:
    stars = _whole(value)
    if stars is None or not 1 <= stars <= 5:
        raise CellError(f"应为1至5的星级，实为「{_show(value)}」",
                         f"expected 1 to 5 stars, got {_show(value)!r}")
    return stars


_MONEY_ZH = "应为金额（万元），例如 1500、2300.5 或 102亿元"
_MONEY_EN = "expected an amount in RMB 10k, e.g. 1500 or 2300.5"


def _money(value: Any) -> Decimal:
    """An exact amount in 万元 from a cell: numbers (Excel's doubles read by their shortest
    text), or text with a unit (102亿元, 2,300万元)."""
    if isinstance(value, bool):
        raise CellError(_MONEY_ZH, _MONEY_EN)
    try:
        if isinstance(value, float):
            number = Decimal(repr(value))
        elif isinstance(value, int | Decimal):
            number = Decimal(value)
        else:
            number = parse_money(str(value).strip())
    except (MoneyError, InvalidOperation):
        raise CellError(f"{_MONEY_ZH}，实为「{_show(value)}」",
                         f"{_MONEY_EN}, got {_show(value)!r}") from None
    if not number.is_finite():
        raise CellError(_MONEY_ZH, _MONEY_EN)
    if number < 0:
        raise CellError(f"金额不能为负数，实为「{_show(value)}」",
                         f"an amount cannot be negative, got {_show(value)!r}")
    if number > MAX_MONEY_WAN:
        raise CellError(f"金额过大，应不超过 {MAX_MONEY_WAN:,} 万元（10万亿元），请确认单位是万元",
                         f"amount too large (at most {MAX_MONEY_WAN:,} in RMB 10k); is the unit RMB 10k?")
    number = normalize(number)
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_PLACES:
        raise CellError(f"金额最多 {MAX_PLACES} 位小数（万元）",
                         f"at most {MAX_PLACES} decimal places (RMB 10k)")
    return number


_DATE_TEXT = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    match = _DATE_TEXT.match(str(value)) if isinstance(value, str) else None
    if match:
        try:
            return dt.date(*(int(g) for g in match.groups()))
        except ValueError:
            pass
    raise CellError(f"应为日期，格式 2020-07-22，实为「{_show(value)}」",
                     f"expected a date as 2020-07-22, got {_show(value)!r}")


_TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "对", "符合", "已完工"}
_FALSE = {"否", "n", "no", "false", "0", "×", "✗", "不符合", "未完工"}


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError(f"应为“是”或“否”，实为「{_show(value)}」",
                     f"expected yes (是) or no (否), got {_show(value)!r}")


def _lookup(codes: Mapping[str, vocab.Label]) -> dict[str, str]:
    table: dict[str, str] = {}
    for code, label in codes.items():
        for name in (code, label.zh, label.en):
            table[_vocab_key(name)] = code
    return table


def _vocab_key(text: str) -> str:
    return re.sub(r"[\s\"'“”「」]", "", str(text)).lower()


_LOOKUPS: dict[int, dict[str, str]] = {}


def _code(value: Any, codes: Mapping[str, vocab.Label]) -> str:
    """A vocabulary code from a code, its Chinese or its English label."""
    table = _LOOKUPS.setdefault(id(codes), _lookup(codes))
    text = str(value).strip()
    found = table.get(_vocab_key(text))
    if found is None:
        choices = "、".join(label.zh for label in codes.values())
        raise CellError(f"不认识「{text}」，应为以下之一：{choices}",
                         f"unknown value {text!r}; expected one of: "
                         + ", ".join(codes))
    return found


_SPLIT = re.compile(r"[、,，;；/\n]+")


def _codes(value: Any, codes: Mapping[str, vocab.Label]) -> list[str]:
    text = str(value).strip()
    if text in ("无", "none", "None", "-", "—"):
        return []
    return [_code(part, codes) for part in _SPLIT.split(text) if part.strip()]


def read_credit_code(value: Any) -> str:
    """A valid 统一社会信用代码; a number is refused, since Excel has already lost its digits."""
    if isinstance(value, float | int) and not isinstance(value, bool):
        raise CellError("统一社会信用代码被当成了数字，请把该列设为文本格式后重新填写",
                         "the credit code was stored as a number; format the column as text")
    code = str(value).strip().upper()
    if not is_valid_credit_code(code):
        raise CellError(f"统一社会信用代码「{code}」无效（应为18位，校验位按 GB 32100-2015）",
                         f"invalid credit code {code!r} (18 characters, GB 32100-2015 check)")
    return code


def _show(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _programme(value: Any) -> str | None:
    """A talent programme as written: a known programme's English name (the English template
    writes it so) becomes its code; any other name is kept, for the profile to read (it knows
    the Chinese names and takes other programmes as named)."""
    text = cell_text(value)
    if text is None:
        return None
    table = _LOOKUPS.setdefault(id(vocab.TALENT_PROGRAMMES), _lookup(vocab.TALENT_PROGRAMMES))
    code = table.get(_vocab_key(text))
    english = code is not None and _vocab_key(vocab.TALENT_PROGRAMMES[code].en) == _vocab_key(text)
    return code if english else text


def read_cell(column: Column, value: Any) -> Any:
    """A non-blank cell read as its column's kind; raises :class:`CellError`."""
    kind = column.kind
    if kind == "programme":
        return _programme(value)
    if kind in ("text", "rule"):
        return cell_text(value)
    if kind == "credit_code":
        return read_credit_code(value)
    if kind == "code":
        assert column.vocab is not None
        return _code(value, column.vocab)
    if kind == "codes":
        assert column.vocab is not None
        return _codes(value, column.vocab)
    if kind == "money":
        return _money(value)
    if kind == "year":
        return _year(value)
    if kind == "count":
        return _count(value)
    if kind == "stars":
        return _stars(value)
    if kind == "date":
        return _date(value)
    if kind == "bool":
        return _bool(value)
    raise AssertionError(kind)


# --------------------------------------------------------------------------------------------
# The award column: a rule by id or title
# --------------------------------------------------------------------------------------------


def _title_key(text: str) -> str:
    text = re.sub(r"[\s\"'“”「」《》]", "", text or "")
    return text.replace("(", "（").replace(")", "）").lower()


_INDEXES: dict[int, tuple[RuleSet, dict[str, list[str]], list[str]]] = {}
"""Each rule set's title index, built once (a file of 100,000 claims asks 100,000 times)."""
SUGGEST_UP_TO = 200
"""Award texts longer than this get no "did you mean" (the comparison grows with the length)."""


def _index(ruleset: RuleSet) -> tuple[dict[str, list[str]], list[str]]:
    cached = _INDEXES.get(id(ruleset))
    if cached is not None and cached[0] is ruleset:
        return cached[1], cached[2]
    by_key: dict[str, list[str]] = {}
    for rule in ruleset.rules.values():
        for name in (rule.id, rule.title, rule.title_en):
            by_key.setdefault(_title_key(name), []).append(rule.id)
    names = [r.title for r in ruleset.rules.values()] + list(ruleset.rules)
    if len(_INDEXES) >= 16:
        _INDEXES.clear()
    _INDEXES[id(ruleset)] = (ruleset, by_key, names)
    return by_key, names


def resolve_rule(ruleset: RuleSet, text: str, suggest: bool = True) -> tuple[str | None, str, str]:
    """A rule id from a rule id or the rule's Chinese (or English) title.

    Returns (rule_id, "", "") or (None, message_zh, message_en), with a suggestion of the
    closest title when ``suggest`` is true and the text is short enough to compare.
    """
    wanted = (text or "").strip()
    if wanted in ruleset.rules:
        return wanted, "", ""
    by_key, names = _index(ruleset)
    found = sorted(set(by_key.get(_title_key(wanted), [])))
    if len(found) == 1:
        return found[0], "", ""
    if len(found) > 1:
        ids = "、".join(found)
        return None, f"「{wanted}」对应多条规则（{ids}），请填写规则编号", \
            f"{wanted!r} matches several rules ({ids}); give the rule id"
    close = []
    if suggest and len(wanted) <= SUGGEST_UP_TO:
        close = difflib.get_close_matches(wanted, names, n=1, cutoff=0.5)
    shown = _show(wanted)
    hint_zh = f"，是否指「{close[0]}」？" if close else "。"
    hint_en = f"; did you mean {close[0]!r}?" if close else "."
    return None, (f"不认识的奖励条款「{shown}」{hint_zh}请填写规则编号（如 qk.listing）或条款名称，"
                  f"见模板的“{RULES_SHEET}”表"), \
        f"unknown award {shown!r}{hint_en} Give a rule id (e.g. qk.listing) or its title"
