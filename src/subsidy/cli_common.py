"""What every command of the command line shares: consoles, refusals, rule loading, options.

Kept apart so that the evaluation commands (cli.py) and the claim-verification commands
(cli_claims.py) refuse input the same way: a bilingual message on standard error and exit 2.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.text import Text

from .evaluate import default_rules
from .ruleset import RuleFileError, RuleSet, load_rules, parse_switches

EXIT_REFUSED = 2

out = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, soft_wrap=True, highlight=False)

RulesOpt = Annotated[Path | None, typer.Option("--rules", help="规则目录 / rules folder (default: rules/)")]
InterpOpt = Annotated[
    list[str] | None,
    typer.Option("--interp", help="切换解释 / flip a reading: INTERP-QK-1=alternative (repeatable)"),
]


def refuse(message: str) -> NoReturn:
    """Refused input: the message in Chinese and English, exit status 2, no traceback."""
    err.print(Text.assemble(("错误 / error: ", "bold red"), message))
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
