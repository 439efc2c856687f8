"""Property-based fuzzing of the two doors hostile input comes through: the profile (``subsidy
check``) and the claims reader (``subsidy verify``).

The property, whatever the input: the command completes (exit 0) with no negative or absurd
amount, or refuses it (exit 2) with a message in both languages; never exit 1, never a
traceback. The budget is fixed and the examples derandomized, so the run is the same every
time and takes well under a minute.
"""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from subsidy.cli import app
from subsidy.profile import MAX_MONEY_WAN

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "examples").glob("*.json"))]
ABSURD_WAN = 10 * MAX_MONEY_WAN
"""No single award may exceed this (a pass-through of three years of the largest figure is
below it)."""

FUZZ = settings(max_examples=120, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])
FUZZ_FILES = settings(FUZZ, max_examples=60)

HOSTILE_TEXT = st.sampled_from([
    "[/x]", "[link=https://evil.example]点我[/link]", "**粗**", "![x](y)", "<b>b</b>", ":smile:",
    "\udfff", "\x00", "\x1b[31m", "\u202e", " 2020", "02020", "２０２０", "1e308", "-1", "NaN",
    "Infinity", "1_000", "9" * 5000, "长" * 101, "", " ", "null", "true",
])
HOSTILE_NUMBER = st.sampled_from([
    0, -1, 1, 2020, 10**9, 10**9 + 1, 10**18, 10**30, 10**4299, 5 * 10**19,
    Decimal("1E+308"), Decimal("1E-7"), Decimal("0.000001"), Decimal("-0"), 1.5, True, False,
])
SCALAR = st.one_of(HOSTILE_TEXT, HOSTILE_NUMBER, st.none(), st.text(max_size=30),
                   st.integers(min_value=-(10**20), max_value=10**20))
VALUE = st.recursive(SCALAR, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.one_of(HOSTILE_TEXT, st.text(max_size=8)), inner,
                                                 max_size=4)), max_leaves=12)


def _paths(data: Any, prefix: tuple = ()) -> list[tuple]:
    """Every place in a profile a value could be replaced."""
    found = [prefix] if prefix else []
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _paths(value, (*prefix, index))
    return found


def _replace(data: Any, path: tuple, value: Any) -> Any:
    data = copy.deepcopy(data)
    target = data
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return data


MARKUP_TEXT = st.sampled_from(["[/x]", "[link=https://evil.example]点我[/link]", "**粗**", "![x](y)",
                               "<b>b</b>", ":smile:", "[bold]甲[/bold]", "1. 乙", "- 丙"])


FREE_TEXT = {"name", "leader", "exchange", "programme"}


def _plausible(draw: st.DrawFn, key: Any, original: Any) -> Any:
    """A value of the same kind as ``original`` that may well be accepted: a year, a figure
    within or at the bounds, a name made of markup."""
    if isinstance(original, bool):
        return draw(st.booleans())
    if isinstance(original, int) and 1990 <= original <= 2100:
        return draw(st.integers(min_value=1990, max_value=2100))
    if isinstance(original, int | float):
        return draw(st.one_of(st.integers(min_value=0, max_value=MAX_MONEY_WAN),
                              st.decimals(min_value=0, max_value=MAX_MONEY_WAN, places=6)
                              .map(str), st.sampled_from([0, MAX_MONEY_WAN, 1990, 2100])))
    if isinstance(original, str) and key in FREE_TEXT:
        return "".join(draw(st.lists(MARKUP_TEXT, min_size=1, max_size=3)))
    return original


@st.composite
def mutated_profiles(draw: st.DrawFn) -> str:
    """An example profile with a few of its values (or keys) replaced by hostile ones, as
    JSON text; sometimes a whole entry repeated, sometimes text that is no JSON at all."""
    profile = copy.deepcopy(draw(st.sampled_from(EXAMPLES)))
    if draw(st.booleans()):  # the name is printed in every output: make it markup half the time
        profile["name"] = "".join(draw(st.lists(MARKUP_TEXT, min_size=1, max_size=3)))
    for _ in range(draw(st.integers(min_value=0, max_value=2))):
        paths = _paths(profile)
        path = draw(st.sampled_from(paths))
        kind = draw(st.sampled_from(["plausible"] * 6 + ["value", "repeat", "key"]))
        if kind == "repeat" and isinstance(path[-1], int):
            parent = profile
            for part in path[:-1]:
                parent = parent[part]
            profile = _replace(profile, path[:-1], [*parent, copy.deepcopy(parent[path[-1]])])
        elif kind == "key":
            profile = _replace(profile, (draw(HOSTILE_TEXT),), draw(VALUE))
        elif kind == "plausible":
            target = profile
            for part in path:
                target = target[part]
            profile = _replace(profile, path, _plausible(draw, path[-1], target))
        else:
            profile = _replace(profile, path, draw(VALUE))
    text = json.dumps(profile, ensure_ascii=draw(st.booleans()), default=str)
    if draw(st.integers(min_value=0, max_value=9)) == 0:
        cut = draw(st.integers(min_value=0, max_value=len(text)))
        text = text[:cut] + draw(st.sampled_from(["", "[" * 3000, "\udfff", "}"]))
    return text


def _check_amounts(results: list[dict[str, Any]], total: Any) -> None:
    for finding in results:
        amount = finding["amount_wan"]
        if amount is not None:
            assert 0 <= Decimal(str(amount)) <= ABSURD_WAN, finding
    assert Decimal(str(total)) >= 0


@FUZZ
@given(text=mutated_profiles(), fmt=st.sampled_from(["table", "json"]))
def test_check_evaluates_or_refuses_never_crashes(text: str, fmt: str) -> None:
    result = CliRunner().invoke(app, ["check", "-", "--format", fmt],
                                input=text.encode("utf-8", "surrogatepass"))
    assert result.exit_code in (0, 2), (result.exit_code, result.output[-2000:], result.exception)
    assert "Traceback" not in result.output
    if result.exit_code == 2:
        assert "错误 / error" in result.output and " / " in result.output
    elif fmt == "json":
        report = json.loads(result.stdout)
        _check_amounts(report["results"], report["total_wan"])


CLAIM_HEAD = ["统一社会信用代码", "企业名称", "所在区", "行业门类", "年份", "营业收入（万元）",
              "区级财政贡献（万元）", "上市板块", "上市日期", "奖励条款", "申报年度", "申报金额（万元）"]
GOOD_ROW = ["91420104MA4K2ABC18", "汉正街示例商贸有限公司", "硚口区", "批发", 2020, 1020000, 2300,
            "科创板", "2020-07-22", "qk.listing", 2020, 500]
CELL = st.one_of(HOSTILE_TEXT, HOSTILE_NUMBER.map(str), st.text(max_size=20), st.just(""))


@st.composite
def claim_files(draw: st.DrawFn) -> tuple[bytes, str]:
    """A claims CSV from good rows with some cells (or the header) replaced, in one of the
    encodings officials' tools write."""
    rows = [list(CLAIM_HEAD)] + [list(GOOD_ROW) for _ in range(draw(st.integers(1, 4)))]
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        row = draw(st.integers(min_value=0, max_value=len(rows) - 1))
        column = draw(st.integers(min_value=0, max_value=len(CLAIM_HEAD) - 1))
        rows[row][column] = draw(CELL)
    separator = draw(st.sampled_from([",", "\t", ";"]))
    text = "\r\n".join(separator.join(json.dumps(str(v), ensure_ascii=False) for v in row)
                       for row in rows)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]))
    data = text.encode(encoding, "surrogatepass" if encoding.startswith("utf") else "replace")
    return data, draw(st.sampled_from(["claims.csv", "claims.txt"]))


@FUZZ_FILES
@given(file=claim_files(), fmt=st.sampled_from(["table", "json"]))
def test_verify_reads_or_refuses_never_crashes(tmp_path_factory: Any, file: tuple[bytes, str],
                                               fmt: str) -> None:
    data, name = file
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / name
    path.write_bytes(data)
    result = CliRunner().invoke(app, ["verify", str(path), "--format", fmt,
                                      "--db", f"sqlite:///{folder / 'none.sqlite'}"])
    assert result.exit_code in (0, 2), (result.exit_code, result.output[-2000:], result.exception)
    if result.exit_code == 2:
        assert "错误 / error" in result.output
    elif fmt == "json":
        report = json.loads(result.stdout)
        for verdict in report["claims"]:
            for key in ("claimed_wan", "computed_wan"):
                value = verdict.get(key)
                assert value is None or 0 <= Decimal(str(value)) <= ABSURD_WAN, verdict
