"""The key-product catalogue: which category a product is in, which hazard a text describes.

The catalogue is data (``detectors/data/catalogue.json``, versioned) so that analysts can edit it
without touching code; :func:`load_catalogue` reads the bundled file or a user's copy. Matching
is by keyword: Chinese keywords as substrings (Chinese has no word boundaries), Latin keywords
as whole words, both on case-folded NFKC text; an HS code prefix counts as strong evidence.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from detectors.text import fold

__all__ = ["Catalogue", "Category", "load_catalogue"]


@dataclass(frozen=True, slots=True)
class Category:
    """One product category with its matching vocabulary."""

    id: str
    name_zh: str
    name_en: str
    key: bool
    keywords: tuple[str, ...]
    hs_prefixes: tuple[str, ...]


class _Vocabulary:
    """A set of keywords compiled into one regex; Latin words match only as whole words, in
    the singular or plural ("cookies" is a "cookie", "sparks" a "spark").

    At each position the longest keyword that matches wins, as with an alternation of the
    keywords longest first; the keywords are laid out as a trie (:func:`_trie`), so the regex
    engine follows one branch per character instead of trying every keyword in turn (several
    times faster on a catalogue's hundreds of Chinese keywords). Keywords that mix scripts
    starting with a Latin letter ("usb充电器") stay plain alternatives, tried first: where one
    of them and a Latin word both match, the mixed one is the longer."""

    def __init__(self, words: tuple[str, ...]) -> None:
        folded = {fold(w) for w in words}
        latin = sorted(w for w in folded if w.isascii())
        mixed = sorted((w for w in folded if not w.isascii() and w[:1].isascii()), key=len)
        other = sorted(w for w in folded if not w.isascii() and not w[:1].isascii())
        parts = [f"({re.escape(w)})" for w in reversed(mixed)]
        if latin:
            parts.append(rf"\b({_trie(latin)})(?:s|es)?\b")
        if other:
            parts.append(f"({_trie(other)})")
        self._pattern = re.compile("|".join(parts)) if parts else None

    def matches(self, text: str) -> list[str]:
        """Every keyword occurrence in already-folded ``text``, as the keyword is written."""
        if not self._pattern:
            return []
        return [next(g for g in m.groups() if g) for m in self._pattern.finditer(text)]


_Trie = dict[str, "_Trie"]  # a character to the rest; "" marks a keyword's end


def _trie(words: list[str]) -> str:
    """A regex matching exactly ``words``, longest first at each position, as a trie."""
    root: _Trie = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}
    return _branch(root)


def _branch(node: _Trie) -> str:
    branches = [re.escape(ch) + _branch(child) for ch, child in sorted(node.items()) if ch]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if "" in node:  # a keyword ends here: a longer one is tried first (greedy), then this one
        return f"(?:{body})?" if len(branches) > 1 or len(body) > 1 else f"{body}?"
    return body


class _Terms:
    """Synonym groups; every name in a group maps to the group's first (canonical) name."""

    def __init__(self, groups: list[list[str]]) -> None:
        self._canonical = {fold(w): fold(g[0]) for g in groups for w in g}
        self._vocab = _Vocabulary(tuple(self._canonical))

    def of(self, text: str) -> tuple[str, ...]:
        """Canonical names of every product term in already-folded ``text``, sorted."""
        return tuple(sorted({self._canonical[m] for m in self._vocab.matches(text)}))

    def in_order(self, text: str) -> list[str]:
        """Canonical names of the product terms in already-folded ``text``, first mention first."""
        return list(dict.fromkeys(self._canonical[m] for m in self._vocab.matches(text)))


class Catalogue:
    """Categories, hazard vocabulary and vulnerable-group vocabulary, compiled for matching."""

    def __init__(self, data: dict[str, object]) -> None:
        self.version = str(data["version"])
        raw_categories = data["categories"]
        assert isinstance(raw_categories, list)
        self.categories: dict[str, Category] = {}
        self._category_vocab: dict[str, _Vocabulary] = {}
        for raw in raw_categories:
            cat = Category(
                id=raw["id"],
                name_zh=raw["name_zh"],
                name_en=raw["name_en"],
                key=bool(raw["key"]),
                keywords=tuple(raw["keywords"]),
                hs_prefixes=tuple(raw["hs_prefixes"]),
            )
            self.categories[cat.id] = cat
            self._category_vocab[cat.id] = _Vocabulary(cat.keywords)
        hazards = data["hazards"]
        groups = data["vulnerable_groups"]
        assert isinstance(hazards, dict) and isinstance(groups, dict)
        self._hazard_vocab = {h: _Vocabulary(tuple(w)) for h, w in hazards.items()}
        self._group_vocab = {g: _Vocabulary(tuple(w)) for g, w in groups.items()}
        modes = data.get("hazard_modes", {})
        assert isinstance(modes, dict)
        self._mode_vocab = {m: _Vocabulary(tuple(w)) for m, w in modes.items()}
        audience = data.get("audience_keywords", [])
        assert isinstance(audience, list)
        self._audience = frozenset(fold(w) for w in audience)
        terms = data.get("terms", [])
        assert isinstance(terms, list)
        self._terms = _Terms(terms)
        # each kind of product's category, from all its names at once ("书桌" alone names none)
        self._term_category: dict[str, str] = {}
        for group in terms:
            names = " ".join(fold(w) for w in group)
            scores = [
                (sum(map(self._weight, v.matches(names))), c)
                for c, v in self._category_vocab.items()
            ]
            weight, category = max(scores, default=(0.0, ""))
            if weight > 0:
                self._term_category[fold(group[0])] = category

    def product_terms(self, name: str) -> tuple[str, ...]:
        """Canonical product-type terms in a name, the same in Chinese and English.

        "乐途儿童折叠滑板车" and "LeTu kids folding scooter" both give ``("滑板车",)``.
        """
        return self._terms.of(fold(name))

    def categorise(self, name: str, text: str = "", hs_code: str | None = None) -> str | None:
        """The best category for a product, or ``None`` when nothing in the catalogue fits.

        A product term in the name decides first (the first one named that the categories know):
        every name of one kind of product must land in one category, since the category is the
        partition where its reports meet, whatever else the text or an HS code suggests ("Yazhi
        correction fluid … strong solvent smell" is a student good, "冷冻鸡翅 腌制 空气炸锅" food).
        Otherwise evidence is weighted: a keyword in the product name counts twice its length, in
        free text once, and the longest matching HS prefix counts as a strong match. Words for
        whom a product is meant ("儿童", "kids") count a quarter: "儿童卫衣" is clothing.
        """
        folded_name, folded_text = fold(name), fold(text)
        for term in self._terms.in_order(folded_name):
            if term in self._term_category:
                return self._term_category[term]
        best: tuple[float, str] | None = None
        for cat_id, vocab in self._category_vocab.items():
            score = 2.0 * sum(map(self._weight, vocab.matches(folded_name)))
            score += sum(map(self._weight, vocab.matches(folded_text)))
            if hs_code:
                prefix = max(
                    (len(p) for p in self.categories[cat_id].hs_prefixes if hs_code.startswith(p)),
                    default=0,
                )
                score += 4.0 * prefix
            if score > 0 and (best is None or score > best[0]):
                best = (score, cat_id)
        return best[1] if best else None

    def _weight(self, keyword: str) -> float:
        """A keyword's evidence: its length, a quarter of it for a word naming who it is for."""
        return len(keyword) / 4 if keyword in self._audience else float(len(keyword))

    def hazard_of(self, text: str) -> str | None:
        """The hazard class most often named in ``text``, or ``None``."""
        folded = fold(text)
        counts = {h: len(v.matches(folded)) for h, v in self._hazard_vocab.items()}
        hazard, count = max(counts.items(), key=lambda kv: kv[1])
        return hazard if count else None

    def hazard_modes(self, text: str) -> tuple[str, ...]:
        """Every failure mode ``text`` names ("漏电" gives ``electric_shock``), sorted.

        Finer than the hazard class: linkage uses it to keep apart two hazards of one product.
        """
        folded = fold(text)
        return tuple(sorted(m for m, v in self._mode_vocab.items() if v.matches(folded)))

    def vulnerable_groups(self, text: str, age: int | None = None) -> tuple[str, ...]:
        """Vulnerable groups named in ``text`` or implied by a person's age (<14, >=65)."""
        folded = fold(text)
        groups = {g for g, v in self._group_vocab.items() if v.matches(folded)}
        if age is not None:
            if age < 14:
                groups.add("children")
            elif age >= 65:
                groups.add("elderly")
        return tuple(sorted(groups))

    def is_key(self, category: str | None) -> bool:
        """Whether the category is on the policy's list of key products."""
        return bool(category and category in self.categories and self.categories[category].key)


@cache
def load_catalogue(path: str | None = None) -> Catalogue:
    """The bundled catalogue, or the one at ``path`` (a user's edited copy)."""
    if path:
        raw = Path(path).read_text(encoding="utf-8")
    else:
        raw = resources.files("detectors").joinpath("data/catalogue.json").read_text("utf-8")
    data: dict[str, object] = json.loads(raw)
    return Catalogue(data)
