"""Text normalisation for matching: one canonical form for Chinese and English text.

Matching must not depend on how a clerk typed a name: full-width letters, case, spaces and
punctuation are folded away. Chinese has no spaces between words, so nothing downstream may
rely on whitespace tokenisation; :func:`match_key` removes spaces altogether and comparisons
work on characters.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["clean", "fold", "is_cjk", "language_of", "match_key"]

_SPACE = re.compile(r"\s+")
# Anything that is not a letter or a digit in any script (CJK ideographs count as letters).
_NON_WORD = re.compile(r"[^\w]|_", re.UNICODE)


def clean(text: str | None) -> str:
    """NFKC-fold (full-width to half-width), trim and collapse whitespace; keeps case and text."""
    if not text:
        return ""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def fold(text: str | None) -> str:
    """:func:`clean` plus case folding: the form used to compare names."""
    return clean(text).casefold()


def match_key(text: str | None) -> str:
    """Folded text with every space and punctuation mark removed, for fuzzy comparison."""
    return _NON_WORD.sub("", fold(text))


def is_cjk(char: str) -> bool:
    """True for a CJK unified ideograph (the common Chinese characters)."""
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"


def language_of(text: str | None) -> str:
    """``"zh"`` when a fifth or more of the letters are Chinese characters, else ``"en"``."""
    letters = [c for c in clean(text) if c.isalpha()]
    if not letters:
        return "zh"
    cjk = sum(1 for c in letters if is_cjk(c))
    return "zh" if cjk * 5 >= len(letters) else "en"
