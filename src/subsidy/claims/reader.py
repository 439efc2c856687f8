"""Reading a claims file (.xlsx, or a CSV) into a :class:`~subsidy.claims.model.ClaimBatch`.

Why rows are read leniently but never guessed: a malformed row is reported with its sheet,
row and column (:class:`~subsidy.claims.model.RowProblem`) and the rest go on; a value that
cannot be read is never replaced by a default. A company whose rows have problems is not
evaluated: its claims are answered "需补充材料" pointing at those rows, since a verdict on
half-read figures could be wrong.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl.utils.cell import get_column_letter

from ..money import normalize
from ..ruleset import RuleSet
from .cells import CellError, cell_text, is_blank, read_cell, read_credit_code, resolve_rule
from .columns import (
    CLAIM_COLUMNS,
    CLAIM_ONLY_KEYS,
    CLAIM_SHEET,
    COLUMN_BY_KEY,
    COMPANY_DATA_KEYS,
    SKIPPED_SHEETS,
    column_key,
)
from .companies import CompanyBuilder, Row
from .model import (
    MAX_CELL_CHARS,
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_PROBLEMS,
    MAX_ROWS,
    MAX_UPLOAD_BYTES,
    Claim,
    ClaimBatch,
    ClaimsFileError,
    CompanyEntry,
    ProblemLog,
    RowProblem,
    check_upload_size,
    company_name_key,
    omitted_problems,
)
from .xlsx_check import check_xlsx

SUGGESTIONS = 100
"""Distinct unknown awards that get a "did you mean" (each costs a comparison with every title)."""


@dataclass
class _Sheet:
    """A sheet's rows with their spreadsheet row numbers (a CSV file is one sheet)."""

    name: str
    rows: Iterator[tuple[int, tuple[Any, ...]]]


def _too_wide(sheet: str, number: int, column: int) -> ClaimsFileError:
    letter = get_column_letter(column) if column <= 16_384 else str(column)
    return ClaimsFileError(
        f"{sheet} 第{number}行第 {letter} 列（第 {column:,} 列）有数据，上限为 {MAX_COLUMNS} 列，"
        "文件未读取",
        f"{sheet} row {number} has data in column {letter} (column {column:,}); the limit is "
        f"{MAX_COLUMNS} columns; the file was not read",
    )


def _too_long(sheet: str, number: int, column: int, length: int) -> ClaimsFileError:
    letter = get_column_letter(column) if column <= 16_384 else str(column)
    return ClaimsFileError(
        f"{sheet} 第{number}行第 {letter} 列的内容有 {length:,} 个字符，单元格上限为 "
        f"{MAX_CELL_CHARS:,} 个字符，文件未读取",
        f"{sheet} row {number}, column {letter} holds {length:,} characters; a cell may hold "
        f"at most {MAX_CELL_CHARS:,}; the file was not read",
    )


class _CellBudget:
    """Counts a file's filled cells across its sheets; refuses the file past :data:`MAX_CELLS`."""

    def __init__(self) -> None:
        self.used = 0

    def spend(self, count: int, sheet: str, number: int) -> None:
        self.used += count
        if self.used > MAX_CELLS:
            raise ClaimsFileError(
                f"文件的已填单元格超过 {MAX_CELLS:,} 个（读到{sheet}第{number}行时），超出上限，"
                "未读取。请把申报拆成几个文件分批核验。",
                f"the file has more than {MAX_CELLS:,} filled cells (reached at {sheet} row "
                f"{number}), over the limit; not read. Split the claims into several files.",
            )


def _bounded(sheet: str, rows: Iterator[tuple[Any, ...]],
             budget: _CellBudget) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """Number a sheet's rows and refuse one wider than :data:`MAX_COLUMNS`, with a cell longer
    than :data:`MAX_CELL_CHARS`, or past the file's :data:`MAX_CELLS`, naming the row."""
    for number, row in enumerate(rows, start=1):
        if len(row) > MAX_COLUMNS:
            extra = [i for i, value in enumerate(row) if i >= MAX_COLUMNS and not is_blank(value)]
            if extra:
                raise _too_wide(sheet, number, extra[-1] + 1)
            row = row[:MAX_COLUMNS]
        filled = 0
        for index, value in enumerate(row):
            if value is None:
                continue
            filled += 1
            if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                raise _too_long(sheet, number, index + 1, len(value))
        budget.spend(filled, sheet, number)
        yield number, tuple(row)


def _guarded(sheet: str, rows: Iterator[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    """A sheet's rows as openpyxl parses them; a damaged sheet (truncated or malformed XML,
    an unreadable value) refuses the file, naming the sheet, instead of escaping as a crash."""
    try:
        yield from rows
    except ClaimsFileError:
        raise
    except (ValueError, KeyError, IndexError, TypeError, OSError, EOFError, SyntaxError,
            zipfile.BadZipFile, zlib.error) as exc:  # ParseError is a SyntaxError
        raise ClaimsFileError(
            f"工作表 {sheet} 已损坏或不完整（{type(exc).__name__}），请用模板重新保存后再试",
            f"worksheet {sheet} is damaged or incomplete ({type(exc).__name__}); save the file "
            "again from the template",
        ) from None


def _xlsx_sheets(data: bytes, budget: _CellBudget) -> list[_Sheet]:
    from openpyxl import load_workbook

    check_xlsx(data)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # noqa: BLE001 — openpyxl raises many kinds for a bad file
        raise ClaimsFileError(
            f"无法读取该 Excel 文件（{type(exc).__name__}）。请用模板另存为 .xlsx 后重试。",
            f"cannot read this Excel file ({type(exc).__name__}); save it as .xlsx from the template",
        ) from None
    sheets = []
    for sheet in book.worksheets:
        if sheet.title in SKIPPED_SHEETS:
            continue
        # Read what the cells hold, not what the sheet declares: a declared width would pad
        # every row (and every gap between rows) to it.
        sheet.reset_dimensions()
        rows = sheet.iter_rows(values_only=True)
        sheets.append(_Sheet(sheet.title, _bounded(sheet.title, _guarded(sheet.title, rows), budget)))
    return sheets


_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"),
         (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 without a byte-order mark: most characters of a CSV header are ASCII, so one
    byte of each pair is zero."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even = sample[0::2].count(0) / (len(sample) / 2)
    odd = sample[1::2].count(0) / (len(sample) / 2)
    if odd > 0.3 and even < 0.05:
        return "utf-16-le"
    if even > 0.3 and odd < 0.05:
        return "utf-16-be"
    return None


def decode_text(data: bytes) -> str:
    """A CSV's text: UTF-8 (with or without a BOM), UTF-16 or UTF-32 with a BOM (Excel's
    "Unicode text"), UTF-16 without one, else GB18030 (Chinese Excel saves CSV as GBK)."""
    encodings = [encoding for bom, encoding in _BOMS if data.startswith(bom)][:1]
    if not encodings:
        guess = _utf16_without_bom(data)
        encodings = [guess] if guess else ["utf-8", "gb18030"]
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return text.removeprefix("\ufeff")
    raise ClaimsFileError("CSV 文件的编码无法识别（应为 UTF-8、GBK/GB18030 或 UTF-16）",
                          "the CSV's encoding is not recognised (expected UTF-8, GBK/GB18030 or "
                          "UTF-16)")


def _csv_rows(reader: Any, sheet: str) -> Iterator[tuple[Any, ...]]:
    """The CSV module's rows; a field over its own limit (131,072 characters) refuses the
    file naming the row, instead of escaping as a crash."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line = reader.line_num
            if "field larger than field limit" in str(exc):
                raise ClaimsFileError(
                    f"{sheet} 第{line}行附近有一个字段超过 {MAX_CELL_CHARS:,} 个字符的上限，文件未读取",
                    f"{sheet} near row {line}: a field is longer than the limit of "
                    f"{MAX_CELL_CHARS:,} characters; the file was not read",
                ) from None
            raise ClaimsFileError(f"CSV 文件第{line}行无法读取（{exc}）",
                                  f"CSV row {line} cannot be read ({exc})") from None
        yield tuple(row)


def _csv_sheets(data: bytes, name: str, budget: _CellBudget) -> list[_Sheet]:
    text = decode_text(data)
    if "\x00" in text:
        raise ClaimsFileError("CSV 文件含有空字符（NUL），不是文本文件，未读取",
                              "the CSV holds NUL characters, so it is not text; not read")
    sample = text[:8192]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    return [_Sheet(name, _bounded(name, _csv_rows(reader, name), budget))]


def _header_map(row: tuple[Any, ...]) -> tuple[dict[int, str], list[tuple[int, str]]]:
    mapping: dict[int, str] = {}
    unknown: list[tuple[int, str]] = []
    for index, cell in enumerate(row):
        if is_blank(cell):
            continue
        key = column_key(cell)
        if key is None or key in mapping.values():
            unknown.append((index, str(cell)))
        else:
            mapping[index] = key
    return mapping, unknown


def read_claims_file(path: str | Path, rules: RuleSet | None = None,
                     limit: int = MAX_UPLOAD_BYTES) -> ClaimBatch:
    """Read a claims workbook (.xlsx) or CSV from disk; refuse it when larger than ``limit``."""
    file = Path(path)
    try:
        size = file.stat().st_size
    except OSError as exc:
        raise ClaimsFileError(f"无法读取文件 {file}（{exc.strerror}）",
                              f"cannot read {file} ({exc.strerror})") from None
    check_upload_size(size, limit)
    return read_claims(file.read_bytes(), file.name, rules=rules, limit=limit)


def read_claims(data: bytes, name: str, rules: RuleSet | None = None,
                limit: int = MAX_UPLOAD_BYTES) -> ClaimBatch:
    """Read a claims file's bytes (``name`` tells .xlsx from .csv) into companies and claims.

    Raises :class:`ClaimsFileError` only when the whole file is refused; problems of single
    rows are collected in ``batch.problems`` and the other rows are read.
    """
    from ..evaluate import default_rules

    check_upload_size(len(data), limit)
    ruleset = rules or default_rules()
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    lower = name.lower()
    budget = _CellBudget()
    if lower.endswith(".csv") or lower.endswith(".txt"):
        sheets = _csv_sheets(data, name, budget)
    elif data[:2] == b"PK":
        sheets = _xlsx_sheets(data, budget)
    elif lower.endswith(".xlsx"):
        raise ClaimsFileError("该文件不是有效的 Excel（.xlsx）文件，可能已损坏；请用模板重新保存后再试",
                              "this is not a valid Excel (.xlsx) file, perhaps damaged; save it again from the template")
    else:
        raise ClaimsFileError("只接受 Excel（.xlsx）或 CSV 文件；旧版 .xls 请另存为 .xlsx",
                              "only Excel (.xlsx) or CSV files are accepted; save .xls as .xlsx")
    reader = _Reader(ruleset, digest)
    for sheet in sheets:
        reader.read_sheet(sheet)
    if not reader.saw_claim_sheet:
        raise ClaimsFileError(
            f"文件中没有申报表：需要一张含“奖励条款”“申报年度”“申报金额”列的表（模板的“{CLAIM_SHEET}”表）",
            "no claims sheet: a sheet with award, year and amount columns is needed "
            f"(the template's {CLAIM_SHEET!r} sheet)",
        )
    companies = reader.companies()
    problems = reader.problems.listed + [p for c in companies for p in c.problems]
    omitted = reader.problems.omitted + reader.omitted_company_problems
    if len(problems) > MAX_PROBLEMS:
        omitted += len(problems) - MAX_PROBLEMS
        del problems[MAX_PROBLEMS:]
    if omitted:
        problems.append(omitted_problems(omitted))
    return ClaimBatch(source_name=name, digest=digest, companies=companies, claims=reader.claims,
                      problems=problems, size=len(data), problems_omitted=omitted)


class _Reader:
    """Reads a file's sheets row by row: claims as they come, company rows into one builder
    per company (by credit code, or by name once all codes are known)."""

    def __init__(self, ruleset: RuleSet, digest: str) -> None:
        self.ruleset = ruleset
        self.digest = digest
        self.claims: list[Claim] = []
        self.problems = ProblemLog()
        self.builders: dict[str, CompanyBuilder] = {}
        self.name_only: list[tuple[str, Row]] = []
        self.saw_claim_sheet = False
        self._occurrences: dict[tuple, int] = {}
        self.omitted_company_problems = 0
        self._resolved: dict[str, tuple[str | None, str, str]] = {}

    def read_sheet(self, sheet: _Sheet) -> None:
        header: dict[int, str] | None = None
        header_row = 0
        kind = "companies"
        for number, row in sheet.rows:
            if header is None:
                if number > 10:
                    return
                mapping, unknown = _header_map(row)
                if len(mapping) >= 2:
                    header, header_row = mapping, number
                    for _index, text in unknown:
                        self.problems.append(RowProblem(
                            sheet.name, number, text, "不认识的列，已忽略（请检查列名是否与模板一致）",
                            "unknown column, ignored (check the header against the template)"))
                    keys = set(header.values())
                    has_claims = bool(keys & CLAIM_ONLY_KEYS)
                    has_company = bool(keys & COMPANY_DATA_KEYS)
                    kind = ("combined" if has_claims and has_company
                            else "claims" if has_claims else "companies")
                    if has_claims:
                        self.saw_claim_sheet = True
                continue
            if number - header_row > MAX_ROWS:
                self.problems.append(RowProblem(
                    sheet.name, number, "", f"超过 {MAX_ROWS} 行，之后的行未读取",
                    f"more than {MAX_ROWS} rows; the rest was not read"))
                return
            values = {key: row[i] for i, key in header.items()
                      if i < len(row) and not is_blank(row[i])}
            if values:
                self.read_row(Row(sheet.name, number, values), kind)

    def read_row(self, row: Row, kind: str) -> None:
        """A claims sheet's rows are claims, a company sheet's rows company data; on a
        combined sheet (CSV) a row is a claim when an award column is filled, company data
        when a company column is, or both."""
        if kind == "claims":
            self._claim_row(row)
            return
        if kind == "companies":
            self._company_row(row, claim_sheet=False)
            return
        keys = set(row.values)
        is_claim = bool(keys & CLAIM_ONLY_KEYS)
        has_company = bool(keys & COMPANY_DATA_KEYS)
        if has_company or not is_claim:
            self._company_row(row, claim_sheet=is_claim)
        if is_claim:
            self._claim_row(row)

    # ---- claims

    def _claim_row(self, row: Row) -> None:
        parsed: dict[str, Any] = {}
        flagged: set[str] = set()
        bad = False
        for key in ("claim_ref", "credit_code", "name", "rule", "claim_year", "claimed_wan", "note"):
            raw = row.values.get(key)
            if key == "claim_year" and raw is None:
                raw = row.values.get("year")
            if raw is None:
                continue
            column = COLUMN_BY_KEY[key]
            if key == "name":
                column = CLAIM_COLUMNS[2]
            try:
                parsed[key] = read_cell(column, raw)
            except CellError as exc:
                self.problems.append(row.problem(column, exc.zh, exc.en))
                flagged.add(key)
                bad = True
        for key, zh, en in (
            ("rule", "缺少奖励条款（规则编号或条款名称）", "the award (rule id or title) is missing"),
            ("claim_year", "缺少申报年度", "the year is missing"),
            ("claimed_wan", "缺少申报金额（万元）", "the claimed amount is missing"),
        ):
            if key not in parsed and key not in flagged:
                self.problems.append(row.problem(COLUMN_BY_KEY[key], zh, en))
                bad = True
        if not parsed.get("credit_code") and not parsed.get("name"):
            if "credit_code" not in row.values:
                self.problems.append(RowProblem(row.sheet, row.number, "企业名称",
                                                "统一社会信用代码和企业名称至少填写一项",
                                                "give the company's credit code or name"))
            bad = True
        rule_id = None
        if parsed.get("rule"):
            rule_id, zh, en = self._resolve(parsed["rule"])
            if rule_id is None:
                self.problems.append(row.problem(COLUMN_BY_KEY["rule"], zh, en))
                bad = True
        if bad or rule_id is None:
            return
        code = parsed.get("credit_code")
        name = parsed.get("name")
        ident = (code or company_name_key(name or ""), rule_id, parsed["claim_year"],
                 normalize(parsed["claimed_wan"]))
        occurrence = self._occurrences.get(ident, 0)
        self._occurrences[ident] = occurrence + 1
        self.claims.append(Claim(
            sheet=row.sheet, row=row.number, credit_code=code, company_name=name,
            rule_ref=parsed["rule"], rule_id=rule_id, year=parsed["claim_year"],
            claimed_wan=parsed["claimed_wan"], claim_ref=parsed.get("claim_ref"),
            note=parsed.get("note"), occurrence=occurrence, source_digest=self.digest))

    def _resolve(self, text: str) -> tuple[str | None, str, str]:
        """:func:`resolve_rule`, once per distinct text, suggesting for the first few only."""
        found = self._resolved.get(text)
        if found is None:
            suggest = len(self._resolved) < SUGGESTIONS
            found = self._resolved[text] = resolve_rule(self.ruleset, text, suggest=suggest)
        return found

    # ---- companies

    def _company_row(self, row: Row, claim_sheet: bool) -> None:
        code = name = None
        try:
            if "credit_code" in row.values:
                code = read_credit_code(row.values["credit_code"])
        except CellError as exc:
            if not claim_sheet:
                self.problems.append(row.problem(COLUMN_BY_KEY["credit_code"], exc.zh, exc.en))
            return
        if "name" in row.values:
            name = cell_text(row.values["name"])
        if code is None and name is None:
            self.problems.append(RowProblem(row.sheet, row.number, "企业名称",
                                            "统一社会信用代码和企业名称至少填写一项，本行未读取",
                                            "give the credit code or the name; row not read"))
            return
        if code is not None:
            builder = self.builders.setdefault(code, CompanyBuilder(code))
            builder.add(row)
        else:
            assert name is not None
            self.name_only.append((name, row))

    def companies(self) -> list[CompanyEntry]:
        by_name: dict[str, list[CompanyBuilder]] = {}
        for builder in self.builders.values():
            for name in builder.names():
                by_name.setdefault(company_name_key(name), []).append(builder)
        for name, row in self.name_only:
            matches = by_name.get(company_name_key(name), [])
            if len(matches) == 1:
                matches[0].add(row)
                continue
            key = "名称:" + company_name_key(name)
            builder = self.builders.get(key)
            if builder is None:
                builder = self.builders[key] = CompanyBuilder(key)
                by_name.setdefault(company_name_key(name), []).append(builder)
            builder.add(row)
        self.omitted_company_problems = sum(b.problems.omitted for b in self.builders.values())
        return [builder.build() for builder in self.builders.values()]
