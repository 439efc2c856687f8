"""A realistic population of Wuhan enterprises, generated quickly (vectorised with NumPy).

Used by ``subsidy sample``, the benchmarks and the 政策测算 page when no register is at
hand. Every assumption about the population is in :data:`MIX`, in one place; none of them
is an award amount or a threshold (those live in ``rules/``).

- **Districts**: weights roughly follow the number of registered enterprises per district
  (the central districts and the development zones hold most; a few percent are registered
  outside Wuhan but appear in a city register).
- **Sectors**: services and trade dominate, industry is about one in eight.
- **Revenue**: log-normal (median a few million yuan, a long tail up to hundreds of
  billions), growing each year by a log-normal factor around +6 %.
- **Main business revenue**: 85–100 % of revenue; not reported by a third of companies.
- **District fiscal contribution**: a log-normal share of revenue around 1.5 %; sometimes
  missing, sometimes zero.
- **History**: most companies declare their prior peak; some do not (then "first reaching"
  answers need information).
- **Events**: register entries (入库纳统), recognitions, listings, incubators, talent and
  technology-upgrade projects, park ratings and priority-industry tags at low rates.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from . import vocab
from .population import COLUMNS
from .profile import CREDIT_CODE_CHARSET, CREDIT_CODE_WEIGHTS


@dataclass(frozen=True)
class Mix:
    districts: dict[str, float] = field(default_factory=lambda: {
        "洪山区": 12, "东湖高新区": 12, "武昌区": 9, "江汉区": 8, "江岸区": 8, "硚口区": 6,
        "汉阳区": 6, "武汉经开区": 6, "东西湖区": 6, "江夏区": 5, "黄陂区": 5, "蔡甸区": 4,
        "新洲区": 3, "青山区": 3, "临空港经开区": 2, "长江新区": 2, "汉南区": 1, "outside_wuhan": 2})
    sectors: dict[str, float] = field(default_factory=lambda: {
        "services": 30, "wholesale": 15, "retail": 13, "industry": 12, "construction": 8,
        "catering": 5, "real_estate": 4, "accommodation": 3, "other": 10})
    revenue_median_wan: float = 600.0
    revenue_sigma: float = 2.2
    revenue_cap_wan: float = 5e7
    growth_mu: float = 0.06
    growth_sigma: float = 0.25
    main_missing: float = 0.33
    contribution_share_median: float = 0.015
    contribution_sigma: float = 0.6
    contribution_missing: float = 0.08
    contribution_zero: float = 0.03
    revenue_missing: float = 0.02
    prior_peak_given: float = 0.85
    scale_entry: float = 0.06
    recognition: float = 0.04
    listing: float = 0.004
    incubator: float = 0.003
    talent: float = 0.005
    tech_upgrade_industry: float = 0.08
    park_rating: float = 0.001
    industry_tags: float = 0.1


MIX = Mix()


def _credit_codes(rng: np.random.Generator, n: int) -> np.ndarray:
    """Valid 18-character codes (GB 32100-2015 check character), vectorised."""
    chars = np.array(list(CREDIT_CODE_CHARSET))
    body = rng.integers(0, 31, size=(n, 17))
    body[:, 0] = 9  # 9: enterprise registered by the market regulator
    body[:, 1] = 1
    body[:, 2:8] = [4, 2, 0, 1, 0, 0]  # an area code of Wuhan
    check = (31 - (body @ np.array(CREDIT_CODE_WEIGHTS)) % 31) % 31
    codes = chars[np.concatenate([body, check[:, None]], axis=1)]
    return codes.view("<U18").ravel() if codes.dtype == "<U1" else np.array(["".join(r) for r in codes])


def _choice(rng: np.random.Generator, weights: dict[str, float], n: int) -> np.ndarray:
    keys = np.array(list(weights))
    p = np.array(list(weights.values()), dtype=float)
    return keys[rng.choice(len(keys), size=n, p=p / p.sum())]


def _money_text(values: np.ndarray, missing: np.ndarray) -> pa.Array:
    """Money to two decimals as text (exact; a blank where missing)."""
    cents = np.round(values * 100).astype(np.int64)
    text = np.char.add(np.char.add((cents // 100).astype(str), "."),
                       np.char.zfill((cents % 100).astype(str), 2))
    return pa.array(text, pa.string(), mask=missing)


def sample_population(n: int, seed: int = 20261202, first_year: int = 2019, years: int = 3,
                      mix: Mix = MIX) -> pa.Table:
    """``n`` companies × ``years`` rows in the population layout (text columns)."""
    rng = np.random.default_rng(seed)
    district = _choice(rng, mix.districts, n)
    sector = _choice(rng, mix.sectors, n)
    codes = _credit_codes(rng, n)
    names = np.char.add("样本企业", np.char.zfill(np.arange(n).astype(str), 7))
    base = np.minimum(np.exp(np.log(mix.revenue_median_wan) + mix.revenue_sigma * rng.standard_normal(n)),
                      mix.revenue_cap_wan)
    growth = np.exp(mix.growth_mu + mix.growth_sigma * rng.standard_normal((n, years)))
    revenue = base[:, None] * np.cumprod(growth, axis=1)
    main = revenue * rng.uniform(0.85, 1.0, size=(n, years))
    share = np.exp(np.log(mix.contribution_share_median) + mix.contribution_sigma * rng.standard_normal((n, years)))
    contribution = revenue * share
    zero = rng.random((n, years)) < mix.contribution_zero
    contribution[zero] = 0
    peak = base / np.exp(mix.growth_mu + mix.growth_sigma * rng.standard_normal(n)) * rng.uniform(0.7, 1.1, n)
    peak_missing = rng.random(n) > mix.prior_peak_given

    rows = n * years
    year = np.tile(np.arange(first_year, first_year + years), n)
    rep = np.repeat(np.arange(n), years)
    entry = rng.random(n) < mix.scale_entry
    entry_year = rng.integers(first_year - 2, first_year + years, n)
    cells = _events(rng, n, sector, first_year, years, mix)
    columns = {
        "name": pa.array(names[rep]), "district": pa.array(district[rep]), "sector": pa.array(sector[rep]),
        "year": pa.array(year.astype(str)), "credit_code": pa.array(codes[rep]),
        "revenue_wan": _money_text(revenue.ravel(), rng.random(rows) < mix.revenue_missing),
        "main_business_revenue_wan": _money_text(main.ravel(), np.repeat(rng.random(n) < mix.main_missing, years)),
        "district_fiscal_contribution_wan": _money_text(contribution.ravel(), rng.random(rows) < mix.contribution_missing),
        "scale_entry_year": pa.array(entry_year.astype(str)[rep], mask=~entry[rep]),
        "prior_peak_revenue_wan": _money_text(peak[rep], peak_missing[rep]),
        "prior_peak_main_revenue_wan": pa.nulls(rows, pa.string()),
    }
    for name in ("industry_tags", "listings", "recognitions", "incubator", "talent_projects",
                 "tech_upgrade_projects", "park_rating"):
        texts = np.full(n, None, dtype=object)
        for i, value in cells[name].items():
            texts[i] = json.dumps(value, ensure_ascii=False)
        columns[name] = pa.array(texts[rep], pa.string())
    return pa.table({c: columns[c] for c in COLUMNS})


def _events(rng: np.random.Generator, n: int, sector: np.ndarray, first: int, years: int,
            mix: Mix) -> dict[str, dict[int, object]]:
    """The companies' events as JSON values, for the few companies that have them."""
    out: dict[str, dict[int, object]] = {k: {} for k in (
        "industry_tags", "listings", "recognitions", "incubator", "talent_projects",
        "tech_upgrade_projects", "park_rating")}
    last = first + years - 1
    titles = list(vocab.RECOGNITION_TITLES)
    for i in np.flatnonzero(rng.random(n) < mix.recognition):
        out["recognitions"][int(i)] = [{"title": titles[int(rng.integers(len(titles)))],
                                        "year": int(rng.integers(first, last + 1))}
                                       for _ in range(int(rng.integers(1, 3)))]
    boards = list(vocab.BOARDS)
    for i in np.flatnonzero(rng.random(n) < mix.listing):
        out["listings"][int(i)] = [{"board": boards[int(rng.integers(len(boards)))],
                                    "date": f"{int(rng.integers(first, last + 1))}-{int(rng.integers(1, 13)):02d}-"
                                            f"{int(rng.integers(1, 29)):02d}"}]
    kinds = list(vocab.INCUBATOR_KINDS)
    levels = list(vocab.INCUBATOR_LEVELS)
    for i in np.flatnonzero(rng.random(n) < mix.incubator):
        yearly = [{"year": y, "resident_enterprises": int(rng.integers(20, 220)),
                   "new_enterprises": int(rng.integers(5, 90)), "hightech_cultivated": int(rng.integers(0, 9))}
                  for y in range(first, last + 1)]
        value: dict = {"kind": kinds[int(rng.integers(len(kinds)))], "yearly": yearly}
        if rng.random() < 0.5:
            value["recognition"] = {"level": levels[int(rng.integers(len(levels)))],
                                    "year": int(rng.integers(first, last + 1))}
        out["incubator"][int(i)] = value
    programmes = list(vocab.TALENT_PROGRAMMES)
    for i in np.flatnonzero(rng.random(n) < mix.talent):
        out["talent_projects"][int(i)] = [{"programme": programmes[int(rng.integers(len(programmes)))],
                                           "year": int(rng.integers(first, last + 1))}]
    industrial = np.flatnonzero((sector == "industry") & (rng.random(n) < mix.tech_upgrade_industry))
    for i in industrial:
        accepted = int(rng.integers(first - 1, last + 1))
        out["tech_upgrade_projects"][int(i)] = [{
            "name": "技术改造项目", "in_catalogue": bool(rng.random() < 0.8), "accepted_year": accepted,
            "new_local_fiscal_revenue_wan": {str(accepted + d): int(rng.integers(10, 300)) for d in range(1, 4)}}]
    for i in np.flatnonzero(rng.random(n) < mix.park_rating):
        out["park_rating"][int(i)] = {"stars": int(rng.integers(1, 6)), "year": int(rng.integers(first, last + 1))}
    tags = list(vocab.INDUSTRY_TAGS)
    for i in np.flatnonzero(rng.random(n) < mix.industry_tags):
        out["industry_tags"][int(i)] = [tags[int(rng.integers(len(tags)))]]
    return out


def write_population(table: pa.Table, path) -> None:
    """Write a generated population as Parquet, CSV (UTF-8) or xlsx, by the file's suffix,
    through a temporary file renamed at the end (nothing half-written)."""
    from .columnar.output import write_table

    write_table(table, path)
