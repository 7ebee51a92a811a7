"""lab.sample (deterministic feeds with ground truth) and lab.offline (the whole run)."""

from __future__ import annotations

import base64
from collections import Counter
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from connectors.ingest import SourceRef, ingest
from detectors.catalogue import Catalogue
from detectors.targeting import Reference
from lab.offline import OfflineRun, run_offline
from lab.sample import CST, Sample, generate
from schemas.records import DeadLetter, Signal

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def feed_of(signal_id: str) -> str:
    return signal_id.split(":", 1)[0]


@pytest.fixture(scope="module")
def sample() -> Sample:
    return generate(7)


# --------------------------------------------------------------------------- determinism


def test_same_seed_same_bytes(sample: Sample) -> None:
    again = generate(7)
    assert [(r.feed, r.payload, r.event_time, r.label, r.key) for r in again.records] == [
        (r.feed, r.payload, r.event_time, r.label, r.key) for r in sample.records
    ]
    assert again.incidents == sample.incidents
    assert again.reference == sample.reference
    assert again.counts == sample.counts


def test_different_seed_different_records(sample: Sample) -> None:
    other = generate(8)
    assert [r.payload for r in other.records] != [r.payload for r in sample.records]
    assert other.incidents["scooter"].signal_ids != sample.incidents["scooter"].signal_ids


def test_days_and_start_are_respected() -> None:
    short = generate(5, days=10, start=datetime(2026, 3, 1).date())
    local_days = {r.event_time.astimezone(CST).date() for r in short.records}
    assert min(local_days).isoformat() >= "2026-03-01"
    # duplicates and malformed copies may land a few hours after the last day
    assert max(local_days).isoformat() <= "2026-03-11"
    assert short.days == 10


# --------------------------------------------------------------------------- ground truth


def test_planted_incidents_are_present_in_the_right_feeds(sample: Sample) -> None:
    assert set(sample.incidents) == {"scooter", "enoki", "heater"}
    feeds = {
        name: Counter(feed_of(sid) for sid in truth.signal_ids)
        for name, truth in sample.incidents.items()
    }
    assert set(feeds["scooter"]) == {"complaints", "injuries", "listings", "declarations"}
    assert set(feeds["enoki"]) >= {"foodborne", "declarations"}
    assert set(feeds["heater"]) == {"listings", "complaints", "injuries"}  # domestic, no imports
    assert sample.incidents["scooter"].imported
    assert sample.incidents["enoki"].imported
    assert not sample.incidents["heater"].imported
    for counts in feeds.values():
        assert sum(counts.values()) >= 20  # enough to warn of


def test_truth_sets_are_disjoint_and_cover_every_original_record(sample: Sample) -> None:
    incident_ids = [t.signal_ids for t in sample.incidents.values()]
    everything = set(sample.noise_signal_ids)
    for ids in incident_ids:
        assert not (ids & everything)
        everything |= ids
    originals = [r for r in sample.records if r.label not in ("duplicate", "malformed")]
    assert {r.signal_id for r in originals} == everything
    assert len(originals) == len(everything)  # one record per signal


def test_records_are_in_event_time_order(sample: Sample) -> None:
    times = [r.event_time for r in sample.records]
    assert times == sorted(times)
    assert all(t.tzinfo is not None for t in times)


def test_by_day_groups_by_china_date(sample: Sample) -> None:
    days = list(sample.by_day())
    assert [d for d, _ in days] == sorted({d for d, _ in days})
    assert sum(len(batch) for _, batch in days) == len(sample.records)
    for d, batch in days:
        assert {r.event_time.astimezone(CST).date() for r in batch} == {d}
    assert days[0][0] == sample.start


def test_every_original_record_ingests_to_its_signal(sample: Sample, catalogue: Catalogue) -> None:
    for rec in sample.records:
        if rec.label == "malformed":
            continue
        out = ingest(rec.feed, rec.payload, SourceRef(), NOW, catalogue)
        assert isinstance(out, Signal), (rec.label, rec.payload)
        assert out.signal_id == rec.signal_id
        if rec.label != "duplicate":  # a duplicate's record time is when it was re-sent
            # the event time survives the feed's time format (injuries and foodborne give a
            # date only: local midnight of the same day)
            assert timedelta(0) <= rec.event_time - out.event_time < timedelta(days=1)


def test_every_malformed_record_is_dead_lettered(sample: Sample, catalogue: Catalogue) -> None:
    malformed = [r for r in sample.records if r.label == "malformed"]
    assert all(r.signal_id is None for r in malformed)
    for rec in malformed:
        out = ingest(rec.feed, rec.payload, SourceRef(), NOW, catalogue)
        assert isinstance(out, DeadLetter), rec.payload


# --------------------------------------------------------------------------- shares


def test_duplicate_share_is_as_documented(sample: Sample) -> None:
    originals = [r for r in sample.records if r.label not in ("duplicate", "malformed")]
    complaints = [r for r in originals if r.feed == "complaints"]
    # 3 in 100 of all records re-sent, and 2 in 100 complaints re-submitted by another channel
    expected = len(originals) * 3 // 100 + len(complaints) * 2 // 100
    assert sample.counts["duplicate"] == expected
    assert 0.03 <= sample.counts["duplicate"] / len(originals) <= 0.05


def test_duplicates_are_resent_bytes_or_another_channel(sample: Sample) -> None:
    by_payload = {r.payload for r in sample.records if r.label not in ("duplicate", "malformed")}
    originals = {
        r.signal_id: r for r in sample.records if r.label not in ("duplicate", "malformed")
    }
    resent = resubmitted = 0
    for rec in (r for r in sample.records if r.label == "duplicate"):
        if rec.payload in by_payload:
            resent += 1
            assert rec.signal_id in originals
            assert rec.event_time > originals[rec.signal_id].event_time
            continue
        resubmitted += 1
        assert rec.feed == "complaints"
        body = orjson.loads(rec.payload)
        twins = [
            o
            for o in originals.values()
            if o.feed == "complaints"
            and {
                k: v
                for k, v in orjson.loads(o.payload).items()
                if k not in ("complaint_id", "channel")
            }
            == {k: v for k, v in body.items() if k not in ("complaint_id", "channel")}
        ]
        assert twins, body
    assert resent > 0 and resubmitted > 0


def test_malformed_share_is_about_one_in_a_hundred(sample: Sample) -> None:
    before = sum(1 for r in sample.records if r.label != "malformed")
    assert sample.counts["malformed"] == max(6, before // 100)


# --------------------------------------------------------------------------- offline runs


@pytest.fixture(scope="module", params=[3, 7, 11])
def offline(request: pytest.FixtureRequest, catalogue: Catalogue) -> tuple[Sample, OfflineRun]:
    s = generate(request.param)
    reference = Reference(s.reference.credit, s.reference.blacklist, s.reference.origin_risk)
    return s, run_offline(s.records, catalogue, reference)


def incident_of(s: Sample, member_ids: tuple[str, ...]) -> str | None:
    """The one incident all members belong to, or None when they are mixed or noise."""
    owners = {
        name for name, truth in s.incidents.items() for m in member_ids if m in truth.signal_ids
    }
    members_known = all(any(m in t.signal_ids for t in s.incidents.values()) for m in member_ids)
    return owners.pop() if len(owners) == 1 and members_known else None


def test_every_planted_incident_is_warned_of(offline: tuple[Sample, OfflineRun]) -> None:
    s, run = offline
    warned = {incident_of(s, run.clusters[w.cluster_id].member_ids) for w in run.warnings}
    assert warned >= set(s.incidents)


def test_no_warning_from_noise(offline: tuple[Sample, OfflineRun]) -> None:
    s, run = offline
    assert run.warnings
    for w in run.warnings:
        members = run.clusters[w.cluster_id].member_ids
        assert not set(members) & s.noise_signal_ids, w.title
        assert incident_of(s, members) is not None, w.title


def test_a_merge_leaves_one_active_warning_per_incident(catalogue: Catalogue) -> None:
    """Seed 8 warns of a cluster that a later report merges into an older one: its warning is
    lifted as merged, the survivor's warning carries both, no report is in two warnings."""
    s = generate(8)
    reference = Reference(s.reference.credit, s.reference.blacklist, s.reference.origin_risk)
    run = run_offline(s.records, catalogue, reference)
    final = {w.warning_id: w for w in run.warnings}
    merged = [w for w in final.values() if w.change == "merged"]
    assert merged
    for w in merged:
        assert w.status == "lifted" and w.superseded_by is not None
        successor = final[w.superseded_by]
        assert successor.status == "active"
        assert set(w.evidence) <= set(successor.evidence)
        assert run.clusters[w.cluster_id].merged_into == successor.cluster_id
    active = [w for w in final.values() if w.status == "active"]
    counts = Counter(e for w in active for e in w.evidence)
    assert max(counts.values()) == 1
    assert len(active) == len(s.incidents)


def test_warned_clusters_hold_most_of_their_incident(offline: tuple[Sample, OfflineRun]) -> None:
    s, run = offline
    for w in run.warnings:
        members = set(run.clusters[w.cluster_id].member_ids)
        name = incident_of(s, tuple(members))
        assert name is not None
        assert len(members) >= 0.8 * len(s.incidents[name].signal_ids)


def test_every_dead_letter_is_a_malformed_record(offline: tuple[Sample, OfflineRun]) -> None:
    s, run = offline
    malformed = Counter(r.payload for r in s.records if r.label == "malformed")
    dead = Counter(base64.b64decode(d.raw) for d in run.dead_letters)
    assert dead == malformed
    assert len({d.dead_letter_id for d in run.dead_letters}) == len(run.dead_letters)


def test_every_labelled_duplicate_is_caught(offline: tuple[Sample, OfflineRun]) -> None:
    s, run = offline
    labelled = Counter(r.signal_id for r in s.records if r.label == "duplicate")
    caught = Counter(d.signal_id for d in run.duplicates)
    assert not labelled - caught
    # and no signal that is a duplicate reaches a cluster
    members = {m for c in run.clusters.values() for m in c.member_ids}
    resubmitted = {sid for sid in labelled if sid not in s.noise_signal_ids} - {
        sid for t in s.incidents.values() for sid in t.signal_ids
    }
    assert not members & resubmitted


def test_targeted_declarations_belong_to_the_incident_of_their_control(
    offline: tuple[Sample, OfflineRun],
) -> None:
    s, run = offline
    control_incident = {}
    for c in run.controls:
        cluster_id = "K-" + c.warning_id.removeprefix("W-")
        control_incident[c.control_id] = incident_of(s, run.clusters[cluster_id].member_ids)
    matched = [i for i in run.instructions if i.control_ids]
    assert matched
    for i in matched:
        sid = f"declarations:{i.declaration_id}"
        for cid in i.control_ids:
            name = control_incident[cid]
            assert name is not None
            assert sid in s.incidents[name].signal_ids
        assert i.action in ("hold", "inspect", "sample", "return")


def test_imported_incidents_end_up_targeted(offline: tuple[Sample, OfflineRun]) -> None:
    s, run = offline
    for name, truth in s.incidents.items():
        lines = [
            i for i in run.instructions if f"declarations:{i.declaration_id}" in truth.signal_ids
        ]
        if not truth.imported:
            assert lines == []
            continue
        assert lines
        assert lines[-1].control_ids, f"the last {name} declaration is not targeted"


def test_one_instruction_per_declaration_line(offline: tuple[Sample, OfflineRun]) -> None:
    s, run = offline
    originals = [
        r
        for r in s.records
        if r.feed == "declarations" and r.label not in ("duplicate", "malformed")
    ]
    ids = [f"declarations:{i.declaration_id}" for i in run.instructions]
    assert len(ids) == len(set(ids))
    assert set(ids) == {r.signal_id for r in originals}


def test_controls_in_force_have_no_end_and_lifted_ones_end_when_lifted(
    sample: Sample, catalogue: Catalogue
) -> None:
    """A port system may rely on valid_until: set only once the control has ended."""
    from schemas.records import Tick

    ref = sample.reference
    reference = Reference(ref.credit, frozenset(ref.blacklist), ref.origin_risk)
    last_day = max(day for day, _ in sample.by_day())
    quiet = Tick(tick=datetime.combine(last_day, datetime.min.time(), UTC) + timedelta(days=90))
    run = run_offline([*sample.records, quiet], catalogue, reference)
    lifted = [c for c in run.controls if c.status == "lifted"]
    in_force = [c for c in run.controls if c.status != "lifted"]
    assert lifted and in_force
    assert all(c.valid_until == c.valid_from and c.valid_until is not None for c in lifted)
    assert all(c.valid_until is None for c in in_force)
    # and the grade-I measure "return shipment or destroy" sent matching lines back
    assert any(c.action == "return" for c in in_force)
    returned = [i for i in run.instructions if i.action == "return"]
    assert returned and all(i.control_ids for i in returned)


def test_a_non_compliant_inspection_is_evidence_in_its_controls_cluster(
    sample: Sample, catalogue: Catalogue
) -> None:
    """The port's finding joins the cluster of the control that targeted the goods (not one
    its text might match), counts as risk evidence, and a compliant result adds nothing."""
    from schemas.records import Inspection

    ref = sample.reference
    reference = Reference(ref.credit, frozenset(ref.blacklist), ref.origin_risk)
    first = run_offline(sample.records, catalogue, reference)
    control = first.controls[-1]
    assert control.status == "active"
    at = max(w.updated_time for w in first.warnings) + timedelta(hours=1)

    def result(n: int, outcome: str) -> Inspection:
        found = "锁止机构失效" if outcome != "compliant" else ""
        return Inspection(inspection_id=f"I-{n}", control_id=control.control_id,
                          declaration_id=f"D-{n}-1", result=outcome, inspected_at=at,
                          port="CNSHA", findings=found)  # fmt: skip

    run = run_offline(
        [*sample.records, result(1, "compliant"), result(2, "non_compliant")], catalogue, reference
    )
    cluster_id = next(w.cluster_id for w in run.warnings if w.warning_id == control.warning_id)
    cluster = run.clusters[cluster_id]
    assert "inspections:I-2" in cluster.member_ids
    assert "inspections:I-1" not in cluster.member_ids
    assert cluster.feed_counts.get("inspections") == 1
    assert cluster.signal_count == first.clusters[cluster_id].signal_count + 1
    assert cluster.last_seen == at
    # the finding was assessed with its cluster, as any other evidence
    assert run.assessments[-1].cluster.cluster_id == cluster_id
