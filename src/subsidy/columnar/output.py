"""Writing tables as Parquet, CSV or xlsx — chunk by chunk, to a temporary file renamed at
the end, so a failed or interrupted run leaves nothing half-written.

CSV is UTF-8 with a byte-order mark (Excel then reads Chinese correctly); money is written
as exact decimals without trailing zeros. xlsx holds at most 1,048,575 data rows (Excel's
limit): a larger table is refused with a message that says to use Parquet or CSV.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

XLSX_MAX_ROWS = 1_048_575
FORMATS = (".parquet", ".csv", ".xlsx")


class OutputError(ValueError):
    def __init__(self, zh: str, en: str):
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en


def format_of(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise OutputError(f"输出文件应以 .parquet、.csv 或 .xlsx 结尾：{path}",
                          f"the output file must end in .parquet, .csv or .xlsx: {path}")
    return suffix


def _text_money(table: pa.Table) -> pa.Table:
    """Decimal columns as exact text without trailing zeros (for CSV and xlsx)."""
    for i, col in enumerate(table.schema):
        if pa.types.is_decimal(col.type):
            text = pc.cast(table.column(i), pa.string())
            text = pc.replace_substring_regex(text, r"(\.[0-9]*?)0+$", r"\1")
            text = pc.replace_substring_regex(text, r"\.$", "")
            table = table.set_column(i, col.name, text)
    return table


def _read_umask() -> int:
    """The process's umask, read once at import (reading it means setting it, which is not
    safe once threads write files)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


class TableWriter:
    """Append Arrow tables of one schema; ``close()`` publishes the file, ``abort()`` drops it."""

    def __init__(self, path: str | Path, header_zh: dict[str, str] | None = None):
        self.path = Path(path)
        self.fmt = format_of(self.path)
        self.header_zh = header_zh or {}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".part", dir=self.path.parent)
        os.close(fd)
        self.tmp = Path(tmp)
        self.rows = 0
        self._writer = None
        self._handle = None
        self._book = None
        self._sheet = None

    def write(self, table: pa.Table) -> None:
        if self.fmt == ".parquet":
            if self._writer is None:
                self._writer = pq.ParquetWriter(self.tmp, table.schema, compression="zstd")
            self._writer.write_table(table)
        elif self.fmt == ".csv":
            table = _text_money(table)
            if self._writer is None:
                self._handle = self.tmp.open("wb")
                self._handle.write("\ufeff".encode())
                self._writer = pacsv.CSVWriter(self._handle, table.schema)
            self._writer.write_table(table)
        else:
            if self.rows + table.num_rows > XLSX_MAX_ROWS:
                raise OutputError(
                    f"结果超过 Excel 的 {XLSX_MAX_ROWS} 行上限；请输出为 .parquet 或 .csv",
                    f"more than Excel's {XLSX_MAX_ROWS} rows: write .parquet or .csv instead")
            table = _text_money(table)
            if self._book is None:
                from openpyxl import Workbook

                self._book = Workbook(write_only=True)
                self._sheet = self._book.create_sheet("data")
                self._sheet.append([self.header_zh.get(n, n) for n in table.column_names])
            for row in zip(*(c.to_pylist() for c in table.columns), strict=True):
                self._sheet.append([_cell(v) for v in row])
        self.rows += table.num_rows

    def close(self, empty_schema: pa.Schema | None = None) -> Path:
        if self.rows == 0 and empty_schema is not None and self._writer is None and self._book is None:
            self.write(empty_schema.empty_table())
        if self._writer is not None:
            self._writer.close()
        if self._handle is not None:
            self._handle.close()
        if self._book is not None:
            self._book.save(self.tmp)
        # A temporary file is private (0600); the published one gets the usual permissions.
        os.chmod(self.tmp, 0o666 & ~_UMASK)
        os.replace(self.tmp, self.path)
        return self.path

    def abort(self) -> None:
        try:
            if self._writer is not None:
                self._writer.close()
            if self._handle is not None:
                self._handle.close()
        finally:
            self.tmp.unlink(missing_ok=True)


def _cell(value):
    """Text that a spreadsheet would read as a formula is kept as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def write_table(table: pa.Table, path: str | Path, header_zh: dict[str, str] | None = None) -> Path:
    writer = TableWriter(path, header_zh)
    try:
        writer.write(table)
        return writer.close()
    except BaseException:
        writer.abort()
        raise
