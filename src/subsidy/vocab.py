"""Controlled vocabularies: the codes the profile contract and the findings use, with labels.

Codes are what data carries (stable, language-free, in the contract); labels are what
people read. The codes of the policy world (districts, sectors, titles, boards, carrier
kinds, programmes, kinds of register entry) are data: they are declared in the rule files
(``rules/vocabulary.yaml`` and a policy file's own ``vocabulary:`` section) and read here
once, so the profile validator, the rules, the CLI and the UI cannot drift apart on spelling.
Only the product's own terms (statuses, kinds of amount) are kept in this module.

Districts are the exception to "codes are language-free": their code *is* the Chinese
name, because that is how a district's own registers, exports and officials write them.

Deliberately nothing here is an amount or a threshold: those belong to the rule files.
"""

from __future__ import annotations

from .vocabulary import Label, load_vocabulary

VOCABULARY = load_vocabulary()
"""The vocabulary of the project's rules/ folder."""

OUTSIDE_WUHAN = next(code for code, extra in VOCABULARY.extra.get("districts", {}).items()
                     if extra.get("outside"))
"""District code for a company outside Wuhan: city and district rules are not applicable."""

DISTRICTS: dict[str, Label] = VOCABULARY.codes("districts")
"""The 13 districts and 4 functional zones of Wuhan (CONTRACT.md), plus ``outside_wuhan``."""
ZONES: frozenset[str] = frozenset(code for code, extra in VOCABULARY.extra.get("districts", {}).items()
                                  if extra.get("zone"))
"""Functional zones (开发区、新区), which count as Wuhan for city rules."""
SECTORS: dict[str, Label] = VOCABULARY.codes("sectors")
INDUSTRY_TAGS: dict[str, Label] = VOCABULARY.codes("industry_tags")
"""The city's five priority industries (seed 004)."""
BOARDS: dict[str, Label] = VOCABULARY.codes("boards")
RECOGNITION_TITLES: dict[str, Label] = VOCABULARY.codes("recognition_titles")
INCUBATOR_KINDS: dict[str, Label] = VOCABULARY.codes("incubator_kinds")
INCUBATOR_LEVELS: dict[str, Label] = VOCABULARY.codes("incubator_levels")
TALENT_PROGRAMMES: dict[str, Label] = VOCABULARY.codes("talent_programmes")
"""Known programmes. A profile may name others ("等" in the clause); a rule file decides
whether an official accepts them as equivalent."""
PARK_KINDS: dict[str, Label] = VOCABULARY.codes("park_kinds")
"""The "新两园" (two new kinds of park) rated by stars under wuhan-2018-wqb 四(四)."""
ENTRY_KINDS: dict[str, Label] = VOCABULARY.codes("entry_kinds")
"""Kinds of statistical register entry (规上工业, 限上批发, 规上服务业 ...)."""
SECTOR_ENTRY_KIND: dict[str, str] = {
    code: extra["entry_kind"] for code, extra in VOCABULARY.extra.get("sectors", {}).items()
    if extra.get("entry_kind")}
"""Which register a sector's company enters when only ``scale_entry_year`` is given."""

STATUSES: dict[str, Label] = {
    "eligible": Label("可获得", "Eligible"),
    "not_eligible": Label("不符合", "Not eligible"),
    "needs_info": Label("需补充信息", "Needs information"),
    "not_applicable": Label("不适用", "Not applicable"),
}

AMOUNT_KINDS: dict[str, Label] = {
    "fixed": Label("定额", "Fixed amount"),
    "per_unit": Label("按数量", "Per unit"),
    "pass_through": Label("返还新增财力", "Pass-through of new local fiscal revenue"),
    "case_by_case": Label("一事一议/差异化", "Case by case / differentiated"),
    "none": Label("非资金支持", "Non-monetary support"),
    "minimum": Label("不低于（配套）", "At least (matching support)"),
}

VOCABULARIES: dict[str, dict[str, Label]] = {
    "districts": DISTRICTS,
    "sectors": SECTORS,
    "industry_tags": INDUSTRY_TAGS,
    "boards": BOARDS,
    "recognition_titles": RECOGNITION_TITLES,
    "incubator_kinds": INCUBATOR_KINDS,
    "incubator_levels": INCUBATOR_LEVELS,
    "talent_programmes": TALENT_PROGRAMMES,
    "park_kinds": PARK_KINDS,
    "entry_kinds": ENTRY_KINDS,
    "statuses": STATUSES,
    "amount_kinds": AMOUNT_KINDS,
}
"""Every vocabulary by name, for faces that list them (UI drop-downs, ``subsidy vocab``)."""

BY_FIELD: dict[str, dict[str, Label]] = {
    "district": DISTRICTS,
    "sector": SECTORS,
    "industry_tags": INDUSTRY_TAGS,
    "board": BOARDS,
    "title": RECOGNITION_TITLES,
    "kind": INCUBATOR_KINDS,
    "level": INCUBATOR_LEVELS,
    "park_kind": PARK_KINDS,
    "entry_kind": ENTRY_KINDS,
    "programme": TALENT_PROGRAMMES,
}
"""The vocabulary an enumerated profile or fact field takes its codes from, by field name:
one table for validation messages, form selects and reason texts."""


def label(vocab: dict[str, Label], code: str, lang: str = "zh") -> str:
    """The label of ``code`` in ``lang`` ("zh" or "en"); the code itself when unknown.

    Falling back to the code (rather than raising) keeps a report readable when it shows a
    value the vocabulary does not know, e.g. a talent programme an official added.
    """
    entry = vocab.get(code)
    if entry is None:
        return code
    return entry.en if lang.lower().startswith("en") else entry.zh
