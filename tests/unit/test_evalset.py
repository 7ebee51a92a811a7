"""lab.evalset and detectors.dedup_eval: the labelled dedup/linkage set and its scores."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors.ingest import SourceRef, ingest
from connectors.normalize import hs_code
from detectors.catalogue import Catalogue
from detectors.dedup_eval import (
    Label,
    Prediction,
    bcubed_scores,
    duplicate_groups,
    duplicate_scores,
    f1,
    inherit_clusters,
    pairwise_linkage_scores,
    score_dedup,
)
from lab.evalset import (
    DUPLICATE_NOTES,
    NOTES,
    SPLITS,
    EvalRecord,
    generate_evalset,
    read_jsonl,
    summary,
    write_jsonl,
)
from schemas.records import Signal

COMMITTED = Path(__file__).resolve().parents[2] / "detectors/data/eval/dedup_eval.jsonl"
NOW = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def evalset() -> list[EvalRecord]:
    """The committed set, as the evaluation reads it."""
    return read_jsonl(COMMITTED)


@pytest.fixture(scope="module")
def signals(evalset: list[EvalRecord], catalogue: Catalogue) -> dict[str, Signal | object]:
    """Each record's ingest result, by record id."""
    return {r.record_id: ingest(r.feed, r.raw(), SourceRef(), NOW, catalogue) for r in evalset}


# ------------------------------------------------------------------------------ the set


def test_generation_is_deterministic() -> None:
    first = [r.to_json() for r in generate_evalset(seed=7, n_entities=30)]
    again = [r.to_json() for r in generate_evalset(seed=7, n_entities=30)]
    other = [r.to_json() for r in generate_evalset(seed=8, n_entities=30)]
    assert first == again
    assert first != other


def test_committed_file_is_what_the_generator_writes(tmp_path: Path) -> None:
    fresh = tmp_path / "dedup_eval.jsonl"
    write_jsonl(generate_evalset(), fresh)
    assert fresh.read_bytes() == COMMITTED.read_bytes(), (
        "regenerate with: python -m lab.evalset --out detectors/data/eval/dedup_eval.jsonl"
    )
    assert COMMITTED.stat().st_size < 3_000_000


def test_jsonl_round_trip(tmp_path: Path) -> None:
    records = generate_evalset(seed=3, n_entities=12)
    path = tmp_path / "set.jsonl"
    write_jsonl(records, path)
    assert read_jsonl(path) == records
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith('{"record_id":')
    assert "\\u" not in first  # Chinese is written as is


def test_every_record_ingests_to_its_signal(
    evalset: list[EvalRecord], signals: dict[str, Signal | object]
) -> None:
    for rec in evalset:
        out = signals[rec.record_id]
        assert isinstance(out, Signal), (rec.record_id, getattr(out, "reason", out))
        assert out.feed == rec.feed
        assert out.signal_id == rec.signal_id


def test_ids_are_unique_and_are_the_records_own(evalset: list[EvalRecord]) -> None:
    id_field = {
        "complaints": "complaint_id",
        "injuries": "report_id",
        "foodborne": "report_id",
        "listings": "listing_id",
        "declarations": "declaration_id",
    }
    assert len({r.record_id for r in evalset}) == len(evalset)
    assert len({r.signal_id for r in evalset}) == len(evalset)
    for rec in evalset:
        assert rec.record[id_field[rec.feed]] == rec.record_id


def test_splits_do_not_share_entities(evalset: list[EvalRecord]) -> None:
    split_of: dict[str, set[str]] = defaultdict(set)
    for rec in evalset:
        split_of[rec.entity].add(rec.split)
    assert all(len(s) == 1 for s in split_of.values())
    entities = {split: {e for e, s in split_of.items() if split in s} for split in SPLITS}
    share = len(entities["calibrate"]) / len(split_of)
    assert 0.35 <= share <= 0.45


def test_hard_negative_twins_share_a_split(evalset: list[EvalRecord]) -> None:
    """A same-product-other-hazard entity sits in the split of its base (same brand, model)."""
    by_model: dict[str, set[str]] = defaultdict(set)
    for rec in evalset:
        model = rec.record.get("model")
        if rec.feed == "listings" and model:
            by_model[model].add(rec.split)
    assert by_model
    assert all(len(splits) == 1 for splits in by_model.values())


def test_duplicates_point_to_an_earlier_original_of_the_same_entity(
    evalset: list[EvalRecord], signals: dict[str, Signal | object]
) -> None:
    position = {r.record_id: i for i, r in enumerate(evalset)}
    by_id = {r.record_id: r for r in evalset}
    for rec in evalset:
        if rec.duplicate_of is None:
            continue
        original = by_id[rec.duplicate_of]
        assert position[original.record_id] < position[rec.record_id]
        assert original.entity == rec.entity
        assert original.duplicate_of is None  # groups are stars around the first report
        assert rec.note in DUPLICATE_NOTES
        first, later = signals[original.record_id], signals[rec.record_id]
        assert isinstance(first, Signal) and isinstance(later, Signal)
        assert first.event_time <= later.event_time


def test_exact_resends_differ_only_in_id(evalset: list[EvalRecord]) -> None:
    by_id = {r.record_id: r for r in evalset}
    resends = [r for r in evalset if r.note == "exact-resend"]
    assert resends
    for rec in resends:
        original = by_id[rec.duplicate_of or ""]
        assert {k: v for k, v in rec.record.items() if not k.endswith("_id")} == {
            k: v for k, v in original.record.items() if not k.endswith("_id")
        }


def test_cross_channel_duplicates_change_channel_or_feed(evalset: list[EvalRecord]) -> None:
    by_id = {r.record_id: r for r in evalset}
    crossed = [r for r in evalset if r.note == "cross-channel"]
    assert {by_id[r.duplicate_of or ""].feed for r in crossed} >= {"complaints", "injuries"}
    for rec in crossed:
        original = by_id[rec.duplicate_of or ""]
        if original.feed == rec.feed:
            assert original.record["channel"] != rec.record["channel"]


def test_declarations_of_the_same_goods_belong_to_one_entity(evalset: list[EvalRecord]) -> None:
    entity_of: dict[tuple[str | None, str], set[str]] = defaultdict(set)
    for rec in evalset:
        if rec.feed == "declarations":
            key = (hs_code(rec.record["hs_code"]), rec.record["consignor"])
            entity_of[key].add(rec.entity)
    assert entity_of
    assert all(len(e) == 1 for e in entity_of.values())


def test_size_mix_and_kinds_of_case(evalset: list[EvalRecord]) -> None:
    counts = summary(evalset)
    assert 1500 <= counts["records"] <= 3000
    assert 150 <= counts["entities"] <= 300
    assert 0.15 <= counts["duplicate_rate"] <= 0.25
    assert set(counts["by_note"]) == set(NOTES)
    assert set(counts["by_feed"]) == {
        "complaints",
        "injuries",
        "foodborne",
        "listings",
        "declarations",
    }
    # linkage positives that are not duplicates: other consumers, same product and hazard
    assert counts["by_note"]["same-entity-other-report"] > 100


def test_text_looks_like_the_feeds(evalset: list[EvalRecord]) -> None:
    text = "\n".join(str(r.record) for r in evalset)
    assert len(re.findall(r"[\u4e00-\u9fff]", text)) > 100_000
    assert "您好，我要投诉" in text and "包邮" in text and "【" in text
    assert re.search(r"[\uff10-\uff19\uff21-\uff3a]", text)  # full-width letters and digits
    english = [
        r
        for r in evalset
        if r.feed == "complaints" and r.record["description"].startswith(("I bought", "Complaint"))
    ]
    assert len(english) > 30


# ---------------------------------------------------------------------------- the scores


def test_duplicate_scores_count_pointers_into_the_true_group() -> None:
    # true groups: {a, b, c} (b and c repeat a), {d, e}, {f}: 2 + 1 = 3 duplicates to find
    truth = {"a": None, "b": "a", "c": "a", "d": None, "e": "d", "f": None}
    # b -> a right; c -> b right (same group, points at a copy); e missed; f -> d wrong
    predicted = {"b": "a", "c": "b", "f": "d"}
    scores = duplicate_scores(truth, predicted)
    assert (scores.true_positives, scores.predicted, scores.actual) == (2, 3, 3)
    assert scores.precision == pytest.approx(2 / 3)
    assert scores.recall == pytest.approx(2 / 3)
    assert scores.f1 == pytest.approx(2 / 3)


def test_flagging_every_member_of_a_group_costs_precision() -> None:
    # group {a, b} has one duplicate; flagging both leaves no original: 1 TP, 1 FP
    scores = duplicate_scores({"a": None, "b": "a"}, {"a": "b", "b": "a"})
    assert scores.precision == pytest.approx(1 / 2)
    assert scores.recall == pytest.approx(1 / 1)
    assert scores.f1 == pytest.approx(2 * 0.5 * 1 / 1.5)


def test_a_pointer_outside_the_scored_records_is_wrong() -> None:
    scores = duplicate_scores({"a": None, "b": "a"}, {"b": "elsewhere"})
    assert (scores.true_positives, scores.predicted, scores.actual) == (0, 1, 1)
    assert scores.precision == 0.0 and scores.recall == 0.0 and scores.f1 == 0.0


def test_nothing_predicted_and_nothing_to_find() -> None:
    scores = duplicate_scores({"a": None, "b": None}, {})
    assert (scores.precision, scores.recall) == (1.0, 1.0)
    assert f1(0.0, 0.0) == 0.0


def test_duplicate_groups_are_connected_components() -> None:
    groups = duplicate_groups({"a": None, "b": "a", "c": "b", "d": None})
    assert groups == {"a": "a", "b": "a", "c": "a", "d": "d"}
    with pytest.raises(ValueError):
        duplicate_groups({"b": "a"})


ENTITIES = {"a": "X", "b": "X", "c": "X", "d": "Y", "e": "Y", "f": "Z"}
CLUSTERS: dict[str, str | None] = {"a": "K1", "b": "K1", "c": "K2", "d": "K2", "e": "K2", "f": None}


def test_pairwise_linkage_counts_pairs() -> None:
    # linked pairs:  K1 {a,b} -> 1, K2 {c,d,e} -> 3, f alone -> 0        = 4
    # related pairs: X {a,b,c} -> 3, Y {d,e} -> 1, Z {f} -> 0             = 4
    # both:          (K1,X) {a,b} -> 1, (K2,X) {c} -> 0, (K2,Y) {d,e} -> 1 = 2
    scores = pairwise_linkage_scores(ENTITIES, CLUSTERS)
    assert (scores.true_positives, scores.predicted, scores.actual) == (2, 4, 4)
    assert scores.precision == pytest.approx(2 / 4)
    assert scores.recall == pytest.approx(2 / 4)
    assert scores.f1 == pytest.approx(0.5)


def test_bcubed_averages_over_records() -> None:
    # record: |C∩E|/|C|, |C∩E|/|E|
    # a, b:   2/2, 2/3      c: 1/3, 1/3      d, e: 2/3, 2/2      f: 1/1, 1/1
    # precision = (1 + 1 + 1/3 + 2/3 + 2/3 + 1) / 6 = (14/3) / 6 = 7/9
    # recall    = (2/3 + 2/3 + 1/3 + 1 + 1 + 1) / 6 = (14/3) / 6 = 7/9
    scores = bcubed_scores(ENTITIES, CLUSTERS)
    assert scores.records == 6
    assert scores.precision == pytest.approx(7 / 9)
    assert scores.recall == pytest.approx(7 / 9)
    assert scores.f1 == pytest.approx(7 / 9)


def test_perfect_linkage_scores_one() -> None:
    perfect = {r: f"K-{e}" for r, e in ENTITIES.items()}
    assert pairwise_linkage_scores(ENTITIES, perfect).f1 == 1.0
    assert bcubed_scores(ENTITIES, perfect).f1 == 1.0


def test_duplicates_inherit_the_cluster_of_their_original() -> None:
    clusters = inherit_clusters(
        [
            Prediction("a", cluster="K1"),
            Prediction("b", duplicate_of="a"),
            Prediction("c", duplicate_of="b"),
            Prediction("x", duplicate_of="y"),
            Prediction("y", duplicate_of="x"),
        ]
    )
    assert clusters == {"a": "K1", "b": "K1", "c": "K1", "x": None, "y": None}


def test_score_dedup_reports_per_split_and_per_kind() -> None:
    labels = [
        Label("a", None, "X", "unrelated", "test"),
        Label("b", "a", "X", "cross-channel", "test"),
        Label("c", None, "X", "same-entity-other-report", "test"),
        Label("d", None, "Y", "hard-negative-same-brand", "test"),
        Label("z", None, "Z", "unrelated", "calibrate"),
    ]
    predictions = [
        Prediction("a", cluster="K1"),
        Prediction("b", duplicate_of="a"),  # right, and linked through a
        Prediction("c", duplicate_of="a"),  # a false alarm on another consumer's report
        Prediction("d", cluster="K1"),  # a hard negative merged into X's cluster
        Prediction("z", cluster="K9"),
    ]
    report = score_dedup(labels, predictions, split="test")
    assert report.records == 4
    # flags b, c; true duplicates: b -> precision 1/2, recall 1/1
    assert report.duplicates.precision == pytest.approx(1 / 2)
    assert report.duplicates.recall == pytest.approx(1.0)
    # clusters: K1 {a, b, c, d} -> 6 linked pairs; X {a, b, c} -> 3 related pairs, all linked
    assert report.linkage_pairwise.precision == pytest.approx(3 / 6)
    assert report.linkage_pairwise.recall == pytest.approx(1.0)
    notes = report.by_note
    assert (notes["cross-channel"].flagged, notes["cross-channel"].correct) == (1, 1)
    assert (
        notes["same-entity-other-report"].flagged,
        notes["same-entity-other-report"].correct,
    ) == (
        1,
        0,
    )
    assert notes["hard-negative-same-brand"].bcubed_precision == pytest.approx(1 / 4)
    as_json = report.as_dict()
    assert set(as_json) == {
        "records",
        "duplicates",
        "linkage_pairwise",
        "linkage_bcubed",
        "by_note",
    }


def test_labels_from_the_set_score_perfectly_against_themselves(
    evalset: list[EvalRecord],
) -> None:
    labels = [r.label() for r in evalset]
    truth = [Prediction(r.record_id, r.duplicate_of, r.entity) for r in evalset]
    for split in SPLITS:
        report = score_dedup(labels, truth, split=split)
        assert report.duplicates.f1 == 1.0
        assert report.linkage_pairwise.f1 == 1.0
        assert report.linkage_bcubed.f1 == 1.0
