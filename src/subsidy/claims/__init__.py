"""Claim workbooks: the template officials fill, and reading it (or a CSV) into profiles and claims.

A district official receives award claims as spreadsheets. The template has two sheets an
official fills:

- **企业** (companies): the CONTRACT.md profile fields, one row per company-year. Company
  fields (名称, 所在区, 行业门类 …) may be repeated on every row of the company or written once;
  the year's figures and the events of that year (认定, 上市, 人才项目, 孵化载体, 园区星级,
  技改项目) sit on the year's row. A second row for the same company-year is allowed (for a
  second listing or project); figures given twice must agree.
- **申报** (claims): company (统一社会信用代码 or 企业名称), the award (rule id such as
  ``qk.listing`` or its Chinese title), the year of the event, and the claimed amount in 万元.

A CSV file is one table whose header may carry both kinds of columns: a row with an award
column filled is a claim, a row with company figures feeds the company's profile, a row may
be both. Chinese Excel saves CSV as GBK, so GB18030 is read when the text is not UTF-8.

Each part lives in a module named after what it does: :mod:`.model` (claims, batches, row
problems, upload limits), :mod:`.xlsx_check` (an .xlsx's unpacked size, sheets and declared
dimensions checked before parsing), :mod:`.bounded` (reading an upload in a worker process
capped in time and memory), :mod:`.columns` (the template's sheets and columns),
:mod:`.cells` (reading one cell), :mod:`.companies` (a company's rows to and from its
profile), :mod:`.reader` (a file to a :class:`ClaimBatch`) and :mod:`.template` (the
workbook and CSV officials fill). :func:`safe_cell` is :func:`subsidy.export.safe_cell`,
offered here too for the workbooks written from claims.
"""

from ..export import safe_cell
from .bounded import UPLOAD_MEMORY_BYTES, UPLOAD_SECONDS, read_claims_bounded
from .cells import resolve_rule
from .columns import CLAIM_COLUMNS, COMPANY_COLUMNS, Column
from .companies import profile_rows
from .model import (
    MAX_CELL_CHARS,
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_PROBLEMS,
    MAX_ROWS,
    MAX_SHEETS,
    MAX_UNPACKED_BYTES,
    MAX_UPLOAD_BYTES,
    Claim,
    ClaimBatch,
    ClaimsFileError,
    CompanyEntry,
    RowProblem,
    check_upload_size,
    company_name_key,
    upload_too_large,
)
from .reader import read_claims, read_claims_file
from .template import CompanyData, template_bytes, template_csv, write_template

__all__ = [
    "CLAIM_COLUMNS",
    "COMPANY_COLUMNS",
    "MAX_CELLS",
    "MAX_CELL_CHARS",
    "MAX_COLUMNS",
    "MAX_PROBLEMS",
    "MAX_ROWS",
    "MAX_SHEETS",
    "MAX_UNPACKED_BYTES",
    "MAX_UPLOAD_BYTES",
    "UPLOAD_MEMORY_BYTES",
    "UPLOAD_SECONDS",
    "Claim",
    "ClaimBatch",
    "ClaimsFileError",
    "Column",
    "CompanyEntry",
    "RowProblem",
    "CompanyData",
    "check_upload_size",
    "company_name_key",
    "profile_rows",
    "read_claims",
    "read_claims_bounded",
    "read_claims_file",
    "resolve_rule",
    "safe_cell",
    "template_bytes",
    "template_csv",
    "upload_too_large",
    "write_template",
]
