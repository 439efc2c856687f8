"""Reading a claims file (.xlsx, or a CSV) into a :class:`~subsidy.claims.model.ClaimBatch`.

Why rows are read leniently but never guessed: a malformed row is reported with its sheet,
row and column (:class:`~subsidy.claims.model.RowProblem`) and the rest go on; a value that
cannot be read is never replaced by a default. A company whose rows have problems is not
evaluated: its claims are answered "需补充材料" pointing at those rows, since a verdict on
half-read figures could be wrong.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
    MAX_ROWS,
    MAX_UPLOAD_BYTES,
    Claim,
    ClaimBatch,
    ClaimsFileError,
    CompanyEntry,
    RowProblem,
    check_upload_size,
    company_name_key,
)


@dataclass
class _Sheet:
    """A sheet's rows with their spreadsheet row numbers (a CSV file is one sheet)."""

    name: str
    rows: Iterator[tuple[int, tuple[Any, ...]]]


def _xlsx_sheets(data: bytes) -> list[_Sheet]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 — openpyxl raises many kinds for a bad file
        raise ClaimsFileError(
            f"无法读取该 Excel 文件（{type(exc).__name__}）。请用模板另存为 .xlsx 后重试。",
            f"cannot read this Excel file ({type(exc).__name__}); save it as .xlsx from the template",
        ) from None
    sheets = []
    for sheet in book.worksheets:
        if sheet.title in SKIPPED_SHEETS:
            continue
        sheets.append(_Sheet(sheet.title, enumerate(sheet.iter_rows(values_only=True), start=1)))
    return sheets


def _decode_text(data: bytes) -> str:
    """UTF-8 (with or without a BOM), else GB18030: Chinese Excel saves CSV as GBK."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ClaimsFileError("CSV 文件既不是 UTF-8 也不是 GBK 编码", "the CSV is neither UTF-8 nor GBK text")


def _csv_sheets(data: bytes, name: str) -> list[_Sheet]:
    text = _decode_text(data)
    sample = text[:8192]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    return [_Sheet(name, ((n, tuple(row)) for n, row in enumerate(reader, start=1)))]


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
    if lower.endswith(".csv") or lower.endswith(".txt"):
        sheets = _csv_sheets(data, name)
    elif data[:2] == b"PK":
        sheets = _xlsx_sheets(data)
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
    return ClaimBatch(source_name=name, digest=digest, companies=companies, claims=reader.claims,
                      problems=reader.problems + [p for c in companies for p in c.problems],
                      size=len(data))


class _Reader:
    """Reads a file's sheets row by row: claims as they come, company rows into one builder
    per company (by credit code, or by name once all codes are known)."""

    def __init__(self, ruleset: RuleSet, digest: str) -> None:
        self.ruleset = ruleset
        self.digest = digest
        self.claims: list[Claim] = []
        self.problems: list[RowProblem] = []
        self.builders: dict[str, CompanyBuilder] = {}
        self.name_only: list[tuple[str, Row]] = []
        self.saw_claim_sheet = False
        self._occurrences: dict[tuple, int] = {}

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
            rule_id, zh, en = resolve_rule(self.ruleset, parsed["rule"])
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
        return [builder.build() for builder in self.builders.values()]
