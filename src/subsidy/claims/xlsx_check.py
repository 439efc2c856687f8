"""Checking an .xlsx before it is parsed: what it unpacks to, how many sheets, what it declares.

Why before: an .xlsx is a zip of XML files, and a parser's memory and time grow with what it
unpacks and with what the sheets *declare*, not with the file's size. A 2 MB upload can unpack
to gigabytes (a "zip bomb"), and a sheet that declares 16,384 columns makes a reader pad every
row to that width. So the zip's members are checked here, cheaply and in a bounded way, and a
file over a limit is refused with the limit named, before openpyxl sees it:

- the number of members and their declared uncompressed sizes, then the sizes they actually
  unpack to (read in chunks, stopping at the limit; a damaged member fails its CRC here);
- the number of worksheets;
- each worksheet's declared ``<dimension ref="A1:XFD1048576"/>`` (rows and columns);
- document type declarations, which an .xlsx never needs (entity expansion, external entities).
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass

from openpyxl.utils.cell import column_index_from_string

from .model import (
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_ROWS,
    MAX_SHEETS,
    MAX_UNPACKED_BYTES,
    ClaimsFileError,
)

MAX_MEMBERS = 1_000
"""Files inside one .xlsx at most (the template has about fifteen)."""
HEADER_ROWS = 10
"""The header may stand on any of the first ten rows, so a sheet may declare that many more."""
_CHUNK = 1 << 20
_HEAD = 64 * 1024
"""How much of a worksheet's XML is searched for its dimension and a document type."""
_WORKSHEET = re.compile(r"xl/worksheets/[^/]+\.xml", re.IGNORECASE)
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s[^>]*?ref\s*=\s*[\"']([^\"']*)[\"']")
_CELL_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")
_DOCTYPE = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_VALUE = re.compile(rb"<(?:\w+:)?(?:v|is)>")
"""A cell's value (``<v>`` or an inline string's ``<is>``): counted to know the filled cells
before parsing, since parsing time grows with them."""


@dataclass(frozen=True)
class XlsxShape:
    """What an accepted workbook turned out to hold."""

    members: int
    unpacked_bytes: int
    worksheets: int


def _damaged(detail: str) -> ClaimsFileError:
    return ClaimsFileError(
        f"该 Excel 文件已损坏或不完整（{detail}），请用模板重新保存后再试",
        f"this Excel file is damaged or incomplete ({detail}); save it again from the template",
    )


def _too_big(total: int, how_zh: str, how_en: str) -> ClaimsFileError:
    mb = f"{total / 1024 / 1024:,.0f}"
    cap = f"{MAX_UNPACKED_BYTES / 1024 / 1024:,.0f}"
    return ClaimsFileError(
        f"该 Excel 文件解压后{how_zh}超过 {cap} MB（至少 {mb} MB），超出上限，未读取。"
        "请删除多余的工作表和内容，或把申报拆成几个文件。",
        f"this Excel file unpacks ({how_en}) to more than {cap} MB (at least {mb} MB), over the "
        "limit; not read. Remove extra sheets and content, or split the claims into several files.",
    )


def _too_many_cells(name: str) -> ClaimsFileError:
    sheet = name.rsplit("/", 1)[-1]
    return ClaimsFileError(
        f"该 Excel 文件的已填单元格超过 {MAX_CELLS:,} 个（数到工作表 {sheet} 时），超出上限，未读取。"
        "请把申报拆成几个文件分批核验。",
        f"this Excel file has more than {MAX_CELLS:,} filled cells (counted up to worksheet "
        f"{sheet}), over the limit; not read. Split the claims into several files.",
    )


def declared_dimension(ref: str) -> tuple[int, int] | None:
    """Rows and columns a ``<dimension ref>`` spans ("A1:XFD1048576" → (1048576, 16384))."""
    cells = _CELL_REF.findall(ref)
    if not cells:
        return None
    columns = [column_index_from_string(c.upper()) for c, _r in cells]
    rows = [int(r) for _c, r in cells]
    return max(rows) - min(rows) + 1, max(columns) - min(columns) + 1


def _check_head(name: str, head: bytes) -> None:
    if _DOCTYPE.search(head):
        raise ClaimsFileError(
            f"该 Excel 文件含有文档类型声明（{name}），Excel 不会这样保存，未读取",
            f"this Excel file holds a document type declaration ({name}), which Excel never "
            "writes; not read",
        )
    if not _WORKSHEET.fullmatch(name):
        return
    match = _DIMENSION.search(head)
    if not match:
        return
    shape = declared_dimension(match.group(1).decode("ascii", "replace"))
    if shape is None:
        return
    rows, columns = shape
    sheet = name.rsplit("/", 1)[-1]
    if columns > MAX_COLUMNS:
        raise ClaimsFileError(
            f"工作表 {sheet} 声明了 {columns:,} 列，上限为 {MAX_COLUMNS} 列，未读取。"
            "请删除多余的列（或把数据复制到模板中）后再试。",
            f"worksheet {sheet} declares {columns:,} columns; the limit is {MAX_COLUMNS}; not "
            "read. Delete the extra columns (or copy the data into the template).",
        )
    if rows > MAX_ROWS + HEADER_ROWS:
        raise ClaimsFileError(
            f"工作表 {sheet} 声明了 {rows:,} 行，上限为 {MAX_ROWS:,} 行，未读取。"
            "请删除多余的行，或把申报拆成几个文件。",
            f"worksheet {sheet} declares {rows:,} rows; the limit is {MAX_ROWS:,}; not read. "
            "Delete the extra rows, or split the claims into several files.",
        )


def check_xlsx(data: bytes) -> XlsxShape:
    """Refuse an .xlsx whose members unpack too far, has too many sheets or declares too much.

    Reads every member once, in chunks, never holding more than one chunk; raises
    :class:`~subsidy.claims.model.ClaimsFileError` naming the limit that was passed.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise _damaged(type(exc).__name__) from None
    if len(members) > MAX_MEMBERS:
        raise ClaimsFileError(
            f"该 Excel 文件内含 {len(members):,} 个部件，上限为 {MAX_MEMBERS:,}，未读取",
            f"this Excel file holds {len(members):,} parts; the limit is {MAX_MEMBERS:,}; not read",
        )
    declared = sum(max(info.file_size, 0) for info in members)
    if declared > MAX_UNPACKED_BYTES:
        raise _too_big(declared, "（按文件自身声明）", "as declared")
    worksheets = [info for info in members if _WORKSHEET.fullmatch(info.filename)]
    if len(worksheets) > MAX_SHEETS:
        raise ClaimsFileError(
            f"该 Excel 文件有 {len(worksheets)} 张工作表，上限为 {MAX_SHEETS} 张，未读取",
            f"this Excel file has {len(worksheets)} worksheets; the limit is {MAX_SHEETS}; not read",
        )
    total = values = 0
    for info in members:
        if info.is_dir():
            continue
        head = b""
        is_sheet = _WORKSHEET.fullmatch(info.filename) is not None
        try:
            with archive.open(info) as member:
                while chunk := member.read(_CHUNK):
                    total += len(chunk)
                    if total > MAX_UNPACKED_BYTES:
                        raise _too_big(total, "", "actually")
                    if len(head) < _HEAD:
                        head += chunk[: _HEAD - len(head)]
                    if is_sheet:  # (a value split between two chunks is not counted)
                        values += len(_VALUE.findall(chunk))
                        if values > MAX_CELLS:
                            raise _too_many_cells(info.filename)
        except ClaimsFileError:
            raise
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError,
                NotImplementedError, RuntimeError) as exc:
            # RuntimeError: an encrypted member; NotImplementedError: an unknown compression
            raise _damaged(f"{info.filename}: {type(exc).__name__}") from None
        _check_head(info.filename, head)
    return XlsxShape(len(members), total, len(worksheets))
