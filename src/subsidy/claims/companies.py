"""One company's rows and its profile, both ways.

Rows to profile: a company's rows (from one or several sheets) are gathered and validated as
one profile; each value remembers its row, so a refusal points at the cell to fix. A company
with any problem gets no profile: a verdict on half-read figures could be wrong.

Profile to rows: :func:`profile_rows` writes a profile as company-sheet rows (template
examples, round trips); reading them back gives an equal profile.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..profile import Profile, ProfileError, parse_profile
from .cells import CellError, read_cell
from .columns import CLAIM_ONLY_KEYS, COLUMN_BY_KEY, Column
from .model import CompanyEntry, ProblemLog, RowProblem

PROBLEMS_PER_COMPANY = 50
"""Problems listed per company at most (the rest are counted in the file's total)."""


@dataclass
class Row:
    """One non-blank row of a sheet, its values by column key (not yet read as their kind)."""

    sheet: str
    number: int
    values: dict[str, Any]

    def problem(self, column: Column, zh: str, en: str) -> RowProblem:
        """The problem of one of this row's cells, located by the column's header."""
        return RowProblem(self.sheet, self.number, column.zh, zh, en)


_COMPANY_FIELDS = ("credit_code", "name", "district", "sector", "industry_tags", "scale_entry_year",
                   "prior_peak_revenue_wan", "prior_peak_main_revenue_wan")
_YEAR_FIGURES = ("revenue_wan", "main_business_revenue_wan", "district_fiscal_contribution_wan")
_INCUBATOR_COUNTS = ("resident_enterprises", "new_enterprises", "hightech_cultivated")


class CompanyBuilder:
    """Collects one company's rows and turns them into a profile dict, remembering where
    each value came from so that a refusal points at the row."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.rows: list[Row] = []
        self.problems = ProblemLog(PROBLEMS_PER_COMPANY)
        self.fields: dict[str, tuple[Any, Row]] = {}
        self.years: dict[int, dict[str, tuple[Any, Row]]] = {}
        self.year_rows: dict[int, Row] = {}
        self.listings: list[tuple[dict, Row]] = []
        self.recognitions: list[tuple[dict, Row]] = []
        self.talents: list[tuple[dict, Row]] = []
        self.incubator_recognition: tuple[dict, Row] | None = None
        self.incubator_years: dict[int, dict[str, tuple[Any, Row]]] = {}
        self.park: tuple[dict, Row] | None = None
        self.tech: dict[str, dict[str, Any]] = {}

    def names(self) -> list[str]:
        return [r.values["name"] for r in self.rows if isinstance(r.values.get("name"), str)]

    def _set(self, store: dict[str, tuple[Any, Row]], key: str, value: Any, row: Row) -> None:
        if key in store and store[key][0] != value:
            first, where = store[key]
            self.problems.append(row.problem(
                COLUMN_BY_KEY.get(key, COLUMN_BY_KEY["name"]),
                f"与{where.sheet}第{where.number}行的「{_plain(first)}」不一致",
                f"differs from {_plain(first)!r} on row {where.number} of {where.sheet}"))
            return
        store.setdefault(key, (value, row))

    def add(self, row: Row) -> None:
        self.rows.append(row)
        parsed: dict[str, Any] = {}
        for key, raw in row.values.items():
            column = COLUMN_BY_KEY.get(key)
            if column is None or key in CLAIM_ONLY_KEYS:
                continue
            try:
                parsed[key] = read_cell(column, raw)
            except CellError as exc:
                self.problems.append(row.problem(column, exc.zh, exc.en))
        for key in _COMPANY_FIELDS:
            if key in parsed:
                self._set(self.fields, key, parsed[key], row)
        if "incubator_kind" in parsed:
            self._set(self.fields, "incubator_kind", parsed["incubator_kind"], row)
        if "listing_board" in parsed or "listing_date" in parsed:
            self.listings.append(({"board": parsed.get("listing_board"),
                                   "date": parsed.get("listing_date")}, row))
        year = parsed.get("year")
        year_keys = [k for k in (*_YEAR_FIGURES, "recognition", "talent_programme",
                                 "incubator_recognition_level", *_INCUBATOR_COUNTS, "park_stars",
                                 "tech_new_local_fiscal_revenue_wan") if k in parsed]
        if year is None:
            if year_keys:
                self.problems.append(row.problem(
                    COLUMN_BY_KEY["year"], "本行有年度数据或事件，但缺少年份",
                    "the row has yearly figures or events but no year"))
            self._tech(parsed, row, None)
            return
        if any(key in parsed for key in _YEAR_FIGURES):
            # Only a row with figures makes a year entry: an empty one would read as a year
            # whose figures are all unknown, and rules would ask for them.
            figures = self.years.setdefault(year, {})
            self.year_rows.setdefault(year, row)
            for key in _YEAR_FIGURES:
                if key in parsed:
                    self._set(figures, key, parsed[key], row)
        titles = parsed.get("recognition") or []
        rec_name = parsed.get("recognition_name")
        if rec_name and len(titles) != 1:
            self.problems.append(row.problem(
                COLUMN_BY_KEY["recognition_name"], "填写认定名称时，本行只能有一个认定称号",
                "with a recognition name the row must carry exactly one title"))
        for title in titles:
            item = {"title": title, "year": year}
            if rec_name and len(titles) == 1:
                item["name"] = rec_name
            self.recognitions.append((item, row))
        if "talent_programme" in parsed:
            item = {"programme": parsed["talent_programme"], "year": year}
            if parsed.get("talent_leader"):
                item["leader"] = parsed["talent_leader"]
            self.talents.append((item, row))
        if "incubator_recognition_level" in parsed:
            rec = {"level": parsed["incubator_recognition_level"], "year": year}
            if self.incubator_recognition and self.incubator_recognition[0] != rec:
                where = self.incubator_recognition[1]
                self.problems.append(row.problem(
                    COLUMN_BY_KEY["incubator_recognition_level"],
                    f"孵化器认定只能填写一次（已在第{where.number}行填写）",
                    f"one incubator recognition only (already on row {where.number})"))
            elif self.incubator_recognition is None:
                self.incubator_recognition = (rec, row)
        counts = {k: parsed[k] for k in _INCUBATOR_COUNTS if k in parsed}
        if counts:
            store = self.incubator_years.setdefault(year, {})
            for key, value in counts.items():
                self._set(store, key, value, row)
        if "park_stars" in parsed or "park_kind" in parsed:
            rating = {"stars": parsed.get("park_stars"), "year": year}
            if "park_kind" in parsed:
                rating["park_kind"] = parsed["park_kind"]
            if self.park and self.park[0] != rating:
                where = self.park[1]
                self.problems.append(row.problem(
                    COLUMN_BY_KEY["park_stars"], f"园区星级评定只能填写一次（已在第{where.number}行填写）",
                    f"one park rating only (already on row {where.number})"))
            elif self.park is None:
                self.park = (rating, row)
        self._tech(parsed, row, year)

    def _tech(self, parsed: dict[str, Any], row: Row, year: int | None) -> None:
        keys = ("tech_in_catalogue", "tech_completed", "tech_accepted_year",
                "tech_new_local_fiscal_revenue_wan")
        if not any(k in parsed for k in (*keys, "tech_project")):
            return
        name = parsed.get("tech_project")
        if not name:
            self.problems.append(row.problem(COLUMN_BY_KEY["tech_project"], "技改数据缺少项目名称",
                                             "technology-upgrade figures without a project name"))
            return
        project = self.tech.setdefault(name, {"row": row, "fields": {}, "revenue": {}})
        for key, target in (("tech_in_catalogue", "in_catalogue"), ("tech_completed", "completed"),
                            ("tech_accepted_year", "accepted_year")):
            if key in parsed:
                self._set(project["fields"], target, parsed[key], row)
        if "tech_new_local_fiscal_revenue_wan" in parsed and year is not None:
            self._set(project["revenue"], str(year), parsed["tech_new_local_fiscal_revenue_wan"], row)

    # ---- building

    def build(self) -> CompanyEntry:
        origin: dict[str, Row] = {}
        first = self.rows[0]
        data: dict[str, Any] = {}
        for key in _COMPANY_FIELDS:
            if key in self.fields:
                data[key], origin[key] = self.fields[key]
        years = []
        for index, year in enumerate(sorted(self.years)):
            figures = {"year": year}
            for key, (value, _row) in self.years[year].items():
                figures[key] = value
            years.append(figures)
            origin[f"years[{index}]"] = self.year_rows[year]
        if years:
            data["years"] = years
        listings = []
        for item, row in self.listings:
            origin[f"listings[{len(listings)}]"] = row
            listings.append({k: v for k, v in item.items() if v is not None})
        if listings:
            data["listings"] = listings
        if self.recognitions:
            data["recognitions"] = []
            for item, row in self.recognitions:
                origin[f"recognitions[{len(data['recognitions'])}]"] = row
                data["recognitions"].append(item)
        if self.talents:
            data["talent_projects"] = []
            for item, row in self.talents:
                origin[f"talent_projects[{len(data['talent_projects'])}]"] = row
                data["talent_projects"].append(item)
        kind = self.fields.get("incubator_kind")
        if kind or self.incubator_recognition or self.incubator_years:
            incubator: dict[str, Any] = {}
            if kind:
                incubator["kind"], origin["incubator"] = kind
            else:
                first_year = self.incubator_years.get(min(self.incubator_years)) if self.incubator_years else None
                origin["incubator"] = (self.incubator_recognition[1] if self.incubator_recognition
                                       else next(iter(first_year.values()))[1] if first_year else first)
            if self.incubator_recognition:
                incubator["recognition"], origin["incubator.recognition"] = self.incubator_recognition
            yearly = []
            for index, year in enumerate(sorted(self.incubator_years)):
                counts = {k: v for k, (v, _r) in self.incubator_years[year].items()}
                yearly.append({"year": year, **counts})
                origin[f"incubator.yearly[{index}]"] = next(iter(self.incubator_years[year].values()))[1]
            if yearly:
                incubator["yearly"] = yearly
            data["incubator"] = incubator
        if self.park:
            rating, origin["park_rating"] = self.park
            data["park_rating"] = {k: v for k, v in rating.items() if v is not None}
        if self.tech:
            data["tech_upgrade_projects"] = []
            for name, project in self.tech.items():
                origin[f"tech_upgrade_projects[{len(data['tech_upgrade_projects'])}]"] = project["row"]
                item: dict[str, Any] = {"name": name}
                item.update({k: v for k, (v, _r) in project["fields"].items()})
                if project["revenue"]:
                    item["new_local_fiscal_revenue_wan"] = {
                        y: v for y, (v, _r) in sorted(project["revenue"].items())}
                data["tech_upgrade_projects"].append(item)
        name = str(data.get("name") or "")
        code = data.get("credit_code")
        rows = [(r.sheet, r.number) for r in self.rows]
        if self.problems:
            return CompanyEntry(self.key, name or self.key, code, None, rows, list(self.problems))
        try:
            profile = parse_profile(data)
        except ProfileError as exc:
            problems = []
            for problem in exc.problems:
                row = _origin_of(problem.field, origin) or first
                header = _header_of(problem.field)
                problems.append(RowProblem(row.sheet, row.number, header,
                                           problem.message_zh, problem.message_en))
            return CompanyEntry(self.key, name or self.key, code, None, rows, problems)
        return CompanyEntry(self.key, profile.name, profile.credit_code, profile, rows, [])


def _plain(value: Any) -> str:
    if isinstance(value, list):
        return "、".join(map(str, value))
    return str(value)


def _origin_of(path: str, origin: Mapping[str, Row]) -> Row | None:
    best: tuple[int, Row] | None = None
    for prefix, row in origin.items():
        inside = path == prefix or path.startswith((prefix + ".", prefix + "["))
        if inside and (best is None or len(prefix) > best[0]):
            best = (len(prefix), row)
    return best[1] if best else None


_PATH_HEADERS = {
    "incubator.kind": "incubator_kind", "recognitions": "recognition", "title": "recognition",
    "board": "listing_board", "date": "listing_date", "listings": "listing_board",
    "programme": "talent_programme", "leader": "talent_leader", "level": "incubator_recognition_level",
    "stars": "park_stars", "in_catalogue": "tech_in_catalogue", "accepted_year": "tech_accepted_year",
    "new_local_fiscal_revenue_wan": "tech_new_local_fiscal_revenue_wan", "completed": "tech_completed",
    "tech_upgrade_projects": "tech_project", "incubator": "incubator_kind", "park_rating": "park_stars",
}


def _header_of(path: str) -> str:
    """The template header a profile field path corresponds to (for a problem's column)."""
    names = re.findall(r"[A-Za-z_]+", path)
    for name in reversed(names):
        key = _PATH_HEADERS.get(name, name)
        if key in COLUMN_BY_KEY:
            return COLUMN_BY_KEY[key].zh
    return path


# --------------------------------------------------------------------------------------------
# Profiles to rows (template examples, round trips)
# --------------------------------------------------------------------------------------------


def profile_rows(profile: Profile) -> list[dict[str, Any]]:
    """A profile as company-sheet rows (column key → value), one row per company-year and one
    more for each further event of the same kind in that year. Reading the rows back gives an
    equal profile."""
    base: dict[str, Any] = {"credit_code": profile.credit_code, "name": profile.name,
                            "district": profile.district, "sector": profile.sector,
                            "scale_entry_year": profile.scale_entry_year,
                            "prior_peak_revenue_wan": profile.prior_peak_revenue_wan,
                            "prior_peak_main_revenue_wan": profile.prior_peak_main_revenue_wan}
    if profile.industry_tags is not None:
        base["industry_tags"] = list(profile.industry_tags) or "无"
    if profile.incubator is not None:
        base["incubator_kind"] = profile.incubator.kind
    slots: dict[int | None, list[dict[str, Any]]] = {}

    def slot(year: int | None, kind: str) -> dict[str, Any]:
        rows = slots.setdefault(year, [])
        for row in rows:
            if kind not in row["_kinds"]:
                row["_kinds"].add(kind)
                return row
        row = {"_kinds": {kind}}
        rows.append(row)
        return row

    for figures in profile.years:
        row = slot(figures.year, "figures")
        for key in _YEAR_FIGURES:
            row[key] = getattr(figures, key)
    for listing in profile.listings:
        row = slot(listing.date.year, "listing")
        row.update(listing_board=listing.board, listing_date=listing.date)
    for rec in profile.recognitions:
        row = slot(rec.year, "recognition")
        row.update(recognition=[rec.title], recognition_name=rec.name)
    for project in profile.talent_projects:
        row = slot(project.year, "talent")
        row.update(talent_programme=project.programme, talent_leader=project.leader)
    if profile.incubator is not None:
        if profile.incubator.recognition is not None:
            rec = profile.incubator.recognition
            slot(rec.year, "incubator_recognition")["incubator_recognition_level"] = rec.level
        for item in profile.incubator.yearly:
            row = slot(item.year, "incubator_year")
            row.update({k: getattr(item, k) for k in _INCUBATOR_COUNTS})
    if profile.park_rating is not None:
        rating = profile.park_rating
        row = slot(rating.year, "park")
        row.update(park_stars=rating.stars, park_kind=rating.park_kind)
    for project in profile.tech_upgrade_projects:
        fields = {"tech_project": project.name, "tech_in_catalogue": project.in_catalogue,
                  "tech_completed": project.completed, "tech_accepted_year": project.accepted_year}
        years = dict(project.new_local_fiscal_revenue_wan)
        if not years:
            slot(project.accepted_year, f"tech:{project.name}").update(fields)
        for year, value in years.items():
            row = slot(year, f"tech:{project.name}")
            row.update(fields, tech_new_local_fiscal_revenue_wan=value)
    if not slots:
        slots[None] = [{"_kinds": set()}]
    out = []
    for year in sorted(slots, key=lambda y: (y is None, y or 0)):
        for row in slots[year]:
            row.pop("_kinds")
            out.append({**base, "year": year, **row})
    return out
