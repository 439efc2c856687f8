"""``假如`` / ``而且`` steps whose words come from the rule files' vocabulary.

A new yearly figure (年度缴税额) or a new kind of register entry is declared in
``rules/vocabulary.yaml`` (or a policy file's ``vocabulary:``); these steps read the labels
from there, so a scenario can use it with no change here.
"""

from __future__ import annotations

from pytest_bdd import given

from steps.support import Case, ScenarioError, code_of, money, pattern
from subsidy import vocab


def _figure(label: str):
    wanted = label.strip().strip("\"“”")
    for figure in vocab.VOCABULARY.yearly:
        if wanted in (figure.zh, figure.profile, figure.fact):
            return figure
    known = "、".join(f.zh for f in vocab.VOCABULARY.yearly)
    raise ScenarioError(f"不认识的年度指标“{label}”；可用：{known} / unknown yearly figure {label!r}")


@given(pattern("{year}年的«label»为«value»"))
def yearly_figure(case: Case, year: str, label: str, value: str) -> None:
    """而且 2023年的"年度缴税额"为"500万元" — 词表中的任一年度指标（金额写万元/亿元，名次写数字）。"""
    figure = _figure(label)
    entry = case.year(int(year))
    if figure.kind == "money":
        entry[figure.profile] = money(value)
    else:
        text = value.strip().removeprefix("第").removesuffix("名")
        if not text.isdigit():
            raise ScenarioError(f"“{label}”应为整数，写的是“{value}” / {label} must be a whole number")
        entry[figure.profile] = int(text)


@given(pattern("{year}年的«label»未填写"))
def yearly_figure_missing(case: Case, year: str, label: str) -> None:
    """而且 2023年的"年度缴税额"未填写。"""
    case.year(int(year)).pop(_figure(label).profile, None)


@given(pattern("该企业于{year}年首次纳入«kind»(?:统计)?"))
def register_entry(case: Case, year: str, kind: str) -> None:
    """而且 该企业于2022年首次纳入"规上工业"（"限上批发"、"规上服务业"……，见词表 entry_kinds）。"""
    code = code_of(vocab.ENTRY_KINDS, kind, "入库种类")
    case.profile.setdefault("scale_entries", []).append({"kind": code, "year": int(year)})
