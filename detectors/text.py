"""Text normalisation for matching: one canonical form for Chinese and English text.

Matching must not depend on how a clerk typed a name: full-width letters, case, spaces and
punctuation are folded away. Chinese has no spaces between words, so nothing downstream may
rely on whitespace tokenisation; :func:`match_key` removes spaces altogether and comparisons
work on characters.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pypinyin import lazy_pinyin

__all__ = [
    "clean",
    "fold",
    "is_cjk",
    "language_of",
    "match_key",
    "narrative",
    "quoted_numbers",
    "simplified",
    "sound_key",
]

_SPACE = re.compile(r"\s+")
# Anything that is not a letter or a digit in any script (CJK ideographs count as letters).
_NON_WORD = re.compile(r"[^\w]|_", re.UNICODE)


def clean(text: str | None) -> str:
    """NFKC-fold (full-width to half-width), trim and collapse whitespace; keeps case and text."""
    if not text:
        return ""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def fold(text: str | None) -> str:
    """:func:`clean` plus case and script folding: the form used to compare text. Traditional
    characters become simplified ones (:func:`simplified`), so a copy re-typed or converted in
    the other script compares as the same text; the signal keeps what was written."""
    return simplified(clean(text).casefold())


@lru_cache(maxsize=1)
def _traditional_to_simplified() -> dict[int, str]:
    """OpenCC's character table (TSCharacters: traditional -> simplified; the first choice
    where there are several), as a ``str.translate`` table. Characters only, not OpenCC's
    phrase tables: simplifying is nearly one-to-one by character (the ambiguity runs the other
    way), and matching needs one form, not the idiomatic one."""
    from importlib import resources

    table: dict[int, str] = {}
    path = resources.files("opencc").joinpath("dictionary/TSCharacters.txt")
    for line in path.read_text(encoding="utf-8").splitlines():
        source, _, targets = line.partition("\t")
        if len(source) == 1 and targets:
            target = targets.split()[0]
            if target != source:
                table[ord(source)] = target
    return table


def simplified(text: str) -> str:
    """``text`` with traditional Chinese characters in their simplified form."""
    return text.translate(_traditional_to_simplified()) if text else text


def match_key(text: str | None) -> str:
    """Folded text with every space and punctuation mark removed, for fuzzy comparison."""
    return _NON_WORD.sub("", fold(text))


@lru_cache(maxsize=65536)
def sound_key(key: str) -> str:
    """How a Chinese match key sounds, in toneless pinyin ("朗菲" and "郎菲" give "langfei").

    Clerks and consumers type brands by ear: homophones ("童运" for "童韵") are the commonest
    misspelling of a Chinese name, and a brand's romanised name is often its pinyin. Empty for a
    key that is not all Chinese.
    """
    if not key or not all(is_cjk(c) for c in key):
        return ""
    return "".join(lazy_pinyin(key))


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


# Openers and closing demands of complaint and hotline texts: they differ between two filings
# of one event (one clerk writes "来电人称", the web form "您好，我要投诉") and are shared by
# unrelated ones, so comparing reports works on the narrative without them.
_OPENERS = re.compile(
    r"^(?:您好|你好|【投诉】|投诉|我要投诉|我想投诉|投诉一个产品质量问题|12345热线转办件|"
    r"市民反映|消费者来电反映|来电人称|来电反映|患者家属反映|hello|hi|dear sir or madam)"
    r"[,:：，!！。\s]*",
    re.IGNORECASE,
)
_DEMAND = re.compile(
    r"^(?:要求|诉求|希望|请|恳请|强烈要求|i want|i demand|please|i request|requesting)",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"(?<=[。！？!?；;])|(?<=\.\s)")


def narrative(text: str | None) -> str:
    """A report's account of what happened: openers and closing demands removed."""
    cleaned = clean(text)
    for _ in range(3):
        stripped = _OPENERS.sub("", cleaned)
        if stripped == cleaned:
            break
        cleaned = stripped
    kept = [s for s in _SENTENCE.split(cleaned) if s.strip() and not _DEMAND.match(s.strip())]
    return "".join(kept).strip() or clean(text)


_MONTH_DAY = re.compile(r"(?:(\d{4})\s*[年/.-]\s*)?(\d{1,2})\s*(?:月|/|\.(?=\d))\s*(\d{1,2})\s*日?")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def quoted_numbers(text: str | None) -> frozenset[str]:
    """Dates (as month-day, whatever their spelling) and other numbers a text quotes.

    "2月15日", "2.15" and "2026年2月15日" all give ``"2-15"``, so two accounts of one event
    agree on the day however each writes it.
    """
    cleaned = clean(text)
    dates = {f"{int(m[2])}-{int(m[3])}" for m in _MONTH_DAY.finditer(cleaned)}
    rest = _MONTH_DAY.sub(" ", cleaned)
    return frozenset(dates | set(_NUMBER.findall(rest)))
