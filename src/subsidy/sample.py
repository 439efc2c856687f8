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
    RECOGNITION_TITLES,
    SECTORS,
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
