"""The self-check page: load or enter a profile, choose readings, run the check, see results.

The page only arranges things: the profile is validated by :mod:`subsidy.profile`,
evaluated by :func:`subsidy.evaluate.evaluate`, and shown by :mod:`subsidy.ui.results`.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import TYPE_CHECKING

import streamlit as st

from subsidy.evaluate import default_rules
from subsidy.profile import Problem, Profile, dump_profile
from subsidy.report_text import file_stem
from subsidy.ruleset import RuleSet
from subsidy.ui import page_text
from subsidy.ui import profile_form as pf
from subsidy.ui.i18n import colon, md, money_short, t
from subsidy.ui.safe_text import md_text
from subsidy.ui.state import current_lang

if TYPE_CHECKING:  # the results' modules are imported when there are results to show
    from subsidy.findings import Report
    from subsidy.nearmiss import LadderOutlook, TierOutlook


@st.cache_resource(show_spinner=False)
def ruleset_for(readings: tuple[tuple[str, str], ...]) -> RuleSet:
    """The project's rule set under the given readings (one object per combination)."""
    return default_rules().with_switches(dict(readings))


INTERP_OPEN = "ui.interp_open"
"""Whether the panel of readings is open (one key per language, like the form's)."""


def _interp_key(iid: str) -> str:
    return f"interp.{iid}"


def _reset_readings() -> None:
    for iid, interp in default_rules().interpretations.items():
        st.session_state[_interp_key(iid)] = interp.use


def interpretation_readings() -> tuple[tuple[str, str], ...]:
    """The readings chosen in this session (the rule files' own choice where untouched)."""
    base = default_rules()
    return tuple(sorted((iid, st.session_state.get(_interp_key(iid), interp.use))
                        for iid, interp in base.interpretations.items()))


def interpretation_panel(lang: str) -> tuple[tuple[str, str], ...]:
    """One switch per INTERP reading, with its note; returns the readings chosen."""
    base = default_rules()
    for iid, interp in base.interpretations.items():
        st.session_state.setdefault(_interp_key(iid), interp.use)
    switched = [iid for iid, i in base.interpretations.items()
                if st.session_state[_interp_key(iid)] != i.use]
    title = t("interp_title", lang) + (t("paren", lang, text=len(switched)) if switched else "")
    # The switches are drawn only while the panel is open (a reading chosen stays chosen: the
    # radios keep their state for the session): a first look at the form draws no radio.
    box = st.expander(title, expanded=bool(switched), key=f"{INTERP_OPEN}.{lang}", on_change="rerun")
    if not box.open:
        return interpretation_readings()
    with box:
        st.caption(t("interp_intro", lang))
        for iid in sorted(base.interpretations):
            interp = base.interpretations[iid]
            heading = (interp.title_en or interp.title) if lang == "en" else interp.title
            readings = {"default": interp.default, "alternative": interp.alternative}

            def show(choice: str, readings: dict = readings) -> str:
                return f"{t('interp_' + choice, lang)}{colon(lang)}{readings[choice].label_in(lang)}"

            st.radio(
                f"{iid} · {heading}", ["default", "alternative"], key=_interp_key(iid),
                format_func=show, persist_state="session",
                captions=[(r.text_en or r.text) if lang == "en" else r.text for r in readings.values()],
            )
            st.caption(md((interp.note_en or interp.note) if lang == "en" else interp.note))
        st.button(t("interp_reset", lang), on_click=_reset_readings)
    return interpretation_readings()


def _on_upload() -> None:
    uploaded = st.session_state.get("ui.upload")
    if uploaded is not None:
        pf.load_upload(uploaded.getvalue(), uploaded.name)


def _on_example() -> None:
    stem = st.session_state.get("ui.example")
    if stem:
        pf.load_example(stem)


MEMO = "ui.evaluated"
FORM_OPEN = "ui.form_open"
"""Whether the form is unfolded below the results (one key per language: the expander's
label is part of its identity, see :func:`keep_form_open`)."""


def form_open_key(lang: str) -> str:
    return f"{FORM_OPEN}.{lang}"


def set_form_open(value: bool) -> None:
    for code in ("zh", "en"):
        st.session_state[form_open_key(code)] = value


def keep_form_open(lang: str) -> None:
    """After a language switch, the form stays as open or folded as it was."""
    other = "zh" if lang == "en" else "en"
    st.session_state[form_open_key(lang)] = bool(st.session_state.get(form_open_key(other)))


def _on_check() -> None:
    st.session_state["ui.checked"] = True
    set_form_open(False)  # the new results come first; the form folds away
    st.session_state["ui.check_no"] = st.session_state.get("ui.check_no", 0) + 1


def next_award_text(outlooks: list[LadderOutlook], lang: str) -> str | None:
    """The nearest tier still to be had, with what it lacks, for the summary line."""
    candidates = [o.next for o in outlooks if o.next is not None]
    if not candidates:
        return None

    def distance(tier: TierOutlook) -> tuple[int, Decimal]:
        """Fewest conditions missing first, then the smallest largest gap."""
        gaps = [r.gap_wan for r in tier.shortfalls if r.gap_wan is not None]
        return (len(tier.shortfalls), max(gaps, default=Decimal(0)))

    from subsidy.ui.nearmiss_panel import shortfall_words

    nearest = min(candidates, key=distance)
    tier = nearest.title_en if lang == "en" else nearest.title
    return t("next_award", lang, tier=tier, award=money_short(nearest.amount_wan, lang),
             short=shortfall_words(nearest, lang))


_JSON_PLACE = re.compile(r"第 ([0-9]+) 行第 ([0-9]+) 列")


def upload_problem(problem: Problem, lang: str) -> str:
    """A refused upload in the page's language: a JSON syntax error is said in words with its
    line and column (the parser's own English message is left out)."""
    if problem.field == "(JSON)":
        place = _JSON_PLACE.search(problem.message_zh)
        if place:
            return t("json_bad_at", lang, line=place.group(1), column=place.group(2))
        return t("json_bad", lang)
    return problem.message_en if lang == "en" else problem.message_zh


def toolbar(outcome: pf.FormOutcome, lang: str) -> None:
    """Examples, upload and download of the profile, and a clean start."""
    examples = pf.example_files()
    with st.container(border=True):
        left, middle, right = st.columns([3, 3, 2], vertical_alignment="bottom")
        with left:
            st.selectbox(t("example", lang), list(examples), key="ui.example",
                         format_func=lambda stem: examples.get(stem, stem), persist_state="session")
            st.button(t("load_example", lang), on_click=_on_example, icon=":material/folder_open:", key="ui.load_example")
        with middle:
            st.file_uploader(t("upload", lang), type=["json"], key="ui.upload", on_change=_on_upload)
        with right:
            st.download_button(
                t("download_profile", lang), pf.form_json(outcome),
                file_name=f"{file_stem(str(outcome.form.data.get('name') or 'profile'))}.json",
                mime="application/json", on_click="ignore", icon=":material/download:", width="stretch")
            if outcome.problems and st.session_state.get("ui.checked"):
                st.caption(t("download_profile_invalid", lang))
            st.button(t("clear", lang), on_click=pf.clear_form, icon=":material/restart_alt:", width="stretch")
    loaded = st.session_state.get("ui.loaded")
    if loaded:
        st.success(t("loaded", lang, name=md_text(loaded, one_line=True)), icon=":material/check_circle:")
    left_out = st.session_state.get("ui.left_out") or []
    if left_out:
        st.warning(t("not_loaded", lang) + "\n" + "\n".join(f"- {md(x)}" for x in left_out))
    load_error = st.session_state.get("ui.load_error") or []
    if load_error:
        st.error(t("upload_refused", lang) + "\n" + "\n".join(
            f"- {md(upload_problem(p, lang))}" for p in load_error))


def evaluated(profile: Profile, readings: tuple[tuple[str, str], ...],
              ruleset: RuleSet) -> tuple[Report, list[LadderOutlook]]:
    """The report and the near-miss outlook of this profile under these readings, computed
    once: opening a finding or a tab reruns the page, and must not evaluate again."""
    from subsidy.evaluate import evaluate
    from subsidy.nearmiss import outlook

    key = (json.dumps(dump_profile(profile), sort_keys=True, default=str), readings, ruleset.version)
    memo = st.session_state.get(MEMO)
    if memo is not None and memo[0] == key:
        return memo[1], memo[2]
    report = evaluate(profile, rules=ruleset)
    outlooks = outlook(report, profile, ruleset)
    st.session_state[MEMO] = (key, report, outlooks)
    return report, outlooks


def _form_area(outcome: pf.FormOutcome, lang: str, checked: bool) -> tuple[tuple[str, str], ...]:
    """Everything the user fills in, and the button; returns the readings chosen."""
    toolbar(outcome, lang)
    if checked and outcome.problems:
        pf.problem_summary(outcome, lang)
    pf.render_form(outcome, lang)
    readings = interpretation_panel(lang)
    st.button(t("run_check", lang), type="primary", on_click=_on_check, icon=":material/search:",
              key="ui.run_check", width="stretch")
    return readings


def render() -> None:
    """The page body: the form; once checked, the results first and the form folded below
    them (one click opens it again, nothing typed is lost)."""
    lang = current_lang()
    pf.init_state()
    outcome = pf.read_form()
    st.title(t("check_title", lang))
    checked = bool(st.session_state.get("ui.checked"))
    if not checked or outcome.profile is None:
        st.caption(t("check_intro", lang))
        _form_area(outcome, lang, checked)
        if checked:
            st.warning(t("fix_first", lang), icon=":material/edit:")
            set_form_open(True)  # being fixed: it stays open when the results come
        return
    from subsidy.ui.results import render_results

    readings = interpretation_readings()
    ruleset = ruleset_for(readings)
    report, outlooks = evaluated(outcome.profile, readings, ruleset)
    render_results(report, outcome.profile, ruleset, lang, outlooks=outlooks,
                   next_award=next_award_text(outlooks, lang))
    st.divider()
    # The form is drawn only while it is open: a check then costs the results alone.
    form_box = st.expander(t("edit_form", lang), key=form_open_key(lang), on_change="rerun",
                           icon=":material/edit:")
    if form_box.open:
        with form_box:
            _form_area(outcome, lang, checked)
    page_text.scroll_to_results(st.session_state.get("ui.check_no", 0))
