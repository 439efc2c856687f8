"""Hostile and malformed claim files: refused (or read) quickly, in bounded memory, with a
bilingual message naming the limit; and the names they carry never read as markup."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import hostile_files as hostile
import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from subsidy.claims import (
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_PROBLEMS,
    MAX_SHEETS,
    ClaimsFileError,
    read_claims,
    read_claims_bounded,
    template_bytes,
)
from subsidy.claims.reader import decode_text
from subsidy.cli import app
from subsidy.evaluate import default_rules
from subsidy.profile import credit_code_check_char

MARKUP = "[/x][link=https://evil.example]点我[/link]**粗**![x](y)<b>b</b>"
FAST_S = 10.0


def code(first17: str) -> str:
    return first17 + credit_code_check_char(first17)


def refused(data: bytes, name: str = "hostile.xlsx") -> ClaimsFileError:
    started = time.perf_counter()
    with pytest.raises(ClaimsFileError) as caught:
        read_claims(data, name)
    assert time.perf_counter() - started < FAST_S
    error = caught.value
    assert error.message_zh and error.message_en
    return error


# ------------------------------------------------------------------------------ workbooks


def test_a_zip_bomb_is_refused_by_its_declared_size() -> None:
    error = refused(hostile.zip_bomb(400))
    assert "100 MB" in error.message_zh and "as declared" in error.message_en


def test_a_zip_whose_sizes_lie_is_refused_when_unpacked() -> None:
    error = refused(hostile.lying_sizes(hostile.zip_bomb(120)))
    assert "损坏" in error.message_zh or "100 MB" in error.message_zh


@pytest.mark.parametrize("ref, words", [("A1:XFD1048576", "16,384 列"), ("A1:E1048576", "1,048,576 行")])
def test_a_huge_declared_dimension_is_refused_before_parsing(ref: str, words: str) -> None:
    error = refused(hostile.declared_dimension(ref))
    assert words in error.message_zh


def test_a_cell_far_to_the_right_is_refused_with_its_row() -> None:
    error = refused(hostile.far_cell())
    assert "第3行" in error.message_zh and f"上限为 {MAX_COLUMNS} 列" in error.message_zh


def test_a_value_a_million_rows_down_is_cut_with_a_problem() -> None:
    started = time.perf_counter()
    batch = read_claims(hostile.far_row(), "far.xlsx")
    assert time.perf_counter() - started < FAST_S
    assert len(batch.claims) == 1
    assert any("行" in p.message_zh and "未读取" in p.message_zh for p in batch.problems)


def test_too_many_sheets_are_refused() -> None:
    error = refused(hostile.many_sheets(MAX_SHEETS + 5))
    assert f"上限为 {MAX_SHEETS} 张" in error.message_zh


def test_a_document_type_declaration_is_refused() -> None:
    assert "文档类型" in refused(hostile.entity_expansion()).message_zh


def test_truncated_xml_is_refused_naming_the_sheet() -> None:
    error = refused(hostile.truncated_sheet())
    assert "申报" in error.message_zh and "损坏" in error.message_zh


def test_a_cell_longer_than_the_limit_is_refused_with_its_row_and_column() -> None:
    error = refused(hostile.long_cell(200_000))
    assert "第2行第 B 列" in error.message_zh and "200,000" in error.message_zh


def test_more_filled_cells_than_the_limit_are_refused_before_parsing() -> None:
    rows = [hostile.row_xml(1, hostile.CLAIM_HEAD)]
    rows += [hostile.row_xml(i, [1, 2, 3, 4, 5]) for i in range(2, MAX_CELLS // 5 + 10)]
    error = refused(hostile.workbook({"申报": hostile.sheet_xml(rows)}))
    assert f"{MAX_CELLS:,}" in error.message_zh


def test_problems_are_listed_up_to_the_limit_and_counted() -> None:
    batch = read_claims(hostile.problem_in_every_cell(4_000), "problems.xlsx")
    assert len(batch.problems) == MAX_PROBLEMS + 1
    assert batch.problems_omitted > 10_000
    last = batch.problems[-1]
    assert f"{batch.problems_omitted:,}" in last.message_zh and "more problems" in last.message_en


def test_a_legitimate_template_still_reads() -> None:
    batch = read_claims(template_bytes(example=True), "example.xlsx")
    assert batch.claims and not batch.problems


# ------------------------------------------------------------------------------ CSV


def test_a_csv_field_over_the_csv_module_limit_is_refused_with_the_row() -> None:
    error = refused(hostile.csv_huge_field(131_073), "huge.csv")
    assert "第3行" in error.message_zh


def test_a_csv_field_over_the_cell_limit_is_refused_with_row_and_column() -> None:
    error = refused(hostile.csv_huge_field(20_000), "long.csv")
    assert "第3行第 B 列" in error.message_zh


def _claim_rows() -> list[list[object]]:
    return [hostile.CLAIM_HEAD, [code("91420104MA4K2ABC1"), "某公司", "qk.listing", 2020, 100]]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16", "utf-16-le",
                                      "utf-16-be"])
def test_csv_encodings_are_detected(encoding: str) -> None:
    text = "\r\n".join(",".join(str(v) for v in row) for row in _claim_rows())
    data = text.encode(encoding)
    assert decode_text(data).startswith("统一社会信用代码")
    batch = read_claims(data, "claims.csv")
    assert len(batch.claims) == 1 and batch.claims[0].company_name == "某公司"


def test_excel_unicode_text_is_read() -> None:
    batch = read_claims(hostile.csv_utf16(_claim_rows()), "unicode.txt")
    assert [c.rule_id for c in batch.claims] == ["qk.listing"]


def test_text_in_no_known_encoding_is_refused() -> None:
    assert "编码" in refused(b"\xff\xfe\xfd" * 10 + b"\x81\x30" * 3 + b"\xff", "x.csv").message_zh


# ------------------------------------------------------------------------------ the worker


def test_the_worker_reads_a_file_like_the_reader() -> None:
    data = template_bytes(example=True)
    here = read_claims(data, "example.xlsx")
    there = read_claims_bounded(data, "example.xlsx", rules=default_rules())
    assert [c.key for c in there.claims] == [c.key for c in here.claims]
    assert [c.profile for c in there.companies] == [c.profile for c in here.companies]


def test_the_worker_passes_refusals_on() -> None:
    with pytest.raises(ClaimsFileError, match="100 MB"):
        read_claims_bounded(hostile.zip_bomb(400), "bomb.xlsx")


def test_the_worker_is_stopped_at_its_time_limit() -> None:
    data = hostile.problem_in_every_cell(3_000)
    started = time.perf_counter()
    with pytest.raises(ClaimsFileError, match="0.5 秒"):
        read_claims_bounded(data, "slow.xlsx", timeout=0.5)
    assert time.perf_counter() - started < 5


def test_the_worker_is_stopped_at_its_memory_limit() -> None:
    with pytest.raises(ClaimsFileError, match="MB"):
        read_claims_bounded(hostile.problem_in_every_cell(3_000), "big.xlsx", memory=64 * 1024 * 1024)


def test_the_worker_reads_a_path_and_refuses_a_missing_one(tmp_path: Path) -> None:
    path = tmp_path / "example.xlsx"
    path.write_bytes(template_bytes(example=True))
    assert read_claims_bounded(path).claims
    with pytest.raises(ClaimsFileError, match="无法读取"):
        read_claims_bounded(tmp_path / "missing.xlsx")


# ------------------------------------------------------------------------------ text is text


def _markup_workbook() -> bytes:
    book = Workbook()
    book.remove(book.active)
    companies = book.create_sheet("企业")
    companies.append(["统一社会信用代码", "企业名称", "所在区", "行业门类", "年份", "营业收入（万元）", MARKUP])
    companies.append([code("91420104MA4K2ABC1"), MARKUP[:90], "硚口区", "批发", 2020, 1000, "x"])
    claims = book.create_sheet("申报")
    claims.append(["统一社会信用代码", "企业名称", "奖励条款", "申报年度", "申报金额（万元）"])
    claims.append([code("91420104MA4K2ABC1"), MARKUP[:90], "qk.listing", 2020, 100])
    claims.append(["", MARKUP, MARKUP, 2020, 100])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_markup_in_names_and_headers_goes_through_verify_decide_and_history(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SUBSIDY_DB_URL", raising=False)
    monkeypatch.delenv("SUBSIDY_USER", raising=False)
    path = tmp_path / "markup.xlsx"
    path.write_bytes(_markup_workbook())
    db = f"sqlite:///{tmp_path / 'register.sqlite'}"
    runner = CliRunner()
    admin, clerk, reviewer = "admin password 1", "clerk password 1", "reviewer password 1"
    assert runner.invoke(app, ["users", "add", "admin", "--role", "管理员", "--db", db],
                         input=f"{admin}\n").exit_code == 0
    for name, role, password in (("clerk1", "经办", clerk), ("reviewer1", "复核", reviewer)):
        result = runner.invoke(app, ["users", "add", name, "--role", role, "--name", MARKUP[:40],
                                     "--as", "admin", "--db", db], input=f"{admin}\n{password}\n")
        assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["verify", str(path), "--record", "--user", "clerk1", "--db", db,
                                 "--format", "json"], input=f"{clerk}\n")
    assert result.exit_code == 0, result.output
    claim_id = json.loads(result.stdout[result.stdout.index("{"):])["claims"][0]["register_claim_id"]
    assert claim_id is not None
    result = runner.invoke(app, ["verify", str(path), "--db", db])
    assert result.exit_code == 0, result.output
    assert "[/x]" in result.output
    result = runner.invoke(app, ["propose", str(claim_id), "return", "--user", "clerk1",
                                 "--note", MARKUP, "--db", db], input=f"{clerk}\n")
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["decide", str(claim_id), "return", "--user", "reviewer1",
                                 "--note", MARKUP, "--db", db], input=f"{reviewer}\n")
    assert result.exit_code == 0, result.output
    assert "[/x]" in result.output
    result = runner.invoke(app, ["history", code("91420104MA4K2ABC1"), "--user", "reviewer1", "--db", db],
                           input=f"{reviewer}\n")
    assert result.exit_code == 0, result.output
    assert "[/x]" in result.output
    result = runner.invoke(app, ["history", MARKUP, "--user", "reviewer1", "--db", db], input=f"{reviewer}\n")
    assert result.exit_code == 0 and "[/x]" in result.output


@pytest.mark.parametrize("maker", [hostile.far_cell, hostile.truncated_sheet, hostile.entity_expansion,
                                   lambda: hostile.declared_dimension()])
def test_verify_refuses_hostile_workbooks_with_exit_2(tmp_path: Path, maker) -> None:
    path = tmp_path / "hostile.xlsx"
    path.write_bytes(maker())
    result = CliRunner().invoke(app, ["verify", str(path), "--db", f"sqlite:///{tmp_path / 'r.sqlite'}"])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_verify_refuses_a_huge_csv_field_with_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    path.write_bytes(hostile.csv_huge_field(131_073))
    result = CliRunner().invoke(app, ["verify", str(path), "--db", f"sqlite:///{tmp_path / 'r.sqlite'}"])
    assert result.exit_code == 2 and "第3行" in result.output


def test_decide_refuses_a_claim_id_beyond_any_register(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["decide", str(10**30), "approve",
                                      "--db", f"sqlite:///{tmp_path / 'r.sqlite'}"])
    assert result.exit_code == 2 and "申报编号" in result.output
