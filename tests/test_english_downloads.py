"""Every file downloaded from an English page is in English; the Chinese files are unchanged.

Each file is built by the same function, with the same arguments, that the page's download
button calls, and read back as a user would open it. The checker is the browser walk's
(``language_check``): a Chinese character or Chinese punctuation fails the test, except the
policy documents' section numbers and exactly the values the user typed (a company's name,
a project leader). What exists only in Chinese and is quoted on purpose is named by the file
itself: the verbatim clause and the responsible departments sit in columns whose headers say
so, and in the printable report they are marked ``lang="zh-CN"``.
"""

from __future__ import annotations

import io
import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from language_check import chinese_runs, free_text, without

from subsidy import vocab
from subsidy.evaluate import default_rules, evaluate
from subsidy.export import report_html, workbook_bytes
from subsidy.profile import load_profile

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.json"))
CHINESE_ONLY_HEADERS = {"Clause (original Chinese text)", "Responsible units (Chinese names)"}
"""English headers of columns that quote Chinese originals on purpose (their cells are
skipped; the headers themselves are checked)."""


def workbook_texts(data: bytes, skip_headers: set[str] = CHINESE_ONLY_HEADERS) -> list[str]:
    """Every sheet name and text cell of an .xlsx file, except the cells under a header of
    ``skip_headers`` (row 1)."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    texts: list[str] = []
    for sheet in book.worksheets:
        texts.append(sheet.title)
        skipped: set[int] = set()
        for row in sheet.iter_rows():
            for cell in row:
                if cell.row == 1 and cell.value in skip_headers:
                    skipped.add(cell.column)
                elif isinstance(cell.value, str) and cell.column not in skipped:
                    texts.append(cell.value)
    return texts


class _Text(HTMLParser):
    """The text of an HTML page a reader sees, without elements marked as Chinese."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.stack: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"meta", "br", "link", "img", "hr", "input"}:
            return
        chinese = dict(attrs).get("lang", "") or ""
        self.stack.append((tag, chinese.startswith("zh") or any(z for _, z in self.stack)))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if not (self.stack and self.stack[-1][1]) and data.strip():
            self.texts.append(data)


def html_texts(page: str) -> list[str]:
    """The visible texts of ``page`` (its title included), leaving out ``lang="zh…"`` parts."""
    parser = _Text()
    parser.feed(page)
    return parser.texts


def chinese_in(texts: list[str], typed: list[str]) -> list[str]:
    """The texts that hold Chinese once the user's own values are taken out."""
    return [text for text in texts if chinese_runs(without(text, typed))]


def typed_values(path: Path) -> list[str]:
    """What the user typed into an example profile: names, codes, leaders, projects."""
    return sorted(set(free_text(json.loads(path.read_text(encoding="utf-8")))), key=len, reverse=True)


def _report(path: Path) -> tuple[Any, Any]:
    profile = load_profile(path.read_bytes())
    return evaluate(profile), profile


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_the_self_check_workbook_is_english(path: Path) -> None:
    report, profile = _report(path)
    data = workbook_bytes(report, profile, ruleset=default_rules(), lang="en")
    assert chinese_in(workbook_texts(data), typed_values(path)) == []


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_the_printable_report_is_english(path: Path) -> None:
    report, profile = _report(path)
    page = report_html(report, profile, ruleset=default_rules(), lang="en")
    assert '<html lang="en">' in page
    assert chinese_in(html_texts(page), typed_values(path)) == []


def test_the_checker_finds_chinese_in_a_workbook() -> None:
    """The checks above can fail: a Chinese workbook is caught, sheet names included."""
    path = ROOT / "examples" / "qiaokou-trading-group.json"
    report, profile = _report(path)
    texts = workbook_texts(workbook_bytes(report, profile, ruleset=default_rules(), lang="zh"))
    assert "结果" in chinese_in(texts, typed_values(path))
    assert html_texts('<p>ok <span lang="zh-CN">原文</span> 说明</p>') == ["ok ", " 说明"]


def test_the_chinese_self_check_files_are_unchanged() -> None:
    path = ROOT / "examples" / "qiaokou-trading-group.json"
    report, profile = _report(path)
    texts = workbook_texts(workbook_bytes(report, profile, ruleset=default_rules(), lang="zh"), set())
    assert {"结果", "企业档案", "概要", "金额（万元）", "政策原文", "责任单位", "事项"} <= set(texts)
    page = report_html(report, profile, ruleset=default_rules(), lang="zh")
    assert '<html lang="zh-CN">' in page and "lang=\"zh-CN\"><" not in page.split("<body>", 1)[1]
    assert "可获得奖励合计" in page and "（" in page


# ------------------------------------------------------------------------------ 审核: claims


def example_typed_values() -> list[str]:
    """The free text of the example companies a filled template carries (names, leaders,
    projects, a recognised product): data, kept as typed."""
    values: set[str] = set()
    for path in EXAMPLES:
        values |= set(typed_values(path))
    return sorted(values, key=len, reverse=True)


def workbook_notes(data: bytes) -> list[str]:
    """The texts a workbook shows besides its cells: header comments and the drop-downs'
    error messages."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    notes = []
    for sheet in book.worksheets:
        notes += [cell.comment.text for row in sheet.iter_rows() for cell in row if cell.comment]
        notes += [v.error for v in sheet.data_validations.dataValidation if v.error]
    return notes


@pytest.mark.parametrize("example", [False, True], ids=["empty", "example"])
def test_the_claims_template_is_english(example: bool) -> None:
    from subsidy.claims import template_bytes

    data = template_bytes(example=example, lang="en")
    texts = workbook_texts(data) + workbook_notes(data)
    assert chinese_in(texts, example_typed_values()) == []
    assert "Operating revenue (RMB 10k)" in texts and "Claims" in texts


def test_the_chinese_claims_template_is_unchanged() -> None:
    from subsidy.claims import template_bytes

    texts = workbook_texts(template_bytes(example=True), set())
    assert {"填写说明", "企业", "申报", "奖励条款", "代码表", "营业收入（万元）", "申报金额（万元）",
            "申报年度", "是/否", "示例-001", "上市奖励"} <= set(texts)
    assert "Claims" not in texts and "Operating revenue (RMB 10k)" not in texts


def _read(data: bytes, name: str) -> Any:
    from subsidy.claims import read_claims

    batch = read_claims(data, name)
    assert batch.problems == []
    return batch


def test_a_filled_english_template_reads_as_the_chinese_one() -> None:
    """Sheet names, headers, code labels, yes/no and award titles in English are read back
    to the same companies and claims as the Chinese template's."""
    from subsidy.claims import template_bytes

    english = _read(template_bytes(example=True, lang="en"), "claims-example.xlsx")
    chinese = _read(template_bytes(example=True), "申报核验示例.xlsx")
    assert [c.profile.model_dump() for c in english.companies] == \
        [c.profile.model_dump() for c in chinese.companies]
    assert len(english.companies) == len(EXAMPLES)

    def claims(batch: Any) -> list[tuple[Any, ...]]:
        return [(c.credit_code, c.company_name, c.rule_id, c.year, c.claimed_wan) for c in batch.claims]

    assert claims(english) == claims(chinese) and claims(english)
    assert {c.sheet for c in english.claims} == {"Claims"}
    assert english.claims[0].rule_ref != chinese.claims[0].rule_ref  # the English title was read


def _verification(lang: str) -> Any:
    from subsidy.claims import template_bytes
    from subsidy.verify import run_batch

    name = "claims-example.xlsx" if lang == "en" else "申报核验示例.xlsx"
    return run_batch(_read(template_bytes(example=True, lang=lang), name), rules=default_rules())


def test_the_verification_report_is_english() -> None:
    from subsidy.verify import report_workbook

    verification = _verification("en")
    data = report_workbook(verification, rules=default_rules(), lang="en")
    texts = workbook_texts(data)
    assert chinese_in(texts, [*example_typed_values(), verification.source_name]) == []
    assert "Verdicts" in texts and "Claimed (RMB 10k)" in texts


def test_the_chinese_verification_report_is_unchanged() -> None:
    from subsidy.verify import report_workbook

    texts = workbook_texts(report_workbook(_verification("zh"), rules=default_rules()), set())
    assert {"核验结果", "汇总", "按条款", "按年度", "问题行", "规则版本", "申报金额（万元）", "核验结论",
            "Verdict", "理由", "Reasons", "需补充"} <= set(texts)


def test_a_companys_history_is_english(tmp_path: Path) -> None:
    """The history workbook of the 审核 page: claims verified in English, one proposed and
    decided by officials whose names are Chinese (their names are data)."""
    from register_support import staff

    from subsidy.accounts import Accounts
    from subsidy.claims import template_bytes
    from subsidy.register import Register
    from subsidy.verify import history_workbook, run_batch

    register = Register(f"sqlite:///{tmp_path / 'register.sqlite'}")
    people = staff(Accounts(register))
    verification = run_batch(_read(template_bytes(example=True, lang="en"), "claims-example.xlsx"),
                             rules=default_rules(), register=register, record=True, official="clerk1")
    claim = verification.verdicts[0]
    register.propose(claim.register_claim_id, "approve", people["clerk1"], "", None)
    register.decide(claim.register_claim_id, "approve", people["reviewer1"], "", None)
    histories = register.history(claim.credit_code or "")
    names = [person.display_name for person in people.values()]  # the accounts' brackets are wording
    texts = workbook_texts(history_workbook(histories, lang="en", rules=default_rules()))
    assert chinese_in(texts, [*example_typed_values(), *names]) == []
    assert "Approve" in texts and "Claims and verdicts" in texts
    chinese = workbook_texts(history_workbook(histories), set())
    assert {"申报与核验", "决定记录", "申报金额（万元）", "批准"} <= set(chinese)


# ------------------------------------------------------------------------------ 政策测算


@pytest.fixture(scope="module")
def screened(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A small generated population screened under the default rules, as the page does it."""
    from subsidy.columnar.output import write_table
    from subsidy.columnar.screen import from_file, tables_for
    from subsidy.population_sample import sample_population

    path = tmp_path_factory.mktemp("screening") / "population.parquet"
    write_table(sample_population(300, seed=20261202), path)
    result = from_file(path)
    rules = default_rules()
    tables_for(result, result.findings(rules), rules)
    yield result
    result.con.close()


def _names(screened: Any) -> list[str]:
    """The companies' names of the population file: its data."""
    names = screened.con.sql("SELECT name FROM companies").fetchall()
    return sorted({name for (name,) in names if name}, key=len, reverse=True)


NOTICE_DATES = ("2026-03-01", "2026-03-07")


def _lists(screened: Any, lang: str) -> dict[str, bytes]:
    import datetime as dt

    from subsidy.ui.screening_page import notice_xlsx, push_xlsx

    start, end = (dt.date.fromisoformat(d) for d in NOTICE_DATES)
    return {"push": push_xlsx(screened, default_rules(), lang),
            "notice": notice_xlsx(screened, start, end, default_rules(), lang)}


@pytest.mark.parametrize("kind", ["push", "notice"])
def test_the_screening_lists_are_english(screened: Any, kind: str) -> None:
    data = _lists(screened, "en")[kind]
    texts = workbook_texts(data)
    assert len(texts) > 50  # the sample has eligible companies: the list is not empty
    assert chinese_in(texts, _names(screened)) == []
    assert {"Amount (RMB 10k)", "Operating revenue (RMB 10k)"} <= set(texts)
    if kind == "push":
        assert set(texts) & {label.en for label in vocab.DISTRICTS.values()}
    else:
        assert "Notice starts" in texts


@pytest.mark.parametrize("kind", ["push", "notice"])
def test_the_chinese_screening_lists_are_unchanged(screened: Any, kind: str) -> None:
    """The Chinese lists hold what the page wrote before it had an English form."""
    import datetime as dt

    from subsidy.columnar.screen import PUSH_HEADER, push_table
    from subsidy.ui.screening_page import _xlsx, notice_table

    start, end = (dt.date.fromisoformat(d) for d in NOTICE_DATES)
    before = {"push": lambda: _xlsx(push_table(screened), PUSH_HEADER),
              "notice": lambda: _xlsx(notice_table(screened, start, end),
                                      {**PUSH_HEADER, "notice_start": "公示开始", "notice_end": "公示结束"})}
    texts = workbook_texts(_lists(screened, "zh")[kind], set())
    assert texts == workbook_texts(before[kind](), set())
    assert {"金额（万元）", "营业收入（万元）"} <= set(texts)
    if kind == "push":
        assert set(texts) & {label.zh for label in vocab.DISTRICTS.values()}
    else:
        assert "公示开始" in texts
