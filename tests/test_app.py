"""The self-check app, driven headless with Streamlit's AppTest: form logic, validation
messages next to their fields, uploads, language, readings, and — for every example — the
total on the page equal to the library's contract total (what ``subsidy check --format
json`` prints)."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from subsidy.evaluate import default_rules, evaluate
from subsidy.profile import dump_profile, load_profile, validate_profile
from subsidy.ui import form_model as fm
from subsidy.ui.profile_form import LOAD_OPTIONS

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
EXAMPLES = sorted((ROOT / "examples").glob("*.json"))
TIMEOUT = 60


def shown_wan(text: str) -> Decimal:
    """The 万元 amount a shown total stands for: "1,160万元（…）" → 1160."""
    match = re.match(r"\s*([0-9][0-9,]*(?:\.[0-9]+)?)万元", text)
    assert match, f"not a 万元 amount: {text!r}"
    return Decimal(match.group(1).replace(",", ""))


def contract_total(path: Path, switches: dict[str, str] | None = None) -> Decimal:
    report = evaluate(load_profile(path.read_bytes()), switches=switches)
    return Decimal(str(report.contract()["total_wan"]))


def fresh_app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    return at


def load_example(at: AppTest, stem: str) -> AppTest:
    at.selectbox(key="ui.example").set_value(stem)
    at.button(key="ui.load_example").click().run()
    assert not at.exception, at.exception
    return at


def run_check(at: AppTest) -> AppTest:
    at.button(key="ui.run_check").click().run()
    assert not at.exception, at.exception
    return at


def open_form(at: AppTest) -> AppTest:
    """Unfold the form below the results (it folds away after each check)."""
    at.session_state["ui.form_open.zh"] = True
    at.session_state["ui.form_open.en"] = True
    at.run()
    assert not at.exception, at.exception
    return at


def open_findings(at: AppTest) -> AppTest:
    """Open every finding (their bodies are drawn only while open)."""
    for key in [k for k in at.session_state if str(k).startswith("ui.finding.")]:
        at.session_state[key] = True
    at.run()
    assert not at.exception, at.exception
    return at


def texts(elements: Any) -> list[str]:
    return [str(e.value) for e in elements]


# ------------------------------------------------------------------------------ pure form logic


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_form_round_trip_keeps_every_example_field(path: Path) -> None:
    """An example spread over the form and read back is the same profile: nothing is lost."""
    data = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    content = fm.data_to_form(data, LOAD_OPTIONS)
    assert content.left_out == []
    form = fm.form_to_data(content.values, content.tables)
    profile, problems = validate_profile(form.data)
    assert problems == []
    assert dump_profile(profile) == dump_profile(load_profile(path.read_bytes()))


def test_apply_delta_follows_the_editor_order() -> None:
    base = [{"year": "2019", "revenue_wan": "1"}, {"year": "2020", "revenue_wan": "2"}]
    state = {"edited_rows": {1: {"revenue_wan": "20"}}, "deleted_rows": [0],
             "added_rows": [{"year": "2021"}]}
    rows = fm.apply_delta(base, state, ["year", "revenue_wan"])
    assert rows == [{"year": "2020", "revenue_wan": "20"}, {"year": "2021", "revenue_wan": None}]
    assert base[1]["revenue_wan"] == "2"  # the stored rows are not changed in place


def test_money_cells_accept_chinese_units_and_keep_unknown_text() -> None:
    tables = {"years": [{"year": "2020", "revenue_wan": "102亿", "main_business_revenue_wan": "1,000,000",
                         "district_fiscal_contribution_wan": "2300万"},
                        {"year": None, "revenue_wan": None},
                        {"year": "2021年", "revenue_wan": "abc"}]}
    form = fm.form_to_data({"name": "甲", "district": "硚口区", "sector": "wholesale"}, tables)
    years = form.data["years"]
    assert years[0]["revenue_wan"] == Decimal(1020000)
    assert years[0]["main_business_revenue_wan"] == Decimal(1000000)
    assert years[0]["district_fiscal_contribution_wan"] == Decimal(2300)
    assert years[1] == {"year": "2021", "revenue_wan": "abc"}  # blank row skipped, text kept
    assert form.row_maps["years"] == [0, 2]
    _, problems = validate_profile(form.data)
    place = fm.locate(problems[0].field, form.row_maps)
    assert (place.anchor, place.row, place.column) == ("years", 3, "revenue_wan")


def test_a_year_in_words_is_kept_whole_for_the_message() -> None:
    form = fm.form_to_data({"name": "甲", "district": "硚口区", "sector": "wholesale"},
                           {"years": [{"year": "去年", "revenue_wan": "1"}, {"year": "2020年"}]})
    assert [row["year"] for row in form.data["years"]] == ["去年", "2020"]
    _, problems = validate_profile(form.data)
    assert '"去年"' in problems[0].message_zh


def test_pasted_spreadsheet_cells_become_year_rows() -> None:
    rows, problems = fm.parse_pasted_years(
        "年度\t营业收入\t主营业务收入\t区级财政贡献\n2019\t480000\t470000\t1500\n2020年\t102亿\t\t2300\n去年\t1\t\t")
    assert [r["year"] for r in rows] == ["2019", "2020"]
    assert rows[1] == {"year": "2020", "revenue_wan": "102亿", "main_business_revenue_wan": None,
                       "district_fiscal_contribution_wan": "2300"}
    assert len(problems) == 1 and "第 4 行" in problems[0][0] and "Row 4" in problems[0][1]
    # years across the top, as a finance statement is laid out; columns named in English
    across, _ = fm.parse_pasted_years("Item\t2019\t2020\nRevenue\t48亿\t1,020,000\nContribution\t1500\t2300")
    assert [(r["year"], r["revenue_wan"], r["district_fiscal_contribution_wan"]) for r in across] == [
        ("2019", "48亿", "1500"), ("2020", "1,020,000", "2300")]
    # no header: the table's own column order
    plain, _ = fm.parse_pasted_years("2021\t1100000\t1050000\t2760")
    assert plain[0]["main_business_revenue_wan"] == "1050000"
    # nothing usable and too much are refused with a reason in both languages
    assert fm.parse_pasted_years("营业收入\t100")[1][0][0].startswith("找不到")
    assert "too long" in fm.parse_pasted_years("1" * (fm.MAX_PASTE_CHARS + 1))[1][0][1]
    merged = fm.merge_years([{"year": "2019", "revenue_wan": "1", "district_fiscal_contribution_wan": "9"}],
                            [{"year": "2019", "revenue_wan": "2"}, {"year": "2018", "revenue_wan": "3"}])
    assert [(r["year"], r["revenue_wan"], r.get("district_fiscal_contribution_wan")) for r in merged] == [
        ("2018", "3", None), ("2019", "2", "9")]


def test_add_a_year_row_and_paste_on_the_page() -> None:
    at = open_form(run_check(load_example(fresh_app(), "qiaokou-trading-group")))
    at.button(key="ui.add_year").click().run()
    assert [r["year"] for r in at.session_state["tbl.years"]][-1] == "2022"
    assert not at.text_area, "the paste box is drawn only while open"
    at.session_state["ui.paste_open.zh"] = True
    at.run()
    at.text_area(key="ui.paste").set_value("年度\t营业收入\n2022\t120亿\n明年\t1")
    at.button(key="ui.paste_apply").click().run()
    assert not at.exception, at.exception
    rows = at.session_state["tbl.years"]
    assert rows[-1]["year"] == "2022" and rows[-1]["revenue_wan"] == "120亿"
    assert any("「明年」无法识别" in w.value for w in at.warning)
    at.segmented_control(key="ui.lang").set_value("en").run()
    assert any("“明年” is not understood" in w.value for w in at.warning)


def test_year_money_text_is_parsed_or_refused_in_both_languages() -> None:
    assert fm.parse_year_money("2020:50，2021：60; 2022=70") == {
        "2020": Decimal(50), "2021": Decimal(60), "2022": Decimal(70)}
    form = fm.form_to_data({"name": "甲", "district": "硚口区", "sector": "industry"},
                           {"tech_upgrade_projects": [{"name": "改造", "new_local_fiscal_revenue_wan": "五十万"}]})
    assert len(form.problems) == 1
    assert "年份:金额" in form.problems[0].message_zh
    assert "year:amount" in form.problems[0].message_en


# ------------------------------------------------------------------------------ the page


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_total_on_page_equals_contract_total(path: Path) -> None:
    at = run_check(load_example(fresh_app(), path.stem))
    assert not at.error, texts(at.error)
    (metric,) = at.metric
    assert metric.label == "可获得奖励合计"
    assert shown_wan(metric.value) == contract_total(path)
    report = evaluate(load_profile(path.read_bytes()))
    labels = [e.label for e in at.expander]
    for finding in report.results:
        assert any(finding.title in label for label in labels), finding.rule_id
    # the by-year split shown is the report's
    by_year = report.total_by("year")
    year_table = next(m.value for m in at.markdown if m.value.startswith("| 年度 | 金额 |"))
    rows = [line.strip("| ").split(" | ") for line in year_table.splitlines()[2:]]
    shown = {int(year): shown_wan(amount) for year, amount in rows}
    assert shown == {year: amount for year, amount in by_year.items()}


def test_results_come_first_with_a_one_line_summary_and_the_form_folded() -> None:
    path = ROOT / "examples/qiaokou-trading-group.json"
    at = run_check(load_example(fresh_app(), path.stem))
    report = evaluate(load_profile(path.read_bytes()))
    groups = report.by_status()
    summary = next(m.value for m in at.markdown if m.value.startswith("##### "))
    from subsidy.money_display import wan_full

    assert summary.replace("\\", "").startswith(
        f"##### 可获得 {len(groups['eligible'])} 项，共 {wan_full(report.total_wan)}")
    assert f"需补充 {len(groups['needs_info'])} 项" in summary
    assert "最近的下一档" in summary
    assert not any(w.key == "pf.name" for w in at.text_input)  # the form is folded away
    assert any(e.label == "修改企业数据并重新核查" for e in at.expander)
    open_form(at)
    assert at.text_input(key="pf.name").value == report.company  # nothing was lost


def test_reasons_clause_and_readings_are_shown_for_a_finding() -> None:
    at = open_findings(run_check(load_example(fresh_app(), "qiaokou-trading-group")))
    report = evaluate(load_profile((ROOT / "examples/qiaokou-trading-group.json").read_bytes()))
    finding = next(f for f in report.results if f.status == "eligible" and f.interpretations)
    expander = next(e for e in at.expander if finding.title in e.label and str(finding.year) in e.label
                    and (finding.tier_title or "") in e.label)
    body = "\n".join(texts(expander.markdown))
    for reason in finding.reasons:
        assert reason.text.split("，")[0][:6] in body.replace("\\", "")
    assert finding.clause.quote[:10] in body.replace("\\", "")
    assert finding.interpretations[0] in body
    assert "✓" in body


def test_needs_info_becomes_a_checklist_and_support_is_not_zero() -> None:
    at = run_check(load_example(fresh_app(), "qiaokou-trading-group"))
    page = "\n".join(texts(at.markdown))
    assert "需补充的信息" in page
    assert "区级财政贡献" in page
    support = [e.label for e in at.expander if "非资金支持" in e.label]
    assert support, "non-monetary support must be named, not shown as an amount"
    assert not any(re.search(r"— 0万元", e.label) for e in at.expander)


def test_invalid_entries_are_shown_next_to_their_fields_and_kept() -> None:
    at = fresh_app()
    at.text_input(key="pf.name").set_value("测试企业")
    at.text_input(key="pf.credit_code").set_value("91420104MA4K2ABC19")  # wrong check character
    at.text_input(key="pf.prior_peak_revenue_wan").set_value("很多")
    at.selectbox(key="pf.sector").set_value("wholesale")
    at.run()
    run_check(at)
    errors = texts(at.error)
    summary = next(e for e in errors if e.startswith("企业档案有"))
    assert "3 处" in summary
    assert "「所在区」：缺少此必填字段" in summary
    assert not re.search(r"[A-Za-z_]+\[?[0-9]*\]?\.|district|credit_code", summary), summary  # no field codes
    beside = [e for e in errors if e != summary]  # the messages shown under each field
    assert any(e.startswith('值 "91420104MA4K2ABC19" 无效，校验位（第 18 位）应为 8') for e in beside)
    assert '值 "很多" 无效，应填写金额（万元），例如 1500、1,500、102亿 或 2300万' in beside
    assert not any("数字字符串" in e for e in errors)  # the validator's words for programs
    assert "缺少此必填字段" in beside
    assert not at.metric
    # nothing typed is lost
    assert at.text_input(key="pf.credit_code").value == "91420104MA4K2ABC19"
    assert at.text_input(key="pf.prior_peak_revenue_wan").value == "很多"
    # fixing the fields gives results without retyping anything else
    at.text_input(key="pf.credit_code").set_value("91420104MA4K2ABC18")
    at.text_input(key="pf.prior_peak_revenue_wan").set_value("45亿")
    at.selectbox(key="pf.district").set_value("硚口区")
    at.run()
    assert not at.error, texts(at.error)
    assert at.metric
    assert at.text_input(key="pf.name").value == "测试企业"  # fixed in the open form: it stays open


def test_a_partly_filled_block_opens_with_its_problems() -> None:
    at = fresh_app()
    at.text_input(key="pf.name").set_value("孵化器运营公司")
    at.selectbox(key="pf.district").set_value("硚口区")
    at.selectbox(key="pf.sector").set_value("services")
    assert not any(w.key == "pf.incubator.kind" for w in at.selectbox)  # folded: not drawn
    at.session_state["ui.sec.incubator.zh"] = True  # the user opens the block
    at.run()
    at.text_input(key="pf.incubator.recognition.year").set_value("2020")
    at.run()
    run_check(at)
    summary = at.error[0].value
    assert "「载体类型」：缺少此必填字段" in summary
    assert "「认定级别」：缺少此必填字段" in summary
    assert "incubator" not in summary
    (block,) = [e for e in at.expander if "孵化载体" in e.label]
    assert block.proto.expanded and ":material/error:" in block.label
    assert [e.value for e in block.error] == ["缺少此必填字段", "缺少此必填字段"]


def test_table_problems_name_the_row_and_column() -> None:
    at = fresh_app()
    at.text_input(key="pf.name").set_value("测试企业")
    at.selectbox(key="pf.district").set_value("硚口区")
    at.selectbox(key="pf.sector").set_value("wholesale")
    at.run()
    editor = f"ed.years.{at.session_state['tblver.years']}.zh"
    at.session_state[editor] = {
        "edited_rows": {}, "deleted_rows": [],
        "added_rows": [{"year": "2020", "revenue_wan": "102亿"},
                       {"year": "2021", "revenue_wan": "-5", "district_fiscal_contribution_wan": "2760"}],
    }
    at.run()
    run_check(at)
    errors = texts(at.error)
    assert any(e.startswith("第 2 行「营业收入」：值 -5 无效，应为不小于 0 的金额") for e in errors), errors


def test_table_edits_survive_a_language_switch() -> None:
    at = fresh_app()
    at.session_state[f"ed.years.{at.session_state['tblver.years']}.zh"] = {
        "edited_rows": {}, "deleted_rows": [], "added_rows": [{"year": "2020", "revenue_wan": "102亿"}]}
    at.run()
    at.segmented_control(key="ui.lang").set_value("en").run()
    at.run()
    (editor,) = [e for e in at.data_editor if "revenue_wan" in e.value.columns]
    assert editor.value.to_dict("records")[0]["revenue_wan"] == "102亿"
    assert at.session_state["tbl.years"][0]["year"] == "2020"


def test_upload_loads_the_profile_and_bad_json_is_refused_in_chinese() -> None:
    at = fresh_app()
    raw = (ROOT / "examples/wedz-manufacturer.json").read_bytes()
    at.file_uploader(key="ui.upload").upload("wedz.json", raw, "application/json").run()
    assert not at.exception, at.exception
    assert at.metric  # the results come first
    open_form(at)
    assert at.text_input(key="pf.name").value == "沌口示例汽车零部件制造有限公司"
    (metric,) = at.metric  # an uploaded profile is checked at once
    assert shown_wan(metric.value) == contract_total(ROOT / "examples/wedz-manufacturer.json")

    at = fresh_app()
    at.file_uploader(key="ui.upload").upload("bad.json", b'{"name": "x",', "application/json").run()
    assert any("文件不是有效的 JSON：第 1 行第 14 列附近有错误" in e for e in texts(at.error))
    assert not any("Expecting" in e for e in texts(at.error))
    at.segmented_control(key="ui.lang").set_value("en").run()
    assert any("not valid JSON: there is an error near line 1, column 14" in e for e in texts(at.error))


def test_english_switch_translates_labels_and_keeps_figures() -> None:
    at = fresh_app()
    at.segmented_control(key="ui.lang").set_value("en").run()
    assert at.title[0].value == "Award self-check"
    run_check(load_example(at, "wedz-manufacturer"))
    (metric,) = at.metric
    assert metric.label == "Total of eligible awards"
    assert metric.value.startswith("RMB ") and "万" not in metric.value
    yuan = Decimal(metric.value.removeprefix("RMB ").replace(",", ""))
    assert yuan / 10_000 == contract_total(ROOT / "examples/wedz-manufacturer.json")


def test_interpretation_switch_changes_the_result_and_is_reported() -> None:
    path = ROOT / "examples/wedz-manufacturer.json"
    switches = {"INTERP-WQB-2": "alternative"}
    assert contract_total(path, switches) != contract_total(path), "pick a switch that matters"
    at = open_form(run_check(load_example(fresh_app(), path.stem)))
    assert not at.radio, "the switches are drawn only while their panel is open"
    at.session_state["ui.interp_open.zh"] = True
    at.run()
    at.radio(key="interp.INTERP-WQB-2").set_value("alternative").run()
    (metric,) = at.metric
    assert shown_wan(metric.value) == contract_total(path, switches)
    captions = "\n".join(texts(at.caption))
    assert "INTERP-WQB-2（含验收当年）" in captions


def test_catalogue_lists_every_rule_with_its_quote() -> None:
    def page() -> None:
        from subsidy.ui import catalogue_page

        catalogue_page.render()

    at = AppTest.from_function(page, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    assert not at.code, "a folded block is drawn only when opened"
    for key in [k for k in at.session_state if str(k).startswith(("cat.source.", "cat.rule."))]:
        at.session_state[key] = True  # open every clause and source document
    at.run()
    assert not at.exception, at.exception
    labels = [e.label for e in at.expander]
    rules = default_rules()
    for rule_id in rules.rules:
        assert any(label.startswith(rule_id.replace("_", "\\_")) or label.startswith(rule_id)
                   for label in labels), rule_id
    body = "\n".join(texts(at.markdown)).replace("\\", "")
    assert rules.rules["qk.revenue_milestone"].quote in body
    for policy in rules.policies.values():
        assert any(policy.source in label for label in labels)
        assert any(policy.title == s.value for s in at.subheader)
    sources = "\n".join(texts(at.code))
    assert "硚口区加快产业发展" in sources  # the source document itself is shown


def test_review_page_placeholder_when_the_module_is_absent() -> None:
    def page() -> None:
        from subsidy.ui import shell

        shell.review("subsidy.ui.no_such_review_page")

    at = AppTest.from_function(page, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    assert any("审核页面尚未安装" in i for i in texts(at.info))


def test_optional_blocks_open_when_filled_and_keep_their_rows_when_folded() -> None:
    at = load_example(fresh_app(), "qiaokou-incubator")
    assert at.session_state["ui.sec.incubator.zh"] is True  # loaded data opens its block
    rows = [dict(r) for r in at.session_state["tbl.incubator_yearly"]]
    assert rows and any(w.key == "pf.incubator.kind" for w in at.selectbox)
    at.session_state["ui.sec.incubator.zh"] = False
    at.run()
    assert not any(w.key == "pf.incubator.kind" for w in at.selectbox)
    assert at.session_state["tbl.incubator_yearly"] == rows  # folded, not forgotten
    assert at.session_state["pf.incubator.kind"] == "incubator"
    run_check(at)
    assert shown_wan(at.metric[0].value) == contract_total(ROOT / "examples/qiaokou-incubator.json")


def test_the_chart_is_drawn_only_when_its_tab_is_open() -> None:
    at = run_check(load_example(fresh_app(), "qiaokou-trading-group"))
    assert not at.get("vega_lite_chart")  # the findings tab is shown first
    at.session_state["ui.result_tabs"] = "距下一档奖励"
    at.run()
    assert not at.exception, at.exception
    (chart,) = at.get("vega_lite_chart")
    assert "（已获得）".encode() in chart.proto.SerializeToString()  # levels say how they stand
