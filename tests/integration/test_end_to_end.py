"""The whole pipeline on a real broker and Redis, checked against the planted truth.

The same sample is also pushed through :func:`lab.offline.run_offline`, the in-process
composition of the same pure stages: the distributed run must agree with it on every count
and on every warning, which is what makes the offline runner a trustworthy fast oracle.
"""

from __future__ import annotations

import base64

import pytest

from detectors.catalogue import load_catalogue
from detectors.targeting import Reference
from lab.offline import OfflineRun, run_offline
from lab.sample import Sample, generate
from lab.scenario import Outputs, WorkerProcess, check_incidents, replay
from schemas.records import Duplicate, Grade, InstructionAction
from streams.settings import Settings
from streams.stages import NEAR_DUPLICATE

SEED = 11


@pytest.fixture(scope="module")
def sample() -> Sample:
    return generate(seed=SEED, days=42)


@pytest.fixture(scope="module")
def outputs(settings: Settings, worker: WorkerProcess, sample: Sample) -> Outputs:
    return replay(settings, sample, worker=worker)


@pytest.fixture(scope="module")
def offline(sample: Sample) -> OfflineRun:
    ref = sample.reference
    reference = Reference(ref.credit, frozenset(ref.blacklist), ref.origin_risk)
    return run_offline(sample.records, load_catalogue(), reference)


def test_every_planted_incident_is_warned_and_noise_is_not(
    sample: Sample, outputs: Outputs
) -> None:
    report = check_incidents(sample, outputs)
    assert report.missed == []
    assert report.noise_warnings == []
    assert len(outputs.final_warnings) == len(sample.incidents)


def test_warnings_carry_grade_colour_kind_and_evidence(outputs: Outputs) -> None:
    for warning in outputs.final_warnings.values():
        grade = Grade(warning.grade)
        assert warning.colour == grade.colour
        assert warning.evidence, "a warning must name the signals it rests on"
        assert warning.measures, "a warning carries proportionate measures"
        assert 0 < warning.score <= 125
    versions = [w.version for w in outputs.warnings]
    assert all(v >= 1 for v in versions)


def test_imported_incidents_get_active_block_and_control(sample: Sample, outputs: Outputs) -> None:
    report = check_incidents(sample, outputs)
    controls = outputs.final_controls
    controlled = {c.warning_id for c in controls.values()}
    assert controlled <= outputs.final_warnings.keys()
    for name, incident in sample.incidents.items():
        if incident.imported:
            assert set(report.warned[name]) & controlled, f"{name}: no port control"
        else:
            assert not set(report.warned[name]) & controlled, f"{name}: not imported"
    for control in controls.values():
        assert control.status == "active"
        assert control.hs_prefixes


def test_each_declaration_gets_exactly_one_instruction(sample: Sample, outputs: Outputs) -> None:
    # A re-sent line keeps its id (its instruction stands); a copy under another id gets none.
    copies = {d.signal_id for d in outputs.duplicates if d.signal_id != d.duplicate_of}
    declarations = {
        s.source_id: s.signal_id
        for s in outputs.signals
        if s.feed == "declarations" and s.signal_id not in copies
    }
    instructed = outputs.final_instructions
    assert {i.declaration_id for i in instructed.values()} == declarations.keys()
    matched = [i for i in instructed.values() if i.control_ids]
    assert matched, "declarations of the incident goods must match the active controls"
    incident_signals = set().union(*(inc.signal_ids for inc in sample.incidents.values()))
    for instruction in matched:
        assert declarations[instruction.declaration_id] in incident_signals
        assert instruction.action != InstructionAction.RELEASE.value


def test_dead_letters_keep_reason_and_original_bytes(sample: Sample, outputs: Outputs) -> None:
    malformed = {r.payload for r in sample.records if r.label == "malformed"}
    assert len(outputs.dead_letters) == len(malformed)
    for letter in outputs.dead_letters:
        assert letter.reason and letter.path and letter.feed
        assert letter.source_topic and letter.source_offset is not None
        assert base64.b64decode(letter.raw) in malformed


def test_duplicates_point_at_signals_that_went_through(outputs: Outputs) -> None:
    seen = {s.signal_id for s in outputs.signals}
    assert outputs.duplicates
    for dup in outputs.duplicates:
        assert dup.duplicate_of in seen
        assert dup.reason


def test_distributed_run_agrees_with_the_offline_composition(
    outputs: Outputs, offline: OfflineRun
) -> None:
    assert len(outputs.signals) == len(offline.signals)
    assert len(outputs.dead_letters) == len(offline.dead_letters)

    # Which of two copies counts as the original depends on arrival order across topics,
    # so the pairs are compared unordered.
    def pairs(duplicates: list[Duplicate]) -> set[frozenset[str]]:
        return {frozenset((d.signal_id, d.duplicate_of)) for d in duplicates}

    assert len(outputs.duplicates) == len(offline.duplicates)
    assert pairs(outputs.duplicates) == pairs(offline.duplicates)
    final_offline = {w.warning_id: w for w in offline.warnings}
    assert outputs.final_warnings.keys() == final_offline.keys()
    for wid, warning in outputs.final_warnings.items():
        assert warning.peak_grade == final_offline[wid].peak_grade


def test_scoring_agent_emits_explained_scores(sample: Sample, outputs: Outputs) -> None:
    assert outputs.assessments
    for assessment in outputs.assessments:
        why = assessment.explanation
        if assessment.cluster.merged_into:  # merged away: closed, not scored
            assert assessment.score == 0 and why == {"merged_into": assessment.cluster.merged_into}
            continue
        assert {"hazard", "urgency", "scope"} <= why.keys()
        assert assessment.score == assessment.hazard * assessment.urgency * assessment.scope
        assert "p_value" in why["urgency"] and "regions" in why["scope"]
    # the clusters that became warnings were scored with the aberration detectors' verdicts
    warned = {w.cluster_id for w in outputs.final_warnings.values()}
    detected = [
        d
        for a in outputs.assessments
        if a.cluster.cluster_id in warned
        for d in a.explanation["urgency"].get("detectors", [])
    ]
    assert {d["method"] for d in detected} == {"ears-c1", "ears-c2", "ears-c3", "cusum"}
    assert any(d["alarm"] for d in detected), "an incident burst sets off the daily detectors"
    for d in detected:
        assert {"observed", "expected", "threshold", "score", "alarm"} <= d.keys()


def test_link_agent_keeps_area_series_for_scoring(outputs: Outputs) -> None:
    # the areas table of the link agent reaches the score agent as the clusters' snapshots
    scored = [a for a in outputs.assessments if not a.cluster.merged_into]
    judged = [a for a in scored if "area" in a.explanation["urgency"]]
    assert judged, "no assessment carries its area's detectors"
    for a in judged:
        area = a.explanation["urgency"]["area"]
        category, province = area["key"].split("|")
        assert category == a.cluster.block_key and province
        assert area["key"] == a.cluster.area_key
        assert {d["method"] for d in area["detectors"]} == {
            "ears-c1",
            "ears-c2",
            "ears-c3",
            "cusum",
        }
    # the series outgrew the detectors' baselines: the table kept counting across days
    assert any(a.explanation["urgency"]["area"]["days"] >= 15 for a in judged)


def test_near_duplicates_are_dropped_with_provenance_and_explanation(
    sample: Sample, outputs: Outputs
) -> None:
    near = [d for d in outputs.duplicates if d.reason == NEAR_DUPLICATE]
    assert near
    went_through = {s.signal_id for s in outputs.signals}
    for dup in near:
        assert dup.duplicate_of in went_through and dup.duplicate_of != dup.signal_id
        explanation = dup.explanation
        assert explanation["candidate"] == dup.duplicate_of
        assert dup.score is not None and dup.score >= explanation["threshold"]
        assert explanation["fields"]  # which fields agreed, with value and contribution
    # a dropped near duplicate is counted in no cluster; its original is (an exact re-send
    # carries its original's id, so only near duplicates can be told apart by id)
    dropped = {d.signal_id for d in near}
    members = {m for a in outputs.assessments for m in a.cluster.member_ids}
    assert not dropped & members
    assert {d.duplicate_of for d in near} & members


def test_signals_from_different_feeds_join_one_cluster(sample: Sample, outputs: Outputs) -> None:
    latest = {a.cluster.cluster_id: a.cluster for a in outputs.assessments}
    cross_feed = [c for c in latest.values() if len(c.feed_counts) >= 2]
    assert cross_feed
    incident = {sid for t in sample.incidents.values() for sid in t.signal_ids}
    feeds_of = {s.signal_id: s.feed for s in outputs.signals}
    for cluster in cross_feed:
        feeds = {feeds_of[m] for m in cluster.member_ids if m in feeds_of}
        assert len(feeds) >= 2
    # the planted incidents each reach regulators through several feeds
    assert any(set(c.member_ids) & incident and len(c.feed_counts) >= 3 for c in cross_feed)
