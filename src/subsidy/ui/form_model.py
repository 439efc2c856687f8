"""The profile form's data: form values ↔ profile dict, and problems ↔ form places.

Kept free of Streamlit so it can be tested directly, and so that the one place that knows
how a form cell becomes a profile value is easy to find. The form never decides anything
about eligibility: it turns what was typed into the contract's profile shape and lets
:func:`subsidy.profile.validate_profile` judge it. Text that is not understood is passed
through unchanged, so the validator names it next to the field and nothing typed is lost.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from subsidy.money import MoneyError, normalize, parse_money, to_decimal
from subsidy.profile import Problem
from subsidy.ui.i18n import t

Kind = Literal["text", "money", "int", "enum", "bool", "tags", "yearmoney"]
NONE_TAG = "__none__"
"""The industry-tags option meaning "stated: none of the five" (``[]``), unlike nothing chosen."""


@dataclass(frozen=True)
class Column:
    """One column of a form table: the profile key and how its cells are read."""

    name: str
    kind: Kind


@dataclass(frozen=True)
class Table:
    """A list in the profile edited as a table (``years``, ``incubator.yearly``, ...)."""

    name: str
    path: str
    """Where the list sits in the profile: ``years`` or ``incubator.yearly``."""
    columns: tuple[Column, ...]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table("years", "years", (
            Column("year", "int"), Column("revenue_wan", "money"),
            Column("main_business_revenue_wan", "money"),
            Column("district_fiscal_contribution_wan", "money"),
        )),
        Table("listings", "listings", (
            Column("board", "enum"), Column("date", "text"), Column("exchange", "text"),
        )),
        Table("recognitions", "recognitions", (
            Column("title", "enum"), Column("year", "int"), Column("name", "text"),
        )),
        Table("talent_projects", "talent_projects", (
            Column("programme", "text"), Column("year", "int"), Column("leader", "text"),
            Column("name", "text"),
        )),
        Table("tech_upgrade_projects", "tech_upgrade_projects", (
            Column("name", "text"), Column("in_catalogue", "bool"), Column("accepted_year", "int"),
            Column("completed", "bool"), Column("new_local_fiscal_revenue_wan", "yearmoney"),
        )),
        Table("incubator_yearly", "incubator.yearly", (
            Column("year", "int"), Column("resident_enterprises", "int"),
            Column("new_enterprises", "int"), Column("hightech_cultivated", "int"),
        )),
    )
}

SCALARS: dict[str, Kind] = {
    "name": "text",
    "credit_code": "text",
    "district": "enum",
    "sector": "enum",
    "industry_tags": "tags",
    "scale_entry_year": "int",
    "prior_peak_revenue_wan": "money",
    "prior_peak_main_revenue_wan": "money",
    "incubator.kind": "enum",
    "incubator.recognition.level": "enum",
    "incubator.recognition.year": "int",
    "park_rating.stars": "int",
    "park_rating.year": "int",
    "park_rating.park_kind": "enum",
}
"""Single-value form fields by profile path (nested paths are the parts of one object)."""


@dataclass
class FormData:
    """The profile dict built from the form, and what is needed to put problems back."""

    data: dict[str, Any]
    row_maps: dict[str, list[int]] = field(default_factory=dict)
    """For each table, the table row of each list item sent (blank rows are not sent)."""
    problems: list[Problem] = field(default_factory=list)
    """Problems found while reading the form itself (e.g. a malformed year:amount list)."""


# ------------------------------------------------------------------------------- cells


def blank(value: object) -> bool:
    """True for what an untouched cell holds: None, NaN, pandas NA, or blank text."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str):
        return not value.strip()
    try:
        import pandas as pd

        return bool(pd.isna(value)) if not isinstance(value, list | dict | tuple) else False
    except (TypeError, ValueError, ImportError):
        return False


def _money_cell(value: object) -> object:
    """"102亿", "2,300万", "1500" → Decimal 万元; anything else as typed, for the validator."""
    if isinstance(value, str):
        text = value.strip()
        try:
            return normalize(parse_money(text))
        except MoneyError:
            return text
    return value


def _int_cell(value: object) -> object:
    """A whole number as typed; a unit after digits ("2020年", "5家") is dropped, anything
    else ("去年") is left whole for the validator to name."""
    if isinstance(value, str):
        text = value.strip()
        return re.sub(r"(?<=[0-9])\s*(年|家|星|个)$", "", text).strip() or text
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _bool_cell(value: object) -> bool | None | object:
    if isinstance(value, bool):
        return value
    if value in ("yes", "true", "是"):
        return True
    if value in ("no", "false", "否"):
        return False
    return value


_PAIR_SPLIT = re.compile(r"[,，;；、\s]+")
_PAIR = re.compile(r"^\s*([0-9]{4})\s*[:：=]\s*(.+?)\s*$")


def parse_year_money(text: str) -> dict[str, object] | None:
    """"2020:50, 2021:60" → {"2020": Decimal(50), "2021": Decimal(60)}; None when malformed."""
    out: dict[str, object] = {}
    for part in _PAIR_SPLIT.split(text.strip()):
        if not part:
            continue
        match = _PAIR.match(part)
        if not match:
            return None
        out[match.group(1)] = _money_cell(match.group(2))
    return out


def format_year_money(figures: Mapping[Any, Any]) -> str:
    """{"2020": 50, "2021": 60} → "2020:50, 2021:60" (the form's text for the dict)."""
    return ", ".join(f"{year}:{money_text(amount)}" for year, amount in figures.items())


def money_text(value: object) -> str:
    """A money value as form text: exact decimal, no exponent, no float noise."""
    if value is None:
        return ""
    try:
        return f"{normalize(to_decimal(value)):f}"
    except (MoneyError, ValueError, ArithmeticError):
        return str(value)


def _cell(kind: Kind, value: object) -> object:
    if blank(value):
        return None
    if kind == "money":
        return _money_cell(value)
    if kind == "int":
        return _int_cell(value)
    if kind == "bool":
        return _bool_cell(value)
    if isinstance(value, str):
        return value.strip()
    return value


# ------------------------------------------------------------------------------- form → data


def _set_path(data: dict[str, Any], path: str, value: object) -> None:
    parts = path.split(".")
    node = data
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def _tags(value: object) -> list[str] | None:
    if not value:
        return None
    chosen = [str(code) for code in value if code != NONE_TAG]  # type: ignore[union-attr]
    return chosen


def form_to_data(values: Mapping[str, Any],
                 tables: Mapping[str, list[dict[str, Any]]]) -> FormData:
    """Build the profile dict from scalar form values (by path) and table rows.

    Blank fields are left out (unknown stays unknown). Blank table rows are skipped and
    ``row_maps`` remembers which table row each list item came from, so a problem at
    ``years[1]`` is shown on the right row.
    """
    data: dict[str, Any] = {}
    result = FormData(data)
    for path, kind in SCALARS.items():
        raw = values.get(path)
        if kind == "tags":
            tags = _tags(raw)
            if tags is not None:
                data["industry_tags"] = tags
            continue
        cell = _cell(kind, raw)
        if cell is not None:
            _set_path(data, path, cell)
    for table in TABLES.values():
        items: list[dict[str, Any]] = []
        rows_sent: list[int] = []
        for row_no, row in enumerate(tables.get(table.name) or []):
            item: dict[str, Any] = {}
            touched = False
            for column in table.columns:
                cell = _cell(column.kind, row.get(column.name))
                if cell is None:
                    continue
                touched = True
                if column.kind == "yearmoney":
                    parsed = parse_year_money(str(cell))
                    if parsed is None:
                        index = len(items)
                        where = f"{table.path}[{index}].{column.name}"
                        result.problems.append(Problem(
                            where, str(cell),
                            _tech_bad("zh", where, str(cell)), _tech_bad("en", where, str(cell)),
                        ))
                        continue
                    cell = parsed
                item[column.name] = cell
            if touched:
                items.append(item)
                rows_sent.append(row_no)
        result.row_maps[table.name] = rows_sent
        if items:
            _set_path(data, table.path, items)
    # An incubator or park block that has only some parts still goes in: the validator then
    # names the missing part (e.g. the carrier's kind) instead of the data silently vanishing.
    return result


def _tech_bad(lang: str, path: str, value: str) -> str:
    return t("tech_revenue_bad", lang, path=path, value=value)


# ------------------------------------------------------------------------------- data → form


@dataclass
class FormContent:
    """What a loaded profile puts into the form, and what it could not."""

    values: dict[str, Any]
    tables: dict[str, list[dict[str, Any]]]
    left_out: list[str] = field(default_factory=list)
    """Paths and values the form cannot hold (unknown keys, codes no select offers)."""


def _get_path(data: Mapping[str, Any], path: str) -> Any:
    node: Any = data
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _to_form(kind: Kind, value: object, options: Mapping[str, Any] | None) -> tuple[object, bool]:
    """(form value, fits): a profile value as the form holds it; ``fits`` False when it cannot."""
    if value is None:
        return None, True
    if kind == "money":
        return money_text(value), True
    if kind == "int":
        return str(value), True
    if kind == "bool":
        if isinstance(value, bool):
            return ("yes" if value else "no"), True
        return None, False
    if kind == "enum":
        if options is not None and value not in options:
            return None, False
        return value, True
    if kind == "yearmoney":
        if isinstance(value, Mapping):
            return format_year_money(value), True
        return None, False
    if options is not None and value in options:
        return options[value].zh, True  # a known talent programme by its Chinese name
    return str(value), True


def data_to_form(data: Mapping[str, Any], options: Mapping[str, Mapping[str, Any]]) -> FormContent:
    """Spread a profile dict (parsed JSON, possibly invalid) over the form.

    ``options`` gives the allowed codes of enumerated fields by field name (``district``,
    ``board``...). Whatever the form cannot show is listed in ``left_out`` so the user is
    told, never silently dropped.
    """
    content = FormContent(values={}, tables={})
    known_top = {p.split(".")[0] for p in SCALARS} | {t.path.split(".")[0] for t in TABLES.values()}
    for key in data:
        if key not in known_top:
            content.left_out.append(f"{key} = {data[key]!r}")
    for path, kind in SCALARS.items():
        raw = _get_path(data, path)
        if kind == "tags":
            if raw is None:
                content.values[path] = []
            elif isinstance(raw, list):
                allowed = options.get("industry_tags", {})
                good = [code for code in raw if code in allowed]
                content.left_out += [f"industry_tags: {code!r}" for code in raw if code not in allowed]
                content.values[path] = good or ([NONE_TAG] if not raw else [])
            else:
                content.left_out.append(f"industry_tags = {raw!r}")
                content.values[path] = []
            continue
        leaf = path.split(".")[-1]
        value, fits = _to_form(kind, raw, options.get(leaf) if kind == "enum" else None)
        if not fits:
            content.left_out.append(f"{path} = {raw!r}")
        content.values[path] = value
    for table in TABLES.values():
        raw_rows = _get_path(data, table.path)
        rows: list[dict[str, Any]] = []
        if isinstance(raw_rows, list):
            for index, raw in enumerate(raw_rows):
                if not isinstance(raw, Mapping):
                    content.left_out.append(f"{table.path}[{index}] = {raw!r}")
                    continue
                row: dict[str, Any] = {}
                for column in table.columns:
                    value, fits = _to_form(column.kind, raw.get(column.name), options.get(column.name))
                    if not fits:
                        content.left_out.append(
                            f"{table.path}[{index}].{column.name} = {raw.get(column.name)!r}")
                    row[column.name] = value
                for key in raw:
                    if key not in table.column_names:
                        content.left_out.append(f"{table.path}[{index}].{key} = {raw[key]!r}")
                rows.append(row)
        elif raw_rows is not None:
            content.left_out.append(f"{table.path} = {raw_rows!r}")
        content.tables[table.name] = rows
    return content


# ------------------------------------------------------------------------------- problems → places


@dataclass(frozen=True)
class Place:
    """Where on the form a problem is shown."""

    anchor: str
    """A scalar path (``district``), a table name (``years``), or ``general``."""
    row: int | None = None
    """1-based table row, for table problems."""
    column: str | None = None


_INDEXED = re.compile(r"^(?P<list>[A-Za-z_.]+)\[(?P<index>[0-9]+)\](?:\.(?P<column>[A-Za-z_]+))?")


def locate(path: str, row_maps: Mapping[str, list[int]]) -> Place:
    """The form place of a problem path such as ``years[1].revenue_wan`` or ``incubator.kind``."""
    match = _INDEXED.match(path)
    if match:
        for table in TABLES.values():
            if match.group("list") == table.path:
                index = int(match.group("index"))
                rows = row_maps.get(table.name, [])
                row = rows[index] + 1 if index < len(rows) else index + 1
                return Place(table.name, row, match.group("column"))
    if path in SCALARS:
        return Place(path)
    for table in TABLES.values():
        if path == table.path:
            return Place(table.name)
    if path in ("incubator", "incubator.recognition"):
        return Place("incubator.kind" if path == "incubator" else "incubator.recognition.level")
    if path == "park_rating":
        return Place("park_rating.stars")
    return Place("general")


_FORM_WORDS = (
    # The validator speaks to programs sending JSON ("a number or a numeric string"); the
    # form's user types into a box, where 102亿 and 2,300万 are understood too.
    ('应为金额（万元），填数字或数字字符串，例如 1500 或 "2300.5"',
     "应填写金额（万元），例如 1500、1,500、102亿 或 2300万"),
    ('expected an amount in 万元, as a number or a numeric string, e.g. 1500 or "2300.5"',
     "expected an amount in RMB 10k, e.g. 1500 or 1,500"),
)


def form_words(text: str) -> str:
    """A validator message in the form's own words (no "numeric string" jargon)."""
    for before, after in _FORM_WORDS:
        text = text.replace(before, after)
    return text


def place_words(place: Place, lang: str) -> str:
    """Where a problem is, as a reader of the form sees it: "年度数据第 2 行「营业收入」"."""
    from subsidy.profile import field_label

    table = TABLES.get(place.anchor)
    if table is not None:
        section = t(f"table_{table.name}", lang)
        column = field_label(f"{table.path}[].{place.column}", lang) if place.column else ""
        if lang == "en":
            text = f"{section}, row {place.row}" if place.row else section
            return f"{text}, {column}" if column else text
        text = f"{section}第 {place.row} 行" if place.row else section
        return f"{text}「{column}」" if column else text
    label = field_label(place.anchor, lang)
    return label if lang == "en" else f"「{label}」"


def summary_line(problem: Problem, row_maps: Mapping[str, list[int]], lang: str) -> str:
    """One problem for the list above the form: where, in words, and what is wrong."""
    place = locate(problem.field, row_maps)
    reason = form_words(reason_only(problem, lang))
    if place.anchor == "general":
        return form_words(problem.message_en if lang == "en" else problem.message_zh)
    return f"{place_words(place, lang)}{': ' if lang == 'en' else '：'}{reason}"


_PREFIX_ZH = re.compile(r"^字段 \S+?(?:（[^）]*）)?：")
_PREFIX_EN = re.compile(r"^field \S+?(?: \([^)]*\))?: ")


def reason_only(problem: Problem, lang: str) -> str:
    """The message without its leading "字段 path（label）：" — for showing beside the field."""
    if lang == "en":
        return _PREFIX_EN.sub("", problem.message_en, count=1)
    return _PREFIX_ZH.sub("", problem.message_zh, count=1)


def apply_delta(base: list[dict[str, Any]], state: Mapping[str, Any] | None,
                columns: list[str]) -> list[dict[str, Any]]:
    """The rows a table editor shows: ``base`` with the editor's edit state applied.

    The state is what ``st.data_editor`` keeps (``edited_rows`` by position, ``deleted_rows``
    positions of ``base``, ``added_rows``), applied in the editor's own order: cell edits,
    deletions, additions. Computing it here lets the page know the current rows before it
    draws them, so problems can be shown under the table and its section opened.
    """
    rows = [{c: row.get(c) for c in columns} for row in base]
    if not state:
        return rows
    for position, changes in (state.get("edited_rows") or {}).items():
        index = int(position)
        if 0 <= index < len(rows):
            rows[index].update({c: v for c, v in changes.items() if c in columns})
    deleted = {int(i) for i in state.get("deleted_rows") or []}
    rows = [row for index, row in enumerate(rows) if index not in deleted]
    for added in state.get("added_rows") or []:
        rows.append({c: added.get(c) for c in columns})
    return rows


# ------------------------------------------------------------------------------- pasting

MAX_PASTE_CHARS = 20_000
MAX_PASTE_ROWS = 60
_YEAR_TEXT = re.compile(r"^\s*((?:19|20|21)[0-9]{2})\s*年?\s*$")
_YEAR_COLUMNS = TABLES["years"].column_names


def _column_of(header: str) -> str | None:
    """The years-table column a pasted header names (Chinese or English), if any."""
    text = header.strip().lower()
    if not text:
        return None
    if "主营" in text or "main" in text:
        return "main_business_revenue_wan"
    if "贡献" in text or "contribution" in text or "财政" in text:
        return "district_fiscal_contribution_wan"
    if "营业收入" in text or "营收" in text or "收入" in text or "revenue" in text:
        return "revenue_wan"
    if "年" in text or "year" in text:
        return "year"
    return None


def parse_pasted_years(text: str) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """Rows of the years table from cells copied out of a spreadsheet (tab-separated).

    Three layouts are understood: a header row naming the columns (年度 / 营业收入 /
    主营业务收入 / 区级财政贡献, in any order, English names too); no header, the columns
    in the table's order; or years across the top with one figure per row, as many
    finance statements are laid out. Returns (rows, problems as (Chinese, English)); figures
    stay as typed, for the form's own reading and the validator.
    """
    if len(text) > MAX_PASTE_CHARS:
        return [], [(f"粘贴的内容过长（超过 {MAX_PASTE_CHARS:,} 个字符），请只复制年度数据所在的几行。",
                     f"The pasted text is too long (over {MAX_PASTE_CHARS:,} characters); copy only "
                     "the rows of yearly figures.")]
    lines = [line for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n") if line.strip()]
    grid = [[cell.strip() for cell in (line.split("\t") if "\t" in line else line.split())]
            for line in lines]
    if not grid:
        return [], [("没有可读取的内容：请从 Excel 复制包含年度和金额的单元格后粘贴。",
                     "Nothing to read: copy the cells with years and amounts from the spreadsheet and paste them.")]
    first = grid[0]
    if len(first) > 1 and all(_YEAR_TEXT.match(c) for c in first[1:]) and not _YEAR_TEXT.match(first[0]):
        # years across the top: one figure per row
        grid = [["年度", *first[1:]]] + grid[1:]
        grid = [list(col) for col in zip(*[row + [""] * (len(first) - len(row)) for row in grid], strict=False)]
        first = grid[0]
    header = [_column_of(c) for c in first]
    if any(header) and not _YEAR_TEXT.match(first[0]):
        columns, body, offset = header, grid[1:], 2
    else:
        columns, body, offset = list(_YEAR_COLUMNS), grid, 1
    problems: list[tuple[str, str]] = []
    if "year" not in columns:
        return [], [("找不到“年度”一列：第一行写上 年度、营业收入、主营业务收入、区级财政贡献，或按此顺序粘贴。",
                     "No year column found: put Year, Revenue, Main business revenue, Contribution in the "
                     "first row, or paste the columns in that order.")]
    rows: list[dict[str, Any]] = []
    for number, cells in enumerate(body[:MAX_PASTE_ROWS], start=offset):
        row: dict[str, Any] = {}
        for column, cell in zip(columns, cells, strict=False):
            if column and cell:
                row[column] = cell
        if not row:
            continue
        match = _YEAR_TEXT.match(str(row.get("year", "")))
        if not match:
            shown = row.get("year", "")
            problems.append((f"第 {number} 行：年度「{shown}」无法识别，应为 2020 这样的四位年份；此行未填入。",
                             f"Row {number}: the year “{shown}” is not understood (write e.g. 2020); "
                             "the row was left out."))
            continue
        row["year"] = match.group(1)
        rows.append({c: row.get(c) for c in _YEAR_COLUMNS})
    if len(body) > MAX_PASTE_ROWS:
        problems.append((f"只读取了前 {MAX_PASTE_ROWS} 行。", f"Only the first {MAX_PASTE_ROWS} rows were read."))
    return rows, problems


def merge_years(existing: list[dict[str, Any]], pasted: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The years table after a paste: a pasted year replaces the figures it gives for that
    year, other years stay, blank rows go; sorted by year."""
    by_year: dict[str, dict[str, Any]] = {}
    others: list[dict[str, Any]] = []
    for row in existing:
        if all(blank(v) for v in row.values()):
            continue
        key = str(row.get("year") or "").strip()
        if key:
            by_year[key] = dict(row)
        else:
            others.append(dict(row))
    for row in pasted:
        merged = by_year.setdefault(row["year"], {c: None for c in _YEAR_COLUMNS})
        merged.update({c: v for c, v in row.items() if not blank(v)})
    return [by_year[k] for k in sorted(by_year)] + others


def next_year_row(existing: list[dict[str, Any]], default_year: int) -> list[dict[str, Any]]:
    """The years table with one more row, its year filled in: the year after the last one
    given (``default_year`` when none is)."""
    years = [int(m.group(1)) for row in existing
             if (m := _YEAR_TEXT.match(str(row.get("year") or "")))]
    kept = [dict(row) for row in existing if not all(blank(v) for v in row.values())]
    return [*kept, {c: None for c in _YEAR_COLUMNS} | {"year": str(max(years) + 1 if years else default_year)}]
