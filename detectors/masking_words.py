"""The word half of :mod:`detectors.masking`: person names and addresses, found with jieba's
part-of-speech tagger, its word frequencies and the cue words of :mod:`detectors.masking_lexicon`.

Apart from the pattern half because it is the one with a model (jieba's dictionary, loaded once
per process on first use) and the one whose rules will change as it meets new texts. Why jieba
and what it misses: :mod:`detectors.masking`.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from detectors.masking_lexicon import (
    ADDRESS_STOP_WORDS,
    ADDRESS_SUFFIXES,
    COMMON_SURNAMES,
    COMPOUND_SURNAMES,
    HONORIFICS,
    NAME_LABELS,
    NAME_STOP_CHARS,
    PLACE_UNITS,
    SURNAMES,
)
from detectors.masking_patterns import Found
from detectors.regions import PROVINCES, divisions

__all__ = ["Token", "address_spans", "name_spans", "tag", "word_frequencies"]

_HAN = re.compile(r"[\u4e00-\u9fff]")

Token = tuple[int, int, str, str]  # start, end, word, part-of-speech tag
_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class _Tagger:
    cut: Any  # jieba.posseg.POSTokenizer.cut
    freq: dict[str, int]  # word -> frequency in jieba's dictionary (0: a prefix only)
    idf: dict[str, float]  # word -> inverse document frequency (jieba.analyse's table)


_TAGGER: list[_Tagger] = []  # loaded once, on first use


def _tagger() -> _Tagger:
    """jieba's POS tagger on a private tokenizer: no shared state, no cache file in /tmp."""
    if not _TAGGER:
        with _LOCK:
            if not _TAGGER:
                _TAGGER.append(_load_tagger())
    return _TAGGER[0]


def _load_tagger() -> _Tagger:
    import jieba
    import jieba.posseg
    from jieba.analyse.tfidf import DEFAULT_IDF, IDFLoader

    logging.getLogger("jieba").setLevel(logging.WARNING)  # it logs its start-up at DEBUG
    tokenizer = jieba.Tokenizer()
    # What Tokenizer.initialize() does, less its cache file in the shared temporary directory.
    tokenizer.FREQ, tokenizer.total = tokenizer.gen_pfdict(tokenizer.get_dict_file())
    tokenizer.initialized = True
    tagger = jieba.posseg.POSTokenizer(tokenizer)
    idf, _ = IDFLoader(DEFAULT_IDF).get_idf()
    return _Tagger(tagger.cut, tokenizer.FREQ, idf)


def word_frequencies() -> dict[str, int]:
    """jieba's dictionary as the tagger loaded it: word -> frequency (0: a prefix only)."""
    return _tagger().freq


def tag(text: str) -> list[Token]:
    tokens: list[Token] = []
    at = 0
    for pair in _tagger().cut(text):
        word, flag = str(pair.word), str(pair.flag)
        tokens.append((at, at + len(word), word, flag))
        at += len(word)
    return tokens


# --- addresses -------------------------------------------------------------------------------

_DETAIL_SUFFIXES = frozenset(
    {"镇", "乡", "街道", "村", "社区", "路", "街", "大街", "大道", "巷", "弄", "胡同", "小区"}
    | {"花园", "苑", "公寓", "大厦", "家园", "新村", "庄", "屯", "组"}
)
_UNIT_WORD = re.compile(
    r"^(?:[0-9A-Za-z]+|[一二三四五六七八九十]+)?(?:" + "|".join(PLACE_UNITS) + ")$"
)
_NUMBERISH = re.compile(r"^(?:[0-9A-Za-z]+|[一二三四五六七八九十百零]+)$")
_JOINERS = frozenset({"-", "#", "之", "附", "第"})
# Tags of words that end a run of place words: verbs, prepositions, pronouns, particles...
_STOP_TAGS = ("v", "p", "u", "c", "r", "d", "y", "e", "o", "k", "q", "z")


def _suffix_of(word: str) -> str | None:
    for suffix in ADDRESS_SUFFIXES:
        if word.endswith(suffix):
            return suffix
    return None


def _place_kind(word: str, tag: str) -> str | None:
    """'unit' (号, 3栋), 'detail' (路, 村, 小区), 'place' (区, ns words) or None."""
    if _UNIT_WORD.match(word):
        return "unit"
    suffix = _suffix_of(word)
    if suffix is not None and (word == suffix or word not in ADDRESS_STOP_WORDS):
        return "detail" if suffix in _DETAIL_SUFFIXES else "place"
    return "place" if tag == "ns" else None


def _is_content(word: str, tag: str) -> bool:
    """A word that may stand inside an address ("人民" in 人民南路, "A" in A座)."""
    if _NUMBERISH.match(word) or word in _JOINERS:
        return True
    return bool(_HAN.match(word)) and not tag.startswith(_STOP_TAGS)


@cache
def _region_prefix() -> re.Pattern[str]:
    """Country, province and prefecture-level city at the start of an address."""
    provinces = set()
    for name in PROVINCES.values():
        provinces |= {name}
        provinces |= {name + s for s in ("省", "市", "自治区", "特别行政区")}
    provinces |= {"广西壮族自治区", "宁夏回族自治区", "新疆维吾尔自治区", "内蒙古自治区"}
    provinces |= {"西藏自治区"}
    cities: set[str] = set()
    bare: set[str] = set()
    for d in divisions():
        if d.level != "prefecture":
            continue
        cities |= {d.name, *d.aliases}
        if d.name.endswith("自治州"):
            cities.add(d.short + "州")
        bare.add(d.short)

    def alternation(names: Iterable[str]) -> str:
        return "|".join(re.escape(n) for n in sorted(names, key=lambda n: (-len(n), n)))

    return re.compile(
        f"(?:中国|中华人民共和国)?(?:{alternation(provinces)})?"
        f"(?:{alternation(cities)}|(?:{alternation(bare)})(?![区县旗路街]))?"
    )


def address_spans(text: str, tokens: list[Token]) -> list[Found]:
    """Runs of place words with a street, village, building or door number in them: all of
    the run after its province and city."""
    found: list[Found] = []
    kinds = [_place_kind(word, tag) for _, _, word, tag in tokens]
    i = 0
    while i < len(tokens):
        if kinds[i] in (None, "unit"):
            i += 1
            continue
        first = i
        if tokens[i][2] in ADDRESS_SUFFIXES:  # a bare "小区", "路": the name before it
            while (
                first > 0
                and i - first < 2
                and kinds[first - 1] is None
                and _HAN.match(tokens[first - 1][2])
                and _is_content(*tokens[first - 1][2:])
            ):
                first -= 1
            if first == i:
                i += 1
                continue
        detailed = kinds[i] == "detail"
        last, j = (i if detailed else -1), i
        while j + 1 < len(tokens):
            word, tag = tokens[j + 1][2], tokens[j + 1][3]
            kind = kinds[j + 1]
            if kind is None and not _is_content(word, tag):
                break
            j += 1
            if kind in ("detail", "unit"):
                last, detailed = j, True
            elif _NUMBERISH.match(word) and kinds[j - 1] == "unit":
                last = j  # "501" after "2单元"
        if detailed:  # the mask ends with the last street, number or room
            start, end = tokens[first][0], tokens[last][1]
            prefix = _region_prefix().match(text, start, end)
            cut = prefix.end() if prefix else start
            if cut < end:
                found.append((cut, end, "address"))
        i = j + 1
    return found


# --- names -----------------------------------------------------------------------------------

# jieba's dictionary tags many everyday words as names ("文明", "明白", "友谊"): a word this
# common in documents (inverse document frequency below the bound) is not taken for a name. The
# bound is higher for words in jieba's dictionary, whose name tags are the less reliable (on the
# MSRA training split, lab/masking_eval.py: 22-39% of the dictionary's "names" with an IDF
# between 9 and 10.5 are names, against 63-95% of the words jieba's HMM calls names).
_COMMON_IDF = 9.0
_COMMON_IDF_IN_DICTIONARY = 10.5
# A "name" followed by one of these is a place: "白云区", "张家村".
_PLACE_AFTER = frozenset("区县市镇乡村省州旗路街")
# ... and one ending in these is a place, an event or a thing: "龙舟节", "梁子湖", "汤池".
_NOT_A_NAME_END = _PLACE_AFTER | frozenset("赛节队湖楼寺沟湾堡池郡杯球棋派部型厂店局院馆汤")
# ... and one followed by these names a business or a brand: "康博集团", "海燕公司".
_ORG_AFTER = re.compile(
    r"(?:有限|股份|公司|集团|实业|科技|电器|电子|食品|服饰|服装|家具|家居|制造|贸易|商贸|工贸|"
    r"厂|店|坊|牌|宾馆|酒店|饭店|餐厅|医院|诊所|药房|药店|超市|商场|商行|大学|学院|中学|小学|"
    r"幼儿园|银行|协会|研究所|工作室|品牌|旗舰店|专卖店|体育|俱乐部|队|厅|局|司|处|委|办)"
)
_HONORIFIC_END = re.compile("(?:" + "|".join(HONORIFICS) + ")$")
_LABEL = re.compile(
    "(?:" + "|".join(sorted(NAME_LABELS, key=len, reverse=True)) + r")\s*(?:[:：]|是|为|叫)?\s*"
)
_HONORIFIC = re.compile("(?:" + "|".join(sorted(HONORIFICS, key=len, reverse=True)) + ")")


def _surname_len(word: str, surnames: frozenset[str] = SURNAMES) -> int:
    if word[:2] in COMPOUND_SURNAMES:
        return 2
    return 1 if word[:1] in surnames else 0


def _common_word(word: str) -> bool:
    tagger = _tagger()
    idf = tagger.idf.get(word)
    if idf is None:
        return False
    return idf < (_COMMON_IDF_IN_DICTIONARY if tagger.freq.get(word) else _COMMON_IDF)


def _plausible_name(word: str) -> bool:
    """A surname and one to three more characters, not a common word, not a place."""
    if not 2 <= len(word) <= 4 or not all(_HAN.match(c) for c in word) or "某" in word:
        return False
    surname = _surname_len(word)
    if not surname or word[-1] in _NOT_A_NAME_END or (len(word) == 4 and surname == 1):
        return (
            False  # "白云区", "龙舟节", "卫冕冠军" are tagged names when jieba does not know them
        )
    return not _common_word(word)


def _name_after(text: str, at: int, tokens: list[Token]) -> Found | None:
    """The name that starts at ``at`` after a cue word, if a surname starts there."""
    surname = _surname_len(text[at : at + 2])
    if not surname:
        return None
    for start, end, word, _ in tokens:
        if start == at and _plausible_name(word):
            return (start, end, "name")
        if start > at:
            break
    end = at + surname
    while end < len(text) and end - at - surname < 2 and _HAN.match(text[end]):
        if text[end] in NAME_STOP_CHARS or text[end] == "某":
            break
        if end - at - surname == 1 and _boundary_before_word(end, tokens):
            break
        end += 1
    if end == at + surname or _common_word(text[at:end]):
        return None
    return (at, end, "name")


def _boundary_before_word(at: int, tokens: list[Token]) -> bool:
    """Whether a common word of two or more characters starts at ``at`` ("电话" after 张伟)."""
    return any(s == at and len(w) >= 2 and _common_word(w) for s, _, w, _ in tokens)


def name_spans(text: str, tokens: list[Token]) -> list[Found]:
    found: list[Found] = []
    for i, (start, end, word, tag) in enumerate(tokens):
        after = tokens[i + 1] if i + 1 < len(tokens) else None
        if tag.startswith("nr"):
            honorific = _HONORIFIC_END.search(word)
            if honorific and 0 < honorific.start() <= 3 and _surname_len(word):
                found.append((start, start + honorific.start(), "name"))  # jieba keeps "王先生"
            elif len(word) == 2 and word[0] in "小老" and word[1] in COMMON_SURNAMES:
                if not _common_word(word):
                    found.append((start, end, "name"))  # "小王", "老张"
            elif _ORG_AFTER.match(text, end) or text[end : end + 1] in _PLACE_AFTER:
                pass
            elif tag in ("nr", "nrfg") and _plausible_name(word):
                found.append((start, end, "name"))
            elif tag in ("nrf", "nrt") and len(word) >= 2 and _tagger().freq.get(word, 0) == 0:
                found.append((start, end, "name"))  # a transliterated name jieba does not know
        if (
            len(word) == 1
            and word in COMMON_SURNAMES
            and after is not None
            and after[3] in ("nr", "nrfg", "nz")
            and 1 <= len(after[2]) <= 2
            and (after[3] != "nz" or not _common_word(after[2]))
            and _plausible_name(word + after[2])
            and not _ORG_AFTER.match(text, after[1])
        ):
            found.append((start, after[1], "name"))  # jieba split the name: "周 付宇"
    for m in _LABEL.finditer(text):
        name = _name_after(text, m.end(), tokens)
        if name is not None:
            found.append(name)
    for m in _HONORIFIC.finditer(text):
        for length in (4, 3, 2, 1):
            at = m.start() - length
            if at < 0 or (length == 1 and text[at] not in COMMON_SURNAMES):
                continue  # "一位老人"
            if not any(t[0] == at for t in tokens):
                continue  # "公司经理", "班主任": the surname would be inside a word
            surname = _surname_len(text[at : at + 2])
            if (
                surname
                and (length < 4 or surname == 2)
                and all(
                    _HAN.match(c) and c not in NAME_STOP_CHARS for c in text[at + 1 : m.start()]
                )
            ):
                candidate = text[at : m.start()]
                if length > 1 and _common_word(candidate):
                    continue  # "车间主任" is a workshop's head, not Mr 车间
                if length == surname or not _boundary_inside(at + surname, m.start(), tokens):
                    found.append((at, m.start(), "name"))
                    break
    return found


def _boundary_inside(start: int, end: int, tokens: list[Token]) -> bool:
    """Whether jieba starts a word of two or more characters strictly inside [start, end)."""
    return any(start < s < end and e - s >= 2 for s, e, _, _ in tokens)
