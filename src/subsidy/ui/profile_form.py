"""The profile form: company basics, yearly figures and the optional blocks of CONTRACT.md.

Why the state lives where it does: every scalar field is a keyed widget with
``persist_state="session"``, so it survives reruns, validation errors and page switches.
Tables are ``st.data_editor`` widgets over a stored list of rows (``tbl.<name>``); the
current rows are that list with the editor's edits applied (:func:`form_model.apply_delta`),
known before anything is drawn. Loading a profile replaces the rows and gives the editor a
new key, so it starts from them. Nothing typed is thrown away: text the validator refuses
stays in its field, with the reason underneath.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from subsidy import vocab
from subsidy.profile import (
    Problem,
    Profile,
    ProfileError,
    dump_profile,
    field_label,
    read_json,
    validate_profile,
)
from subsidy.ui import form_model as fm
from subsidy.ui.i18n import md, t
from subsidy.ui.state import current_lang

WIDGET = "pf."
"""Prefix of the scalar widgets' keys: ``pf.district``."""

ENUM_OPTIONS = vocab.BY_FIELD
"""The vocabulary of each enumerated field, by field name (selects show its labels)."""
LOAD_OPTIONS: dict[str, dict[str, vocab.Label]] = {**ENUM_OPTIONS, "programme": vocab.TALENT_PROGRAMMES}
"""For loading: also known talent programmes, shown by their Chinese names (the profile
accepts those and stores the code)."""

EXAMPLES_DIR = Path(__file__).resolve().parents[3] / "examples"


def wkey(path: str) -> str:
    return WIDGET + path


def _table_key(name: str) -> str:
    return f"tbl.{name}"


def _editor_key(name: str) -> str:
    """The table editor's key. It changes whenever the editor must start again from the stored
    rows: after a load (version) and after a language switch (the columns' labels change the
    editor's identity, which would otherwise drop its edits)."""
    return f"ed.{name}.{st.session_state.get(f'tblver.{name}', 0)}.{current_lang()}"


# ------------------------------------------------------------------------------- state


def init_state() -> None:
    """Give every form key a value once per session (empty form)."""
    for path, kind in fm.SCALARS.items():
        st.session_state.setdefault(wkey(path), [] if kind == "tags" else None)
    for name in fm.TABLES:
        st.session_state.setdefault(_table_key(name), [])
        st.session_state.setdefault(f"tblver.{name}", 0)
    st.session_state.setdefault("ui.checked", False)


def current_rows(name: str) -> list[dict[str, Any]]:
    """The rows of table ``name`` as the user sees them now (stored rows + editor edits)."""
    columns = fm.TABLES[name].column_names
    base = st.session_state.get(f"tblbase.{name}")
    state = st.session_state.get(_editor_key(name))
    if base is None or state is None:
        return fm.apply_delta(st.session_state.get(_table_key(name), []), None, columns)
    return fm.apply_delta(base, state, columns)


def set_rows(name: str, rows: list[dict[str, Any]]) -> None:
    """Replace a table's rows (loading a profile): the editor restarts from them."""
    st.session_state[_table_key(name)] = rows
    st.session_state[f"tblver.{name}"] = st.session_state.get(f"tblver.{name}", 0) + 1
    st.session_state.pop(f"tblbase.{name}", None)


def load_into_form(data: Mapping[str, Any], source: str) -> None:
    """Spread a profile dict over the form (call from a callback, before widgets exist)."""
    content = fm.data_to_form(data, LOAD_OPTIONS)
    for path, value in content.values.items():
        st.session_state[wkey(path)] = value
    for name, rows in content.tables.items():
        set_rows(name, rows)
    st.session_state["ui.loaded"] = source
    st.session_state["ui.left_out"] = content.left_out
    st.session_state["ui.load_error"] = []


def clear_form() -> None:
    for path, kind in fm.SCALARS.items():
        st.session_state[wkey(path)] = [] if kind == "tags" else None
    for name in fm.TABLES:
        set_rows(name, [])
    for key in ("ui.loaded", "ui.left_out", "ui.load_error"):
        st.session_state.pop(key, None)
    st.session_state["ui.checked"] = False


def add_year_row() -> None:
    """The 添加年度 button: one more row, its year already filled in."""
    import datetime as dt

    set_rows("years", fm.next_year_row(current_rows("years"), dt.date.today().year - 1))


def paste_years() -> None:
    """Put cells copied from a spreadsheet into the years table (a pasted year's figures
    replace that year's; the others stay)."""
    rows, problems = fm.parse_pasted_years(st.session_state.get("ui.paste") or "")
    st.session_state["ui.paste_problems"] = problems
    if rows:
        set_rows("years", fm.merge_years(current_rows("years"), rows))
        st.session_state["ui.paste"] = ""


@st.cache_data(show_spinner=False)
def example_files() -> dict[str, str]:
    """Example profiles shipped with the project: file stem → company name."""
    names: dict[str, str] = {}
    for path in sorted(EXAMPLES_DIR.glob("*.json")):
        try:
            names[path.stem] = json.loads(path.read_text(encoding="utf-8")).get("name", path.stem)
        except (OSError, ValueError, AttributeError):
            names[path.stem] = path.stem
    return names


def load_example(stem: str) -> None:
    path = EXAMPLES_DIR / f"{stem}.json"
    data = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    load_into_form(data, data.get("name", stem))


def load_upload(raw: bytes, filename: str) -> None:
    """Load an uploaded JSON profile; a file that is not a JSON object is refused with the
    validator's bilingual message and the form is left as it was."""
    try:
        data = read_json(raw)  # bounded in size and nesting before it is parsed
    except ProfileError:
        data = None
    if not isinstance(data, dict):
        _, problems = validate_profile(raw)
        st.session_state["ui.load_error"] = problems
        st.session_state.pop("ui.loaded", None)  # the earlier "loaded" note no longer holds
        return
    load_into_form(data, filename)
    st.session_state["ui.checked"] = True


# ------------------------------------------------------------------------------- reading


@dataclass
class FormOutcome:
    """The form's current content, validated."""

    form: fm.FormData
    profile: Profile | None
    problems: list[Problem] = field(default_factory=list)

    def at(self, anchor: str) -> list[tuple[fm.Place, Problem]]:
        """The problems shown at one place of the form."""
        out = []
        for problem in self.problems:
            place = fm.locate(problem.field, self.form.row_maps)
            if place.anchor == anchor:
                out.append((place, problem))
        return out


def read_form() -> FormOutcome:
    """Build and validate the profile from the current form state (draws nothing)."""
    values = {path: st.session_state.get(wkey(path)) for path in fm.SCALARS}
    tables = {name: current_rows(name) for name in fm.TABLES}
    for name, rows in tables.items():
        st.session_state[_table_key(name)] = rows
    form = fm.form_to_data(values, tables)
    profile, problems = validate_profile(form.data)
    problems = form.problems + problems
    if form.problems:
        profile = None
    return FormOutcome(form, profile, problems)


def form_json(outcome: FormOutcome) -> str:
    """The profile as JSON text for download: the validated profile, or what was typed."""
    data: Any = dump_profile(outcome.profile) if outcome.profile else outcome.form.data
    return json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n"


# ------------------------------------------------------------------------------- drawing


def _errors(outcome: FormOutcome, anchor: str, lang: str, show: bool) -> None:
    """The problems of one place, right under its widget."""
    if not show:
        return
    for place, problem in outcome.at(anchor):
        text = fm.form_words(fm.reason_only(problem, lang))
        if place.row is not None:
            column = place.column or ""
            path = f"{fm.TABLES[anchor].path}[].{column}" if column else fm.TABLES[anchor].path
            text = t("row_problem", lang, row=place.row, label=fm_label(path, lang), message=text)
        st.error(md(text), icon=":material/error:")


def fm_label(path: str, lang: str) -> str:
    """A field's label for a widget: the profile's own label (capitalised in English)."""
    text = field_label(path, lang)
    return text[:1].upper() + text[1:] if lang == "en" else text


def _text(path: str, lang: str, outcome: FormOutcome, show: bool, *, placeholder: str | None = None,
          help: str | None = None, suffix: str = "") -> None:
    st.text_input(fm_label(path, lang) + suffix, key=wkey(path), placeholder=placeholder,
                  help=help, persist_state="session")
    _errors(outcome, path, lang, show)


def _select(path: str, lang: str, outcome: FormOutcome, show: bool, options: list[Any],
            format_func: Callable[[Any], str], *, help: str | None = None,
            label: str | None = None) -> None:
    current = st.session_state.get(wkey(path))
    if current is not None and current not in options:
        st.session_state[wkey(path)] = None
    st.selectbox(label or fm_label(path, lang), options, index=None, key=wkey(path),
                 format_func=format_func, placeholder=t("choose", lang), help=help,
                 persist_state="session")
    _errors(outcome, path, lang, show)


def _labeller(table: dict[str, vocab.Label], lang: str) -> Callable[[Any], str]:
    def show(code: Any) -> str:
        return vocab.label(table, str(code), lang)

    return show


def _column_config(name: str, lang: str) -> dict[str, Any]:
    spec = fm.TABLES[name]
    config: dict[str, Any] = {}
    yes_no = _labeller({"yes": vocab.Label("是", "yes"), "no": vocab.Label("否", "no")}, lang)
    for column in spec.columns:
        label = fm_label(f"{spec.path}[].{column.name}", lang)
        if column.kind == "money":
            config[column.name] = st.column_config.TextColumn(
                f"{label}{t('unit_wan', lang)}",
                help=t("money_placeholder", lang))
        elif column.kind == "enum":
            table = ENUM_OPTIONS[column.name]
            config[column.name] = st.column_config.SelectboxColumn(
                label, options=list(table), format_func=_labeller(table, lang))
        elif column.kind == "bool":
            config[column.name] = st.column_config.SelectboxColumn(
                label, options=["yes", "no"], format_func=yes_no)
        elif column.kind == "yearmoney":
            config[column.name] = st.column_config.TextColumn(
                t("tech_revenue_col", lang), help=t("tech_revenue_help", lang), width="large")
        elif column.name == "programme":
            config[column.name] = st.column_config.TextColumn(label, help=t("programme_help", lang))
        elif column.name == "date":
            config[column.name] = st.column_config.TextColumn(label, help=t("date_help", lang))
        else:
            config[column.name] = st.column_config.TextColumn(label)
    return config


def _table(name: str, lang: str, outcome: FormOutcome, show: bool) -> None:
    """One table editor; it starts from the stored rows whenever it is (re)created."""
    key = _editor_key(name)
    if key not in st.session_state or f"tblbase.{name}" not in st.session_state:
        st.session_state[f"tblbase.{name}"] = list(st.session_state.get(_table_key(name), []))
    base = st.session_state[f"tblbase.{name}"]
    columns = fm.TABLES[name].column_names
    frame = pd.DataFrame([[row.get(c) for c in columns] for row in base],
                         columns=columns, dtype=object)
    st.data_editor(frame, key=key, num_rows="dynamic", hide_index=True, width="stretch",
                   column_config=_column_config(name, lang), placeholder="")
    _errors(outcome, name, lang, show)


def _count(name: str) -> int:
    return sum(1 for row in st.session_state.get(_table_key(name), [])
               if any(not fm.blank(v) for v in row.values()))


@contextlib.contextmanager
def _section(name: str, title: str, outcome: FormOutcome, anchors: list[str], show: bool,
             filled: bool) -> Iterator[bool]:
    """An expander for an optional block, drawn only while open (most companies have no
    incubator or park: their tables cost neither the server nor the browser anything).
    It opens by itself when it comes to hold data or a problem; yields whether it is open."""
    has_problem = show and any(outcome.at(a) for a in anchors)
    label = (":red[:material/error:] " if has_problem else "") + title
    key = f"ui.sec.{name}.{current_lang()}"
    was_filled = st.session_state.get(f"ui.secfilled.{name}", False)
    st.session_state[f"ui.secfilled.{name}"] = filled
    if has_problem or (filled and not was_filled):
        st.session_state[key] = True
    box = st.expander(label, expanded=has_problem or filled, key=key, on_change="rerun")
    if box.open:
        with box:
            yield True
    else:
        yield False


def render_form(outcome: FormOutcome, lang: str) -> None:
    """Draw every field, each with its problems underneath once the user asked for a check."""
    show = bool(st.session_state.get("ui.checked"))

    with st.container(border=True):
        st.subheader(t("sec_basics", lang))
        left, right = st.columns(2)
        with left:
            _text("name", lang, outcome, show)
            _select("district", lang, outcome, show, list(vocab.DISTRICTS),
                    _labeller(vocab.DISTRICTS, lang), help=t("district_help", lang))
        with right:
            _text("credit_code", lang, outcome, show, help=t("credit_code_help", lang))
            _select("sector", lang, outcome, show, list(vocab.SECTORS),
                    _labeller(vocab.SECTORS, lang))
        tags = [*vocab.INDUSTRY_TAGS, fm.NONE_TAG]
        tag_label = _labeller({**vocab.INDUSTRY_TAGS,
                               fm.NONE_TAG: vocab.Label(t("tags_none", "zh"), t("tags_none", "en"))}, lang)
        st.multiselect(fm_label("industry_tags", lang), tags, key=wkey("industry_tags"),
                       format_func=tag_label, help=t("tags_help", lang), placeholder=t("choose", lang),
                       persist_state="session")
        _errors(outcome, "industry_tags", lang, show)

    with st.container(border=True):
        st.subheader(t("sec_years", lang))
        st.caption(t("sec_years_help", lang))
        _table("years", lang, outcome, show)
        add, paste = st.columns([1, 3], vertical_alignment="top")
        with add:
            st.button(t("add_year", lang), on_click=add_year_row, icon=":material/add:",
                      key="ui.add_year", help=t("add_year_help", lang))
        with paste:  # drawn only while open, like the optional blocks: most never paste
            box = st.expander(t("paste_title", lang), icon=":material/content_paste:",
                              key=f"ui.paste_open.{lang}", on_change="rerun")
            if box.open:
                with box:
                    st.caption(t("paste_help", lang))
                    st.text_area(t("paste_label", lang), key="ui.paste", height=120,
                                 max_chars=fm.MAX_PASTE_CHARS, placeholder=t("paste_placeholder", lang))
                    st.button(t("paste_apply", lang), on_click=paste_years, key="ui.paste_apply")
        for zh, en in st.session_state.get("ui.paste_problems") or []:
            st.warning(md(en if lang == "en" else zh), icon=":material/content_paste_off:")
        st.markdown(f"**{t('sec_history', lang)}**")
        st.caption(t("sec_history_help", lang))
        one, two, three = st.columns(3)
        with one:
            _text("scale_entry_year", lang, outcome, show, placeholder=t("year_placeholder", lang))
        with two:
            _text("prior_peak_revenue_wan", lang, outcome, show,
                  placeholder=t("money_placeholder", lang), suffix=t("unit_wan", lang))
        with three:
            _text("prior_peak_main_revenue_wan", lang, outcome, show,
                  placeholder=t("money_placeholder", lang), suffix=t("unit_wan", lang))

    for name, title in (("listings", "sec_listings"), ("recognitions", "sec_recognitions"),
                        ("talent_projects", "sec_talent"), ("tech_upgrade_projects", "sec_tech")):
        count = _count(name)
        heading = t(title, lang) + (t("paren", lang, text=count) if count else "")
        with _section(name, heading, outcome, [name], show, filled=count > 0) as shown:
            if shown:
                _table(name, lang, outcome, show)

    incubator_paths = ["incubator.kind", "incubator.recognition.level", "incubator.recognition.year"]
    filled = _count("incubator_yearly") > 0 or any(
        st.session_state.get(wkey(p)) for p in incubator_paths)
    with _section("incubator", t("sec_incubator", lang), outcome, [*incubator_paths, "incubator_yearly"],
                  show, filled) as shown:
        if shown:
            one, two, three = st.columns(3)
            with one:
                _select("incubator.kind", lang, outcome, show, list(vocab.INCUBATOR_KINDS),
                        _labeller(vocab.INCUBATOR_KINDS, lang))
            with two:
                _select("incubator.recognition.level", lang, outcome, show, list(vocab.INCUBATOR_LEVELS),
                        _labeller(vocab.INCUBATOR_LEVELS, lang),
                        label=f"{t('incubator_rec', lang)} · {fm_label('incubator.recognition.level', lang)}")
            with three:
                _text("incubator.recognition.year", lang, outcome, show,
                      placeholder=t("year_placeholder", lang))
            st.markdown(f"**{t('incubator_yearly', lang)}**")
            _table("incubator_yearly", lang, outcome, show)

    park_paths = ["park_rating.stars", "park_rating.year", "park_rating.park_kind"]
    filled = any(st.session_state.get(wkey(p)) for p in park_paths)
    with _section("park", t("sec_park", lang), outcome, park_paths, show, filled) as shown:
        if shown:
            one, two, three = st.columns(3)
            with one:
                _select("park_rating.stars", lang, outcome, show, ["1", "2", "3", "4", "5"],
                        lambda s: "★" * int(s))
            with two:
                _text("park_rating.year", lang, outcome, show, placeholder=t("year_placeholder", lang))
            with three:
                _select("park_rating.park_kind", lang, outcome, show, list(vocab.PARK_KINDS),
                        _labeller(vocab.PARK_KINDS, lang))

    general = outcome.at("general")
    if show and general:
        for _place, problem in general:
            st.error(md(fm.form_words(problem.message_en if lang == "en" else problem.message_zh)),
                     icon=":material/error:")


def problem_summary(outcome: FormOutcome, lang: str) -> None:
    """All problems at once, above the form, each said where it is in the form's own words
    (never a field code): one round trip to fix them all."""
    lines = [f"- {md(fm.summary_line(p, outcome.form.row_maps, lang))}" for p in outcome.problems]
    st.error(t("problems_title", lang, n=len(outcome.problems)) + "\n" + "\n".join(lines), icon=":material/error:")
