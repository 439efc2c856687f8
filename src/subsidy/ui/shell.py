"""The app's frame: page setup, the language switch, navigation, and the last line of defence.

Why a last line of defence: a user must never see a traceback. Anything unexpected is
logged for the maintainers and the user gets a short bilingual message; the form state
is untouched, so nothing typed is lost.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging

import streamlit as st

from subsidy.evaluate import default_rules
from subsidy.ui import page_text
from subsidy.ui.i18n import LANG_NAMES, LANGS, colon, t
from subsidy.ui.state import LANG_KEY, current_lang

log = logging.getLogger("subsidy.ui")

REVIEW_MODULE = "subsidy.ui.review_page"


def review(module: str = REVIEW_MODULE) -> None:
    """The review page when its module is installed, a placeholder otherwise.

    The sign-in comes first, and the page's own module (claims files, workbooks, the
    decision forms) is imported only for a signed-in official: a visitor's first look at
    the page is the sign-in form alone, without loading what only officials use."""
    lang = current_lang()
    if importlib.util.find_spec(module) is None:
        st.title(t("page_review", lang))
        st.info(t("review_placeholder", lang))
        return
    from subsidy.ui.signin import REVIEW_ROLES, require_role

    user = require_role(REVIEW_ROLES, lang)
    if user is None:
        return
    importlib.import_module(module).render(lang, user)


def check() -> None:
    """The self-check page (imported when first shown, not before any page is drawn)."""
    from subsidy.ui import check_page

    check_page.render()


def catalogue() -> None:
    """The rule catalogue (imported when first shown)."""
    from subsidy.ui import catalogue_page

    catalogue_page.render()


def _guarded(page: object) -> object:
    """Run a page; show a short message instead of a traceback if it fails."""

    def run() -> None:
        try:
            page()  # type: ignore[operator]
        except Exception:  # noqa: BLE001 — the user sees a message, the log gets the details
            log.exception("page failed")
            st.error(t("internal_error", current_lang()), icon=":material/report:")

    run.__name__ = getattr(page, "__name__", "page")
    return run


_RELABELLED = ("pf.", "interp.", "ui.example")


def _relabel_widgets() -> None:
    """After a language switch, hand every select its own value again.

    A select keeps showing the label it was given until its value is set anew, so without
    this the choices would stay in the old language (the codes behind them are unchanged).
    """
    for key in list(st.session_state.keys()):
        if isinstance(key, str) and key.startswith(_RELABELLED):
            st.session_state[key] = st.session_state[key]
    from subsidy.ui import check_page

    check_page.keep_form_open(current_lang())


def screening() -> None:
    """The officials' 政策测算 page, imported on first visit (DuckDB is not needed before)."""
    from subsidy.ui import screening_page

    screening_page.render(current_lang())


def main() -> None:
    """Build the page frame and run the chosen page."""
    lang = current_lang()
    st.set_page_config(page_title=t("app_title", lang), page_icon=":material/calculate:", layout="wide")
    with st.sidebar:
        st.segmented_control(t("language", lang), LANGS, key=LANG_KEY, default="zh",
                             format_func=lambda code: LANG_NAMES[code], required=True,
                             on_change=_relabel_widgets)
    lang = current_lang()
    pages = [
        st.Page(_guarded(check), title=t("page_check", lang), icon=":material/calculate:",
                url_path="check", default=True),
        st.Page(_guarded(catalogue), title=t("page_catalogue", lang), icon=":material/menu_book:",
                url_path="catalogue"),
        st.Page(_guarded(review), title=t("page_review", lang), icon=":material/fact_check:", url_path="review"),
        st.Page(_guarded(screening), title=t("page_screening", lang), icon=":material/query_stats:",
                url_path="screening"),
    ]
    page = st.navigation(pages)
    with st.sidebar:
        st.caption(t("sidebar_about", lang))
        st.caption(f"{t('ruleset_version', lang)}{colon(lang)}{default_rules().version}")
        page_text.install(lang)
    page.run()
