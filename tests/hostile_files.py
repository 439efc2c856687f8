"""Hostile claim files made on the fly (kept out of the repository: some unpack to gigabytes).

Each maker returns the bytes of one file of the kinds an attacker or a careless export
produces: zip bombs, sheets declaring 16,384 columns or a million rows, a problem in every
cell, truncated XML, a CSV field over the csv module's own limit, a UTF-16 CSV.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator
from xml.sax.saxutils import escape

from openpyxl.utils.cell import get_column_letter

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
{sheets}
</Types>"""
_SHEET_TYPE = ('<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
               'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>')
_ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
_WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"
 xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>{sheets}</sheets></workbook>"""
_WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>"""
_REL = ('<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet{n}.xml"/>')
_SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')

COMPANY_HEAD = ["统一社会信用代码", "企业名称", "所在区", "行业门类", "年份", "营业收入（万元）"]
CLAIM_HEAD = ["统一社会信用代码", "企业名称", "奖励条款", "申报年度", "申报金额（万元）"]


def cell(ref: str, value: object) -> str:
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def row_xml(number: int, values: Iterable[object], first_column: int = 1) -> str:
    cells = "".join(cell(f"{get_column_letter(first_column + i)}{number}", v)
                    for i, v in enumerate(values) if v is not None)
    return f'<row r="{number}">{cells}</row>'


def sheet_xml(rows: Iterable[str], dimension: str | None = None, prolog: str = "") -> Iterator[bytes]:
    """A worksheet's XML in pieces (so that a large one need not sit in memory as text)."""
    head = _SHEET_HEAD if not prolog else _SHEET_HEAD.replace("\n", "\n" + prolog + "\n", 1)
    yield head.encode()
    if dimension:
        yield f'<dimension ref="{dimension}"/>'.encode()
    yield b"<sheetData>"
    batch: list[str] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= 2000:
            yield "".join(batch).encode()
            batch = []
    yield "".join(batch).encode()
    yield b"</sheetData></worksheet>"


def workbook(sheets: dict[str, Iterable[bytes]], level: int = 6) -> bytes:
    """An .xlsx from worksheets given as XML pieces (inline strings; no styles needed)."""
    names = list(sheets)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES.format(
            sheets="".join(_SHEET_TYPE.format(n=i + 1) for i in range(len(names)))))
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK.format(sheets="".join(
            f'<sheet name="{escape(name)}" sheetId="{i + 1}" r:id="rId{i + 1}"/>'
            for i, name in enumerate(names))))
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS.format(
            rels="".join(_REL.format(n=i + 1) for i in range(len(names)))))
        for i, name in enumerate(names):
            with archive.open(f"xl/worksheets/sheet{i + 1}.xml", "w", force_zip64=True) as member:
                for piece in sheets[name]:
                    member.write(piece)
    return buffer.getvalue()


def claims_sheet(rows: Iterable[list[object]] = ()) -> Iterator[bytes]:
    return sheet_xml([row_xml(1, CLAIM_HEAD), *(row_xml(i + 2, r) for i, r in enumerate(rows))])


# ------------------------------------------------------------------------------ the hostile ones


def zip_bomb(unpacked_mb: int = 400) -> bytes:
    """A small file whose one sheet unpacks to ``unpacked_mb`` MB of rows (honestly declared)."""
    row = row_xml(2, ["x" * 50] * 5).encode()
    block = row * 20_000
    blocks = unpacked_mb * 1024 * 1024 // len(block) + 1

    def pieces() -> Iterator[bytes]:
        yield (_SHEET_HEAD + "<sheetData>" + row_xml(1, CLAIM_HEAD)).encode()
        for _ in range(blocks):
            yield block
        yield b"</sheetData></worksheet>"

    return workbook({"申报": pieces()}, level=9)


def lying_sizes(data: bytes, declared: int = 1000) -> bytes:
    """``data`` (an .xlsx) with every member's declared uncompressed size set to ``declared``."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            archive.writestr(info, source.read(info))
    raw = bytearray(buffer.getvalue())
    patched = zipfile.ZipFile(io.BytesIO(bytes(raw)))
    for info in patched.infolist():
        # local header: uncompressed size at offset 22; central directory entry: at offset 24
        raw[info.header_offset + 22: info.header_offset + 26] = declared.to_bytes(4, "little")
    central = bytes(raw).find(b"PK\x01\x02")
    while central != -1:
        raw[central + 24: central + 28] = declared.to_bytes(4, "little")
        central = bytes(raw).find(b"PK\x01\x02", central + 4)
    return bytes(raw)


def declared_dimension(ref: str = "A1:XFD1048576") -> bytes:
    """A one-claim workbook whose sheet declares a huge dimension."""
    rows = [row_xml(1, CLAIM_HEAD), row_xml(2, ["", "某公司", "qk.listing", 2020, 100])]
    return workbook({"申报": sheet_xml(rows, dimension=ref)})


def far_cell() -> bytes:
    """A claim sheet with one value in column XFD (16,384) and one on row 1,048,576."""
    rows = [row_xml(1, CLAIM_HEAD), row_xml(2, ["", "某公司", "qk.listing", 2020, 100]),
            row_xml(3, ["x"], first_column=16_384)]
    return workbook({"申报": sheet_xml(rows)})


def far_row() -> bytes:
    """A claim sheet with a value on row 1,048,576 (a reader would yield a million empty rows)."""
    rows = [row_xml(1, CLAIM_HEAD), row_xml(2, ["", "某公司", "qk.listing", 2020, 100]),
            row_xml(1_048_576, ["x"])]
    return workbook({"申报": sheet_xml(rows)})


def problem_in_every_cell(rows: int = 60_000) -> bytes:
    """Company and claim rows whose every cell is wrong: millions of problems if all were kept."""
    bad_company = ["不是代码", "", "火星区", "采矿", "公元前", "很多"]
    bad_claim = ["不是代码", "", "不存在的奖励", "去年", "-5"]
    return workbook({
        "企业": sheet_xml([row_xml(1, COMPANY_HEAD),
                         *(row_xml(i + 2, bad_company) for i in range(rows))]),
        "申报": sheet_xml([row_xml(1, CLAIM_HEAD), *(row_xml(i + 2, bad_claim) for i in range(rows))]),
    })


def truncated_sheet() -> bytes:
    """A workbook whose claims sheet's XML stops in the middle of a row."""
    rows = [row_xml(1, CLAIM_HEAD), *(row_xml(i + 2, ["", f"公司{i}", "qk.listing", 2020, 100])
                                       for i in range(200))]
    xml = b"".join(sheet_xml(rows, dimension="A1:E201"))
    return workbook({"申报": [xml[: len(xml) // 2]]})


def many_sheets(count: int = 40) -> bytes:
    return workbook({f"表{i}": claims_sheet() for i in range(count)})


def entity_expansion() -> bytes:
    """The "billion laughs": nested entities declared in the sheet's document type."""
    prolog = ('<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
              '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>')
    rows = [row_xml(1, CLAIM_HEAD), '<row r="2"><c r="B2" t="inlineStr"><is><t>&c;</t></is></c></row>']
    return workbook({"申报": sheet_xml(rows, prolog=prolog)})


def long_cell(chars: int = 200_000) -> bytes:
    rows = [row_xml(1, CLAIM_HEAD), row_xml(2, ["", "公" * chars, "qk.listing", 2020, 100])]
    return workbook({"申报": sheet_xml(rows)})


def csv_huge_field(chars: int = 131_073) -> bytes:
    """A CSV whose third row holds a field longer than the csv module's own limit."""
    head = ",".join(CLAIM_HEAD)
    return (f"{head}\n,甲公司,qk.listing,2020,100\n,{'乙' * chars},qk.listing,2020,100\n"
            .encode())


def csv_utf16(rows: list[list[object]]) -> bytes:
    """Excel's "Unicode text": UTF-16 with a byte-order mark, tab-separated."""
    text = "\r\n".join("\t".join("" if v is None else str(v) for v in row) for row in rows)
    return text.encode("utf-16")
