"""A sample population of plausible companies, for benchmarks and for impact reports.

A rule maintainer changing a rule wants to see what the change does to many companies
before it ships; a benchmark wants varied inputs. Both use this seeded generator.
"""

from __future__ import annotations

import random
from decimal import Decimal

from .profile import Profile, credit_code_check_char, parse_profile
from .vocab import (
    BOARDS,
    DISTRICTS,
    ENTRY_KINDS,
    INCUBATOR_KINDS,
    INCUBATOR_LEVELS,
    INDUSTRY_TAGS,
    PARK_KINDS,
    RECOGNITION_TITLES,
    SECTORS,
    TALENT_PROGRAMMES,
)

DISTRICT_WEIGHTS = {"硚口区": 5, "武汉经开区": 3, "汉南区": 1, "outside_wuhan": 1}


def make_profile(rng: random.Random, i: int) -> dict:
    """A plausible, varied company: three years, some events, sometimes missing figures."""
    districts = list(DISTRICTS)
    district = rng.choice([d for d, w in DISTRICT_WEIGHTS.items() for _ in range(w)] + districts)
    start = rng.randint(2017, 2022)
    base = Decimal(rng.choice([800, 5000, 30_000, 150_000, 450_000, 900_000, 2_500_000]))
    revenue = base * Decimal(rng.uniform(0.7, 1.3)).quantize(Decimal("0.01"))
    contribution = Decimal(rng.randint(100, 9000))
    years = []
    for y in range(start, start + 3):
        revenue = (revenue * Decimal(rng.uniform(0.9, 2.2))).quantize(Decimal("0.01"))
        contribution = (contribution * Decimal(rng.uniform(0.8, 1.4))).quantize(Decimal("0.01"))
        row: dict = {"year": y, "revenue_wan": str(revenue)}
        if rng.random() < 0.7:
            row["main_business_revenue_wan"] = str((revenue * Decimal("0.97")).quantize(Decimal("0.01")))
        if rng.random() < 0.9:
            row["district_fiscal_contribution_wan"] = str(contribution)
        years.append(row)
    first17 = f"9142010{i % 10}MA4K{i:05d}"[:17].replace("I", "1").replace("O", "0")
    profile: dict = {
        "name": f"基准测试企业{i:05d}",
        "credit_code": first17 + credit_code_check_char(first17),
        "district": district,
        "sector": rng.choice(list(SECTORS)),
        "years": years,
    }
    if rng.random() < 0.8:
        profile["prior_peak_revenue_wan"] = str((base * Decimal("0.6")).quantize(Decimal("0.01")))
    if rng.random() < 0.4:
        profile["scale_entry_year"] = rng.randint(start - 2, start + 2)
    if rng.random() < 0.15:
        profile["listings"] = [{"board": rng.choice(list(BOARDS)), "date": f"{rng.randint(start, start + 2)}-06-30"}]
    if rng.random() < 0.3:
        drawn = [(rng.choice(list(RECOGNITION_TITLES)), rng.randint(start, start + 2))
                 for _ in range(rng.randint(1, 3))]
        # a recognition is listed once (the profile refuses a repeated entry)
        profile["recognitions"] = [{"title": title, "year": year} for title, year in dict.fromkeys(drawn)]
    if rng.random() < 0.1:
        profile["tech_upgrade_projects"] = [{"name": "技改项目", "in_catalogue": True, "accepted_year": start,
                                             "new_local_fiscal_revenue_wan": {str(start + 1): 30, str(start + 2): 40}}]
    return profile


def sample_profiles(n: int, seed: int = 20261123) -> list[Profile]:
    """``n`` validated profiles, the same for the same seed."""
    rng = random.Random(seed)
    return [parse_profile(make_profile(rng, i)) for i in range(n)]


# ---------------------------------------------------------------- edge cases


def rule_levels(ruleset) -> dict[str, list[Decimal]]:
    """Every threshold the rules compare a field with (money, counts, ranks), by field name,
    read from the rule files under every reading: edge values come from the rules, not code.

    Conditions are walked with ``walk()`` and read by their declared attributes (``field``,
    ``value``, ``start``/``step``), so no kind of condition is named here.
    """
    from .conditions import coerce_value
    from .fields import field as field_spec

    found: dict[str, set[Decimal]] = {}

    def note(cond, subject: str) -> None:
        name = getattr(cond, "field", None)
        if not isinstance(name, str):
            return
        spec = field_spec("company_year" if getattr(cond, "at", None) else subject, name)
        if spec is None or spec.kind not in ("money", "count", "ratio", "int"):
            return
        values = []
        if getattr(cond, "op", None) in (">=", ">", "<=", "<", "==", "!=", "first_reach", "first_exceed") \
                and hasattr(cond, "value"):
            values.append(cond.value)
        if hasattr(cond, "start") and hasattr(cond, "step"):
            start, step = (Decimal(coerce_value(spec.kind, v)) for v in (cond.start, cond.step))
            values.extend(start + k * step for k in range(4))
        for value in values:
            try:
                found.setdefault(name, set()).add(Decimal(coerce_value(spec.kind, value)))
            except (ValueError, TypeError, ArithmeticError):
                continue

    for interp in [None, *ruleset.interpretations]:
        rs = ruleset if interp is None else ruleset.with_switches({interp: "alternative"})
        for rule in rs.rules.values():
            for cond in rule.walk():
                note(cond, rule.subject)
    return {name: sorted(values) for name, values in found.items()}


def window_dates(ruleset) -> list[str]:
    """Policy window boundaries and the days either side (ISO dates)."""
    import datetime as dt

    days = set()
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
                                               Decimal("0.000001"), -level / 10, level / 5]))


def edge_profile(rng: random.Random, i: int, levels: dict[str, list[Decimal]], dates: list[str]) -> dict:
    """A profile built to hit the rules' edges: values at and next to every threshold, missing
    figures, zero bases, gaps between years, dates on window boundaries, every district and
    sector, several events of one kind in one year."""
    revenue_levels = levels.get("revenue_wan", []) + levels.get("main_revenue_wan", [])
    years_n = rng.choice([1, 2, 3, 3, 4])
    first = rng.randint(2015, 2024)
    years_list = list(range(first, first + years_n + 1))
    if len(years_list) > 2 and rng.random() < 0.2:
        years_list.pop(rng.randrange(1, len(years_list) - 1))  # a gap in the history
    years_list = years_list[:years_n]
    years = []
    contribution = None
    for y in years_list:
        row: dict = {"year": y}
        revenue = _near(rng, revenue_levels)
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
        if rng.random() < 0.5:
            row["tax_paid_wan"] = str(_near(rng, levels.get("tax_paid_wan", [])))
        if rng.random() < 0.4:
            ranks = levels.get("city_services_revenue_rank", [Decimal(10)])
            row["city_services_revenue_rank"] = max(1, int(rng.choice(ranks)) + rng.choice([-1, 0, 0, 1, 40]))
        years.append(row)
    first17 = f"91420{i % 100:02d}0MA4K{i:06d}"[:17]
    profile: dict = {
        "name": f"边界企业{i:05d}",
        "district": rng.choice(list(DISTRICTS) + ["硚口区"] * 6 + ["武汉经开区", "汉南区"] * 2),
        "sector": rng.choice(list(SECTORS) + ["industry", "services"] * 3),
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
    if rng.random() < 0.35:
        profile["scale_entry_year"] = rng.randint(2015, 2025)
    if rng.random() < 0.35:  # register entries of several kinds, the company's own among them
        kinds = list(ENTRY_KINDS)
        profile["scale_entries"] = _unique([{"kind": rng.choice(kinds), "year": rng.randint(2015, 2025)}
                                            for _ in range(rng.randint(1, 3))])
    if rng.random() < 0.3:
        profile["listings"] = _unique([{"board": rng.choice(list(BOARDS)),
                                        "date": rng.choice(dates) if rng.random() < 0.5 and dates
                                        else f"{rng.randint(2016, 2025)}-{rng.randint(1, 12):02d}-15"}
                                       for _ in range(rng.randint(1, 2))])
    if rng.random() < 0.45:
        titles = list(RECOGNITION_TITLES)
        profile["recognitions"] = _unique([
            {"title": rng.choice(titles), "year": rng.randint(2016, 2025),
             **({"name": rng.choice(["产品甲", "产品乙"])} if rng.random() < 0.3 else {})}
            for _ in range(rng.randint(1, 4))])
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
        incubator: dict = {"kind": rng.choice(list(INCUBATOR_KINDS)), "yearly": yearly}
        if rng.random() < 0.6:
            incubator["recognition"] = {"level": rng.choice(list(INCUBATOR_LEVELS)), "year": rng.randint(2017, 2024)}
        profile["incubator"] = incubator
    if rng.random() < 0.2:  # leaders: missing, or one person on two projects (counted once)
        profile["talent_projects"] = _unique([
            {"programme": rng.choice([*TALENT_PROGRAMMES, "省级人才计划"]), "year": rng.randint(2017, 2024),
             **({"leader": rng.choice(["负责人甲", "负责人乙"])} if rng.random() < 0.8 else {})}
            for _ in range(rng.randint(1, 3))])
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
        profile["park_rating"] = {"stars": rng.randint(1, 5), "year": rng.randint(2017, 2024),
                                  **({"park_kind": rng.choice(list(PARK_KINDS))} if rng.random() < 0.7 else {})}
    pick = rng.random()
    if pick < 0.15:
        profile["industry_tags"] = []
    elif pick < 0.4:
        profile["industry_tags"] = rng.sample(list(INDUSTRY_TAGS), rng.randint(1, 2))
    return profile


def _unique(items: list[dict]) -> list[dict]:
    """Entries drawn twice kept once (the profile refuses a repeated entry: it would count twice)."""
    seen: dict[str, dict] = {}
    for item in items:
        seen.setdefault(repr(sorted(item.items())), item)
    return list(seen.values())


def edge_profiles(n: int, ruleset, seed: int = 20261202) -> list[Profile]:
    """``n`` validated edge-case profiles for the differential test (same seed, same list)."""
    rng = random.Random(seed)
    levels = rule_levels(ruleset)
    dates = window_dates(ruleset)
    return [parse_profile(edge_profile(rng, i, levels, dates)) for i in range(n)]
