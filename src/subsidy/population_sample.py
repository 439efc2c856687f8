"""A realistic population of Wuhan enterprises, generated quickly (vectorised with NumPy).

Used by ``subsidy sample``, the benchmarks and the 政策测算 page when no register is at hand.
Every assumption about the population is in :class:`Mix` — one place, each with its reason;
none of them is an award amount or a threshold (those live in ``rules/``). The codes
(districts, sectors, titles, boards, kinds) come from the vocabulary, so a title added to
``rules/`` appears in the sample without a change here.

The columns are the population layout of :mod:`subsidy.population` (text cells, blank =
missing), and every generated row passes its validation (a test checks it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import vocab
from .population import COLUMNS, JSON_FIELDS
from .profile import CREDIT_CODE_CHARSET, CREDIT_CODE_WEIGHTS


def _weights(**weights: float) -> dict[str, float]:
    return dict(weights)


@dataclass(frozen=True)
class Mix:
    """What the generated population looks like. Rates are per company unless said otherwise."""

    districts: dict[str, float] = field(default_factory=lambda: {
        "洪山区": 12, "东湖高新区": 12, "武昌区": 9, "江汉区": 8, "江岸区": 8, "硚口区": 6,
        "汉阳区": 6, "武汉经开区": 6, "东西湖区": 6, "江夏区": 5, "黄陂区": 5, "蔡甸区": 4,
        "新洲区": 3, "青山区": 3, "临空港经开区": 2, "长江新区": 2, "汉南区": 1, "outside_wuhan": 2})
    """Weights roughly following registered enterprises per district: the central districts and
    the development zones hold most; a few are registered outside Wuhan but appear in a city
    register (city and district rules are then not applicable)."""
    sectors: dict[str, float] = field(default_factory=lambda: {
        "services": 30, "wholesale": 15, "retail": 13, "industry": 12, "construction": 8,
        "catering": 5, "real_estate": 4, "accommodation": 3, "other": 10})
    """Services and trade dominate; industry is about one in eight."""
    revenue_median_wan: float = 600.0
    """Median operating revenue (600 万元 = 6 million yuan) …"""
    revenue_sigma: float = 2.2
    """… log-normal, so a long tail reaches hundreds of billions of yuan."""
    revenue_cap_wan: float = 5e7
    """No company above 5,000 亿元 (the largest in Wuhan are below)."""
    growth_mu: float = 0.06
    """Yearly growth factor: log-normal around +6 % …"""
    growth_sigma: float = 0.25
    """… with a spread that makes some companies cross a milestone and some fall back."""
    main_share: tuple[float, float] = (0.85, 1.0)
    """Main business revenue as a share of revenue (uniform in this range)."""
    main_missing: float = 0.33
    """Share of companies that do not report main business revenue (revenue stands in)."""
    contribution_share_median: float = 0.015
    """District fiscal contribution as a share of revenue: log-normal around 1.5 % …"""
    contribution_sigma: float = 0.6
    contribution_missing: float = 0.08
    """… missing for this share of company-years …"""
    contribution_zero: float = 0.03
    """… and zero for this share (a loss-making year: growth from zero needs information)."""
    tax_share_median: float = 0.05
    """Taxes paid as a share of revenue: log-normal around 5 %."""
    tax_missing: float = 0.4
    """Share of companies whose taxes paid are not in the register (a newer figure)."""
    revenue_missing: float = 0.02
    """Share of company-years with no revenue figure."""
    prior_peak_given: float = 0.85
    """Share of companies that declare their prior peak (else "first reaching" needs information)."""
    scale_entry: float = 0.06
    """Share of companies with a register entry (入库纳统) in or just before the years."""
    scale_entry_legacy: float = 0.5
    """Of those, the share given in the older single form ``scale_entry_year``."""
    second_entry: float = 0.1
    """Of those, the share with a second entry of another kind (an industrial firm's trade arm)."""
    services_rank_published: float = 0.9
    """Share of services companies in the register whose city revenue rank is published."""
    recognition: float = 0.04
    """Share with recognitions (one to three, any title of the vocabulary)."""
    listing: float = 0.004
    incubator: float = 0.003
    talent: float = 0.005
    """Share with talent projects (one or two, each with its leader)."""
    talent_leader_missing: float = 0.1
    """Of the projects, the share whose leader is not given (per-person awards need information)."""
    tech_upgrade_industry: float = 0.08
    """Share of industrial companies with technology-upgrade projects."""
    park_rating: float = 0.001
    industry_tags: float = 0.1
    """Share that state their priority industries."""


MIX = Mix()


def _credit_codes(rng: np.random.Generator, n: int) -> np.ndarray:
    """Valid, distinct 18-character codes (GB 32100-2015 check character), vectorised."""
    chars = np.array(list(CREDIT_CODE_CHARSET))
    body = np.empty((n, 17), dtype=np.int64)
    body[:, :8] = [9, 1, 4, 2, 0, 1, 0, 0]  # enterprise, market regulator, an area of Wuhan
    # distinct serials for up to 31^6 companies: a stride not divisible by 31 from a random start
    serial = (int(rng.integers(31 ** 6)) + np.arange(n, dtype=np.int64) * 7919) % 31 ** 6
    body[:, 8] = rng.integers(0, 31, n)
    for k in range(9, 17):  # the serial in base 31: distinct codes
        body[:, k] = serial % 31
        serial = serial // 31
    check = (31 - (body @ np.array(CREDIT_CODE_WEIGHTS)) % 31) % 31
    codes = chars[np.concatenate([body, check[:, None]], axis=1)]
    return codes.view("<U18").ravel()


def _choice(rng: np.random.Generator, weights: dict[str, float], n: int) -> np.ndarray:
    keys = np.array(list(weights))
    p = np.array(list(weights.values()), dtype=float)
    return keys[rng.choice(len(keys), size=n, p=p / p.sum())]


def _money_text(values: np.ndarray, missing: np.ndarray) -> pa.Array:
    """Money to two decimals as exact text (a blank where missing), through Arrow's casts."""
    cents = np.round(np.asarray(values, dtype=float) * 100).astype(np.int64)
    whole = pc.cast(pa.array(cents // 100), pa.string())
    frac = pc.utf8_lpad(pc.cast(pa.array(cents % 100), pa.string()), 2, "0")
    text = pc.binary_join_element_wise(whole, frac, ".")
    return pc.if_else(pa.array(missing), pa.nulls(len(cents), pa.string()), text)


def _int_text(values: np.ndarray, missing: np.ndarray) -> pa.Array:
    text = pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string())
    return pc.if_else(pa.array(missing), pa.nulls(len(text), pa.string()), text)


def sample_population(n: int, seed: int = 20261202, first_year: int = 2019, years: int = 3,
                      mix: Mix = MIX) -> pa.Table:
    """``n`` companies × ``years`` rows in the population layout (text columns)."""
    rng = np.random.default_rng(seed)
    district = _choice(rng, mix.districts, n)
    sector = _choice(rng, mix.sectors, n)
    codes = _credit_codes(rng, n)
    base = np.minimum(np.exp(np.log(mix.revenue_median_wan) + mix.revenue_sigma * rng.standard_normal(n)),
                      mix.revenue_cap_wan)
    growth = np.exp(mix.growth_mu + mix.growth_sigma * rng.standard_normal((n, years)))
    revenue = np.minimum(base[:, None] * np.cumprod(growth, axis=1), mix.revenue_cap_wan)
    main = revenue * rng.uniform(*mix.main_share, size=(n, years))
    share = np.exp(np.log(mix.contribution_share_median) + mix.contribution_sigma * rng.standard_normal((n, years)))
    contribution = revenue * share
    contribution[rng.random((n, years)) < mix.contribution_zero] = 0
    tax = revenue * np.exp(np.log(mix.tax_share_median) + 0.5 * rng.standard_normal((n, years)))
    peak = base / np.exp(mix.growth_mu + mix.growth_sigma * rng.standard_normal(n)) * rng.uniform(0.7, 1.1, n)
    peak_missing = rng.random(n) > mix.prior_peak_given

    rows = n * years
    year = np.tile(np.arange(first_year, first_year + years), n)
    rep = np.repeat(np.arange(n), years)
    entries = _entries(rng, n, sector, first_year, years, mix)
    legacy = entries["legacy"]
    rank = _services_rank(rng, sector, revenue, entries["services"], mix)
    names = pc.binary_join_element_wise(pa.scalar("样本企业"), pc.utf8_lpad(
        pc.cast(pa.array(np.arange(n)), pa.string()), 7, "0"), "")
    columns: dict[str, pa.Array] = {
        "name": pc.take(names, pa.array(rep)), "district": pa.array(district[rep]),
        "sector": pa.array(sector[rep]), "year": pc.cast(pa.array(year), pa.string()),
        "credit_code": pa.array(codes[rep]),
        "revenue_wan": _money_text(revenue.ravel(), rng.random(rows) < mix.revenue_missing),
        "main_business_revenue_wan": _money_text(main.ravel(), np.repeat(rng.random(n) < mix.main_missing, years)),
        "district_fiscal_contribution_wan": _money_text(contribution.ravel(),
                                                        rng.random(rows) < mix.contribution_missing),
        "tax_paid_wan": _money_text(tax.ravel(), np.repeat(rng.random(n) < mix.tax_missing, years)),
        "city_services_revenue_rank": _int_text(rank.ravel(), rank.ravel() <= 0),
        "scale_entry_year": _int_text(legacy[rep], legacy[rep] <= 0),
        "prior_peak_revenue_wan": _money_text(peak[rep], peak_missing[rep]),
        "prior_peak_main_revenue_wan": pa.nulls(rows, pa.string()),
    }
    cells = _events(rng, n, sector, first_year, years, mix)
    cells["scale_entries"] = entries["lists"]
    for name in JSON_FIELDS:
        texts = np.full(n, None, dtype=object)
        for i, value in cells.get(name, {}).items():
            texts[i] = json.dumps(value, ensure_ascii=False)
        columns[name] = pa.array(texts[rep], pa.string())
    missing = [c for c in COLUMNS if c not in columns]
    assert not missing, f"the sample does not fill {missing}: add it to population_sample"
    return pa.table({c: columns[c] for c in COLUMNS})


def _entries(rng: np.random.Generator, n: int, sector: np.ndarray, first: int, years: int,
             mix: Mix) -> dict[str, object]:
    """Register entries: some in the single legacy form, others as ``scale_entries`` lists of
    one or two kinds. Returns the legacy years (0 = none), the lists by company, and which
    companies are in the services register (their rank may be published)."""
    has = rng.random(n) < mix.scale_entry
    when = rng.integers(first - 2, first + years, n)
    legacy_form = has & (rng.random(n) < mix.scale_entry_legacy)
    own_kind = np.array([vocab.SECTOR_ENTRY_KIND.get(s, "") for s in vocab.SECTORS])
    sector_index = {s: i for i, s in enumerate(vocab.SECTORS)}
    kinds = own_kind[np.array([sector_index[s] for s in sector])] if n else np.array([], dtype=str)
    legacy = np.where(legacy_form & (kinds != ""), when, 0)
    all_kinds = list(vocab.ENTRY_KINDS)
    lists: dict[int, object] = {}
    for i in np.flatnonzero(has & ~(legacy > 0)):
        own = str(kinds[i]) or all_kinds[int(rng.integers(len(all_kinds)))]
        items = [{"kind": own, "year": int(when[i])}]
        if rng.random() < mix.second_entry:
            other = all_kinds[int(rng.integers(len(all_kinds)))]
            if other != own:
                items.append({"kind": other, "year": int(rng.integers(first - 2, first + years))})
        lists[int(i)] = items
    services = (legacy > 0) & (kinds == "services")
    for i, items in lists.items():
        if any(e["kind"] == "services" for e in items):  # type: ignore[index, union-attr]
            services[i] = True
    return {"legacy": legacy, "lists": lists, "services": services}


def _services_rank(rng: np.random.Generator, sector: np.ndarray, revenue: np.ndarray, services: np.ndarray,
                   mix: Mix) -> np.ndarray:
    """Each year's rank by revenue among the services companies in the register (1 = first),
    published for most of them; 0 where there is none."""
    rank = np.zeros_like(revenue, dtype=np.int64)
    members = np.flatnonzero(services)
    for k in range(revenue.shape[1]):
        order = members[np.argsort(-revenue[members, k], kind="stable")]
        rank[order, k] = np.arange(1, len(order) + 1)
    rank[rng.random(rank.shape) > mix.services_rank_published] = 0
    return rank


def _events(rng: np.random.Generator, n: int, sector: np.ndarray, first: int, years: int,
            mix: Mix) -> dict[str, dict[int, object]]:
    """The companies' events as JSON values, for the few companies that have them."""
    out: dict[str, dict[int, object]] = {k: {} for k in JSON_FIELDS}
    last = first + years - 1
    titles = list(vocab.RECOGNITION_TITLES)
    for i in np.flatnonzero(rng.random(n) < mix.recognition):
        drawn = {(titles[int(rng.integers(len(titles)))], int(rng.integers(first, last + 1)))
                 for _ in range(int(rng.integers(1, 4)))}
        out["recognitions"][int(i)] = [{"title": t, "year": y} for t, y in sorted(drawn)]
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
        projects = []
        for k in range(int(rng.integers(1, 3))):
            project = {"programme": programmes[int(rng.integers(len(programmes)))],
                       "year": int(rng.integers(first, last + 1)), "name": f"人才项目{k + 1}"}
            if rng.random() >= mix.talent_leader_missing:
                project["leader"] = f"负责人{int(i)}-{int(rng.integers(1, 3))}"
            projects.append(project)
        out["talent_projects"][int(i)] = projects
    for i in np.flatnonzero((sector == "industry") & (rng.random(n) < mix.tech_upgrade_industry)):
        projects = []
        for k in range(int(rng.integers(1, 3))):
            accepted = int(rng.integers(first - 1, last + 1))
            projects.append({
                "name": f"技术改造项目{k + 1}", "in_catalogue": bool(rng.random() < 0.8), "accepted_year": accepted,
                "completed": True,
                "new_local_fiscal_revenue_wan": {str(accepted + d): int(rng.integers(10, 300)) for d in range(1, 4)}})
        out["tech_upgrade_projects"][int(i)] = projects
    park_kinds = list(vocab.PARK_KINDS)
    for i in np.flatnonzero(rng.random(n) < mix.park_rating):
        rating: dict = {"stars": int(rng.integers(1, 6)), "year": int(rng.integers(first, last + 1))}
        if park_kinds and rng.random() < 0.8:
            rating["park_kind"] = park_kinds[int(rng.integers(len(park_kinds)))]
        out["park_rating"][int(i)] = rating
    tags = list(vocab.INDUSTRY_TAGS)
    for i in np.flatnonzero(rng.random(n) < mix.industry_tags):
        picked = sorted({tags[int(rng.integers(len(tags)))] for _ in range(int(rng.integers(0, 3)))})
        out["industry_tags"][int(i)] = picked
    return out


def write_population(table: pa.Table, path: object) -> None:
    """Write a generated population as Parquet, CSV (UTF-8) or xlsx, by the file's suffix,
    through a temporary file renamed at the end (nothing half-written)."""
    from .columnar.output import write_table

    write_table(table, path)  # type: ignore[arg-type]
