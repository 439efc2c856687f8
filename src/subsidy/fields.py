"""The catalogue of fact fields a rule may test, with their kinds and labels.

Rule files name fields; this catalogue says what each field is (money in 万元, a count,
a ratio, a year, an enumeration, a yes/no) so that thresholds in YAML are parsed with the
right unit, reasons are written in words, and a needs-information answer names the profile
field the user must fill in. The catalogue itself is data (``rules/vocabulary.yaml``); this
module offers it under the names the rest of the library uses. It holds no thresholds.
"""

from __future__ import annotations

from .vocab import VOCABULARY
from .vocabulary import Field, Kind

__all__ = ["BY_SUBJECT", "COMMON", "SUBJECTS", "Field", "Kind", "field", "field_label"]

SUBJECTS: dict[str, tuple[str, str]] = {
    code: (label.zh, label.en) for code, label in VOCABULARY.codes("subjects").items()}
COMMON: dict[str, Field] = VOCABULARY.fields.get("common", {})
BY_SUBJECT: dict[str, dict[str, Field]] = {
    subject: VOCABULARY.fields.get(subject, {}) for subject in SUBJECTS}


def field(subject: str, name: str) -> Field | None:
    """The field `name` of facts of kind `subject`, or None when there is no such field."""
    return VOCABULARY.field(subject, name)


def field_label(subject: str, name: str, lang: str = "zh") -> str:
    spec = field(subject, name)
    if spec is None:
        return name
    return spec.zh if lang == "zh" else spec.en
