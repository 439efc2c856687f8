"""Texts about a report that every face shows the same way: what to provide, in words, and a
company name cut to a length a page title or a file name can hold.

Why here and not in each page: the self-check page, the printable report and the workbook
all list the information a company still has to give. A clerk must read "请补充2018年的区级
财政贡献（用于计算2019年增幅）", not a field path; the path stays in the JSON findings only.
The evaluation may word it itself (``Finding.missing_text``); otherwise the words are built
here from the field's label and the year of the finding.
"""

from __future__ import annotations

import re
import unicodedata

from .findings import Finding
from .profile import field_label

_DETAILS = re.compile(r"（([^（）]*)）")
_PREVIOUS_YEAR = ("上一年", "previous year")


def _given_words(finding: Finding, lang: str) -> list[str]:
    """The evaluation's own words for what is missing, when it gives them."""
    name = "missing_text_en" if lang == "en" else "missing_text"
    words = getattr(finding, name, None) or (getattr(finding, "missing_text", None) if lang != "en" else None)
    if not words:
        return []
    return [words] if isinstance(words, str) else [w for w in words if w]


def missing_words(finding: Finding, lang: str = "zh") -> list[str]:
    """Each item ``finding`` needs, as a sentence a clerk can act on (no field codes)."""
    given = _given_words(finding, lang)
    if given:
        return given
    out: list[str] = []
    for item in finding.missing:
        path = item.split("（", 1)[0].strip()
        details = _DETAILS.findall(item)
        label = field_label(path, lang)
        if label == path:  # a field without a label: say what it is about, not its code
            label = "相关数据" if lang != "en" else "the related figure"
        previous = any(any(p in d for p in _PREVIOUS_YEAR) for d in details)
        purpose = [d for d in details if d != label and not any(p in d for p in _PREVIOUS_YEAR)]
        year = finding.year
        if lang == "en":
            text = f"Please provide the {label}"
            if previous and year:
                text += f" for {year - 1}"
            if purpose and previous and year:
                text += f" (to work out the change in {year})"
        else:
            text = "请补充" + (f"{year - 1}年的" if previous and year else "") + label
            if purpose:
                text += f"（用于计算{year}年{'；'.join(purpose)}）" if previous and year else f"（{'；'.join(purpose)}）"
        out.append(text)
    return out


def short_name(name: str, limit: int = 100) -> str:
    """A name cut to ``limit`` characters with "…" (for titles; the full name stays in the
    report and its exports). 100 is the profile's own limit for a name: a valid name is shown
    whole; anything longer that reaches a title is cut."""
    name = " ".join(name.split())
    return name if len(name) <= limit else name[: limit - 1] + "…"


_UNSAFE_FILE_CHARS = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                     *(f"LPT{i}" for i in range(1, 10))}
MAX_STEM_CHARS = 40
MAX_STEM_BYTES = 120


def file_stem(name: str, fallback: str = "report") -> str:
    """A download's file name (without extension) built from a company name.

    Safe on every desktop system: no path or control characters, no leading dot, not a
    reserved device name, and short — at most 40 characters and 120 bytes of UTF-8 (file
    systems refuse names over 255 bytes; a 482-character company name once made a 1,451-byte
    name the browser could not save).
    """
    text = unicodedata.normalize("NFKC", name)
    text = _UNSAFE_FILE_CHARS.sub("_", text)
    text = re.sub(r"\s+", "_", text)
    text = re.sub(r"_+", "_", text).strip("._ ")
    cut = text[:MAX_STEM_CHARS]
    while len(cut.encode("utf-8")) > MAX_STEM_BYTES:
        cut = cut[:-1]
    cut = cut.rstrip("._ ")
    if not cut or cut.split(".")[0].upper() in _WINDOWS_RESERVED:
        return fallback if not cut else f"{fallback}_{cut}"
    return cut
