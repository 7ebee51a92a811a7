"""Brand names as reports write them: aliases in brackets, other spellings, homophones, the
other script's name, and a brand named only in the text.

Why a module of its own: the near-duplicate check and linkage both decide whether two reports
name the same brand, and must decide it the same way.

The reference table (``detectors/data/brands.json``) lists brands with their names in Chinese and
Latin script and the catalogue categories they sell in. It does two things:
- a brand field written in one script agrees with the other script's ("惠普" = "HP"), which
  spelling and sound cannot tell;
- a report whose brand field is empty gets the brand its name or text names ("HP的电源坏了"),
  when it names exactly one brand of its category. Names that are also common words ("老板",
  "Sharp") and categories a brand does not sell in ("苹果" in a food report) are not read, nor
  a Chinese name that does not start a word by jieba's dictionary ("方正" in "官方正品").
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from rapidfuzz import fuzz

from detectors.text import fold, is_cjk, match_key, sound_key

__all__ = ["BRAND_SAME", "BrandReference", "brand_named", "brand_variants", "brands_agree"]

BRAND_SAME = 85.0  # rapidfuzz ratio at which two spellings are one brand


_ALIAS = re.compile(r"[(（]([^)）]*)[)）]")


_LETTER = re.compile(r"[a-z]")
_DIGIT = re.compile(r"[0-9]")


def _canonical(names: list[str]) -> str:
    """How an inferred brand is written in a signal: its Chinese name with its Latin one in
    brackets ("惠普(HP)"), which :func:`brand_variants` reads back as both."""
    cjk = next((n for n in names if any(is_cjk(c) for c in n)), None)
    latin = next((n for n in names if not any(is_cjk(c) for c in n)), None)
    return f"{cjk}({latin})" if cjk and latin else names[0]


@dataclass(frozen=True, slots=True)
class BrandReference:
    """The reference brand table, indexed for the two questions asked of it per signal."""

    keys: tuple[tuple[str, ...], ...]  # per brand: the match keys of its names
    by_key: dict[str, int]  # a name's match key -> its brand
    canonical: tuple[str, ...]  # per brand: how an inferred brand is written
    readable: dict[str, dict[str, tuple[tuple[str, int], ...]]]  # category -> first char ->
    # (folded name, brand): the names read out of free text, by their first character

    @classmethod
    def of(cls, data: dict[str, object]) -> BrandReference:
        """Index the table as ``brands.json`` holds it."""
        keys: list[tuple[str, ...]] = []
        by_key: dict[str, int] = {}
        canonical: list[str] = []
        readable: dict[str, dict[str, list[tuple[str, int]]]] = {}
        entries = data["brands"]
        assert isinstance(entries, list)
        for n, entry in enumerate(entries):
            names: list[str] = entry["names"]
            words = set(entry.get("words", ()))
            keys.append(tuple(dict.fromkeys(match_key(name) for name in names)))
            for key in keys[-1]:
                by_key.setdefault(key, n)  # a key two brands share stays with the first
            canonical.append(_canonical(names))
            for category in entry["categories"]:
                firsts = readable.setdefault(category, {})
                for name in names:
                    folded = fold(name)
                    if name not in words and len(folded) >= 2:
                        firsts.setdefault(folded[0], []).append((folded, n))
        return cls(
            tuple(keys),
            by_key,
            tuple(canonical),
            {c: {f: tuple(v) for f, v in firsts.items()} for c, firsts in readable.items()},
        )

    def named(self, text: str, category: str | None) -> str | None:
        """The one brand of ``category`` that ``text`` names, as written in a signal; ``None``
        for none, or two (a review comparing brands names neither as its own)."""
        firsts = self.readable.get(category or "")
        if not firsts:
            return None
        folded = fold(text)
        found: set[int] = set()
        starts: frozenset[int] | None = None  # where jieba's words start, when first needed
        for i, char in enumerate(folded):
            for name, brand in firsts.get(char, ()):
                if not folded.startswith(name, i) or not _whole(folded, i, i + len(name)):
                    continue
                if is_cjk(char):  # "方正" in "官方正品" is the end of one word and a next one
                    starts = _word_starts(folded) if starts is None else starts
                    if i not in starts:
                        continue
                found.add(brand)
        return self.canonical[found.pop()] if len(found) == 1 else None


def _whole(text: str, start: int, end: int) -> bool:
    """Whether a Latin name at ``text[start:end]`` is a word of its own: "hp" in "hp的" and in
    "hp14寸" (a model size follows), not in "php"; a Chinese name has no boundaries to check."""
    for kind in (_LETTER, _DIGIT):
        if kind.match(text[start]) and start > 0 and kind.match(text[start - 1]):
            return False
        if kind.match(text[end - 1]) and end < len(text) and kind.match(text[end]):
            return False
    return True


@cache
def _segmenter() -> Any:
    """jieba's word segmenter over the dictionary the masking tagger loaded (one copy)."""
    import jieba

    from detectors.masking_words import word_frequencies

    freq = word_frequencies()
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ, tokenizer.total = freq, sum(freq.values())
    tokenizer.initialized = True
    return tokenizer


def _word_starts(text: str) -> frozenset[int]:
    """Where the words of ``text`` start, by jieba's dictionary (no guessing of new words)."""
    starts, at = [], 0
    for word in _segmenter().cut(text, HMM=False):
        starts.append(at)
        at += len(word)
    return frozenset(starts)


@cache
def reference() -> BrandReference:
    """The bundled reference brand table."""
    raw = resources.files("detectors").joinpath("data/brands.json").read_text("utf-8")
    return BrandReference.of(json.loads(raw))


def brand_named(text: str, category: str | None) -> str | None:
    """The brand a report with an empty brand field names in ``text`` (see module doc)."""
    return reference().named(text, category)


@lru_cache(maxsize=65536)
def brand_variants(brand: str | None) -> tuple[str, ...]:
    """A brand, its alias in brackets and its other names in the reference table, as match
    keys: "禾舒(Heshu)" gives 禾舒 and heshu; "惠普" gives 惠普, hp and hewlettpackard."""
    if not brand:
        return ()
    variants = [match_key(_ALIAS.sub("", brand)), *(match_key(a) for a in _ALIAS.findall(brand))]
    table = reference()
    for variant in list(variants):
        known = table.by_key.get(variant)
        if known is not None:
            variants += table.keys[known]
    return tuple(dict.fromkeys(v for v in variants if v))


@lru_cache(maxsize=65536)
def _script(text: str) -> str:
    return "cjk" if any(is_cjk(c) for c in text) else "latin"


def brands_agree(a: tuple[str, ...], b: tuple[str, ...]) -> bool | None:
    """True when a variant matches, by spelling or by sound ("郎菲" = "朗菲" = "Langfei");
    False when both name a brand in one script and none match; ``None`` when that cannot be told
    (one has no brand, or they are written in other scripts).
    """
    if not a or not b:
        return None
    if any(fuzz.ratio(x, y, score_cutoff=BRAND_SAME) for x in a for y in b):
        return True
    sounds_a = {sound_key(x) or x for x in a}
    if sounds_a & {sound_key(y) or y for y in b}:
        return True  # homophones ("郎菲" for "朗菲") or a romanised name ("Langfei")
    if {_script(x) for x in a} & {_script(y) for y in b}:
        return False
    return None
