"""The catalogue's keyword regex, laid out as a trie, finds exactly what the plain alternation
of the keywords (longest first) found, on every vocabulary of the bundled catalogue."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.catalogue import load_catalogue
from detectors.text import fold

CATALOGUE = load_catalogue()
VOCABULARIES = {
    **{f"category {c}": v for c, v in CATALOGUE._category_vocab.items()},
    **{f"hazard {h}": v for h, v in CATALOGUE._hazard_vocab.items()},
    **{f"group {g}": v for g, v in CATALOGUE._group_vocab.items()},
    **{f"mode {m}": v for m, v in CATALOGUE._mode_vocab.items()},
    "terms": CATALOGUE._terms._vocab,
}


def _alternation(words: list[str]) -> re.Pattern[str]:
    """The plain alternation, longest keyword first (the reference)."""
    parts = []
    for word in sorted(set(words), key=len, reverse=True):
        escaped = re.escape(word)
        parts.append(rf"\b({escaped})(?:s|es)?\b" if word.isascii() else f"({escaped})")
    return re.compile("|".join(parts))


def _keywords() -> dict[str, list[str]]:
    import json
    from importlib import resources

    data = json.loads(resources.files("detectors").joinpath("data/catalogue.json").read_text())
    found = {f"category {c['id']}": c["keywords"] for c in data["categories"]}
    found |= {f"hazard {h}": w for h, w in data["hazards"].items()}
    found |= {f"group {g}": w for g, w in data["vulnerable_groups"].items()}
    found |= {f"mode {m}": w for m, w in data.get("hazard_modes", {}).items()}
    found["terms"] = [w for group in data.get("terms", []) for w in group]
    return {name: sorted({fold(w) for w in words}) for name, words in found.items()}


KEYWORDS = _keywords()
ALL_WORDS = sorted({w for words in KEYWORDS.values() for w in words})


def test_every_vocabulary_is_covered() -> None:
    assert set(KEYWORDS) == set(VOCABULARIES)
    assert sum(len(w) for w in KEYWORDS.values()) > 300


pieces = st.one_of(
    st.sampled_from(ALL_WORDS),
    st.sampled_from(ALL_WORDS).map(lambda w: w[: max(1, len(w) - 1)]),  # a keyword cut short
    st.sampled_from(ALL_WORDS).map(lambda w: w[1:] or w),
    st.sampled_from([" ", "s", "es", "的", "a", "-", "儿", "1"]),
    st.text(max_size=3),
)


@settings(max_examples=600, deadline=None)
@given(name=st.sampled_from(sorted(KEYWORDS)), parts=st.lists(pieces, max_size=8))
def test_the_trie_finds_what_the_alternation_found(name: str, parts: list[str]) -> None:
    text = fold("".join(parts))
    reference = _alternation(KEYWORDS[name])
    expected = [next(g for g in m.groups() if g) for m in reference.finditer(text)]
    assert VOCABULARIES[name].matches(text) == expected, text
