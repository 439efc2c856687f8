"""The vocabulary of the rule language, read from the rule files (``rules/vocabulary.yaml``
and the ``vocabulary:`` section any policy file may add).

Why data: the codes a profile may carry (districts, sectors, recognition titles, boards,
carrier kinds, talent programmes, kinds of register entry) and the figures a condition may
test (name, unit, Chinese label, help text) change with every new policy. A new title
(专精特新"小巨人") or a new yearly figure (年度缴税额) is one YAML entry; the profile model, its
JSON Schema, the app's form choices, the claim template, the loading checks and the reasons
all derive from this one description.

This module knows no amount or threshold; it only names things.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NamedTuple

import yaml

DEFAULT_RULES_DIR = Path(__file__).resolve().parents[2] / "rules"

Kind = Literal["money", "count", "ratio", "year", "enum", "bool", "text", "int"]
KINDS: tuple[str, ...] = ("money", "count", "ratio", "year", "enum", "bool", "text", "int")


class Label(NamedTuple):
    """A code's human names: Chinese (the official wording) and English."""

    zh: str
    en: str


@dataclass(frozen=True)
class Field:
    """One testable attribute of a fact."""

    kind: Kind
    zh: str
    en: str
    source: str
    """The profile field a user fills in when this one is missing (for needs-info)."""
    vocabulary: str | None = None
    """For enumerations: the vocabulary its codes come from (checked when rules load)."""
    help: str = ""
    profile: str | None = None
    """For yearly figures: the key under ``years[]`` in the profile."""
    stem: str | None = None
    """For derived yearly fields (previous year, growth): the figure they derive from."""


@dataclass(frozen=True)
class YearlyFigure:
    """A figure of ``years[]`` in the profile and the company-year fact field it becomes."""

    profile: str
    fact: str
    kind: Kind
    zh: str
    en: str
    help: str = ""
    fallback: str | None = None
    """Another figure's fact name that stands in when this one is missing (said in a note)."""


class VocabularyError(ValueError):
    """A vocabulary entry that is refused (names the file and the entry)."""


_LIST_SECTIONS = ("districts", "sectors", "industry_tags", "boards", "recognition_titles",
                  "incubator_kinds", "incubator_levels", "talent_programmes", "park_kinds",
                  "entry_kinds", "subjects")


@dataclass
class Vocabulary:
    """Every code and field the rule files declare, merged over all files of a folder."""

    tables: dict[str, dict[str, Label]] = field(default_factory=dict)
    extra: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    """Per vocabulary and code, the entry's other keys (``zone: true``, ``entry_kind: …``)."""
    yearly: list[YearlyFigure] = field(default_factory=list)
    fields: dict[str, dict[str, Field]] = field(default_factory=dict)
    """Fields by subject; ``"common"`` holds those every fact has."""

    # ------------------------------------------------------------------ building

    @classmethod
    def from_documents(cls, documents: Mapping[str, Any]) -> Vocabulary:
        """Merge the ``vocabulary:`` sections of parsed rule files (path → data)."""
        vocab = cls(tables={name: {} for name in _LIST_SECTIONS})
        for path, data in documents.items():
            section = data.get("vocabulary") if isinstance(data, dict) else None
            if section is None:
                continue
            if not isinstance(section, dict):
                raise VocabularyError(f"{path}: vocabulary 应为映射 / must be a mapping")
            vocab._merge(path, section)
        vocab._derive()
        return vocab

    def _merge(self, path: str, section: dict[str, Any]) -> None:
        for name, items in section.items():
            if name in _LIST_SECTIONS:
                for item in items or []:
                    self._add_code(path, name, item)
            elif name == "yearly_figures":
                for item in items or []:
                    try:
                        figure = YearlyFigure(**item)
                    except TypeError as exc:
                        raise VocabularyError(f"{path}: yearly_figures {item!r}: {exc}") from None
                    if figure.kind not in KINDS:
                        raise VocabularyError(f"{path}: yearly figure {figure.profile}: unknown kind "
                                              f"{figure.kind!r}; expected one of {', '.join(KINDS)}")
                    if any(y.profile == figure.profile or y.fact == figure.fact for y in self.yearly):
                        raise VocabularyError(f"{path}: yearly figure {figure.profile} declared twice")
                    self.yearly.append(figure)
            elif name == "fields":
                for subject, names in (items or {}).items():
                    table = self.fields.setdefault(subject, {})
                    for fname, spec in (names or {}).items():
                        if fname in table:
                            raise VocabularyError(f"{path}: field {subject}.{fname} declared twice")
                        try:
                            table[fname] = Field(**spec)
                        except TypeError as exc:
                            raise VocabularyError(f"{path}: field {subject}.{fname}: {exc}") from None
            else:
                allowed = ", ".join((*_LIST_SECTIONS, "yearly_figures", "fields"))
                raise VocabularyError(f"{path}: vocabulary 中未知的部分 / unknown vocabulary section "
                                      f"{name!r}; allowed: {allowed}")

    def _add_code(self, path: str, name: str, item: Any) -> None:
        if not isinstance(item, dict) or not {"code", "zh", "en"} <= set(item):
            raise VocabularyError(f"{path}: vocabulary.{name}: 每项须有 code、zh、en / each entry needs "
                                  f"code, zh and en: {item!r}")
        code = str(item["code"])
        table = self.tables[name]
        label = Label(str(item["zh"]), str(item["en"]))
        if code in table and table[code] != label:
            raise VocabularyError(f"{path}: vocabulary.{name}: 代码 {code} 已有不同的名称 / code {code} "
                                  "is declared twice with different labels")
        table[code] = label
        others = {k: v for k, v in item.items() if k not in ("code", "zh", "en")}
        if others:
            self.extra.setdefault(name, {})[code] = others

    def _derive(self) -> None:
        """Fields that follow from other entries: yearly figures and their growth, tags."""
        year_fields = self.fields.setdefault("company_year", {})
        for figure in self.yearly:
            year_fields[figure.fact] = Field(figure.kind, figure.zh, figure.en,
                                             f"years[].{figure.profile}", help=figure.help,
                                             profile=figure.profile)
            if figure.kind == "money" and figure.fact.endswith("_wan"):
                stem = figure.fact.removesuffix("_wan")
                year_fields[f"{stem}_prev_wan"] = Field(
                    "money", f"上一年{figure.zh}", f"previous year's {figure.en}",
                    f"years[].{figure.profile}（上一年 / previous year）", stem=figure.fact)
                year_fields[f"{stem}_growth"] = Field(
                    "ratio", f"{figure.zh}增幅", f"growth of {figure.en}",
                    f"years[].{figure.profile}（上一年 / previous year）", stem=figure.fact)
        company = self.fields.setdefault("company", {})
        for code, label in self.tables["industry_tags"].items():
            company[f"tag_{code}"] = Field("bool", f"{label.zh}产业", f"{label.en} industry",
                                           "industry_tags")
        for code, label in self.tables["recognition_titles"].items():
            company[f"has_{code}"] = Field("bool", f"已获{label.zh}称号", f"holds the title {label.en}",
                                           "recognitions[].title")
        for subject in self.tables["subjects"]:
            self.fields.setdefault(subject, {})

    # ------------------------------------------------------------------ questions

    def codes(self, name: str) -> dict[str, Label]:
        return self.tables.get(name, {})

    def field(self, subject: str, name: str) -> Field | None:
        """The field ``name`` of facts of kind ``subject``; ``name@k`` is a company-year field
        read ``k`` years after the fact's year (e.g. ``revenue_growth@1``, "入库次年")."""
        base, at, offset = name.partition("@")
        if at:
            if not _is_offset(offset):
                return None
            spec = self.fields.get("company_year", {}).get(base)
            if spec is None:
                return None
            return Field(spec.kind, spec.zh, spec.en, spec.source, spec.vocabulary, spec.help,
                         spec.profile, spec.stem)
        return self.fields.get(subject, {}).get(name) or self.fields.get("common", {}).get(name)

    def field_names(self, subject: str) -> list[str]:
        return sorted({*self.fields.get(subject, {}), *self.fields.get("common", {})})

    def subject_label(self, subject: str) -> Label:
        return self.tables["subjects"].get(subject, Label(subject, subject))


def _is_offset(text: str) -> bool:
    return text.lstrip("+-").isdigit()


# ---------------------------------------------------------------------- reading files

_TEXT_CACHE: dict[tuple[str, int, int], Any] = {}


def read_yaml(path: Path) -> Any:
    """A rule file parsed with the C loader, cached by path, size and modification time."""
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _TEXT_CACHE:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        _TEXT_CACHE[key] = yaml.load(path.read_bytes(), Loader=loader)  # noqa: S506 — safe loader
    return _TEXT_CACHE[key]


def load_vocabulary(directory: str | Path | None = None) -> Vocabulary:
    """The vocabulary of every ``*.yaml`` in ``directory`` (default: the project's rules/)."""
    folder = Path(directory) if directory else DEFAULT_RULES_DIR
    docs = {p.name: read_yaml(p) for p in sorted(folder.glob("*.yaml"))}
    return Vocabulary.from_documents(docs)


def suggest(value: str, allowed: Iterable[str]) -> str:
    """ "did you mean" for a misspelt name, or an empty string."""
    import difflib

    close = difflib.get_close_matches(str(value), [str(a) for a in allowed], n=1, cutoff=0.6)
    return close[0] if close else ""
