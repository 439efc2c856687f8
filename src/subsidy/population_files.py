"""Reading a population file into DuckDB as text columns, within bounds.

Why a module of its own: what a file *is* (its size, its encoding, its format, whether an
xlsx is a zip bomb) is checked here before a single cell is interpreted, and every refusal
of the whole file is a :class:`PopulationError` in Chinese and English. What the cells
*mean* is :mod:`subsidy.population`.

Bounds, all checked before the file is parsed:

- the file's size (:data:`MAX_BYTES`, or the caller's ``max_bytes``; xlsx
  :data:`MAX_XLSX_BYTES`, and what its zip unpacks to, :data:`MAX_XLSX_UNPACKED`);
- a CSV must be UTF-8 (with or without BOM): a GBK export from Excel is refused with the way
  to convert it, since guessing an encoding could turn a name into another one;
- an xlsx must not declare document types (entity expansion), and is read row by row
  (openpyxl's read-only mode) into DuckDB in batches, so memory stays bounded.

Rows keep their number in the file (``row_no``: the header is row 1, as Excel shows it; a
Parquet record *n* is row *n*), so every later error can name it.
"""

from __future__ import annotations

import codecs
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pyarrow as pa

MAX_BYTES = 1 << 30
"""Largest population file read (1 GiB): 650,000 companies × 3 years is about 60 MB of
Parquet or 300 MB of CSV. Larger registers are split by district."""
MAX_XLSX_BYTES = 64 << 20
"""Largest xlsx read (64 MB): its reader unpacks XML; larger data belongs in CSV or Parquet."""
MAX_XLSX_UNPACKED = 512 << 20
"""What an xlsx may unpack to (512 MB), checked on the zip's members before parsing."""
XLSX_BATCH = 50_000
"""Rows of an xlsx handed to DuckDB at a time (bounded memory)."""

_DOCTYPE = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)


class PopulationError(ValueError):
    """A population file refused as a whole (columns, encoding, size, format), in both
    languages."""

    def __init__(self, zh: str, en: str):
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en

    def message(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh


def _size_text(size: int) -> str:
    if size >= 1 << 30:
        return f"{size / (1 << 30):.1f} GB"
    return f"{size / (1 << 20):.1f} MB"


def check_size(path: Path, max_bytes: int) -> None:
    """Refuse a file over ``max_bytes`` (xlsx: also over :data:`MAX_XLSX_BYTES`) by its size
    alone — nothing of it is read."""
    size = path.stat().st_size
    limit = min(max_bytes, MAX_XLSX_BYTES) if path.suffix.lower() == ".xlsx" else max_bytes
    if size > limit:
        raise PopulationError(
            f"文件过大：{_size_text(size)}，上限为 {_size_text(limit)}；请按区拆分后分别测算"
            + ("，或另存为 CSV（UTF-8）/ Parquet" if path.suffix.lower() == ".xlsx" else ""),
            f"file too large: {_size_text(size)}, the limit is {_size_text(limit)}; split it by "
            "district" + (" or save it as CSV (UTF-8) / Parquet" if path.suffix.lower() == ".xlsx" else ""))


def check_utf8(path: Path) -> None:
    """Refuse a CSV that is not UTF-8, naming the line; read in 4 MB pieces (bounded memory).

    A GBK file (Excel's "CSV" on a Chinese Windows) is the usual case: the message says how
    to convert it rather than guessing, because a wrong guess turns one name into another.
    """
    with path.open("rb") as handle:
        head = handle.read(4)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise PopulationError(
            "CSV 文件是 UTF-16 编码（Excel 的“Unicode 文本”）；请在 Excel 中“另存为 → CSV UTF-8（逗号分隔）”",
            "the CSV file is UTF-16 (Excel's 'Unicode text'): save it as 'CSV UTF-8 (comma delimited)'")
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 22):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                line += chunk[: exc.start].count(b"\n")
                guess_zh = guess_en = ""
                try:
                    chunk[max(0, exc.start - 2): exc.start + 64].decode("gb18030")
                    guess_zh, guess_en = "（看起来是 GBK 编码）", " (it looks like GBK)"
                except UnicodeDecodeError:
                    pass
                raise PopulationError(
                    f"CSV 文件不是 UTF-8 编码{guess_zh}：第 {line} 行有无法识别的字节。请在 Excel 中"
                    "“另存为 → CSV UTF-8（逗号分隔）”，或用 iconv -f GBK -t UTF-8 转换后再导入",
                    f"the CSV file is not UTF-8{guess_en}: row {line} has bytes that are not UTF-8. "
                    "Save it from Excel as 'CSV UTF-8 (comma delimited)', or convert it with "
                    "iconv -f GBK -t UTF-8") from None
            line += chunk.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise PopulationError("CSV 文件末尾的字符不完整（不是 UTF-8）",
                                  "the CSV file ends inside a character (not UTF-8)") from None


def _check_xlsx(path: Path) -> None:
    """Refuse a damaged xlsx, one that unpacks past :data:`MAX_XLSX_UNPACKED` (declared and
    actual sizes, read in pieces and stopped at the limit) or declares a document type."""
    damaged = PopulationError("xlsx 文件已损坏或不是 xlsx 文件", "the xlsx file is damaged or not an xlsx file")
    too_big = PopulationError(
        f"xlsx 解压后超过 {MAX_XLSX_UNPACKED >> 20} MB；请另存为 CSV（UTF-8）或 Parquet",
        f"the xlsx unpacks to more than {MAX_XLSX_UNPACKED >> 20} MB: save it as CSV (UTF-8) or Parquet")
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > 1000 or sum(m.file_size for m in members) > MAX_XLSX_UNPACKED:
                raise too_big
            total = 0
            for member in members:
                with archive.open(member) as handle:
                    first = True
                    while piece := handle.read(1 << 20):
                        total += len(piece)
                        if total > MAX_XLSX_UNPACKED:
                            raise too_big
                        if first and member.filename.endswith(".xml") and _DOCTYPE.search(piece[:65536]):
                            raise PopulationError("xlsx 文件含有文档类型声明（DTD），不予读取",
                                                  "the xlsx declares a document type (DTD); it is not read")
                        first = False
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as exc:
        if isinstance(exc, PopulationError):
            raise
        raise damaged from None


def _xlsx_into(path: Path, con: duckdb.DuckDBPyConnection) -> list[str]:
    """The first worksheet into ``raw_in`` as text columns, :data:`XLSX_BATCH` rows at a time."""
    from openpyxl import load_workbook

    _check_xlsx(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 — openpyxl raises many kinds for a damaged file
        raise PopulationError("xlsx 文件已损坏或不是 xlsx 文件", "the xlsx file is damaged or not an xlsx file") from None
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if not header:
            raise PopulationError("第一个工作表是空的", "the first worksheet is empty")
        names = [str(h).strip() if h is not None else "" for h in header]
        names = [n or f"column{i + 1}" for i, n in enumerate(names)]
        if len(names) > 1000:
            raise PopulationError("列数过多（超过 1,000 列）", "too many columns (more than 1,000)")
        width = len(names)
        _create_text_table(con, "raw_in", names)
        batch: list[Sequence[object]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= XLSX_BATCH:
                _append_rows(con, names, batch, width)
                batch = []
        _append_rows(con, names, batch, width)
    finally:
        book.close()
    return names


def _xlsx_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        return repr(value) if not value.is_integer() else str(int(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _create_text_table(con: duckdb.DuckDBPyConnection, table: str, names: list[str]) -> None:
    cols = ", ".join(f"c{i} VARCHAR" for i in range(len(names)))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} ({cols})")


def _append_rows(con: duckdb.DuckDBPyConnection, names: list[str], batch: list[Sequence[object]],
                 width: int) -> None:
    if not batch:
        return
    columns = [[_xlsx_text(row[i]) if i < len(row) else None for row in batch] for i in range(width)]
    table = pa.table({f"c{i}": pa.array(col, pa.string()) for i, col in enumerate(columns)})
    con.register("xlsx_batch", table)
    con.execute("INSERT INTO raw_in SELECT * FROM xlsx_batch")
    con.unregister("xlsx_batch")


def read_into(path: str | Path, con: duckdb.DuckDBPyConnection, *, max_bytes: int = MAX_BYTES) -> tuple[list[str], int]:
    """Load the file's cells into ``raw_in`` (columns ``c0``, ``c1`` … in the header's order,
    any types) and return (the header names as written, the row number of the first data row).
    For Parquet ``raw_in`` is a view on the file, read by :func:`read_from_input`.

    Rows keep the file's order (``rowid``: a table's own, the Parquet reader's row number
    under that name), so row numbers are the file's. Refuses a missing
    file, an oversized one (by its size, before reading), an unknown format, a CSV that is not
    UTF-8 and a damaged or hostile xlsx.
    """
    path = Path(path)
    if not path.is_file():
        raise PopulationError(f"找不到文件 {path.name}", f"no such file: {path.name}")
    suffix = path.suffix.lower()
    if suffix not in (".parquet", ".csv", ".xlsx"):
        raise PopulationError(f"不支持的文件类型 {suffix or '（无扩展名）'}：应为 .parquet、.csv 或 .xlsx",
                              f"unsupported file type {suffix or '(none)'}: expected .parquet, .csv or .xlsx")
    check_size(path, max_bytes)
    con.execute("SET preserve_insertion_order = true")  # rowid = the file's order
    try:
        if suffix == ".parquet":
            literal = "'" + str(path).replace("'", "''") + "'"
            con.execute(f"CREATE OR REPLACE TEMP VIEW parquet_in AS SELECT * FROM read_parquet({literal})")
            names = [r[0] for r in con.execute("DESCRIBE parquet_in").fetchall()]
            cols = ", ".join(f"{_quote_ident(n)} AS c{i}" for i, n in enumerate(names))
            if "file_row_number" in names:  # the reader's own row number would clash: copy the rows
                con.execute(f"CREATE OR REPLACE TEMP TABLE raw_in AS SELECT {cols} FROM parquet_in")
            else:  # read once, by the caller's statement; rows numbered by their place in the file
                con.execute(f"CREATE OR REPLACE TEMP VIEW raw_in AS SELECT {cols}, file_row_number AS rowid "
                            f"FROM read_parquet({literal}, file_row_number = true)")
            con.execute("DROP VIEW parquet_in")
            return [n.strip() for n in names], 1
        if suffix == ".csv":
            check_utf8(path)
            names = _csv_header(path)
            con.execute("CREATE OR REPLACE TEMP TABLE raw_in AS SELECT * FROM read_csv(?, header = true, "
                        "all_varchar = true, delim = ',', quote = '\"', escape = '\"', sample_size = -1, "
                        "strict_mode = true, null_padding = false, auto_detect = false, "
                        "columns = ?)", [str(path), {f"c{i}": "VARCHAR" for i in range(len(names))}])
            return names, 2
        return _xlsx_into(path, con), 2
    except duckdb.Error as exc:
        raise _read_error(exc) from None
    finally:
        con.execute("SET preserve_insertion_order = false")


def _read_error(exc: duckdb.Error) -> PopulationError:
    """A reader's error as the refusal of the file, naming the CSV row where there is one."""
    detail = str(exc).splitlines()[0][:300]
    line = re.search(r"CSV Error on Line: (\d+)", str(exc))
    if line:
        return PopulationError(
            f"CSV 文件第 {line.group(1)} 行无法按列读取（列数与表头不同，或引号未闭合）；请检查该行",
            f"row {line.group(1)} of the CSV file cannot be split into the header's columns (a different "
            "number of cells, or an unclosed quote); check that row")
    return PopulationError(f"无法读取文件（{detail}）", f"cannot read the file ({detail})")


def read_from_input(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Run ``sql``, the statement that reads ``raw_in``, then drop ``raw_in``.

    Why here: a Parquet file's rows are read by this statement (``raw_in`` is a view on the
    file, so its cells are not copied twice), so a reader's error now is the file's refusal,
    worded as :func:`read_into` words it."""
    is_view = bool(con.execute("SELECT 1 FROM duckdb_views() WHERE view_name = 'raw_in' AND temporary").fetchall())
    try:
        con.execute(sql)
    except duckdb.Error as exc:
        if not is_view:
            raise
        raise _read_error(exc) from None
    finally:
        con.execute(f"DROP {'VIEW' if is_view else 'TABLE'} IF EXISTS raw_in")


def _csv_header(path: Path) -> list[str]:
    """The header of a CSV (its first record), read with the csv module from at most 1 MB, so
    names are taken as written (no type sniffing, no renaming of a repeated name that would
    hide it)."""
    import csv
    import io

    with path.open("rb") as handle:
        head = handle.read(1 << 20)
    text = head.decode("utf-8", errors="ignore").removeprefix("\ufeff")
    try:
        header = next(csv.reader(io.StringIO(text)), [])
    except csv.Error:
        header = []
    if not header or not any(h.strip() for h in header):
        raise PopulationError("找不到表头（第 1 行应为列名）", "no header found (row 1 should name the columns)")
    return [h.strip() or f"column{i + 1}" for i, h in enumerate(header)]
