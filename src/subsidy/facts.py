"""Facts derived from a profile: one per event the clauses speak of.

A fact is a company-year, a listing, a recognition, an incubator year, a rebate year of a
technology-upgrade project... Each carries the company's district and sector, its figures
(``None`` where unknown — never zero), and for money figures their history: the highest
earlier value and whether that history is complete. "First reaching" a level is then a
plain comparison with the prior peak, and unknown history yields needs-information.

Facts know no thresholds; those live in ``rules/``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .money import ratio_to_ppm, to_fen
from .profile import Profile


@dataclass(frozen=True)
class History:
    """What is known of a money figure before the fact's year."""

    prior_peak: Decimal | None
    """The profile's declared peak before its first listed year (None: not given)."""
    earlier: tuple[tuple[int, Decimal | None], ...]
    """Each earlier year of the profile with its figure (None: missing)."""
    complete: bool
    """The peak is given and no earlier year of the profile lacks the figure."""
    missing_years: tuple[int, ...] = ()
    """Earlier years between the profile's first year and this one whose figure is unknown."""

    @property
    def known_max(self) -> Decimal | None:
        values = [v for _, v in self.earlier if v is not None]
        if self.prior_peak is not None:
            values.append(self.prior_peak)
        return max(values) if values else None

    def first_at_or_above(self, level: Decimal, strict: bool = False) -> str | None:
        """Where the figure already reached (or exceeded) ``level`` before: "2019年" or "此前最高"."""
        for year, value in self.earlier:
            if value is not None and (value > level if strict else value >= level):
                return f"{year}年"
        if self.prior_peak is not None and (self.prior_peak > level if strict else self.prior_peak >= level):
            return "此前年度"
        return None


@dataclass
class Fact:
    id: str
    subject: str
    year: int
    values: dict[str, Any]
    label: str
    key: str = ""
    date: dt.date | None = None
    history: dict[str, History] = field(default_factory=dict)
    notes: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    """Notes on how a figure was read, by fact field ("未填主营业务收入，按营业收入计算"):
    shown only on findings of rules that test that field."""
    event_year: int | None = None
    """The year of the event that earned the award, when the fact is about a later year: a
    technology-upgrade rebate paid in Y+1..Y+3 was earned by the acceptance in Y, and it is
    Y that must fall inside the policy's window."""

    window_known: bool = True
    """False when the event's year is not known yet (a project not yet accepted): the window
    cannot be judged, so the rule's own conditions say what is missing."""

    @property
    def window_year(self) -> int:
        """The year judged against a policy's window (the event's, not the payment's)."""
        return self.event_year if self.event_year is not None else self.year

    def get(self, name: str) -> Any:
        if name == "year":
            return self.year
        return self.values.get(name)

    def engine_form(self, kinds: dict[str, str]) -> dict[str, Any]:
        """The fact as the rules engine sees it: money in integer 分, ratios in ppm, no None.

        ``kinds`` maps field names to their kind; unknown figures are left out so that no
        test can match them (a missing figure is never zero).
        """
        out: dict[str, Any] = {"fact_kind": self.subject, "fid": self.id, "year": self.year}
        if self.window_known:
            out["event_year"] = self.window_year
        if self.date:
            out["date"] = date_number(self.date)
        for name, value in self.values.items():
            if value is None:
                continue
            kind = kinds.get(name)
            if kind == "money":
                out[name] = to_fen(value)
            elif kind == "ratio":
                out[name] = ratio_to_ppm(value)
            else:
                out[name] = value
        for name, hist in self.history.items():
            peak = hist.known_max
            if peak is not None:
                out[f"{name}__prior"] = to_fen(peak)
            out[f"{name}__complete"] = hist.complete
        return out


def date_number(date: dt.date) -> int:
    """A date as the engine compares it: the integer yyyymmdd."""
    return date.year * 10000 + date.month * 100 + date.day


def as_of_year(profile: Profile, year: int | None = None) -> int:
    """The year company-level support measures are judged for."""
    if year is not None:
        return year
    years = [y.year for y in profile.years]
    return max(years) if years else dt.date.today().year


def _series(profile: Profile, getter) -> list[tuple[int, Decimal | None]]:
    return [(y.year, getter(y)) for y in profile.years]


def _history(series: list[tuple[int, Decimal | None]], index: int, peak: Decimal | None) -> History:
    earlier = tuple(series[:index])
    known = {year for year, value in earlier if value is not None}
    first, this = series[0][0], series[index][0]
    missing = tuple(y for y in range(first, this) if y not in known)
    return History(prior_peak=peak, earlier=earlier, complete=peak is not None and not missing,
                   missing_years=missing)


def derive_facts(profile: Profile, year: int | None = None) -> list[Fact]:
    """Every fact the profile supports, in a stable order."""
    company = {
        "district": profile.district,
        "sector": profile.sector,
        "in_wuhan": profile.district != "outside_wuhan",
    }
    facts: list[Fact] = []

    revenue = _series(profile, lambda y: y.revenue_wan)
    main_from_revenue = {y.year for y in profile.years
                         if y.main_business_revenue_wan is None and y.revenue_wan is not None}
    main = _series(profile, lambda y: y.main_business_revenue_wan
                   if y.main_business_revenue_wan is not None else y.revenue_wan)
    main_peak = profile.prior_peak_main_revenue_wan
    if main_peak is None:
        main_peak = profile.prior_peak_revenue_wan
    by_year = {y.year: y for y in profile.years}
    for index, figures in enumerate(profile.years):
        prev = by_year.get(figures.year - 1)
        contribution = figures.district_fiscal_contribution_wan
        prev_contribution = prev.district_fiscal_contribution_wan if prev else None
        growth = None
        if contribution is not None and prev_contribution:
            growth = (contribution - prev_contribution) / prev_contribution
        notes: dict[str, list[tuple[str, str]]] = {}
        if figures.year in main_from_revenue:
            notes["main_revenue_wan"] = [(
                f"{figures.year}年未填主营业务收入，按营业收入计算。",
                f"No main business revenue for {figures.year}: operating revenue is used.")]
        facts.append(Fact(
            id=f"company_year:{figures.year}",
            subject="company_year",
            year=figures.year,
            label=f"{figures.year}年",
            key=str(figures.year),
            values={
                **company,
                "revenue_wan": figures.revenue_wan,
                "main_revenue_wan": main[index][1],
                "contribution_wan": contribution,
                "contribution_prev_wan": prev_contribution,
                "contribution_growth": growth,
            },
            history={
                "revenue_wan": _history(revenue, index, profile.prior_peak_revenue_wan),
                "main_revenue_wan": _history(main, index, main_peak),
            },
            notes=notes,
        ))

    if profile.scale_entry_year is not None:
        facts.append(Fact(
            id="scale_entry", subject="scale_entry", year=profile.scale_entry_year,
            label=f"{profile.scale_entry_year}年入库纳统", values=dict(company), key="scale_entry",
        ))

    for i, listing in enumerate(profile.listings):
        facts.append(Fact(
            id=f"listing:{i}", subject="listing", year=listing.date.year, date=listing.date,
            label=f"{listing.date.isoformat()} 上市", key=f"{listing.board}:{listing.date}",
            values={**company, "board": listing.board},
        ))

    for i, rec in enumerate(profile.recognitions):
        facts.append(Fact(
            id=f"recognition:{i}", subject="recognition", year=rec.year,
            label=f"{rec.year}年认定" + (f"（{rec.name}）" if rec.name else ""),
            key=f"{rec.title}:{rec.name or i}", values={**company, "title": rec.title},
        ))

    incubator = profile.incubator
    if incubator is not None:
        totals: dict[str, Decimal | int | None] = {
            "resident_enterprises": 0, "new_enterprises": 0, "hightech_cultivated": 0}
        for row in sorted(incubator.yearly, key=lambda r: r.year):
            values: dict[str, Any] = {**company, "kind": incubator.kind}
            for name in totals:
                value = getattr(row, name)
                values[name] = value
                running = totals[name]
                totals[name] = None if value is None or running is None else running + value
                values[f"cumulative_{name}"] = totals[name]
            facts.append(Fact(
                id=f"incubator_year:{row.year}", subject="incubator_year", year=row.year,
                label=f"{row.year}年孵化载体数据", key=str(row.year), values=values,
            ))
        if incubator.recognition is not None:
            rec = incubator.recognition
            facts.append(Fact(
                id="incubator_recognition", subject="incubator_recognition", year=rec.year,
                label=f"{rec.year}年孵化器认定", key="incubator_recognition",
                values={**company, "kind": incubator.kind, "level": rec.level},
            ))

    for i, project in enumerate(profile.talent_projects):
        facts.append(Fact(
            id=f"talent_project:{i}", subject="talent_project", year=project.year,
            label=f"{project.year}年人才项目" + (f"（{project.leader}）" if project.leader else ""),
            key=f"talent:{i}", values={**company, "programme": project.programme},
        ))

    for i, project in enumerate(profile.tech_upgrade_projects):
        accepted = project.accepted_year
        base = {**company, "in_catalogue": project.in_catalogue}
        if accepted is None:
            facts.append(Fact(
                id=f"tech_upgrade:{i}:pending", subject="tech_upgrade_payment",
                year=as_of_year(profile, year), label=f"技改项目「{project.name}」（尚无验收年份）",
                window_known=False,
                key=f"tech:{i}", values={**base, "completed": project.completed,
                                         "offset": 1, "payment_wan": None},
            ))
            continue
        for offset in range(0, 4):
            pay_year = accepted + offset
            facts.append(Fact(
                id=f"tech_upgrade:{i}:{offset}", subject="tech_upgrade_payment", year=pay_year,
                event_year=accepted,
                label=f"技改项目「{project.name}」{pay_year}年（"
                      + ("验收当年" if offset == 0 else f"验收后第{offset}年") + "）",
                key=f"tech:{i}:{pay_year}",
                values={**base, "completed": True, "offset": offset,
                        "payment_wan": project.new_local_fiscal_revenue_wan.get(pay_year)},
            ))

    if profile.park_rating is not None:
        rating = profile.park_rating
        facts.append(Fact(
            id="park_rating", subject="park_rating", year=rating.year,
            label=f"{rating.year}年园区星级评定", key="park_rating",
            values={**company, "stars": rating.stars, "park_kind": getattr(rating, "park_kind", None)},
        ))

    tags = set(profile.industry_tags or [])
    known_tags = profile.industry_tags is not None
    titles = {r.title for r in profile.recognitions}
    the_year = as_of_year(profile, year)
    facts.append(Fact(
        id="company", subject="company", year=the_year, label=f"{the_year}年企业情况",
        key="company",
        values={
            **company,
            "listed": bool(profile.listings),
            "is_high_tech": "high_tech_enterprise" in titles,
            **{f"tag_{t}": (t in tags) if known_tags else None
               for t in ("optoelectronics", "health", "automotive", "high_end_equipment", "beidou")},
        },
    ))
    return facts


__all__ = ["Fact", "History", "as_of_year", "date_number", "derive_facts"]
