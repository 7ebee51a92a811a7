"""Brand names as reports write them: aliases in brackets, other spellings, homophones.

Why a module of its own: the near-duplicate check and linkage both decide whether two reports
name the same brand, and must decide it the same way.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rapidfuzz import fuzz

from detectors.text import is_cjk, match_key, sound_key

__all__ = ["BRAND_SAME", "brand_variants", "brands_agree"]

BRAND_SAME = 85.0  # rapidfuzz ratio at which two spellings are one brand


_ALIAS = re.compile(r"[(（]([^)）]*)[)）]")


def brand_variants(brand: str | None) -> tuple[str, ...]:
    """A brand and its alias in brackets as match keys: "禾舒(Heshu)" gives 禾舒 and heshu."""
    if not brand:
        return ()
    variants = [match_key(_ALIAS.sub("", brand)), *(match_key(a) for a in _ALIAS.findall(brand))]
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
