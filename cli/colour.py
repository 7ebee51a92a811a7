"""A warning's grade in its colour on a terminal (red, orange, yellow, blue), for every command
that prints warnings, and whether to colour at all (a terminal, and no ``NO_COLOR``)."""

from __future__ import annotations

import os
import sys

__all__ = ["badge", "colour_enabled"]

_ANSI = {
    "red": "\033[1;97;41m",
    "orange": "\033[1;30;48;5;208m",
    "yellow": "\033[1;30;43m",
    "blue": "\033[1;97;44m",
}
_RESET = "\033[0m"


def colour_enabled() -> bool:
    """Whether standard output is a terminal that wants colour."""
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def badge(grade: str, colour: str, enabled: bool) -> str:
    """`` II  orange `` - on the grade's colour when ``enabled``."""
    text = f" {grade:<3} {colour:<6} "
    return f"{_ANSI.get(colour, '')}{text}{_RESET}" if enabled else text
