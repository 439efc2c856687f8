"""User text made literal for Streamlit's Markdown (headings, messages, captions, expanders).

Why: Streamlit renders these as Markdown with its own extensions, so a company name such as
``**大**公司``, ``[点我](https://…)``, ``![x](y)``, ``<b>``, ``$x$`` or ``:material/home:``
would be shown bold, as a link, an image, HTML, a formula or an icon. Every string that came
from a user (a profile, an uploaded file, an official's name) goes through :func:`md_text`
before it is put into Markdown; or it is shown with a widget that does not interpret text
(``st.text``, ``st.dataframe``, ``st.code``).
"""

from __future__ import annotations

import re

_ESCAPED = frozenset("\\`*_{}[]<>#|$~&")
"""Characters that start markup wherever they stand (emphasis, code, links and images, HTML,
headings, tables, formulas, strikethrough, entities); CommonMark lets a backslash escape them."""
_LINE_START = re.compile(r"^(\s*)(\d{1,9}[.)]|[-+=])(?=[\s=-]|$)", re.MULTILINE)
"""What starts a list, a quote or a heading underline only at the start of a line."""
_SHORTCODE = re.compile(r":(?=[A-Za-z_/])")
"""A colon before a word could open an emoji, icon or colour code (``:smile:``,
``:material/home:``, ``:red[…]``) or a bare link (``https://``); a zero-width space after it
breaks the code, not the text."""
_UNSHOWABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
"""Control characters, lone surrogates and direction overrides: shown as U+FFFD."""
_NEWLINES = re.compile(r"\s*\n\s*")


def md_text(value: object, *, one_line: bool = False) -> str:
    """``value`` as Markdown that renders as exactly its text.

    With ``one_line`` (a heading, a label), line breaks become spaces, so that text cannot
    start a list, a quote or a heading of its own.
    """
    text = _UNSHOWABLE.sub("\ufffd", str(value))
    if one_line:
        text = _NEWLINES.sub(" ", text)
    text = "".join("\\" + char if char in _ESCAPED else char for char in text)
    text = _LINE_START.sub(lambda m: m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1], text)
    return _SHORTCODE.sub(":\u200b", text)
