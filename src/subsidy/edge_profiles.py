"""Profiles built to hit the rules' edges, for the test that holds the backends together.

The columnar plan and the interactive engine must give identical findings; differences hide
at thresholds, on window boundaries, in missing figures and in odd event mixes. This
generator reads every threshold and window date from the rule files (under every reading)
and builds profiles at, just below and just above them — never from numbers in code.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from . import vocab
from .profile import Profile, credit_code_check_char, parse_profile


def rule_levels(ruleset) -> dict[str, list[Decimal]]:
    """Every threshold the rules compare a field with (money, counts, ranks, step levels), by
    field name, read from the rule files under every reading."""
    found: dict[str, set[Decimal]] = {}
    for interp in [None, *ruleset.interpretations]:
        rs = ruleset if interp is None else ruleset.with_switches({interp: "alternative"})
        for rule in rs.rules.values():
            for cond in rule.walk():
                name = getattr(cond, "field", None)
                if name is None:
                    continue
                spec = rs.vocabulary.field(rule.subject, name)
                if spec is None or spec.kind not in ("money", "count", "ratio", "int"):
                    continue
                values = getattr(cond, "value", None)
                if hasattr(cond, "bounds"):  # a step ladder: its first steps
                    start, step = cond.bounds()
                    values = [start + k * step for k in range(4)]
                for value in values if isinstance(values, list) else [values]:
                    if isinstance(value, (int, float, str, Decimal)) and not isinstance(value, bool):
                        try:
                            found.setdefault(name, set()).add(Decimal(_coerce(spec.kind, value)))
                        except (ValueError, ArithmeticError):
                            continue
    return {name: sorted(values) for name, values in found.items()}


def _coerce(kind: str, value):
    from .conditions import coerce_value

    return coerce_value(kind, value)


def window_dates(ruleset) -> list[str]:
    """Every policy window's first and last day, and the days either side, under every reading."""
    days: set[dt.date] = set()
    for interp in [None, *ruleset.interpretations]:
        rs = ruleset if interp is None else ruleset.with_switches({interp: "alternative"})
        for policy in rs.policies.values():
            for date in (policy.window.start, policy.window.end):
                if date:
                    days.update(date + dt.timedelta(days=d) for d in (-1, 0, 1))
    return sorted(d.isoformat() for d in days)


def _near(rng: random.Random, levels: list[Decimal]) -> Decimal:
    """A value at, just below or just above one of ``levels`` — or anywhere."""
    if not levels or rng.random() < 0.25:
        return Decimal(rng.choice([0, 1, 50, 800, 5000, 30_000, 150_000, 450_000, 2_500_000, 40_000_000])) \
            * Decimal(rng.uniform(0.5, 2)).quantize(Decimal("0.01"))
    level = rng.choice(levels)
    return max(Decimal(0), level + rng.choice([Decimal(0), Decimal("-0.01"), Decimal("0.01"),
                                               Decimal("0.000001"), -level / 10, level / 5])).quantize(
        Decimal("0.000001"))


def _growing(rng: random.Random, before: Decimal | None, levels: list[Decimal]) -> Decimal:
    """Next year's figure: grown by a rate at or next to the rules' growth thresholds, or anywhere."""
    if before and rng.random() < 0.5:
        rates = [Decimal(1) + r for r in levels] or [Decimal("1.1")]
        rate = rng.choice(rates) + rng.choice([Decimal(0), Decimal(0), Decimal("-0.000001"), Decimal("0.01")])
        return (before * rate).quantize(Decimal("0.000001"))
    return _near(rng, [])


def edge_profile(rng: random.Random, i: int, levels: dict[str, list[Decimal]], dates: list[str]) -> dict:
    """A profile built to hit the rules' edges: values at and next to every threshold, missing
    figures, zero bases, gaps between years, dates on window boundaries, every district,
    sector, title and register, several events of one kind in one year."""
    revenue_levels = levels.get("revenue_wan", []) + levels.get("main_revenue_wan", [])
    growth_levels = levels.get("revenue_growth", []) + levels.get("contribution_growth", [])
    years_n = rng.choice([1, 2, 3, 3, 4])
    first = rng.randint(2015, 2024)
    years_list = list(range(first, first + years_n + 1))
    if len(years_list) > 2 and rng.random() < 0.2:
        years_list.pop(rng.randrange(1, len(years_list) - 1))  # a gap in the history
    years_list = years_list[:years_n]
    years = []
    contribution = revenue = None
    for y in years_list:
        row: dict = {"year": y}
        revenue = _growing(rng, revenue, growth_levels) if rng.random() < 0.3 else _near(rng, revenue_levels)
        if rng.random() > 0.1:
            row["revenue_wan"] = str(revenue)
        pick = rng.random()
        if pick < 0.3:
            row["main_business_revenue_wan"] = str(_near(rng, revenue_levels))
        elif pick < 0.5:
            row["main_business_revenue_wan"] = str(revenue)
        pick = rng.random()
        if pick < 0.1:
            contribution = None
        elif pick < 0.18:
            contribution = Decimal(0)
        elif contribution and pick < 0.45:
            contribution = (contribution * rng.choice([Decimal("1.15"), Decimal("1.149999"), Decimal("1.3"),
                                                       Decimal("0.9")])).quantize(Decimal("0.000001"))
        else:
            contribution = _near(rng, levels.get("contribution_wan", []))
        if contribution is not None:
            row["district_fiscal_contribution_wan"] = str(contribution)
        if rng.random() < 0.3:
            row["tax_paid_wan"] = str(_near(rng, levels.get("tax_paid_wan", [])))
        if rng.random() < 0.2:
            rank = int(rng.choice(levels.get("city_services_revenue_rank", [Decimal(200)])))
            row["city_services_revenue_rank"] = max(1, rank + rng.choice([-1, 0, 1, 50]))
        years.append(row)
    first17 = f"91420{i % 100:02d}0MA4K{i:06d}"[:17]
    profile: dict = {
        "name": f"边界企业{i:05d}",
        "district": rng.choice(list(vocab.DISTRICTS) + ["硚口区"] * 6 + ["武汉经开区", "汉南区"] * 2),
        "sector": rng.choice(list(vocab.SECTORS) + ["industry", "services"] * 3),
        "years": years,
    }
    if rng.random() < 0.9:
        profile["credit_code"] = first17 + credit_code_check_char(first17)
    pick = rng.random()
    if pick < 0.15:
        profile["prior_peak_revenue_wan"] = 0
    elif pick < 0.8:
        profile["prior_peak_revenue_wan"] = str(_near(rng, revenue_levels))
    if rng.random() < 0.3:
        profile["prior_peak_main_revenue_wan"] = str(_near(rng, revenue_levels))
    pick = rng.random()
    if pick < 0.35:
        profile["scale_entry_year"] = rng.choice([rng.randint(2015, 2025), *years_list])
    elif pick < 0.55:
        kinds = list(vocab.ENTRY_KINDS)
        entries = {(rng.choice(kinds), rng.choice([rng.randint(2015, 2025), *years_list]))
                   for _ in range(rng.randint(1, 2))}
        profile["scale_entries"] = [{"kind": k, "year": y} for k, y in sorted(entries)]
    if rng.random() < 0.3:
        listings = {(rng.choice(list(vocab.BOARDS)),
                     rng.choice(dates) if rng.random() < 0.5 and dates
                     else f"{rng.randint(2016, 2025)}-{rng.randint(1, 12):02d}-15")
                    for _ in range(rng.randint(1, 2))}
        profile["listings"] = [{"board": b, "date": d} for b, d in sorted(listings)]
    if rng.random() < 0.45:
        titles = list(vocab.RECOGNITION_TITLES)
        recognitions = {(rng.choice(titles), rng.randint(2016, 2025),
                         rng.choice(["产品甲", "产品乙"]) if rng.random() < 0.3 else None)
                        for _ in range(rng.randint(1, 4))}
        profile["recognitions"] = [{"title": t, "year": y, **({"name": n} if n else {})}
                                   for t, y, n in sorted(recognitions, key=str)]
    if rng.random() < 0.2:
        counts = {name: levels.get(name, [Decimal(1)]) for name in
                  ("resident_enterprises", "new_enterprises", "hightech_cultivated")}
        yearly = []
        for y in sorted(rng.sample(range(2017, 2024), rng.randint(1, 3))):
            row = {"year": y}
            for name, lv in counts.items():
                if rng.random() < 0.85:
                    row[name] = max(0, int(rng.choice(lv)) + rng.choice([-1, 0, 0, 1, -40]))
            yearly.append(row)
        incubator: dict = {"kind": rng.choice(list(vocab.INCUBATOR_KINDS)), "yearly": yearly}
        if rng.random() < 0.6:
            incubator["recognition"] = {"level": rng.choice(list(vocab.INCUBATOR_LEVELS)),
                                        "year": rng.randint(2017, 2024)}
        profile["incubator"] = incubator
    if rng.random() < 0.2:
        leaders = ["张三", "李四"]
        profile["talent_projects"] = [
            {"programme": rng.choice([*vocab.TALENT_PROGRAMMES, "省级人才计划"]), "year": rng.randint(2017, 2024),
             **({"leader": rng.choice(leaders)} if rng.random() < 0.7 else {}), "name": f"项目{k}"}
            for k in range(rng.randint(1, 3))]
    if rng.random() < 0.25:
        projects = []
        for k in range(rng.randint(1, 2)):
            accepted = rng.choice([None, rng.randint(2016, 2024)])
            project: dict = {"name": f"技改项目{k}"}
            if rng.random() < 0.8:
                project["in_catalogue"] = rng.random() < 0.8
            if accepted is not None:
                project["accepted_year"] = accepted
                project["new_local_fiscal_revenue_wan"] = {
                    str(accepted + d): str(_near(rng, [])) for d in range(4) if rng.random() < 0.7}
            elif rng.random() < 0.5:
                project["completed"] = rng.random() < 0.5
            projects.append(project)
        profile["tech_upgrade_projects"] = projects
    if rng.random() < 0.15:
        rating: dict = {"stars": rng.randint(1, 5), "year": rng.randint(2017, 2024)}
        parks = getattr(vocab, "PARK_KINDS", None)
        if parks and rng.random() < 0.7:
            rating["park_kind"] = rng.choice(list(parks))
        profile["park_rating"] = rating
    pick = rng.random()
    if pick < 0.15:
        profile["industry_tags"] = []
    elif pick < 0.4:
        profile["industry_tags"] = rng.sample(list(vocab.INDUSTRY_TAGS), rng.randint(1, 2))
    return profile


def edge_profiles(n: int, ruleset, seed: int = 20261202) -> list[Profile]:
    """``n`` validated edge-case profiles (same seed, same list)."""
    rng = random.Random(seed)
    levels = rule_levels(ruleset)
    dates = window_dates(ruleset)
    return [parse_profile(edge_profile(rng, i, levels, dates)) for i in range(n)]


__all__ = ["edge_profile", "edge_profiles", "rule_levels", "window_dates"]
