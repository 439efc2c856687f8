"""Why a profile was refused, in words: bilingual problems and the field labels they use.

Why every refusal is a full sentence in both languages that names the field: the person fixing
a profile (an official with a form, or whoever maintains a district's export script) reads the
message without this program's help, in Chinese first, and fixes every problem in one round
trip. So pydantic's errors are never shown as they are: each becomes a :class:`Problem` with a
readable path (``years[1].revenue_wan``), the field's label, the offending value and what was
expected.

The validators of :mod:`subsidy.profile` raise :func:`bilingual_error` with their own reason in
both languages; other errors (missing, unknown or mistyped fields) are worded here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from pydantic_core import ErrorDetails, PydanticCustomError

from subsidy import vocab

__all__ = [
    "FIELD_LABELS",
    "FIELD_LABELS_EN",
    "Problem",
    "ProfileError",
    "bilingual_error",
    "field_label",
    "json_problem",
    "printable",
    "problems_from_errors",
    "short_value",
]

# --------------------------------------------------------------------------------------------
# Field labels (the UI shows them; error messages use them)
# --------------------------------------------------------------------------------------------

FIELD_LABELS: dict[str, str] = {
    "name": "企业名称",
    "credit_code": "统一社会信用代码",
    "district": "所在区",
    "sector": "行业门类",
    "industry_tags": "重点产业",
    "scale_entry_year": "入库纳统年份（首次进入规上/限上）",
    "prior_peak_revenue_wan": "此前最高营业收入",
    "prior_peak_main_revenue_wan": "此前最高主营业务收入",
    "years": "年度数据",
    "year": "年份",
    "revenue_wan": "营业收入",
    "main_business_revenue_wan": "主营业务收入",
    "district_fiscal_contribution_wan": "区级财政贡献",
    "listings": "上市情况",
    "board": "上市板块",
    "date": "日期",
    "listings.date": "上市日期",
    "exchange": "交易所",
    "recognitions": "认定与称号",
    "title": "称号",
    "recognitions.year": "认定年份",
    "recognitions.name": "名称（如单项冠军产品名称）",
    "incubator": "孵化载体",
    "kind": "载体类型",
    "recognition": "孵化器认定",
    "level": "认定级别",
    "recognition.year": "认定年份",
    "yearly": "年度运营数据",
    "resident_enterprises": "入驻企业总数",
    "new_enterprises": "新增企业数",
    "hightech_cultivated": "培育高新技术企业数",
    "talent_projects": "高端人才项目",
    "programme": "人才计划",
    "talent_projects.year": "立项年份",
    "leader": "项目负责人",
    "talent_projects.name": "项目名称",
    "tech_upgrade_projects": "技术改造项目",
    "tech_upgrade_projects.name": "项目名称",
    "in_catalogue": "符合《湖北省工业企业技术改造指导目录》方向",
    "accepted_year": "验收年份",
    "completed": "已完工",
    "new_local_fiscal_revenue_wan": "地方新增财力",
    "park_rating": "园区星级评定",
    "stars": "星级",
    "park_rating.year": "评定年份",
    "park_kind": "园区类型",
}
"""Chinese label of each profile field. Keys are a field name, or ``parent.field`` where the
same name means different things (``recognitions.name`` is a product name, not the company's).
Use :func:`field_label` to resolve a full path such as ``years[1].revenue_wan``."""

FIELD_LABELS_EN: dict[str, str] = {
    "name": "company name",
    "credit_code": "unified social credit code",
    "district": "district",
    "sector": "sector",
    "industry_tags": "priority industries",
    "scale_entry_year": "year first included in above-designated-size or above-quota statistics",
    "prior_peak_revenue_wan": "highest earlier operating revenue",
    "prior_peak_main_revenue_wan": "highest earlier main business revenue",
    "years": "yearly figures",
    "year": "year",
    "revenue_wan": "operating revenue",
    "main_business_revenue_wan": "main business revenue",
    "district_fiscal_contribution_wan": "district fiscal contribution",
    "listings": "listings",
    "board": "board",
    "date": "date",
    "listings.date": "listing date",
    "exchange": "exchange",
    "recognitions": "recognitions",
    "title": "title",
    "recognitions.year": "year of recognition",
    "recognitions.name": "name (e.g. of the single-champion product)",
    "incubator": "incubator",
    "kind": "kind of carrier",
    "recognition": "incubator recognition",
    "level": "recognition level",
    "recognition.year": "year of recognition",
    "yearly": "yearly operating figures",
    "resident_enterprises": "resident enterprises",
    "new_enterprises": "new enterprises",
    "hightech_cultivated": "high-tech enterprises cultivated",
    "talent_projects": "talent projects",
    "programme": "talent programme",
    "talent_projects.year": "project year",
    "leader": "project leader",
    "talent_projects.name": "project name",
    "tech_upgrade_projects": "technology-upgrade projects",
    "tech_upgrade_projects.name": "project name",
    "in_catalogue": "in the direction of the Hubei technology-upgrade catalogue",
    "accepted_year": "year of acceptance",
    "completed": "completed",
    "new_local_fiscal_revenue_wan": "new local fiscal revenue",
    "park_rating": "park star rating",
    "stars": "stars",
    "park_rating.year": "year of rating",
    "park_kind": "kind of park",
}
"""English counterpart of :data:`FIELD_LABELS`, same keys."""

_PATH_PART = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def field_label(path: str, lang: str = "zh") -> str:
    """The label of the field a path points at: ``years[1].revenue_wan`` → 营业收入.

    The innermost ``parent.field`` key wins over the bare field name; an unknown field gives
    the path itself.
    """
    labels = FIELD_LABELS_EN if lang.lower().startswith("en") else FIELD_LABELS
    names = _PATH_PART.findall(path.split('["')[0])
    if not names:
        return path
    if len(names) >= 2 and f"{names[-2]}.{names[-1]}" in labels:
        return labels[f"{names[-2]}.{names[-1]}"]
    return labels.get(names[-1], path)


# --------------------------------------------------------------------------------------------
# Bilingual validation errors
# --------------------------------------------------------------------------------------------


def bilingual_error(kind: str, zh: str, en: str, **extra: str) -> PydanticCustomError:
    """A validation error whose context carries the reason in both languages.

    ``extra`` may carry ``at`` (a path suffix, e.g. ``[1].year``, for errors raised on a whole
    list) and ``value`` (the offending value to show instead of the whole input).
    """
    return PydanticCustomError(kind, "{en}", {"zh": zh, "en": en, **extra})


_FIELD_VOCAB = vocab.BY_FIELD
"""Which vocabulary an enumerated field is checked against (for the error message)."""


def _choices(codes: dict[str, vocab.Label]) -> str:
    return "、".join(f"{c}（{lab.zh}）" if c != lab.zh else c for c, lab in codes.items())


# --------------------------------------------------------------------------------------------
# Problems and their bilingual messages
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a profile, located and explained in both languages.

    ``field`` is a path such as ``years[1].revenue_wan``, ``district``, or ``(JSON)`` when the
    text is not a JSON object at all. ``value`` is a short text of the offending value ("" when
    the field is missing). The messages are complete sentences that name the field.
    """

    field: str
    value: str
    message_zh: str
    message_en: str

    def __str__(self) -> str:
        return f"{self.message_zh} / {self.message_en}"

    def as_dict(self) -> dict[str, str]:
        """JSON-ready form (CLI ``--format json``, the UI)."""
        return asdict(self)


class ProfileError(ValueError):
    """A profile was refused; ``problems`` lists every reason found, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(self._text())

    def _text(self) -> str:
        count = len(self.problems)
        head = f"企业档案有 {count} 处问题 / the profile has {count} problem{'s' if count != 1 else ''}:"
        return "\n".join([head, *(f"- {problem}" for problem in self.problems)])

    def __str__(self) -> str:
        return self._text()


_VALUE_LIMIT = 60
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def printable(text: str, limit: int = _VALUE_LIMIT) -> str:
    """``text`` safe to print and encode: control characters, lone surrogates and direction
    overrides shown as escapes (``\\x1b``, ``\\udfff``), cut to ``limit`` characters.

    Why: a message quotes the value it refuses, and a lone surrogate cannot be written as
    UTF-8 at all, while an escape character could drive the reader's terminal.
    """
    if len(text) > 4 * limit:
        text = text[: 4 * limit]
    text = _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape", "backslashreplace")
                            .decode("ascii"), text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def short_value(value: object) -> str:
    """A short, JSON-like text of a value for messages (printable; see :func:`printable`)."""
    if isinstance(value, Decimal):
        text = str(value) if value.adjusted() < 100 else f"{value:.3E}"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif value is None:
        text = "null"
    elif isinstance(value, float):
        text = repr(value)
    elif isinstance(value, int) and abs(value) >= 10**_VALUE_LIMIT:
        text = f"≈10^{int(abs(value).bit_length() * 0.30103):,}"
    elif isinstance(value, str) and len(value) > 4 * _VALUE_LIMIT:
        text = json.dumps(value[: 4 * _VALUE_LIMIT], ensure_ascii=False)
    elif isinstance(value, list | tuple | dict) and len(value) > _VALUE_LIMIT:
        text = f"{type(value).__name__}[{len(value):,}]"
    else:
        try:
            text = json.dumps(value, ensure_ascii=False, default=str)
        except (TypeError, ValueError, RecursionError):
            text = type(value).__name__
    return printable(text)


def _path(loc: tuple[int | str, ...]) -> str:
    """Pydantic's location as a readable path: ``years[1].revenue_wan``, ``…_wan["2020"]``."""
    text = ""
    in_dict = False
    for part in loc:
        if part == "[key]":
            continue
        if isinstance(part, int):
            text += f"[{part}]"
        elif in_dict:
            text += f"[{printable(json.dumps(part, ensure_ascii=False))}]"
        else:
            part = printable(part)
            text += f".{part}" if text else part
        in_dict = part == "new_local_fiscal_revenue_wan"
    return text or "(profile)"


def _labelled(path: str) -> tuple[str, str]:
    """``years[1].revenue_wan（营业收入）`` and ``years[1].revenue_wan (operating revenue)``."""
    zh, en = field_label(path, "zh"), field_label(path, "en")
    return (
        f"{path}（{zh}）" if zh != path else path,
        f"{path} ({en})" if en != path else path,
    )


def _reason(error: Mapping[str, Any], names: list[str]) -> tuple[str, str]:
    """What was expected, in Chinese and English, for one pydantic error."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if "zh" in ctx and "en" in ctx:
        return str(ctx["zh"]), str(ctx["en"])
    leaf = names[-1] if names else ""
    if kind in ("literal_error", "enum"):
        codes = _FIELD_VOCAB.get(leaf) or _FIELD_VOCAB.get(names[-2] if len(names) > 1 else "")
        if codes:
            return (
                f"应为以下之一：{_choices(codes)}",
                "expected one of: "
                + ", ".join(c if c.isascii() else f"{c} ({lab.en})" for c, lab in codes.items()),
            )
        return (
            f"应为以下之一：{ctx.get('expected', '')}",
            f"expected one of: {ctx.get('expected', '')}",
        )
    if kind in ("string_type", "string_unicode"):
        return "应为文字（字符串）", "expected text (a string)"
    if kind == "string_too_short":
        return "不能为空", "must not be empty"
    if kind == "string_too_long":
        limit = ctx.get("max_length")
        return f"最多 {limit} 个字符", f"at most {limit} characters"
    if kind == "too_long":
        limit = ctx.get("max_length")
        return f"最多 {limit} 项", f"at most {limit} entries"
    if kind in ("bool_type", "bool_parsing"):
        return "应为 true 或 false", "expected true or false"
    if kind in ("list_type", "tuple_type", "iterable_type"):
        return "应为列表（JSON 数组 [...]）", "expected a list (a JSON array [...])"
    if kind in ("dict_type", "model_type", "model_attributes_type", "mapping_type"):
        return "应为对象（JSON 对象 {...}）", "expected an object (a JSON object {...})"
    if kind.startswith("date") or kind.startswith("datetime"):
        return (
            "应为日期，格式 YYYY-MM-DD（例如 2020-07-22）",
            "expected a date as YYYY-MM-DD (e.g. 2020-07-22)",
        )
    message = str(error.get("msg", kind))
    return f"不符合要求（{message}）", message


def problems_from_errors(errors: Iterable[ErrorDetails], root: type[BaseModel],
                         models_at: Mapping[str, type[BaseModel]]) -> list[Problem]:
    """Every error of a pydantic validation as a :class:`Problem`.

    ``root`` is the validated model and ``models_at`` names the model of an object under a
    field name, so that an unknown key is answered with the keys allowed where it stands.
    """
    return [_problem(error, root, models_at) for error in errors]


def _problem(error: Mapping[str, Any], root: type[BaseModel],
             models_at: Mapping[str, type[BaseModel]]) -> Problem:
    """Turn one pydantic error into a Problem with full bilingual sentences."""
    loc = tuple(error.get("loc", ()))
    kind = error["type"]
    ctx = error.get("ctx") or {}
    path = _path(loc) + str(ctx.get("at", ""))
    names = [part for part in loc if isinstance(part, str) and part != "[key]"]
    where_zh, where_en = _labelled(path)
    if kind == "missing":
        return Problem(
            path,
            "",
            f"字段 {where_zh}：缺少此必填字段",
            f"field {where_en}: this required field is missing",
        )
    if kind == "extra_forbidden":
        parents = [n for n in names[:-1] if n in models_at]
        model = models_at[parents[-1]] if parents else root
        allowed = ", ".join(model.model_fields)
        return Problem(
            path,
            short_value(error.get("input")),
            f"字段 {path}：不认识的字段，请检查拼写（此处允许：{allowed}）",
            f"field {path}: unknown field; check the spelling (allowed here: {allowed})",
        )
    value = str(ctx["value"]) if "value" in ctx else short_value(error.get("input"))
    reason_zh, reason_en = _reason(error, names)
    if loc and loc[-1] == "[key]":
        return Problem(
            path,
            value,
            f"字段 {where_zh}：键 {value} 无效，{reason_zh}",
            f"field {where_en}: key {value} is invalid; {reason_en}",
        )
    if not value:
        return Problem(path, value, f"字段 {where_zh}：{reason_zh}", f"field {where_en}: {reason_en}")
    return Problem(
        path,
        value,
        f"字段 {where_zh}：值 {value} 无效，{reason_zh}",
        f"field {where_en}: value {value} is invalid; {reason_en}",
    )


def json_problem(value: str, zh: str, en: str) -> Problem:
    return Problem("(JSON)", value, f"JSON 文本有误：{zh}", f"the JSON text is malformed: {en}")
