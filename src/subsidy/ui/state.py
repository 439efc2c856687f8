"""Session-wide settings of the app (the language), read by every page."""

from __future__ import annotations

import streamlit as st

LANG_KEY = "ui.lang"


def current_lang() -> str:
    """"zh" or "en": the sidebar's language switch (Chinese until switched)."""
    return "en" if st.session_state.get(LANG_KEY) == "en" else "zh"
