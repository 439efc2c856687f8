"""What a claims file is read into: claims, companies, the batch, and the problems found.

The upload limits live here too, so that the CLI and the page refuse the same files with the
same words.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from ..money import normalize
from ..profile import Profile

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
"""Largest claims file accepted (20 MB): 10,000 claims with their companies take about 1 MB,
so a bigger file is a mistake (a wrong attachment) rather than a bigger batch."""
MAX_ROWS = 100_000
"""Rows read per sheet at most; a sheet with more is cut there with a problem reported."""
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
"""Largest total an .xlsx may unpack to (100 MB). A workbook is a zip of XML files: a 20 MB
file can declare gigabytes, and a parser's memory grows with what it unpacks, so the members'
sizes are checked (as declared, then as actually unpacked) before anything is parsed."""
MAX_SHEETS = 20
"""Sheets per workbook at most (the template has five)."""
MAX_COLUMNS = 200
"""Columns per sheet at most (the template has fewer than fifty), declared or written."""
MAX_CELLS = 250_000
"""Filled cells per file at most: 10,000 claims with their 2,000 companies fill about 110,000
and are read in about 4 s here; reading time grows with the cells, so this bounds it."""
MAX_CELL_CHARS = 5_000
"""Characters per cell at most: a name, a note or a rule title is far shorter."""
MAX_PROBLEMS = 1_000
"""Problems listed per file at most; beyond it they are counted (a report sheet can hold them
and an official can read them), since a broken file can have a problem in every cell."""


# --------------------------------------------------------------------------------------------
# Problems and refusals
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowProblem:
    """One malformed row (or cell) of a claims file; the rest of the file is still read.

    ``row`` is the spreadsheet's own row number (1 = the header row of the template), so an
    official finds the cell at once; ``field`` is the column's header as written.
    """

    sheet: str
    row: int
    field: str
    message_zh: str
    message_en: str

    def __str__(self) -> str:
        where = f"{self.sheet} 第{self.row}行" + (f"「{self.field}」" if self.field else "")
        return f"{where}：{self.message_zh} / {self.message_en}"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class ProblemLog:
    """The problems of a file (or of one company), the first ``limit`` kept, the rest counted.

    Why: a broken or hostile file can have a problem in every cell of every row; keeping them
    all would take gigabytes and a report sheet longer than Excel can open.
    """

    def __init__(self, limit: int = MAX_PROBLEMS) -> None:
        self.limit = limit
        self.listed: list[RowProblem] = []
        self.count = 0

    def append(self, problem: RowProblem) -> None:
        self.count += 1
        if len(self.listed) < self.limit:
            self.listed.append(problem)

    @property
    def omitted(self) -> int:
        return self.count - len(self.listed)

    def __len__(self) -> int:
        return self.count

    def __bool__(self) -> bool:
        return self.count > 0

    def __iter__(self) -> Iterator[RowProblem]:
        return iter(self.listed)


def omitted_problems(count: int) -> RowProblem:
    """The line that stands for the problems not listed."""
    return RowProblem(
        "…", 0, "",
        f"另有 {count:,} 处问题未列出（只列出前 {MAX_PROBLEMS:,} 处）；请先改正以上问题，再重新核验",
        f"{count:,} more problems are not listed (the first {MAX_PROBLEMS:,} are); correct the "
        "ones above and verify again",
    )


class ClaimsFileError(ValueError):
    """The whole file is refused (too large, not a spreadsheet, no claims sheet)."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        self.message_zh, self.message_en = message_zh, message_en
        super().__init__(f"{message_zh} / {message_en}")


def upload_too_large(size: int, limit: int = MAX_UPLOAD_BYTES) -> ClaimsFileError:
    """The bilingual refusal of a file over the size limit."""
    mb = f"{size / 1024 / 1024:.1f}"
    cap = f"{limit / 1024 / 1024:.0f}"
    return ClaimsFileError(
        f"文件过大（{mb} MB），上限为 {cap} MB。请检查是否选错了文件，或把申报拆成几个文件分批核验。",
        f"the file is too large ({mb} MB); the limit is {cap} MB. Check it is the right file, "
        "or split the claims into several files.",
    )


def check_upload_size(size: int, limit: int = MAX_UPLOAD_BYTES) -> None:
    """Refuse a file over the limit before reading it (CLI and page both call this)."""
    if size > limit:
        raise upload_too_large(size, limit)


# --------------------------------------------------------------------------------------------
# Claims and batches
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """One claim row: who claims which award, for which year, how much."""

    sheet: str
    row: int
    credit_code: str | None
    company_name: str | None
    rule_ref: str
    rule_id: str
    year: int
    claimed_wan: Decimal
    claim_ref: str | None = None
    note: str | None = None
    occurrence: int = 0
    """0 for the first claim of this company, rule, year and amount in the file, 1 for a
    second identical one, ...: keeps the idempotency key of each row distinct and stable."""
    source_digest: str = ""

    @property
    def company_ref(self) -> str:
        """How the claim names its company: the credit code if given, else the name."""
        return self.credit_code or company_name_key(self.company_name or "")

    @property
    def key(self) -> str:
        """Idempotency key: the same row of the same file is the same claim, however often
        the batch is run (the register has a unique constraint on it)."""
        parts = [self.company_ref, self.rule_id, str(self.year), f"{normalize(self.claimed_wan)}",
                 self.source_digest, str(self.occurrence)]
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()

    def label(self) -> str:
        return self.company_name or self.credit_code or ""


@dataclass
class CompanyEntry:
    """One company of the file: its profile, or the problems that kept it from being read."""

    key: str
    name: str
    credit_code: str | None
    profile: Profile | None
    rows: list[tuple[str, int]] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


@dataclass
class ClaimBatch:
    """Everything read from one claims file."""

    source_name: str
    digest: str
    companies: list[CompanyEntry]
    claims: list[Claim]
    problems: list[RowProblem]
    size: int = 0
    problems_omitted: int = 0
    """Problems found beyond the :data:`MAX_PROBLEMS` listed (a line in ``problems`` says so)."""

    def __post_init__(self) -> None:
        self._by_code = {c.credit_code: c for c in self.companies if c.credit_code}
        self._by_name: dict[str, list[CompanyEntry]] = {}
        for company in self.companies:
            self._by_name.setdefault(company_name_key(company.name), []).append(company)

    def find_company(self, claim: Claim) -> tuple[CompanyEntry | None, str, str]:
        """The company a claim refers to, or None with the reason (zh, en)."""
        if claim.credit_code:
            found = self._by_code.get(claim.credit_code)
            if found:
                return found, "", ""
            named = self._by_name.get(company_name_key(claim.company_name or ""), [])
            named = [c for c in named if not c.credit_code]
            if len(named) == 1:
                return named[0], "", ""
            return (None, f"企业表中没有统一社会信用代码为 {claim.credit_code} 的企业",
                    f"no company with credit code {claim.credit_code} on the company sheet")
        named = self._by_name.get(company_name_key(claim.company_name or ""), [])
        if len(named) == 1:
            return named[0], "", ""
        if len(named) > 1:
            return (None, f"企业表中有 {len(named)} 家名为「{claim.company_name}」的企业，请填写统一社会信用代码",
                    f"{len(named)} companies are named {claim.company_name!r}; give the credit code")
        return (None, f"企业表中没有名为「{claim.company_name}」的企业",
                f"no company named {claim.company_name!r} on the company sheet")


def company_name_key(name: str) -> str:
    """How names are compared: without blanks, half- and full-width brackets alike (the same
    company is written 汉正街（武汉）有限公司 in one export and 汉正街(武汉)有限公司 in another)."""
    text = re.sub(r"\s+", "", name or "")
    return text.replace("(", "（").replace(")", "）")
