"""What the steps share: the scenario state, label look-ups, step patterns, failure messages.

Why labels: an official writes ``"批发"``, ``"科创板"``, ``"可获得"``, not the codes the
profile contract uses; :mod:`subsidy.vocab` is the single place both are kept, so the steps
look labels up there (plus a few everyday aliases such as ``"主板"``) and never keep their own
copy of a vocabulary. Tiers and readings are named as the rule files name them (a tier's
``title``, an interpretation's ``title`` and a reading's ``label``), resolved through the loaded
rule set of :func:`rules_dir`; missing data is named in words and matched against what the
finding says it lacks. Codes stay accepted for maintainers; the feature files do not use them.

Why the failure messages list findings: when a scenario fails, the maintainer needs to see
what the calculator did answer (rule, year, status, amount, tier, reasons), not a bare
``assert False``.

Nothing here knows an amount or a threshold: those are in the feature files (as expected
results) and in ``rules/`` (as the rules).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from pytest_bdd import parsers

from subsidy import vocab
from subsidy.evaluate import default_rules
from subsidy.findings import Finding, Report
from subsidy.money import MoneyError, format_wan, parse_money
from subsidy.ruleset import DEFAULT_RULES_DIR, RuleFileError, RuleSet


class ScenarioError(AssertionError):
    """A step could not be carried out or its check failed; the message says why."""


# --------------------------------------------------------------------------------------------
# The rule folder the scenarios run against
# --------------------------------------------------------------------------------------------

RULES_DIR_ENV = "SUBSIDY_RULES_DIR"
"""Environment variable naming the rule folder the scenarios use (default: the project's
``rules/``), so that a test can run every scenario against a modified copy of the rules."""


def rules_dir() -> Path:
    """The rule folder in force: ``$SUBSIDY_RULES_DIR`` when set, else the project's ``rules/``."""
    chosen = os.environ.get(RULES_DIR_ENV, "").strip()
    return Path(chosen) if chosen else DEFAULT_RULES_DIR


def ruleset() -> RuleSet:
    """The rule set of :func:`rules_dir` (loaded once per folder); a bad folder fails the step."""
    folder = rules_dir()
    try:
        return default_rules(folder)
    except RuleFileError as exc:
        raise ScenarioError(f"规则目录 {folder} 无法加载 / the rule folder does not load:\n{exc}") from None


REACHED: set[str] = set()
"""Rule ids for which a result check of this run found, and accepted, a finding.

The clause coverage test runs the scenarios in a subprocess and reads this set (written to
the file named by ``$SUBSIDY_REACHED_FILE`` when the session ends, see ``tests/conftest.py``):
a rule counts as covered only when a scenario reached a result for it, not when one merely
names it."""

# --------------------------------------------------------------------------------------------
# Step patterns
# --------------------------------------------------------------------------------------------

QUOTED = r'\s*["“](?P<{name}>[^"“”]*)["”]\s*'
"""A quoted value: ASCII "…" or full-width “…” (either opening with either closing)."""

_TOKEN = re.compile(r"«(\w+)»|\{(year|count)\}| ")


def pattern(template: str) -> parsers.re:
    """A step pattern from a readable template.

    ``«name»`` is a quoted value (ASCII or full-width quotes), ``{year}`` four digits,
    ``{count}`` a whole number with or without quotes, a space any (or no) blank; the rest is
    a regular expression. The whole step text must match.
    """

    def replace(match: re.Match[str]) -> str:
        if match.group(1):
            return QUOTED.format(name=match.group(1))
        if match.group(2) == "year":
            return r"\s*(?P<year>\d{4})\s*"
        if match.group(2) == "count":
            return r'\s*["“]?(?P<count>\d+)["”]?\s*'
        return r"\s*"

    return parsers.re(_TOKEN.sub(replace, template))


QUOTED_ITEM = r'\s*["“]([^"“”]*)["”]\s*'
"""The same quoted value without a group name, for lists inside one step."""


# --------------------------------------------------------------------------------------------
# Labels → codes
# --------------------------------------------------------------------------------------------

_QUOTE_CHARS = str.maketrans("", "", "\"'“”‘’「」 ")


def norm(text: str) -> str:
    return text.translate(_QUOTE_CHARS).casefold()


BOARD_ALIASES = {
    "主板": "domestic_main",
    "上交所主板": "domestic_main",
    "深交所主板": "domestic_main",
    "境内外主板": "domestic_main",
    "香港联交所主板": "overseas_main",
    "港交所主板": "overseas_main",
    "新三板挂牌": "neeq",
    "北京证券交易所": "bse",
}
SECTOR_ALIASES = {"服务": "services", "批发业": "wholesale", "零售业": "retail", "住宿业": "accommodation",
                  "餐饮业": "catering", "工业企业": "industry"}
DISTRICT_ALIASES = {"武汉市以外": vocab.OUTSIDE_WUHAN, "外地": vocab.OUTSIDE_WUHAN}
KIND_ALIASES = {"孵化器": "incubator"}
TAG_ALIASES = {"汽车": "automotive", "汽车及零部件": "automotive", "光电子": "optoelectronics"}
STATUS_ALIASES = {"符合": "eligible", "需补充": "needs_info", "需要补充信息": "needs_info"}
AMOUNT_KIND_ALIASES = {"一事一议": "case_by_case", "差异化": "case_by_case", "非资金": "none"}


def _title_aliases() -> dict[str, str]:
    """Titles as people say them: without "全国制造业" or a trailing "企业"/"入库企业"."""
    out: dict[str, str] = {}
    for code, lab in vocab.RECOGNITION_TITLES.items():
        zh = lab.zh.translate(_QUOTE_CHARS)
        for variant in (zh, zh.removeprefix("全国制造业")):
            out[variant] = code
            for tail in ("入库企业", "企业"):
                if variant.endswith(tail) and len(variant) > len(tail) + 1:
                    out[variant[: -len(tail)]] = code
    return out


TITLE_ALIASES = _title_aliases()


def code_of(table: dict[str, vocab.Label], text: str, what: str,
            aliases: dict[str, str] | None = None) -> str:
    """The code of a label (Chinese or English), of a code itself, or of an alias; else fail
    with the accepted labels listed."""
    wanted = norm(text)
    for code, lab in table.items():
        if wanted in (norm(code), norm(lab.zh), norm(lab.en)):
            return code
    for alias, code in (aliases or {}).items():
        if wanted == norm(alias):
            return code
    known = "、".join(lab.zh for lab in table.values())
    raise ScenarioError(f"不认识的{what}“{text}”；可用：{known} / unknown {what} {text!r}")


def district_code(text: str) -> str:
    return code_of(vocab.DISTRICTS, text, "所在区", DISTRICT_ALIASES)


def sector_code(text: str) -> str:
    return code_of(vocab.SECTORS, text, "行业", SECTOR_ALIASES)


def board_code(text: str) -> str:
    return code_of(vocab.BOARDS, text, "上市板块", BOARD_ALIASES)


def title_code(text: str) -> str:
    return code_of(vocab.RECOGNITION_TITLES, text, "称号", TITLE_ALIASES)


def incubator_kind_code(text: str) -> str:
    return code_of(vocab.INCUBATOR_KINDS, text, "载体类型", KIND_ALIASES)


def incubator_level_code(text: str) -> str:
    return code_of(vocab.INCUBATOR_LEVELS, text, "认定级别")


def park_kind_code(text: str) -> str:
    return code_of(vocab.PARK_KINDS, text, "园区类型")


def industry_tag_code(text: str) -> str:
    return code_of(vocab.INDUSTRY_TAGS, text, "重点产业", TAG_ALIASES)


def status_code(text: str) -> str:
    return code_of(vocab.STATUSES, text, "结果", STATUS_ALIASES)


def amount_kind_code(text: str) -> str:
    return code_of(vocab.AMOUNT_KINDS, text, "金额类型", AMOUNT_KIND_ALIASES)


def programme_code(text: str) -> str:
    """A known programme's code; any other name passes through (an official may add one)."""
    try:
        return code_of(vocab.TALENT_PROGRAMMES, text, "人才计划")
    except ScenarioError:
        return text.strip()


# --------------------------------------------------------------------------------------------
# Rule-set labels → ids: readings, tiers, missing data
# --------------------------------------------------------------------------------------------

READING_WORDS = {
    "default": ("默认", "默认解释"),
    "alternative": ("备选", "备选解释", "替代", "替代解释", "另一种解释"),
}
"""Words a maintainer may write instead of a reading's label (scenarios use the labels)."""


def readings_of(interp: Any) -> dict[str, Any]:
    """An interpretation's readings, keyed by the value a switch takes (``default``, …).

    Each reading has a ``label`` (and ``label_en``); an interpretation with a ``readings``
    table is read as such, else its ``default`` and ``alternative`` sides.
    """
    table = getattr(interp, "readings", None)
    if isinstance(table, dict):
        return dict(table)
    if isinstance(table, list | tuple):
        return {getattr(r, "id", None) or getattr(r, "key", None): r for r in table}
    return {key: side for key in ("default", "alternative")
            if (side := getattr(interp, key, None)) is not None}


def file_reading(interp: Any) -> str:
    """The reading the rule file itself takes (what a scenario must switch away from)."""
    return getattr(interp, "use", None) or "default"


def _labels(reading: Any) -> list[str]:
    return [text for text in (getattr(reading, "label", None), getattr(reading, "label_en", None)) if text]


def as_written(title: str) -> str:
    """A label as a scenario writes it inside "…": its own double quotes become ‘…’."""
    out, opening = [], True
    for char in title:
        if char in "\"“”":
            out.append("‘" if opening else "’")
            opening = not opening
        else:
            out.append(char)
    return "".join(out)


def _interpretations_listed(rules: RuleSet) -> str:
    lines = []
    for iid, interp in sorted(rules.interpretations.items()):
        sides = "、".join(f"\"{as_written(r.label)}\"" for r in readings_of(interp).values())
        lines.append(f"    \"{as_written(interp.title)}\"（{iid}）：{sides}")
    return "\n".join(lines)


def interpretation_id(text: str, rules: RuleSet | None = None) -> str:
    """The INTERP id of an interpretation named by its title (or, for maintainers, its id)."""
    rules = rules or ruleset()
    wanted = norm(text)
    for iid, interp in rules.interpretations.items():
        names = [iid, interp.title, getattr(interp, "title_en", None) or ""]
        if wanted in (norm(name) for name in names if name):
            return iid
    raise ScenarioError(
        f"不认识的解释“{text}”；请写规则文件中的解释标题，可用（标题：各种解释）：\n"
        f"{_interpretations_listed(rules)}\n / unknown interpretation {text!r}")


def reading_key(iid: str, text: str, rules: RuleSet | None = None) -> str:
    """The reading of interpretation ``iid`` named by its label (or ``default``/``默认``…)."""
    rules = rules or ruleset()
    interp = rules.interpretations[iid]
    wanted = norm(text)
    sides = readings_of(interp)
    for key, reading in sides.items():
        if wanted in (norm(name) for name in [key, *_labels(reading)]):
            return key
    for key, words in READING_WORDS.items():
        if key in sides and wanted in (norm(word) for word in words):
            return key
    allowed = "、".join(f"\"{as_written(r.label)}\"" for r in sides.values())
    raise ScenarioError(
        f"解释“{interp.title}”没有“{text}”这种解释；可用：{allowed} / "
        f"{iid} has no reading {text!r}")


def policy_id(text: str, rules: RuleSet | None = None) -> str:
    """The id of a policy named by its id (the feature file's name) or its title."""
    rules = rules or ruleset()
    wanted = norm(text)
    for pid, policy in rules.policies.items():
        if wanted in (norm(pid), norm(policy.title)):
            return pid
    known = "\n".join(f"    {pid}：{as_written(p.title)}" for pid, p in sorted(rules.policies.items()))
    raise ScenarioError(f"rules/ 中没有政策“{text}” / no policy {text!r}; 已有政策 / known:\n{known}")


def tier_titles(rules: RuleSet, rule_id: str) -> list[str]:
    """The titles of a rule's tiers as written in its file (ladder steps are named by pattern)."""
    rule = rules.rules[rule_id]
    out: list[str] = []
    for tier in getattr(rule, "tiers", None) or []:
        if tier.title not in out:
            out.append(tier.title)
    ladder = getattr(rule, "repeat", None) or getattr(rule, "ladder", None)
    title = getattr(ladder, "title", None)
    if title and title not in out:
        out.append(title)
    return out


_MISSING_NOISE = str.maketrans("", "", "\"'“”‘’「」 的")


def _norm_missing(text: str) -> str:
    return text.translate(_MISSING_NOISE).casefold()


def missing_words(finding: Finding) -> list[str]:
    """What a needs-information finding asks for, in words.

    The finding's ``missing_text`` (when the calculator gives one) and the text of every reason
    it could not decide (``passed`` is None), then the machine paths, for maintainers.
    """
    words = list(getattr(finding, "missing_text", None) or [])
    words += [r.text for r in finding.reasons if r.passed is None]
    paths = list(finding.missing) + [r.missing for r in finding.reasons if r.missing]
    return words + [p for p in dict.fromkeys(paths) if p not in words]


def asks_for(finding: Finding, text: str) -> bool:
    """Whether the finding asks for ``text`` ("2019年营业收入" matches "缺少2019年的营业收入")."""
    wanted = _norm_missing(text)
    return bool(wanted) and any(wanted in _norm_missing(word) for word in missing_words(finding))


CHINESE_COUNTS = {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5}


def count_of(text: str) -> int:
    text = text.strip()
    if text.isdigit():
        return int(text)
    if text in CHINESE_COUNTS:
        return CHINESE_COUNTS[text]
    raise ScenarioError(f"不是数量：“{text}” / not a count: {text!r}")


def money(text: str) -> Decimal:
    """"100亿元", "2300万元", "5万", "1500" (万元) → Decimal 万元; a clear failure otherwise."""
    try:
        return parse_money(text)
    except MoneyError as exc:
        raise ScenarioError(f"金额写法有误：“{text}”（例如 100亿元、2300万元、5万） / {exc}") from None


# --------------------------------------------------------------------------------------------
# Describing findings (for failure messages)
# --------------------------------------------------------------------------------------------


def status_label(code: str) -> str:
    return vocab.label(vocab.STATUSES, code)


def amount_text(value: Decimal | None) -> str:
    return "无金额" if value is None else format_wan(value)


def describe(finding: Finding, with_reasons: bool = False) -> str:
    tier = f" 档次「{finding.tier_title}」({finding.tier})" if finding.tier else ""
    line = (f"规则\"{finding.rule_id}\" {finding.year}年 {status_label(finding.status)} "
            f"{amount_text(finding.amount_wan)}{tier} 〔{finding.subject}〕")
    if not with_reasons:
        return line
    marks = {True: "✓", False: "✗", None: "?"}
    lines = [line] + [f"      {marks[r.passed]} {r.text}" for r in finding.reasons]
    lines += [f"      说明：{note}" for note in finding.notes]
    lines += [f"      需补充：{m}" for m in finding.missing]
    return "\n".join(lines)


def describe_all(findings: list[Finding], with_reasons: bool = False) -> str:
    if not findings:
        return "  （没有任何结果 / no findings）"
    return "\n".join("  - " + describe(f, with_reasons) for f in findings)


# --------------------------------------------------------------------------------------------
# The scenario state
# --------------------------------------------------------------------------------------------


@dataclass
class Case:
    """One scenario: the profile being described, the readings switched, the report."""

    profile: dict[str, Any] = field(default_factory=dict)
    years: dict[int, dict[str, Any]] = field(default_factory=dict)
    incubator_years: dict[int, dict[str, Any]] = field(default_factory=dict)
    tech_projects: dict[str, dict[str, Any]] = field(default_factory=dict)
    switches: dict[str, str] = field(default_factory=dict)
    report: Report | None = None
    finding: Finding | None = None
    """The finding the last ``那么 规则…的结果为…`` step checked (``而且 理由包含…`` reads it)."""

    def year(self, year: int) -> dict[str, Any]:
        return self.years.setdefault(year, {"year": year})

    def incubator(self) -> dict[str, Any]:
        if "incubator" not in self.profile:
            raise ScenarioError(
                "请先写明载体类型，例如：而且 该企业运营一家\"科技企业孵化器\" / "
                "state the kind of carrier first")
        return self.profile["incubator"]

    def incubator_year(self, year: int) -> dict[str, Any]:
        self.incubator()
        return self.incubator_years.setdefault(year, {"year": year})

    def tech_project(self, name: str) -> dict[str, Any]:
        return self.tech_projects.setdefault(name, {"name": name})

    def data(self) -> dict[str, Any]:
        """The profile as the contract's JSON-like dict."""
        if "district" not in self.profile:
            raise ScenarioError(
                "场景没有描述企业，请以 假如 一家位于\"硚口区\"的\"批发\"企业 开始 / "
                "the scenario describes no company")
        data = {"name": "示例企业", **self.profile}
        if self.years:
            data["years"] = [self.years[y] for y in sorted(self.years)]
        if self.incubator_years:
            data["incubator"] = {**data["incubator"],
                                 "yearly": [self.incubator_years[y] for y in sorted(self.incubator_years)]}
        if self.tech_projects:
            data["tech_upgrade_projects"] = list(self.tech_projects.values())
        return data

    def evaluated(self) -> Report:
        if self.report is None:
            raise ScenarioError("还没有计算：请先写 当 计算奖励 / evaluate first (当 计算奖励)")
        return self.report

    def last(self) -> Finding:
        if self.finding is None:
            raise ScenarioError(
                "此步骤检查上一条结果，请先写 那么 规则\"…\"在…年的结果为\"…\" / "
                "check a finding first")
        return self.finding
