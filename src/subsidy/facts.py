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
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from . import vocab
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
            kind = kinds.get(name.partition("@")[0])
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
    """The year company-level support measures are judged for: the one asked for, else the
    latest year the profile speaks of (its figures or any event), else this year."""
    if year is not None:
        return year
    years = [y.year for y in profile.years]
    years += [e.year for e in profile.entries()] + [r.year for r in profile.recognitions]
    years += [listing.date.year for listing in profile.listings]
    years += [p.year for p in profile.talent_projects]
    if profile.incubator is not None:
        years += [row.year for row in profile.incubator.yearly]
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


def derive_facts(profile: Profile, year: int | None = None,
                 offsets: Iterable[tuple[str, str]] = ()) -> list[Fact]:
    """Every fact the profile supports, in a stable order.

    ``offsets`` are the (subject, ``field@k``) pairs the rules test: a fact of that subject
    carries the company-year figure ``field`` of the year ``k`` years after its own.
    """
    company = {
        "district": profile.district,
        "sector": profile.sector,
        "in_wuhan": profile.district != vocab.OUTSIDE_WUHAN,
    }
    facts: list[Fact] = []
    by_year = {y.year: y for y in profile.years}
    figures = vocab.VOCABULARY.yearly
    series: dict[str, list[tuple[int, Decimal | None]]] = {}
    stood_in: dict[str, set[int]] = {}
    for figure in figures:
        values = [(y.year, getattr(y, figure.profile, None)) for y in profile.years]
        if figure.fallback:
            other = next((f for f in figures if f.fact == figure.fallback), None)
            if other is not None:
                stood_in[figure.fact] = {yr for (yr, v), y in zip(values, profile.years, strict=True)
                                         if v is None and getattr(y, other.profile, None) is not None}
                values = [(yr, v if v is not None else getattr(y, other.profile, None))
                          for (yr, v), y in zip(values, profile.years, strict=True)]
        series[figure.fact] = values
    peaks = {figure.fact: _prior_peak(profile, figure, figures) for figure in figures}
    year_values: dict[int, dict[str, Any]] = {}
    for index, row in enumerate(profile.years):
        values: dict[str, Any] = dict(company)
        history: dict[str, History] = {}
        notes: dict[str, list[tuple[str, str]]] = {}
        for figure in figures:
            value = series[figure.fact][index][1]
            values[figure.fact] = value
            if figure.kind != "money":
                continue
            if figure.fact.endswith("_wan"):
                stem = figure.fact.removesuffix("_wan")
                prev_row = by_year.get(row.year - 1)
                prev = None
                if prev_row is not None:
                    prev = dict(series[figure.fact])[row.year - 1]
                values[f"{stem}_prev_wan"] = prev
                values[f"{stem}_growth"] = (value - prev) / prev if value is not None and prev else None
            history[figure.fact] = _history(series[figure.fact], index, peaks[figure.fact])
            if row.year in stood_in.get(figure.fact, ()):
                other = next(f for f in figures if f.fact == figure.fallback)
                notes[figure.fact] = [(
                    f"{row.year}年未填{figure.zh}，按{other.zh}计算。",
                    f"No {figure.en} for {row.year}: {other.en} is used.")]
        year_values[row.year] = values
        facts.append(Fact(
            id=f"company_year:{row.year}", subject="company_year", year=row.year,
            label=f"{row.year}年", key=str(row.year), values=values, history=history, notes=notes,
        ))

    for entry in profile.entries():
        kind_label = vocab.label(vocab.ENTRY_KINDS, entry.kind) if entry.kind else "入库纳统"
        facts.append(Fact(
            id=f"scale_entry:{entry.kind}:{entry.year}", subject="scale_entry", year=entry.year,
            label=f"{entry.year}年首次入库纳统（{kind_label}）", key=f"scale_entry:{entry.kind}",
            values={**company, "entry_kind": entry.kind},
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
            label=f"{project.year}年人才项目" + (f"「{project.name}」" if project.name else "")
                  + (f"（负责人{project.leader}）" if project.leader else ""),
            key=f"talent:{i}", values={**company, "programme": project.programme,
                                       "leader": project.leader},
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
    the_year = as_of_year(profile, year)
    # What the company is in the year judged: titles and listings of later years do not count.
    titles = {r.title for r in profile.recognitions if r.year <= the_year}
    facts.append(Fact(
        id="company", subject="company", year=the_year, label=f"{the_year}年企业情况",
        key="company",
        values={
            **company,
            "listed": any(listing.date.year <= the_year for listing in profile.listings),
            "is_high_tech": "high_tech_enterprise" in titles,
            **{f"has_{code}": code in titles for code in vocab.RECOGNITION_TITLES},
            **{f"tag_{t}": (t in tags) if known_tags else None
               for t in ("optoelectronics", "health", "automotive", "high_end_equipment", "beidou")},
        },
    ))
    wanted: dict[str, list[str]] = {}
    for subject, name in offsets:
        base, _, k = name.partition("@")
        names = wanted.setdefault(subject, [])
        names.append(name)
        if base.endswith("_growth"):  # its words name the figures it is computed from
            stem = base.removesuffix("_growth")
            names += [f"{stem}_wan@{k}", f"{stem}_prev_wan@{k}"]
    for fact in facts:
        for name in wanted.get(fact.subject, ()):
            base, _, k = name.partition("@")
            fact.values[name] = year_values.get(fact.year + int(k), {}).get(base)
    return facts


def _prior_peak(profile: Profile, figure: Any, figures: Any) -> Decimal | None:
    """The declared highest figure before the profile's first year (``prior_peak_<fact>``),
    falling back to the stand-in figure's peak as the yearly values do."""
    peak = getattr(profile, f"prior_peak_{figure.fact}", None)
    if peak is None and figure.fallback:
        peak = getattr(profile, f"prior_peak_{figure.fallback}", None)
    return peak


__all__ = ["Fact", "History", "as_of_year", "date_number", "derive_facts"]
