"""Hostile and careless profiles: bounded values, clean text, no silent double counting, and
text never read as console markup. The regression corpus lives in tests/data/hostile/."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from subsidy.cli import app
from subsidy.evaluate import evaluate
from subsidy.profile import (
    MAX_COUNT,
    MAX_MONEY_WAN,
    MAX_NESTING,
    MAX_TEXT_CHARS,
    ProfileError,
    load_profile,
    nesting_depth,
    parse_profile,
    profile_json_schema,
    validate_profile,
)

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "data" / "hostile"
MARKUP = "[/x][link=https://evil.example]点我[/link] **粗** ![x](y) <b>b</b> :smile:"

REFUSED = {
    # file: words the refusal must contain (it names the field or the limit)
    "money-5e19.json": "years[0].revenue_wan",
    "money-1e999999.json": "years[0].revenue_wan",
    "count-1e30-1e308.json": "incubator.yearly[0].new_enterprises",
    "count-4300-digits.json": "整数",
    "count-4301-digits.json": "整数",
    "lone-surrogate-leader.json": "talent_projects[0].leader",
    "lone-surrogate-key.json": "\\udfff",
    "control-characters-name.json": "U+0000",
    "nested-5000.json": "嵌套",
    "nested-990-objects.json": "嵌套",
    "tech-years-normalised.json": "同一年（2020）",
    "tech-years-leading-zero.json": "同一年（2020）",
    "talent-project-twice.json": "talent_projects[1]",
    "name-101-characters.json": f"最多 {MAX_TEXT_CHARS} 个字符",
}


def minimal(**extra: object) -> dict:
    return {"name": "测试公司", "district": "硚口区", "sector": "wholesale", **extra}


def test_the_corpus_is_complete() -> None:
    assert set(REFUSED) | {"markup-name.json"} == {p.name for p in CORPUS.glob("*.json")}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_each_hostile_profile_is_refused_with_a_message(name: str) -> None:
    text = (CORPUS / name).read_bytes()
    profile, problems = validate_profile(text)
    assert profile is None and problems
    message = "\n".join(str(p) for p in problems)
    assert REFUSED[name] in message, message
    message.encode("utf-8")  # printable: no lone surrogate survives into a message


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_the_cli_refuses_each_with_exit_2_and_no_traceback(name: str) -> None:
    done = subprocess.run([sys.executable, "-m", "subsidy.cli", "check", str(CORPUS / name)],
                          capture_output=True, cwd=ROOT, timeout=120)
    stderr = done.stderr.decode("utf-8")
    assert done.returncode == 2, stderr
    assert "Traceback" not in stderr and "错误 / error" in stderr


def test_a_100000_character_name_is_refused_at_once() -> None:
    profile, problems = validate_profile(json.dumps(minimal(name="长" * 100_000), ensure_ascii=False))
    assert profile is None and "最多 100 个字符" in problems[0].message_zh
    assert len(problems[0].value) <= 60


def test_names_of_100_characters_are_accepted() -> None:
    assert parse_profile(minimal(name="长" * 100)).name == "长" * 100


@pytest.mark.parametrize("value", [MAX_MONEY_WAN + 1, "1e10", Decimal("1E+1000000"), 1e308])
def test_money_above_the_bound_is_refused(value: object) -> None:
    with pytest.raises(ProfileError, match="revenue_wan"):
        parse_profile(minimal(years=[{"year": 2020, "revenue_wan": value}]))


def test_money_at_the_bound_is_accepted_exactly() -> None:
    profile = parse_profile(minimal(years=[{"year": 2020, "revenue_wan": f"{MAX_MONEY_WAN}.000000"}]))
    assert profile.years[0].revenue_wan == MAX_MONEY_WAN


@pytest.mark.parametrize("value", [MAX_COUNT + 1, 10**30, "9" * 5000, Decimal("1E+308"), -1])
def test_counts_are_bounded(value: object) -> None:
    data = minimal(incubator={"kind": "incubator", "yearly": [{"year": 2020, "resident_enterprises": value}]})
    with pytest.raises(ProfileError, match="resident_enterprises"):
        parse_profile(data)


def test_the_bounds_are_stated_in_the_json_schema() -> None:
    text = json.dumps(profile_json_schema(), ensure_ascii=False)
    assert f'"maximum": {MAX_MONEY_WAN}' in text
    assert f'"maximum": {MAX_COUNT}' in text
    assert f'"maxLength": {MAX_TEXT_CHARS}' in text


def test_validate_profile_never_raises_on_deep_nesting_or_cycles() -> None:
    deep: object = 1
    for _ in range(5000):
        deep = {"a": deep}
    profile, problems = validate_profile(minimal(x=deep))
    assert profile is None and "嵌套" in problems[0].message_zh
    cycle: dict = minimal()
    cycle["years"] = [cycle]
    profile, problems = validate_profile(cycle)
    assert profile is None and problems


def test_nesting_is_measured_without_parsing_and_skips_strings() -> None:
    assert nesting_depth('{"a": "[[[[\\"]]"}') == 1
    assert nesting_depth('[[["\\\\"]]]') == 3
    assert nesting_depth("[" * 100_000) == MAX_NESTING + 1


def test_a_repeated_tech_year_never_silently_wins() -> None:
    data = minimal(sector="industry", tech_upgrade_projects=[{
        "name": "冲压线改造", "in_catalogue": True, "accepted_year": 2019,
        "new_local_fiscal_revenue_wan": {"2020": 50, " 2020": 999}}])
    with pytest.raises(ProfileError, match="同一年"):
        parse_profile(data)


def test_an_identical_talent_project_is_not_counted_twice() -> None:
    one = {"programme": "yellow_crane", "year": 2020, "leader": "张三"}
    with pytest.raises(ProfileError, match="重复"):
        parse_profile(minimal(talent_projects=[one, dict(one)]))
    # a different leader is a different project, and both count
    other = {**one, "leader": "李四"}
    assert len(parse_profile(minimal(talent_projects=[one, other])).talent_projects) == 2


def test_tech_projects_of_one_name_are_one_project() -> None:
    project = {"name": "冲压线 改造", "in_catalogue": True, "accepted_year": 2019}
    with pytest.raises(ProfileError, match="tech_upgrade_projects\\[1\\]"):
        parse_profile(minimal(sector="industry", tech_upgrade_projects=[project, {**project, "name": "冲压线改造"}]))


# ------------------------------------------------------------------------------ text is text


def _invoke(*args: str, input: str | None = None):
    return CliRunner().invoke(app, list(args), input=input)


def test_markup_in_a_name_is_printed_literally_by_check() -> None:
    result = _invoke("check", str(CORPUS / "markup-name.json"))
    assert result.exit_code == 0, result.output
    assert "[/x][link=https://evil.example]点我[/link] **粗** ![x](y) <b>b</b>" in result.output


def test_markup_in_reasons_is_printed_literally(tmp_path: Path) -> None:
    data = minimal(talent_projects=[{"programme": MARKUP[:60], "year": 2020, "leader": "[/bold]甲"}])
    path = tmp_path / "p.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = _invoke("check", str(path))
    assert result.exit_code == 0, result.output


def test_markup_in_a_refusal_and_in_options_is_printed_literally(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps(minimal(district=MARKUP), ensure_ascii=False), encoding="utf-8")
    result = _invoke("check", str(path))
    assert result.exit_code == 2 and "[/x]" in result.output
    result = _invoke("rules", "--interp", "[/x]=[link=y]")
    assert result.exit_code == 2 and "[/x]" in result.output
    result = _invoke("check", str(path), "--format", "[/x]")
    assert result.exit_code == 2 and "[/x]" in result.output


def test_markup_in_impact_profiles_is_printed_literally(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps(minimal(name=MARKUP[:90]), ensure_ascii=False),
                                     encoding="utf-8")
    result = _invoke("impact", "--profiles", str(tmp_path), "--interp", "INTERP-QK-3=alternative")
    assert result.exit_code == 0, result.output


def test_no_amount_is_negative_or_absurd_at_the_bounds() -> None:
    data = minimal(prior_peak_revenue_wan=0, years=[
        {"year": 2019, "revenue_wan": MAX_MONEY_WAN, "district_fiscal_contribution_wan": MAX_MONEY_WAN},
        {"year": 2020, "revenue_wan": MAX_MONEY_WAN, "district_fiscal_contribution_wan": MAX_MONEY_WAN}],
        incubator={"kind": "incubator", "yearly": [
            {"year": 2020, "resident_enterprises": MAX_COUNT, "new_enterprises": MAX_COUNT,
             "hightech_cultivated": MAX_COUNT}]})
    report = evaluate(parse_profile(data))
    for finding in report.results:
        assert finding.amount_wan is None or Decimal(0) <= finding.amount_wan <= MAX_MONEY_WAN
    assert report.total_wan >= 0


def test_load_profile_refuses_a_file_over_the_size_limit() -> None:
    text = json.dumps(minimal(x=" " * (1024 * 1024)))
    with pytest.raises(ProfileError, match="1,048,576"):
        load_profile(text)
