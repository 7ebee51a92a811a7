"""The real-review set's construction (lab/realset.py), without its download: every copy kind
makes a copy the matcher's folding sees as the same words, labels point at the original, and
the set is the same for the same seed."""

from __future__ import annotations

import random

import pytest

from detectors.text import match_key
from lab.realset import COPY_KINDS, build, copy_of

REVIEWS = [
    "因为要送人，早早就买了，可是拿回来就是个硬盘坏的，又开检测报告，又退货。",
    "房间打扫的不干净（桌下竟然有一只脏袜子），设备比较旧，早餐太差。",
    "第一台到手硬盘和屏幕就是坏的，质量不稳定，不知是华硕的问题还是物流的问题？！",
    "书的质量很差,味道也很大.看一会就眼睛疼",
] * 5


@pytest.mark.parametrize("kind", COPY_KINDS)
def test_every_copy_kind_keeps_the_words(kind: str) -> None:
    text = REVIEWS[0]
    copy = copy_of(text, kind, random.Random(3))
    original, copied = match_key(text), match_key(copy)
    if kind == "truncation":
        assert original.startswith(copied) and len(copied) < len(original)
    elif kind == "prefix":
        assert copied.endswith(original) and copied != original
    else:
        assert copied == original  # punctuation, width, spacing and script fold away


def test_the_set_labels_copies_by_their_original_and_is_reproducible() -> None:
    records = build(REVIEWS, seed=11, copy_share=0.5)
    assert records == build(REVIEWS, seed=11, copy_share=0.5)
    by_id = {r.record_id: r for r in records}
    copies = [r for r in records if r.duplicate_of is not None]
    assert copies and all(r.note in COPY_KINDS for r in copies)
    for copy in copies:
        original = by_id[copy.duplicate_of or ""]
        assert original.duplicate_of is None and original.entity == copy.entity
        assert original.split == copy.split  # a pair is never split across fit and report
        assert copy.record["received_at"] > original.record["received_at"]
    times = [r.record["received_at"] for r in records]
    assert times == sorted(times)  # in arrival order
