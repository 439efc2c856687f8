"""The company profile: the one input every face hands to the calculator (CONTRACT.md).

Why it is strict: other systems (a district's claim register, tax or statistics exports, an
official's script) write these files, and a silently ignored key or a mistyped figure would
become a wrong award. So unknown keys are refused, money is exact, years are plausible, and
every refusal names the field and says what is expected, in Chinese and English, all at once
(one round trip for the person fixing the file, not one per mistake).

Why money is :class:`~decimal.Decimal`: sums of 万元 must be exact (0.1 + 0.2 is 0.3). JSON
text is therefore parsed with ``parse_float=Decimal`` and never passes through a binary float;
at most six decimal places are accepted because the engine carries money as integer 分
(see :mod:`subsidy.money`).

Why absence is kept: only ``name``, ``district`` and ``sector`` are required. A missing figure
stays ``None`` so that a rule needing it answers *needs information*, never a guess. For the
same reason ``industry_tags`` absent (``None``: not stated) differs from ``[]`` (stated: none of
the five priority industries).

Public API: :class:`Profile` and its parts, :func:`parse_profile`, :func:`load_profile`,
:func:`validate_profile`, :func:`dump_profile`, :func:`profile_json_schema`,
:class:`ProfileError` / :class:`Problem`, :data:`FIELD_LABELS` / :data:`FIELD_LABELS_EN` /
:func:`field_label`, and the credit-code check :func:`credit_code_check_char` /
:func:`is_valid_credit_code`. The problems and labels are made in :mod:`subsidy.profile_errors`
and offered here too.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationError,
    WithJsonSchema,
    create_model,
    field_validator,
)

from subsidy import vocab
from subsidy.money import MAX_PLACES, normalize, to_json_number
from subsidy.profile_errors import (
    FIELD_LABELS,
    FIELD_LABELS_EN,
    Problem,
    ProfileError,
    bilingual_error,
    field_label,
    json_problem,
    problems_from_errors,
    short_value,
)

__all__ = [
    "CREDIT_CODE_CHARSET",
    "CREDIT_CODE_WEIGHTS",
    "FIELD_LABELS",
    "FIELD_LABELS_EN",
    "MAX_YEAR",
    "MIN_YEAR",
    "Incubator",
    "IncubatorRecognition",
    "IncubatorYear",
    "Listing",
    "ParkRating",
    "Problem",
    "Profile",
    "ProfileError",
    "Recognition",
    "ScaleEntry",
    "TalentProject",
    "TechUpgradeProject",
    "YearFigures",
    "credit_code_check_char",
    "dump_profile",
    "field_label",
    "is_valid_credit_code",
    "load_profile",
    "parse_profile",
    "profile_json_schema",
    "read_json",
    "validate_profile",
]

MIN_YEAR = 1990
MAX_YEAR = 2100
MAX_MONEY_WAN = 1_000_000_000
"""The largest amount accepted, 10^9 万元 (10 万亿元, ten trillion yuan): no company's revenue
comes near it (the largest are under 5 万亿元), so a larger figure is a wrong unit or an
attack. With six decimal places every amount then fits Decimal's 28-digit context exactly."""
MAX_COUNT = 1_000_000
"""The largest count of enterprises accepted (an incubator's residents are in the hundreds)."""
MAX_TEXT_CHARS = 100
"""Longest name or other free text accepted (the longest registered company names are about
fifty characters)."""
MAX_ITEMS = 1_000
"""Most entries in one list of a profile (listings, recognitions, projects ...)."""
MAX_NESTING = 32
"""Deepest nesting of objects and lists accepted (a profile needs five levels); checked before
the JSON is parsed, so that no parser or validator recurses on it."""
MAX_PROFILE_BYTES = 1024 * 1024
"""Largest profile text accepted (1 MB; a profile of many years and projects takes a few KB)."""

# --------------------------------------------------------------------------------------------
# 统一社会信用代码 (GB 32100-2015)
# --------------------------------------------------------------------------------------------

CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""The 31 characters of a unified social credit code (no I, O, S, V, Z)."""
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
"""Weights of positions 1..17 (3^(i-1) mod 31) in the check-character sum."""


def credit_code_check_char(first17: str) -> str:
    """The check character (18th) of a unified social credit code from its first 17 characters.

    Lower case is accepted. Raises ValueError when ``first17`` is not 17 characters of the
    code's charset.
    """
    text = first17.upper()
    if len(text) != 17:
        raise ValueError(f"need the first 17 characters, got {len(text)}: {first17!r}")
    bad = [ch for ch in text if ch not in CREDIT_CODE_CHARSET]
    if bad:
        raise ValueError(f"characters not allowed in a credit code: {''.join(bad)!r}")
    total = sum(
        CREDIT_CODE_CHARSET.index(ch) * w for ch, w in zip(text, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def is_valid_credit_code(code: object) -> bool:
    """True when ``code`` is 18 characters of the charset with a correct check character.

    Lower case and surrounding blanks are accepted, as in the profile. Only the GB 32100
    check character is verified, not whether the code was ever issued.
    """
    if not isinstance(code, str):
        return False
    text = code.strip().upper()
    if len(text) != 18 or any(ch not in CREDIT_CODE_CHARSET for ch in text):
        return False
    return credit_code_check_char(text[:17]) == text[17]


# --------------------------------------------------------------------------------------------
# Scalar types with their own, bilingual refusals
# --------------------------------------------------------------------------------------------

_NUMBER_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_INT_TEXT = re.compile(r"[+-]?[0-9]+")

MONEY_EXPECTED_ZH = '应为金额（万元），填数字或数字字符串，例如 1500 或 "2300.5"'
MONEY_EXPECTED_EN = (
    'expected an amount in 万元, as a number or a numeric string, e.g. 1500 or "2300.5"'
)


def _money(value: object) -> Decimal:
    """Validate an amount in 万元: exact, finite, >= 0, at most six decimal places.

    Accepts int, Decimal (what the loader makes of JSON decimals), numeric strings, and
    float only for Python callers (its shortest repr is taken as the intended decimal).
    Booleans are refused although Python counts them as ints: ``true`` is no amount.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise bilingual_error("money_type", MONEY_EXPECTED_ZH, MONEY_EXPECTED_EN)
    if isinstance(value, str):
        text = value.strip()
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise bilingual_error("money_type", MONEY_EXPECTED_ZH, MONEY_EXPECTED_EN) from None
        if number.is_finite() and not _NUMBER_TEXT.fullmatch(text):
            # Decimal also reads "1_000"; a register export should not rely on that.
            raise bilingual_error("money_type", MONEY_EXPECTED_ZH, MONEY_EXPECTED_EN)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    else:
        number = Decimal(value)
    if not number.is_finite():
        raise bilingual_error(
            "money_not_finite",
            "应为有限的金额（万元），不能是 NaN 或 Infinity",
            "expected a finite amount in RMB 10k, not NaN or Infinity",
        )
    if number.is_zero():
        return Decimal(0)
    if number < 0:
        raise bilingual_error(
            "money_negative", "应为不小于 0 的金额（万元）", "expected an amount >= 0 in RMB 10k"
        )
    if number > MAX_MONEY_WAN:
        raise bilingual_error(
            "money_too_large",
            f"金额过大，应不超过 {MAX_MONEY_WAN:,} 万元（10万亿元，没有企业达到这个数额；请确认单位是万元）",
            f"amount too large; expected at most {MAX_MONEY_WAN:,} in RMB 10k (ten trillion yuan, "
            "more than any company; is the unit RMB 10k?)",
        )
    _sign, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)  # finite, checked above
    significant = list(digits)
    while exponent < 0 and significant and significant[-1] == 0:
        significant.pop()
        exponent += 1
    if exponent < -MAX_PLACES:
        raise bilingual_error(
            "money_places",
            f"最多 {MAX_PLACES} 位小数（万元，即精确到分）",
            f"at most {MAX_PLACES} decimal places in RMB 10k (i.e. to the fen)",
        )
    return normalize(number)


_WHOLE_DIGITS = 18
_WHOLE_LIMIT = 10**_WHOLE_DIGITS


def _whole_number(value: object) -> int | None:
    """An int from an int, an integral number or a string of digits; None when not whole or
    beyond 18 digits (no year, count or rating has more; 1e308 is refused, not expanded).

    Booleans are not numbers here (JSON ``true`` is a mistake, not 1).
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if abs(value) < _WHOLE_LIMIT else None
    if isinstance(value, float | Decimal):
        number = Decimal(repr(value)) if isinstance(value, float) else value
        if (number.is_finite() and number.adjusted() < _WHOLE_DIGITS
                and number == number.to_integral_value()):
            return int(number)
        return None
    if isinstance(value, str) and len(value) <= 4 * _WHOLE_DIGITS and _INT_TEXT.fullmatch(value.strip()):
        number_text = value.strip().lstrip("+-").lstrip("0")
        if len(number_text) <= _WHOLE_DIGITS:
            return int(value.strip())
    return None


def _year(value: object) -> int:
    """A calendar year 1990..2100 — the range a figure of this calculator can belong to."""
    year = _whole_number(value)
    if year is None or not MIN_YEAR <= year <= MAX_YEAR:
        raise bilingual_error(
            "year",
            f"应为 {MIN_YEAR} 至 {MAX_YEAR} 之间的整数年份",
            f"expected a whole-number year from {MIN_YEAR} to {MAX_YEAR}",
        )
    return year


def _count(value: object) -> int:
    """A count of enterprises: a whole number from 0 to :data:`MAX_COUNT`."""
    count = _whole_number(value)
    if count is None or not 0 <= count <= MAX_COUNT:
        raise bilingual_error(
            "count",
            f"应为 0 至 {MAX_COUNT:,} 之间的整数",
            f"expected a whole number from 0 to {MAX_COUNT:,}",
        )
    return count


def _stars(value: object) -> int:
    """A star rating: 1 to 5."""
    stars = _whole_number(value)
    if stars is None or not 1 <= stars <= 5:
        raise bilingual_error(
            "stars", "应为 1 至 5 的整数（星级）", "expected a whole number of stars from 1 to 5"
        )
    return stars


def _date(value: object) -> object:
    """Let only dates and ISO date strings through: a bare number is no date (no timestamps)."""
    if isinstance(value, bool | int | float | Decimal):
        raise bilingual_error(
            "date",
            "应为日期，格式 YYYY-MM-DD（例如 2020-07-22）",
            "expected a date as YYYY-MM-DD (e.g. 2020-07-22)",
        )
    return value.strip() if isinstance(value, str) else value


_FORBIDDEN_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
"""Control characters, lone surrogates (not text at all: they cannot be written as UTF-8) and
direction overrides (they make a name read differently from what it holds)."""


def _clean_text(value: str) -> str:
    """Stripped text of at most :data:`MAX_TEXT_CHARS` characters, with no character that
    cannot be shown as it is; otherwise a bilingual refusal."""
    if len(value) > 4 * MAX_TEXT_CHARS or len(value := value.strip()) > MAX_TEXT_CHARS:
        raise bilingual_error(
            "text_too_long",
            f"最多 {MAX_TEXT_CHARS} 个字符，实为 {len(value):,} 个",
            f"at most {MAX_TEXT_CHARS} characters, got {len(value):,}",
            value=short_value(value[:MAX_TEXT_CHARS]),
        )
    bad = _FORBIDDEN_CHARS.search(value)
    if bad:
        code = f"U+{ord(bad.group()):04X}"
        raise bilingual_error(
            "text_characters",
            f"含有不可显示的字符（{code}，控制字符或无效字符），请删除后重试",
            f"contains a character that cannot be shown ({code}: a control or invalid "
            "character); remove it",
        )
    return value


def _strip(value: object) -> object:
    """Surrounding blanks are never meant (a pasted name, a form field); see :func:`_clean_text`."""
    return _clean_text(value) if isinstance(value, str) else value


def _optional_text(value: object) -> object:
    """Blank optional text means "not given" — what an empty form field sends."""
    if isinstance(value, str):
        value = _clean_text(value)
        return value or None
    return value


def _credit_code(value: object) -> object:
    """Normalise and check a 统一社会信用代码; blank means not given."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise bilingual_error(
            "credit_code_type",
            "应为 18 位的统一社会信用代码（文字）",
            "expected an 18-character unified social credit code (text)",
        )
    code = value.strip().upper()
    if not code:
        return None
    if len(code) != 18:
        raise bilingual_error(
            "credit_code_length",
            f"统一社会信用代码应为 18 位，实际为 {len(code)} 位",
            f"a unified social credit code has 18 characters, this one has {len(code)}",
        )
    bad = "".join(sorted({ch for ch in code if ch not in CREDIT_CODE_CHARSET}))
    if bad:
        raise bilingual_error(
            "credit_code_charset",
            f"含有不允许的字符 {bad}（只允许数字和 ABCDEFGHJKLMNPQRTUWXY）",
            f"contains characters not allowed: {bad} (only digits and ABCDEFGHJKLMNPQRTUWXY)",
        )
    expected = credit_code_check_char(code[:17])
    if code[17] != expected:
        raise bilingual_error(
            "credit_code_check",
            f"校验位（第 18 位）应为 {expected}，实为 {code[17]}（GB 32100-2015），请核对是否抄错",
            f"the check character (18th) should be {expected}, not {code[17]} "
            "(GB 32100-2015); please check for a typo",
        )
    return code


_PROGRAMME_BY_LABEL = {lab.zh: code for code, lab in vocab.TALENT_PROGRAMMES.items()}


def _programme(value: object) -> str:
    """A talent programme: a known code, a known Chinese name (stored as its code), or any
    other non-empty name an official adds ("等" in the clause)."""
    if not isinstance(value, str) or not value.strip():
        raise bilingual_error(
            "programme",
            "应为人才计划的代码或名称，不能为空（例如 yellow_crane 或 黄鹤英才）",
            "expected a talent programme code or name, not empty (e.g. yellow_crane)",
        )
    text = _clean_text(value)
    return _PROGRAMME_BY_LABEL.get(text.strip("\"'“”「」"), text)


_MONEY_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "number", "minimum": 0, "maximum": MAX_MONEY_WAN},
        {"type": "string", "pattern": r"^\s*\+?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?\s*$"},
    ]
}
_CREDIT_CODE_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "string", "pattern": r"^\s*([0-9A-HJ-NP-RTUW-Ya-hj-np-rtuw-y]{18})?\s*$"},
        {"type": "null"},
    ]
}
_YEAR_SCHEMA: dict[str, Any] = {"type": "integer", "minimum": MIN_YEAR, "maximum": MAX_YEAR}

Money = Annotated[Decimal, PlainValidator(_money), WithJsonSchema(_MONEY_SCHEMA)]
"""万元 as an exact Decimal, >= 0, at most six decimal places."""
Year = Annotated[int, PlainValidator(_year), WithJsonSchema(_YEAR_SCHEMA)]
Count = Annotated[
    int,
    PlainValidator(_count),
    WithJsonSchema({"type": "integer", "minimum": 0, "maximum": MAX_COUNT}),
]
Stars = Annotated[
    int, PlainValidator(_stars), WithJsonSchema({"type": "integer", "minimum": 1, "maximum": 5})
]
Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT_CHARS), BeforeValidator(_strip)]
"""Required text, stripped, at most 100 characters, nothing unprintable; blank is refused."""
OptionalText = Annotated[
    Annotated[str, Field(max_length=MAX_TEXT_CHARS)] | None, BeforeValidator(_optional_text)
]
ListingDate = Annotated[dt.date, BeforeValidator(_date)]

DistrictCode = Literal[tuple(vocab.DISTRICTS)]  # type: ignore[valid-type]
SectorCode = Literal[tuple(vocab.SECTORS)]  # type: ignore[valid-type]
IndustryTag = Literal[tuple(vocab.INDUSTRY_TAGS)]  # type: ignore[valid-type]
BoardCode = Literal[tuple(vocab.BOARDS)]  # type: ignore[valid-type]
TitleCode = Literal[tuple(vocab.RECOGNITION_TITLES)]  # type: ignore[valid-type]
IncubatorKind = Literal[tuple(vocab.INCUBATOR_KINDS)]  # type: ignore[valid-type]
IncubatorLevel = Literal[tuple(vocab.INCUBATOR_LEVELS)]  # type: ignore[valid-type]
ParkKind = Literal[tuple(vocab.PARK_KINDS)]  # type: ignore[valid-type]


def _described(zh: str, en: str, codes: dict[str, vocab.Label] | None = None) -> str:
    """A bilingual field description for the JSON Schema, listing codes with labels."""
    text = f"{zh} / {en}"
    if codes:
        text += "。可选值 / allowed: " + "; ".join(
            f"{lab.zh} / {lab.en}" if c == lab.zh else f"{c} = {lab.zh} / {lab.en}"
            for c, lab in codes.items()
        )
    return text


def _model_config(title: str, description: str) -> ConfigDict:
    return ConfigDict(
        extra="forbid",
        title=title,
        json_schema_extra={"description": description},
    )


def _check_unique_years(items: list[Any], what_zh: str, what_en: str) -> list[Any]:
    """Refuse two entries for one year (which would be summed or one silently lost); sort."""
    seen: set[int] = set()
    for index, item in enumerate(items):
        if item.year in seen:
            raise bilingual_error(
                "duplicate_year",
                f"{item.year} 年重复出现，{what_zh}每年只能有一条",
                f"year {item.year} appears more than once; one {what_en} entry per year",
                at=f"[{index}].year",
                value=str(item.year),
            )
        seen.add(item.year)
    return sorted(items, key=lambda item: item.year)


def _check_no_repeats(items: list[Any], what_zh: str, what_en: str,
                      key: Any = None) -> list[Any]:
    """Refuse an entry given twice (the same talent project, the same recognition ...): each
    entry can bring an award, so a repeated one would be counted twice."""
    seen: dict[Any, int] = {}
    for index, item in enumerate(items):
        ident = key(item) if key else tuple(item.model_dump(mode="json").items())
        if ident in seen:
            raise bilingual_error(
                "duplicate_entry",
                f"第 {index + 1} 项与第 {seen[ident] + 1} 项重复，同一{what_zh}只能填写一次"
                "（否则会被重复计算）",
                f"entry {index + 1} repeats entry {seen[ident] + 1}; give each {what_en} once "
                "(it would be counted twice)",
                at=f"[{index}]",
                value="",
            )
        seen[ident] = index
    return items


# --------------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------------


_YEARLY_KINDS: dict[str, Any] = {}


def _yearly_type(kind: str) -> Any:
    """The pydantic type of a yearly figure of ``kind`` (declared in the vocabulary)."""
    if kind == "money":
        return Money
    if kind in ("count", "int"):
        return Count
    if kind == "ratio":
        return Money
    raise ValueError(f"yearly figures of kind {kind!r} are not supported")


class _YearBase(BaseModel):
    """One year's figures; each may be missing (then a rule needing it says so).

    The figures themselves are declared in the rule files' vocabulary (``yearly_figures``):
    a new figure (年度缴税额, 研发投入) is a YAML entry, and this model gains the field.
    """

    model_config = _model_config(
        "年度数据 / Yearly figures", "一年的数据，金额单位万元 / One year's figures, money in RMB 10k"
    )

    year: Year = Field(description="年份（1990–2100） / Year (1990–2100)")


def _unit(kind: str) -> tuple[str, str]:
    return ("万元，≥ 0", "in RMB 10k, >= 0") if kind == "money" else ("≥ 0", ">= 0")


YearFigures: type[BaseModel] = create_model(  # type: ignore[call-overload]
    "YearFigures",
    __base__=_YearBase,
    **{
        figure.profile: (
            _yearly_type(figure.kind) | None,
            Field(None, description=f"{figure.zh}（{_unit(figure.kind)[0]}） / "
                                    f"{figure.en[:1].upper()}{figure.en[1:]} {_unit(figure.kind)[1]}"),
        )
        for figure in vocab.VOCABULARY.yearly
    },
)
"""One year's figures, one optional field per figure of the vocabulary."""


EntryKind = Literal[tuple(vocab.ENTRY_KINDS)]  # type: ignore[valid-type]


class ScaleEntry(BaseModel):
    """One first inclusion in a statistical register (入库纳统): 规上工业, 限上批发, 规上服务业..."""

    model_config = _model_config(
        "入库纳统 / Register entry", "一次首次入库纳统 / One first inclusion in a statistical register"
    )

    kind: EntryKind = Field(description=_described("入库种类", "Kind of register", vocab.ENTRY_KINDS))
    year: Year = Field(description="入库年份 / Year of inclusion")


class Listing(BaseModel):
    """A listing of the company's shares; the date decides which policy window applies."""

    model_config = _model_config("上市 / Listing", "一次上市 / One listing")

    board: BoardCode = Field(description=_described("上市板块", "Board", vocab.BOARDS))
    date: ListingDate = Field(description="上市日期 YYYY-MM-DD / Listing date YYYY-MM-DD")
    exchange: OptionalText = Field(
        None, description="交易所（可选，如 香港联交所） / Exchange (optional, e.g. HKEX)"
    )


class Recognition(BaseModel):
    """One recognition. A single-champion *product* entry is one product (awards are per product)."""

    model_config = _model_config("认定 / Recognition", "一项认定或称号 / One recognition or title")

    title: TitleCode = Field(description=_described("称号", "Title", vocab.RECOGNITION_TITLES))
    year: Year = Field(description="认定年份 / Year of recognition")
    name: OptionalText = Field(
        None,
        description="名称（可选，如单项冠军产品名称） / Name (optional, e.g. the product's name)",
    )


class IncubatorRecognition(BaseModel):
    """Recognition of the carrier as an incubator at some level."""

    model_config = _model_config(
        "孵化器认定 / Incubator recognition", "孵化器认定级别和年份 / Level and year"
    )

    level: IncubatorLevel = Field(
        description=_described("认定级别", "Level", vocab.INCUBATOR_LEVELS)
    )
    year: Year = Field(description="认定年份 / Year of recognition")


class IncubatorYear(BaseModel):
    """One year of an incubator's operation; counts may be missing."""

    model_config = _model_config(
        "孵化载体年度数据 / Incubator year", "一年的运营数据 / One year's operating figures"
    )

    year: Year = Field(description="年份 / Year")
    resident_enterprises: Count | None = Field(
        None, description="入驻企业总数 / Resident enterprises"
    )
    new_enterprises: Count | None = Field(
        None, description="新增企业数 / New enterprises that year"
    )
    hightech_cultivated: Count | None = Field(
        None, description="当年培育的高新技术企业数 / High-tech enterprises cultivated that year"
    )


class Incubator(BaseModel):
    """The company as operator of an innovation carrier (the applicant is the institution)."""

    model_config = _model_config(
        "孵化载体 / Incubator", "企业运营的科技创新载体 / Carrier operated by the company"
    )

    kind: IncubatorKind = Field(
        description=_described("载体类型", "Kind of carrier", vocab.INCUBATOR_KINDS)
    )
    recognition: IncubatorRecognition | None = Field(
        None, description="孵化器认定（可选） / Incubator recognition (optional)"
    )
    yearly: list[IncubatorYear] = Field(
        default_factory=list, max_length=MAX_ITEMS,
        description="年度运营数据，每年一条 / Yearly operating figures, one per year",
    )

    @field_validator("yearly")
    @classmethod
    def _unique_yearly(cls, items: list[IncubatorYear]) -> list[IncubatorYear]:
        return _check_unique_years(items, "年度运营数据", "yearly")


class TalentProject(BaseModel):
    """A project led by a high-end talent of some programme."""

    model_config = _model_config(
        "高端人才项目 / Talent project", "一个人才项目 / One talent project"
    )

    programme: Annotated[
        str,
        PlainValidator(_programme),
        WithJsonSchema({"type": "string", "minLength": 1, "maxLength": MAX_TEXT_CHARS}),
    ] = Field(
        description=_described(
            "人才计划（已知代码，或官员认可的其他计划名称）",
            "Talent programme (a known code, or another programme's name)",
            vocab.TALENT_PROGRAMMES,
        )
    )
    year: Year = Field(description="立项年份 / Project year")
    leader: OptionalText = Field(None, description="项目负责人（可选） / Project leader (optional)")
    name: OptionalText = Field(None, description="项目名称（可选） / Project name (optional)")


class TechUpgradeProject(BaseModel):
    """A technology-upgrade project; its 地方新增财力 is passed through for three years."""

    model_config = _model_config(
        "技术改造项目 / Technology-upgrade project", "一个技改项目 / One project"
    )

    name: Text = Field(description="项目名称 / Project name")
    in_catalogue: bool | None = Field(
        None,
        description="是否符合《湖北省工业企业技术改造指导目录》方向 / "
        "In the direction of the Hubei industrial technology-upgrade catalogue",
    )
    accepted_year: Year | None = Field(
        None, description="经信、发改部门验收合格的年份 / Year accepted by the departments for the economy and for development"
    )
    completed: bool | None = Field(
        None, description="项目是否完工 / Whether the project is completed"
    )
    new_local_fiscal_revenue_wan: Annotated[
        dict[Year, Money],
        WithJsonSchema(
            {
                "type": "object",
                "propertyNames": {"pattern": r"^\s*[0-9]{4}\s*$"},
                "additionalProperties": _MONEY_SCHEMA,
            }
        ),
    ] = Field(
        default_factory=dict,
        description='各年地方新增财力（万元），键为年份，如 {"2020": 50} / '
        'New local fiscal revenue by year in 万元, keyed by year, e.g. {"2020": 50}',
    )

    @field_validator("new_local_fiscal_revenue_wan", mode="before")
    @classmethod
    def _one_figure_per_year(cls, figures: object) -> object:
        """Refuse two keys for one year ("2020", " 2020", "02020"): one would silently win."""
        if not isinstance(figures, Mapping):
            return figures
        if len(figures) > MAX_ITEMS:
            raise bilingual_error("too_many", f"最多 {MAX_ITEMS} 个年份", f"at most {MAX_ITEMS} years")
        seen: dict[int, object] = {}
        for key in figures:
            year = _whole_number(key)
            if year is None:
                continue  # the key's own validator refuses it
            if year in seen:
                first, again = short_value(seen[year]), short_value(key)
                raise bilingual_error(
                    "duplicate_year",
                    f"键 {first} 和 {again} 是同一年（{year}），每年只能有一个数额",
                    f"keys {first} and {again} are the same year ({year}); one figure per year",
                    value=again,
                )
            seen[year] = key
        return figures

    @field_validator("new_local_fiscal_revenue_wan")
    @classmethod
    def _sorted_years(cls, figures: dict[int, Decimal]) -> dict[int, Decimal]:
        return dict(sorted(figures.items()))


class ParkRating(BaseModel):
    """A 新两园 star rating of a park the company operates."""

    model_config = _model_config(
        "园区星级评定 / Park star rating", "年度星级评定结果 / Yearly rating"
    )

    stars: Stars = Field(description="星级 1–5 / Stars 1–5")
    year: Year = Field(description="评定年份 / Year of rating")
    park_kind: ParkKind | None = Field(
        None,
        description=_described("园区类型（可选）", "Kind of park (optional)", vocab.PARK_KINDS),
    )


class Profile(BaseModel):
    """A company's profile: who it is, where, and the figures and events the rules read."""

    model_config = _model_config(
        "企业档案 / Company profile",
        "武汉产业政策奖补资格计算器的输入；金额单位万元 / "
        "Input of the Wuhan incentive eligibility calculator; money in RMB 10k (ten thousand yuan)",
    )

    name: Text = Field(description="企业名称 / Company name")
    credit_code: Annotated[
        str | None, BeforeValidator(_credit_code), WithJsonSchema(_CREDIT_CODE_SCHEMA)
    ] = Field(
        None,
        description="统一社会信用代码，18 位，校验位按 GB 32100-2015 核对 / "
        "Unified social credit code, 18 characters, check character verified (GB 32100-2015)",
    )
    district: DistrictCode = Field(
        description=_described(
            "所在区或功能区（工商注册地、税务征管关系及统计关系均在该区）",
            "Wuhan district or functional zone (registration, tax and statistics all there)",
            vocab.DISTRICTS,
        )
    )
    sector: SectorCode = Field(description=_described("行业门类", "Sector", vocab.SECTORS))
    industry_tags: list[IndustryTag] | None = Field(
        None,
        max_length=MAX_ITEMS,
        description=_described(
            "重点产业（可选；不填表示未说明，[] 表示均不属于）",
            "Priority industries (optional; absent = not stated, [] = none)",
            vocab.INDUSTRY_TAGS,
        ),
    )
    scale_entry_year: Year | None = Field(
        None,
        description="首次入库纳统（规上/限上）年份 / Year first included in above-designated-size or above-quota statistics",
    )
    prior_peak_revenue_wan: Money | None = Field(
        None,
        description="years 首年之前任一年的最高营业收入（万元；0 = 此前没有收入） / "
        "Highest operating revenue of any year before the first in years (RMB 10k; 0 = none)",
    )
    prior_peak_main_revenue_wan: Money | None = Field(
        None,
        description="years 首年之前任一年的最高主营业务收入（万元） / "
        "Highest main business revenue of any year before the first in years (RMB 10k)",
    )
    scale_entries: list[ScaleEntry] = Field(
        default_factory=list, max_length=MAX_ITEMS,
        description="入库纳统记录（规上工业、限上商贸、规上服务业等，每种一条）；只填 scale_entry_year "
        "时视为本行业的一次入库 / Register entries by kind; scale_entry_year alone means one "
        "entry of the company's own sector",
    )
    years: list[YearFigures] = Field(  # type: ignore[valid-type]
        default_factory=list, max_length=MAX_ITEMS, description="年度数据，每年一条 / Yearly figures, one entry per year"
    )
    listings: list[Listing] = Field(default_factory=list, max_length=MAX_ITEMS, description="上市情况 / Listings")
    recognitions: list[Recognition] = Field(
        default_factory=list, max_length=MAX_ITEMS, description="认定与称号，每项一条 / Recognitions, one entry each"
    )
    incubator: Incubator | None = Field(
        None, description="运营的孵化载体（可选） / Incubator operated (optional)"
    )
    talent_projects: list[TalentProject] = Field(
        default_factory=list, max_length=MAX_ITEMS, description="高端人才项目 / Talent projects"
    )
    tech_upgrade_projects: list[TechUpgradeProject] = Field(
        default_factory=list, max_length=MAX_ITEMS, description="技术改造项目 / Technology-upgrade projects"
    )
    park_rating: ParkRating | None = Field(
        None, description="新两园星级评定（可选） / Park star rating (optional)"
    )

    @field_validator("years")
    @classmethod
    def _unique_years(cls, items: list[Any]) -> list[Any]:
        return _check_unique_years(items, "年度数据", "yearly-figures")

    def entries(self) -> list[ScaleEntry]:
        """Every register entry: the listed ones, plus ``scale_entry_year`` read as an entry of
        the company's own sector (the contract's older, single-entry form)."""
        entries = list(self.scale_entries)
        if self.scale_entry_year is not None:
            kind = vocab.SECTOR_ENTRY_KIND.get(self.sector)
            if not any(e.year == self.scale_entry_year and (kind is None or e.kind == kind)
                       for e in entries):
                entries.append(ScaleEntry.model_construct(kind=kind, year=self.scale_entry_year))
        return sorted(entries, key=lambda e: (e.year, e.kind or ""))

    @field_validator("listings")
    @classmethod
    def _unique_listings(cls, items: list[Listing]) -> list[Listing]:
        return _check_no_repeats(items, "上市", "listing")

    @field_validator("recognitions")
    @classmethod
    def _unique_recognitions(cls, items: list[Recognition]) -> list[Recognition]:
        return _check_no_repeats(items, "认定", "recognition")

    @field_validator("talent_projects")
    @classmethod
    def _unique_talent_projects(cls, items: list[TalentProject]) -> list[TalentProject]:
        return _check_no_repeats(items, "人才项目", "talent project")

    @field_validator("tech_upgrade_projects")
    @classmethod
    def _unique_tech_projects(cls, items: list[TechUpgradeProject]) -> list[TechUpgradeProject]:
        """One entry per project name: its figures by year belong in that one entry."""
        return _check_no_repeats(items, "技改项目（按项目名称）", "technology-upgrade project (by name)",
                                 key=lambda item: re.sub(r"\s+", "", item.name).lower())

    @field_validator("scale_entries")
    @classmethod
    def _unique_entries(cls, items: list[ScaleEntry]) -> list[ScaleEntry]:
        return _check_no_repeats(items, "入库纳统记录", "register entry")

    def year(self, y: int) -> Any:
        """The figures of year ``y``, or None when the profile has no entry for it."""
        for figures in self.years:
            if figures.year == y:
                return figures
        return None

    @property
    def in_wuhan(self) -> bool:
        """True for any Wuhan district or functional zone (city rules apply)."""
        return self.district != vocab.OUTSIDE_WUHAN


_MODEL_AT: dict[str, type[BaseModel]] = {
    "years": YearFigures,
    "scale_entries": ScaleEntry,
    "listings": Listing,
    "recognitions": Recognition,
    "incubator": Incubator,
    "recognition": IncubatorRecognition,
    "yearly": IncubatorYear,
    "talent_projects": TalentProject,
    "tech_upgrade_projects": TechUpgradeProject,
    "park_rating": ParkRating,
}
"""Which model an object under a field name is: to list the allowed keys of an unknown one."""

# --------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------


def parse_profile(data: Mapping[str, Any]) -> Profile:
    """Validate a profile given as a mapping (e.g. parsed JSON, a form); raise ProfileError.

    For exact money from JSON text use :func:`load_profile`, which never makes floats.
    """
    if not isinstance(data, Mapping):
        raise ProfileError(
            [
                Problem(
                    "(profile)",
                    short_value(data),
                    f"企业档案应为对象（JSON 对象 {{...}}），实际是 {type(data).__name__}",
                    f"a profile must be an object (a JSON object {{...}}), not {type(data).__name__}",
                )
            ]
        )
    try:
        return Profile.model_validate(dict(data))
    except ValidationError as exc:
        raise ProfileError(problems_from_errors(exc.errors(), Profile, _MODEL_AT)) from None


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Refuse a key twice in one object: JSON parsers keep the last silently, we do not."""
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise _DuplicateKey(key)
        obj[key] = value
    return obj


class _HugeInteger(ValueError):
    """An integer literal longer than any figure of a profile."""


_INT_LITERAL_DIGITS = 30


def _json_int(text: str) -> int | Decimal:
    """A JSON integer literal; one of thousands of digits is refused before Python converts it
    (which is slow, and refused by Python itself past 4,300 digits)."""
    if len(text.lstrip("-")) > _INT_LITERAL_DIGITS:
        raise _HugeInteger(text)
    return int(text)


_JSON_SPECIAL = re.compile(r'[\\"\[\]{}]')


def nesting_depth(text: str, limit: int = MAX_NESTING) -> int:
    """How deeply objects and lists nest in JSON ``text`` (brackets inside strings skipped),
    counting no further than ``limit + 1``. One pass over the special characters only, in
    linear time, so it runs before the parser, which recurses once per level."""
    depth = deepest = 0
    in_string = False
    escaped_at = -1
    for match in _JSON_SPECIAL.finditer(text):
        at = match.start()
        if at == escaped_at:
            continue
        char = match.group()
        if in_string:
            if char == "\\":
                escaped_at = at + 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    return deepest
        elif char in "]}":
            depth -= 1
    return deepest


def _data_depth(data: object, limit: int = MAX_NESTING) -> int:
    """How deeply dicts and lists nest in ``data`` (a form's values), walked without
    recursion, counting no further than ``limit + 1``."""
    deepest = 0
    stack: list[tuple[object, int]] = [(data, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, Mapping):
            children: Any = item.values()
        elif isinstance(item, list | tuple):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _too_deep(depth: int) -> Problem:
    return json_problem(
        "",
        f"嵌套层数超过 {MAX_NESTING} 层（企业档案只需要 5 层）",
        f"nested more than {MAX_NESTING} levels deep (a profile needs 5)",
    )


def _parse_json(text: str | bytes) -> Any:
    """JSON text → Python data, decimals as Decimal; malformed text → ProfileError "(JSON)".

    Bounded before parsing: the text's size (:data:`MAX_PROFILE_BYTES`), its nesting
    (:data:`MAX_NESTING`) and the length of integer literals.
    """
    if len(text) > MAX_PROFILE_BYTES:
        raise ProfileError([json_problem(
            "",
            f"文件过大，企业档案上限为 {MAX_PROFILE_BYTES:,} 字节",
            f"too large; a profile may have at most {MAX_PROFILE_BYTES:,} bytes",
        )])
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ProfileError(
                [
                    json_problem(
                        f"byte {exc.start}",
                        f"不是 UTF-8 编码的文本（第 {exc.start} 字节）",
                        f"not UTF-8 text (byte {exc.start})",
                    )
                ]
            ) from None
    text = text.removeprefix("\ufeff")
    depth = nesting_depth(text)
    if depth > MAX_NESTING:
        raise ProfileError([_too_deep(depth)])
    try:
        return json.loads(
            text, parse_float=Decimal, parse_constant=Decimal, parse_int=_json_int,
            object_pairs_hook=_unique_pairs,
        )
    except json.JSONDecodeError as exc:
        problem = json_problem(
            short_value(exc.doc[exc.pos : exc.pos + 20]) if exc.doc else "",
            f"第 {exc.lineno} 行第 {exc.colno} 列（{exc.msg}）",
            f"line {exc.lineno}, column {exc.colno}: {exc.msg}",
        )
    except _DuplicateKey as exc:
        problem = json_problem(
            short_value(exc.key),
            f"同一对象中键 {short_value(exc.key)} 出现了不止一次",
            f"key {short_value(exc.key)} appears more than once in one object",
        )
    except _HugeInteger as exc:
        digits = len(str(exc).lstrip("-"))
        problem = json_problem(
            short_value(str(exc)[:20]),
            f"整数有 {digits:,} 位，超过 {_INT_LITERAL_DIGITS} 位，不是合理的数值",
            f"an integer of {digits:,} digits (more than {_INT_LITERAL_DIGITS}) is no plausible figure",
        )
    except RecursionError:
        problem = json_problem("", "嵌套层数过多", "nested too deeply")
    except ValueError as exc:  # e.g. an integer literal with thousands of digits
        problem = json_problem("", f"无法读取（{exc}）", f"cannot be read ({exc})")
    raise ProfileError([problem])


def read_json(text: str | bytes) -> Any:
    """JSON text (UTF-8 bytes or str) as Python data, bounded in size and nesting, decimals as
    Decimal, a key given twice refused; raise ProfileError. For a form that shows what was
    read before it is validated."""
    return _parse_json(text)


def load_profile(text: str | bytes) -> Profile:
    """Parse and validate a profile from JSON text (UTF-8 bytes or str); raise ProfileError.

    Decimals in the text become Decimal directly (never float), so money stays exact.
    """
    data = _parse_json(text)
    if not isinstance(data, dict):
        kind_zh = {list: "数组", str: "字符串", bool: "布尔值", type(None): "null"}.get(
            type(data), "数字"
        )
        raise ProfileError(
            [
                Problem(
                    "(JSON)",
                    short_value(data),
                    f"JSON 最外层应为对象 {{...}}（企业档案），实际是{kind_zh}",
                    "the top level of the JSON must be an object {...} (the profile), "
                    f"not {type(data).__name__}",
                )
            ]
        )
    return parse_profile(data)


def validate_profile(data: Mapping[str, Any] | str | bytes) -> tuple[Profile | None, list[Problem]]:
    """For the UI: the profile and no problems, or None and every problem. Never raises.

    ``data`` is a mapping (a form's values) or JSON text.
    """
    try:
        if isinstance(data, str | bytes | bytearray):
            return load_profile(data), []
        depth = _data_depth(data)
        if depth > MAX_NESTING:
            return None, [_too_deep(depth)]
        return parse_profile(data), []
    except ProfileError as exc:
        return None, exc.problems
    except RecursionError:  # a structure built to recurse past the check (e.g. a cycle)
        return None, [_too_deep(MAX_NESTING + 1)]


def profile_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a profile file, with Chinese + English descriptions."""
    schema = Profile.model_json_schema(mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def _money_out(value: Decimal) -> int | float | str:
    """A JSON number for money; the decimal string when a float could not carry it exactly."""
    number = to_json_number(value)
    if isinstance(number, float) and Decimal(repr(number)) != value:
        return str(normalize(value))
    assert number is not None
    return number


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return _money_out(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    return value


def dump_profile(profile: Profile) -> dict[str, Any]:
    """The profile as a JSON-ready dict that :func:`load_profile` reads back to an equal profile.

    Money is a JSON number (int when whole); unknown (None) fields are left out, but empty
    lists are kept — ``industry_tags: []`` ("none") differs from absent ("not stated").
    """
    return _jsonable(profile.model_dump(mode="python", exclude_none=True))
