"""Mask personal data in every text that leaves through a public or partner surface.

One function decides what is personal, so every surface masks alike: :func:`mask_text` for one
text, :func:`mask_record` for a JSON-like warning (every string value in it, excerpts included).
What is masked (kind: token, found by):

- ``name``: ``[姓名]``, jieba's part-of-speech tagger (``nr``: its dictionary and its HMM for
  unknown words) filtered by surname and word frequency; cue words ("收货人：", "…女士").
- ``address``: ``[地址]``, jieba's place words and address suffixes (路/街/号/室/小区/村/镇…);
  the country, province and prefecture-level city before them stay.
- ``phone``: ``[电话]``, mainland mobiles (+86, spaces, dashes, full-width digits), landlines
  with an area code, 400/800 numbers, any 7+ digit number after "电话/手机/Tel".
- ``id_card``: ``[身份证号]``, 18-digit resident ID numbers whether their check character is
  right or not (a birth date where it belongs, or 17 digits + X), 15-digit ones.
- ``bank_card``: ``[银行卡号]``, 16-19 digits passing the Luhn check, or grouped in fours.
- ``email``: ``[邮箱]``.
- ``order_number``: ``[单号]``, a code after 订单/单号/运单/流水号/order/tracking…, and any run
  of 12 or more digits (except a valid credit code or barcode right after its label).
- ``account``: ``[账号]``, an ID after QQ/微信/wx/旺旺/支付宝/抖音.

Names become a fixed token, not "张*": a surname is itself identifying in a village or a small
workplace, and a fixed token cannot be mistaken for text. "王先生" becomes "[姓名]先生". An
address keeps its province and city, which a warning needs for its scope, and loses the rest:
"浙江省杭州市西湖区文三路478号" becomes "浙江省杭州市[地址]". A run of place words with no
street, village, building or door number in it ("广州市白云区") is a region, not an address,
and stays.

The contract: pure and deterministic (same text and ``keep``, byte-identical result);
idempotent (masking a masked text changes nothing: tokens are never masked again, and the
function masks until nothing more is found); :class:`Span` offsets refer to the input text. The
only I/O is loading jieba's bundled dictionary and IDF table, once per process, on first use
(about 1.5 s and 250 MB); no cache file is written. ``keep`` lists words a warning needs
verbatim (its brand, its enterprise): no name or address is looked for inside them; numbers
and e-mails are masked all the same.

Why jieba (the ``jieba-py`` distribution, the maintained fork of jieba 0.42, MIT): it installs
from PyPI as a pure-Python wheel with its dictionary and HMM inside, and tags a sentence in
about a millisecond on a CPU, offline. The taggers that find more names either download their
models at run time (HanLP, LTP, Stanza, spaCy's Chinese pipelines, CKIP, fastHan: impossible
here), are free for research only (THULAC) or GPL (jiojio), or no longer build (Baidu LAC).

Measured on the MSRA NER corpus's test split (``lab/masking_eval.py``): 76% of the person names
that are not in jieba's dictionary (the nearest thing there to private persons) and 57% of all
person names are masked, and 90% of the masked names are names (jieba's bare ``nr`` tags: 78%
of the former, at 62%); 64% of the 44 village, town and street names are masked (77% of 851 in
the training split); 0.45% of the characters outside any entity, 1.3% of organisation names and
no province or city name are touched. In complaint sentences with Faker's ``zh_CN`` names,
addresses, phone, ID-card numbers and e-mails planted in them (``lab/publishing_masking_eval.py``,
1,000 sentences, seed 7: Faker's generated values, not real text), 95% of the names, 98% of the
addresses and every phone, ID-card number and e-mail are masked.

It misses names jieba splits with no cue word next to them ("陈 明亮"), famous names its
dictionary knows ("毛泽东"), foreign and romanised names, a surname alone ("老郭说"),
nicknames and handles; place names whose first part jieba reads as a verb ("召忽镇") or
whose 村 it joins to the next word ("北沟村农民"), addresses with no street, estate or number
word ("学校后面那栋楼"); digits written in Chinese characters, a phone number glued to other
digits, licence plates, passport numbers, IP addresses. It over-masks brands and
shops named after a person ("张小泉", "周大福": pass them in ``keep``) and everyday words
jieba's dictionary calls names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from detectors.masking_patterns import Found, id_checksum_ok, luhn_ok, pattern_spans
from detectors.masking_words import address_spans, name_spans, tag

__all__ = [
    "KINDS",
    "MASK_TOKENS",
    "MaskedText",
    "Span",
    "id_checksum_ok",
    "luhn_ok",
    "mask_record",
    "mask_text",
]

MASK_TOKENS: dict[str, str] = {
    "name": "[姓名]",
    "address": "[地址]",
    "phone": "[电话]",
    "id_card": "[身份证号]",
    "bank_card": "[银行卡号]",
    "email": "[邮箱]",
    "order_number": "[单号]",
    "account": "[账号]",
}
KINDS = tuple(MASK_TOKENS)
# Which detection wins when two overlap: patterns before words, the more certain first.
# A code after an order label outranks a phone-like run inside it ("JD0012345678").
_RANK = {
    "email": 0,
    "id_card": 1,
    "labelled_order": 2,
    "bank_card": 3,
    "phone": 4,
    "account": 5,
    "order_number": 6,
    "address": 7,
    "name": 8,
}
_MAX_ROUNDS = 4
_WORD_KINDS = ("name", "address")


@dataclass(frozen=True, slots=True)
class Span:
    """One masked stretch of the input: ``text[start:end]`` was personal data of ``kind``."""

    start: int
    end: int
    kind: str


@dataclass(frozen=True, slots=True)
class MaskedText:
    """The masked text and what was masked in the input, in order."""

    text: str
    spans: tuple[Span, ...]

    @property
    def masked(self) -> bool:
        """Whether anything was masked."""
        return bool(self.spans)


def mask_text(text: str, keep: Iterable[str] = ()) -> MaskedText:
    """Mask names, addresses, phone, ID-card and bank-card numbers, e-mails, order numbers."""
    shadow = text.translate(_ASCII)
    kept = [(m.start(), m.end()) for w in _keep_words(keep) for m in _occurrences(w, shadow)]
    spans: list[Span] = []
    masked = text
    for _ in range(_MAX_ROUNDS):
        # Masking changes the context jieba sees ("张伟和[姓名]"), so look again until stable.
        zones = [(_to_masked(a, spans, end=False), _to_masked(b, spans, end=True)) for a, b in kept]
        found = _detect(masked, zones)
        if not found:
            break
        spans = _merge(spans, _to_input(found, spans, text))
        masked = _render(text, spans)
    return MaskedText(masked, tuple(spans))


def mask_record(obj: Any, keep: Iterable[str] = (), keep_fields: Iterable[str] = ()) -> Any:
    """A copy of a JSON-like value with every string in it masked (keys are field names, kept).

    Dicts, lists and tuples are walked; other values (numbers, booleans, ``None``) are data
    fields, not text, and are returned as they are. The string values of ``keep_fields``
    (say ``brand``, ``enterprise``), wherever they are in ``obj``, join ``keep``: a brand named
    after a person ("张小泉") stays in every text of the record. They are masked all the same,
    so a phone number in one of them does not leave.
    """
    fields = frozenset(keep_fields)
    words = list(keep)
    for value in _field_values(obj, fields) if fields else ():
        words.append(value)  # and the names and places in it, wherever they are written alone
        words += [value[s.start : s.end] for s in mask_text(value).spans if s.kind in _WORD_KINDS]
    return _walk(obj, tuple(words))


def _field_values(obj: Any, fields: frozenset[str]) -> Iterable[str]:
    if isinstance(obj, Mapping):
        for key, value in obj.items():
            if key in fields and isinstance(value, str):
                yield value
            else:
                yield from _field_values(value, fields)
    elif isinstance(obj, list | tuple):
        for value in obj:
            yield from _field_values(value, fields)


def _walk(obj: Any, keep: tuple[str, ...]) -> Any:
    if isinstance(obj, str):
        return mask_text(obj, keep).text
    if isinstance(obj, Mapping):
        return {key: _walk(value, keep) for key, value in obj.items()}
    if isinstance(obj, list):
        return [_walk(value, keep) for value in obj]
    if isinstance(obj, tuple):
        return tuple(_walk(value, keep) for value in obj)
    return obj


# --- the text as the detectors see it --------------------------------------------------------

# Full-width ASCII and dash variants to ASCII, one character for one, so offsets are shared.
_ASCII = {0xFF01 + i: 0x21 + i for i in range(94)}
_ASCII.update({0x3000: 0x20, 0x2010: 0x2D, 0x2011: 0x2D, 0x2012: 0x2D, 0x2013: 0x2D})
_ASCII.update({0x2014: 0x2D, 0x2015: 0x2D, 0x2212: 0x2D})
_TOKEN = re.compile("|".join(re.escape(t) for t in MASK_TOKENS.values()))
_HAN = re.compile(r"[\u4e00-\u9fff]")


def _keep_words(keep: Iterable[str]) -> tuple[str, ...]:
    words = {w.translate(_ASCII) for w in keep if w and w.strip()}
    return tuple(sorted(words, key=lambda w: (-len(w), w)))


def _detect(text: str, kept: list[tuple[int, int]]) -> list[Found]:
    """Every non-overlapping detection in ``text``; tokens already in it are left alone, and
    no name or address is looked for in the ``kept`` stretches."""
    shadow = text.translate(_ASCII)
    found = pattern_spans(shadow)
    if _HAN.search(shadow):
        tokens = tag(shadow)
        words = address_spans(shadow, tokens) + name_spans(shadow, tokens)
        found += [f for f in words if not _overlaps(f, kept)]
    blocked = [(m.start(), m.end()) for m in _TOKEN.finditer(shadow)]
    return _resolve([f for f in found if not _overlaps(f, blocked)])


def _occurrences(word: str, text: str) -> Iterable[re.Match[str]]:
    return re.finditer(re.escape(word), text)


def _overlaps(found: Found, zones: list[tuple[int, int]]) -> bool:
    return any(found[0] < end and start < found[1] for start, end in zones)


def _resolve(found: list[Found]) -> list[Found]:
    """Overlaps resolved by rank, then length, then position; the result sorted by position."""
    chosen: list[Found] = []
    for f in sorted(set(found), key=lambda f: (_RANK[f[2]], f[0] - f[1], f[0])):
        if f[0] < f[1] and all(f[1] <= c[0] or c[1] <= f[0] for c in chosen):
            chosen.append(f)
    return sorted(chosen)


def _render(text: str, spans: list[Span]) -> str:
    parts: list[str] = []
    at = 0
    for span in spans:
        parts += [text[at : span.start], MASK_TOKENS[span.kind]]
        at = span.end
    parts.append(text[at:])
    return "".join(parts)


def _to_input(found: list[Found], spans: list[Span], text: str) -> list[Span]:
    """Detections in the masked text, moved to offsets in the input text."""
    shift: list[tuple[int, int]] = []  # (masked offset, input offset) where each stretch starts
    at_in = at_masked = 0
    for span in spans:
        shift.append((at_masked, at_in))
        at_masked += span.start - at_in + len(MASK_TOKENS[span.kind])
        at_in = span.end
    shift.append((at_masked, at_in))

    def to_input(offset: int, *, end: bool) -> int:
        masked_start, input_start = max(s for s in shift if s[0] <= offset - end)
        return input_start + offset - masked_start

    return [
        Span(
            to_input(s, end=False),
            to_input(e, end=True),
            "order_number" if k == "labelled_order" else k,
        )
        for s, e, k in found
    ]


def _to_masked(offset: int, spans: list[Span], *, end: bool) -> int:
    """Where an offset of the input is in the masked text (a masked stretch: its token's edge)."""
    shift = 0
    for span in spans:
        if offset <= span.start:
            break
        if offset < span.end:  # inside: the zone grows to the whole token
            return span.start + shift + (len(MASK_TOKENS[span.kind]) if end else 0)
        shift += len(MASK_TOKENS[span.kind]) - (span.end - span.start)
    return offset + shift


def _merge(spans: list[Span], more: list[Span]) -> list[Span]:
    out = [s for s in spans if not any(m.start <= s.start and s.end <= m.end for m in more)]
    return sorted(out + more, key=lambda s: (s.start, s.end))
