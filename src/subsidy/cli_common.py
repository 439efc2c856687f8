"""What every command of the command line shares: consoles, refusals, rule loading, options.

Kept apart so that the evaluation commands (cli.py) and the claim-verification commands
(cli_claims.py) refuse input the same way: a bilingual message on standard error and exit 2.

Text is text: company names, column headers, officials' names and notes come from files and
arguments, so the consoles here never read a string as console markup (rich would raise on
``[/x]`` and turn ``[link=…]`` into a link) nor pass a control sequence to the terminal.
Styles come only from :func:`styled` templates, with user text filled in literally.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.text import Text

from .evaluate import default_rules
from .ruleset import RuleFileError, RuleSet, load_rules, parse_switches

EXIT_REFUSED = 2

MAX_SHOWN_CHARS = 2_000
"""Longest single text printed as it is; a longer one (only a hostile file has one) is cut."""
_UNSHOWABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def shown(value: object) -> str:
    """``value`` as text safe for a terminal: control characters (an escape sequence could
    drive the terminal), lone surrogates (unwritable as UTF-8) and direction overrides shown
    as escapes (``\\x1b``), and cut at :data:`MAX_SHOWN_CHARS`. Line breaks stay."""
    text = str(value)
    if len(text) > MAX_SHOWN_CHARS:
        text = text[:MAX_SHOWN_CHARS] + "…"
    return _UNSHOWABLE.sub(
        lambda m: m.group().encode("unicode_escape", "backslashreplace").decode("ascii"), text)


class TextConsole(Console):
    """A console for which every string is text: never console markup (``[/x]`` would raise,
    ``[link=…]`` would become a link), never an emoji code, never a control sequence.

    Styling is added only through :class:`~rich.text.Text` objects, e.g. made by
    :func:`styled`, in which user text is inserted as plain text.
    """

    def render_str(self, text: str, **kwargs: Any) -> Text:
        kwargs.update(markup=False, emoji=False)
        return super().render_str(shown(text), **kwargs)


def styled(template: str, *values: object, style: str = "") -> Text:
    """A line with the program's own console markup, ``{}`` filled with ``values`` as plain
    text: ``styled("[bold]{}[/]  统一社会信用代码 {}", company, code)``. Whatever the values
    hold (``[/x]``, ``[link=…]``, ``:smile:``, escape sequences), it is shown literally."""
    filled = template.format(*(escape(shown(value)) for value in values))
    return Text.from_markup(filled, style=style, emoji=False)


def plain(value: object, style: str = "") -> Text:
    """User text as a :class:`~rich.text.Text`: shown literally (see :func:`shown`)."""
    return Text(shown(value), style=style)


out = TextConsole(width=None if sys.stdout.isatty() else 160, markup=False, emoji=False)
err = TextConsole(stderr=True, soft_wrap=True, highlight=False, markup=False, emoji=False)

RulesOpt = Annotated[Path | None, typer.Option("--rules", help="规则目录 / rules folder (default: rules/)")]
InterpOpt = Annotated[
    list[str] | None,
    typer.Option("--interp", help="切换解释 / flip a reading: INTERP-QK-1=alternative (repeatable)"),
]


def refuse(message: str) -> NoReturn:
    """Refused input: the message in Chinese and English, exit status 2, no traceback."""
    err.print(Text.assemble(("错误 / error: ", "bold red"), shown(message)))
    raise typer.Exit(EXIT_REFUSED)


def check_format(fmt: str) -> None:
    """``--format`` takes table or json."""
    if fmt not in ("table", "json"):
        refuse(f"--format 应为 table 或 json / --format must be table or json, got {fmt!r}")


def check_lang(lang: str) -> None:
    """``--lang`` takes zh or en."""
    if lang not in ("zh", "en"):
        refuse(f"--lang 应为 zh 或 en / --lang must be zh or en, got {lang!r}")


def ruleset_for(rules_dir: Path | None, interp: list[str] | None) -> RuleSet:
    """The rule set of ``rules_dir`` (default rules/) under the ``--interp`` switches."""
    try:
        ruleset = load_rules(rules_dir) if rules_dir else default_rules()
        if interp:
            ruleset = ruleset.with_switches({**ruleset.readings, **parse_switches(interp)})
        return ruleset
    except RuleFileError as exc:
        refuse(str(exc))
