"""The register's hash chain: every record links to the one written before it.

Why: the triggers stop edits made through SQL, but someone with the database's owner rights
can drop them, edit a row and put them back. Each record (of every chained table, in the
order written) gets a link ``hash = SHA-256(prev_hash, table, id, row_hash)`` where
``row_hash`` is the SHA-256 of the row's canonical content. :func:`check` recomputes every
row's content hash and every link: an edited row, a deleted row, a row slipped in without a
link, or an edited link is found, and the first broken one is reported.

The canonical content is the same whether computed from the object just written or from the
row read back from SQLite or PostgreSQL: money as normalised decimal text, times in UTC to
the microsecond, JSON with sorted keys.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from ..money import normalize
from .schema import CHAINED, Base, ChainRow

GENESIS = "0" * 64


def _canon(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return format(normalize(value), "f")
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Mapping | list | tuple):
        return json.loads(json.dumps(value, sort_keys=True, ensure_ascii=False, default=str))
    return str(value)


def row_hash(table: str, values: Mapping[str, Any]) -> str:
    """SHA-256 of a row's canonical content (every column, by name)."""
    columns = CHAINED[table].__table__.columns
    content = {c.name: _canon(values.get(c.name)) for c in columns}
    data = json.dumps([table, content], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def link_hash(prev_hash: str, table: str, row_id: int, content_hash: str) -> str:
    data = f"{prev_hash}|{table}|{row_id}|{content_hash}"
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def _object_values(obj: Base) -> dict[str, Any]:
    return {c.name: getattr(obj, c.name) for c in obj.__table__.columns}


def append(session: Session, rows: Iterable[Base]) -> None:
    """Link the rows just flushed to the chain, in the order given.

    Called inside the writer's transaction, which holds the register's write lock, so the
    head read here is the head; ``prev_hash`` is unique besides, so a fork cannot be written.
    """
    rows = list(rows)
    if not rows:
        return
    head = session.execute(select(ChainRow.seq, ChainRow.hash).order_by(ChainRow.seq.desc()).limit(1)).first()
    seq, prev = (head[0], head[1]) if head else (0, GENESIS)
    links = []
    for obj in rows:
        table = obj.__tablename__
        content = row_hash(table, _object_values(obj))
        seq += 1
        link = link_hash(prev, table, obj.id, content)  # type: ignore[attr-defined]
        links.append({"seq": seq, "table_name": table, "row_id": obj.id,  # type: ignore[attr-defined]
                      "row_hash": content, "prev_hash": prev, "hash": link})
        prev = link
    session.execute(insert(ChainRow.__table__), links)  # one executemany, not an object per link


@dataclass(frozen=True)
class Break:
    """The first place where the register does not match its chain."""

    seq: int | None
    table: str
    row_id: int | None
    kind: str
    message_zh: str
    message_en: str


@dataclass(frozen=True)
class ChainReport:
    """``head_seq`` / ``head_hash``: the last verified link. Noted down outside the database
    (a printout, a message to the auditor), it lets a later check prove that nothing up to
    there was rewritten — even by someone who recomputed the whole chain."""

    links: int
    rows: dict[str, int]
    broken: Break | None
    head_seq: int = 0
    head_hash: str = GENESIS

    @property
    def ok(self) -> bool:
        return self.broken is None


PAGE = 2000


def check(session: Session) -> ChainReport:
    """Recompute every link and every row's content hash; report the first break."""
    prev, expected_seq, links = GENESIS, 1, 0
    last_seq = 0
    broken: Break | None = None
    while broken is None:
        page = session.scalars(select(ChainRow).where(ChainRow.seq > last_seq)
                               .order_by(ChainRow.seq).limit(PAGE)).all()
        if not page:
            break
        wanted: dict[str, set[int]] = {}
        for link in page:
            wanted.setdefault(link.table_name, set()).add(link.row_id)
        found: dict[tuple[str, int], dict[str, Any]] = {}
        for table, ids in wanted.items():
            model = CHAINED.get(table)
            if model is None:
                continue
            id_column = model.__table__.c.id
            for part in _chunks(sorted(ids), 500):
                for row in session.execute(select(model.__table__).where(id_column.in_(part))).mappings():
                    found[(table, row["id"])] = dict(row)
        for link in page:
            last_seq = link.seq
            where = f"第 {link.seq} 环（{link.table_name} #{link.row_id}）"
            where_en = f"link {link.seq} ({link.table_name} #{link.row_id})"
            if link.seq != expected_seq or link.prev_hash != prev:
                broken = Break(link.seq, link.table_name, link.row_id, "link",
                               f"{where}：与前一环接不上（链被改动或有环被删除）",
                               f"{where_en}: does not follow the previous link (chain edited or a link removed)")
                break
            if link.hash != link_hash(prev, link.table_name, link.row_id, link.row_hash):
                broken = Break(link.seq, link.table_name, link.row_id, "link",
                               f"{where}：环的哈希与内容不符（链被改动）",
                               f"{where_en}: the link's hash does not match (chain edited)")
                break
            values = found.get((link.table_name, link.row_id))
            if values is None:
                broken = Break(link.seq, link.table_name, link.row_id, "missing",
                               f"{where}：记录已不存在（被删除）", f"{where_en}: the record is gone (deleted)")
                break
            if row_hash(link.table_name, values) != link.row_hash:
                broken = Break(link.seq, link.table_name, link.row_id, "edited",
                               f"{where}：记录内容与写入时不同（被改动）",
                               f"{where_en}: the record differs from what was written (edited)")
                break
            prev, expected_seq, links = link.hash, expected_seq + 1, links + 1
    rows: dict[str, int] = {}
    for table, model in CHAINED.items():
        rows[table] = session.scalar(select(func.count()).select_from(model)) or 0
    if broken is None:
        for table, model in CHAINED.items():
            chained = select(ChainRow.row_id).where(ChainRow.table_name == table)
            stray = session.scalar(select(func.min(model.__table__.c.id))
                                   .where(model.__table__.c.id.not_in(chained)))
            if stray is not None:
                broken = Break(None, table, stray, "unchained",
                               f"{table} #{stray}：记录不在链上（绕过程序写入）",
                               f"{table} #{stray}: a record with no link (written around the program)")
                break
    return ChainReport(links=links, rows=rows, broken=broken, head_seq=expected_seq - 1, head_hash=prev)


def link_at(session: Session, seq: int) -> str | None:
    """The hash of link ``seq`` (None when there is no such link)."""
    return session.scalar(select(ChainRow.hash).where(ChainRow.seq == seq))


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
