"""Inspection results easing a port control (detectors.inspections, streams.escalation.inspect):
consecutive compliant results relax the control to sampling and then lift it, a non-compliant
one restores it, each result counts once however often it is read, and a result for a control
not in force is refused with the reason."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from detectors.catalogue import Catalogue
from detectors.inspections import Relief, after, check
from detectors.standard import STANDARD, standard_from_dict, standard_to_dict
from detectors.targeting import matches
from schemas.errors import SchemaError
from schemas.records import Assessment, Cluster, Inspection, Signal
from streams.escalation import InspectionRefused, WarningState, escalate, inspect

AT = datetime(2026, 10, 2, 3, 0, tzinfo=UTC)


def _inspection(control_id: str, n: int, result: str = "compliant", **kw: object) -> Inspection:
    fields: dict[str, object] = {
        "inspection_id": f"I-{n}",
        "control_id": control_id,
        "declaration_id": f"D{n:05d}-1",
        "result": result,
        "inspected_at": AT + timedelta(hours=n),
        "port": "CNSHA",
        "reported_by": "yangshan-port",
    }
    fields.update(kw)
    return Inspection(**fields)  # type: ignore[arg-type]


def test_the_relief_counts_a_run_of_compliant_results() -> None:
    levels = []
    relief = Relief()
    for n in range(6):
        relief = after(relief, f"I-{n}", "compliant", relax_after=3, lift_after=5)
        levels.append((relief.streak, relief.level))
    assert levels == [
        (1, "none"), (2, "none"), (3, "relaxed"), (4, "relaxed"), (5, "lifted"), (6, "lifted"),
    ]  # fmt: skip
    assert after(relief, "I-0", "compliant", 3, 5) == relief  # counted already: no change
    back = after(relief, "I-9", "non_compliant", 3, 5)
    assert (back.streak, back.level) == (0, "none") and "I-9" in back.counted
    with pytest.raises(ValueError, match="compliant"):
        after(Relief(), "I-x", "passed", 3, 5)


def test_an_inspection_is_checked_field_by_field() -> None:
    ok = _inspection("C-abc", 1)
    assert check(ok) is ok
    for wrong, field in (
        ({"control_id": "W-abc"}, "control_id"),
        ({"result": "ok"}, "result"),
        ({"declaration_id": " "}, "declaration_id"),
        ({"findings": "x" * 2001}, "findings"),
    ):
        with pytest.raises(ValueError, match=field):
            check(replace(ok, **wrong))  # type: ignore[arg-type]


@pytest.fixture
def issued(evidenced: Cluster, catalogue: Catalogue) -> tuple[dict[str, bytes], str, Cluster]:
    imported = replace(
        evidenced, origins=("VN",), names=("乐途儿童滑板车",), enterprises=("91310000MA1FL0XX1X",)
    )
    table: dict[str, bytes] = {}
    a = Assessment(cluster=imported, as_of=imported.last_seen, hazard=4, urgency=3, scope=3,
                   score=48.0)  # fmt: skip
    ((_, control),) = escalate(a, table, catalogue, "assessments:0:1")
    assert control is not None and (control.action, control.status) == ("hold", "active")
    return table, control.control_id, imported


def test_compliant_results_relax_then_lift_the_control_and_a_failure_restores_it(
    issued: tuple[dict[str, bytes], str, Cluster], make_signal: object
) -> None:
    table, control_id, cluster = issued
    made = [inspect(_inspection(control_id, n), table, f"inspections.routed:0:{n}") for n in (1, 2)]
    assert made == [[], []]  # two in a row: not yet
    ((relaxed_w, relaxed),) = inspect(_inspection(control_id, 3), table, "inspections.routed:0:3")
    assert relaxed is not None
    assert (relaxed.status, relaxed.action, relaxed.version) == ("relaxed", "sample", 2)
    assert relaxed.status_reason == "3 consecutive compliant inspections"
    assert (relaxed_w.change, relaxed_w.decided_by, relaxed_w.status) == (
        "control relaxed", "yangshan-port", "active",
    )  # fmt: skip
    assert "I-3" in relaxed_w.reason and "3 compliant in a row" in relaxed_w.reason
    # a relaxed control still targets its goods, for sampling
    line = Signal(signal_id="declarations:D1-1", feed="declarations", source_id="D1-1",
                  event_time=AT, ingest_time=AT, product_name=cluster.product, text="",
                  hs_code=relaxed.hs_prefixes[0] + "00", origin_country="VN",
                  consignee=(relaxed.enterprises or ("x",))[0])  # fmt: skip
    assert relaxed.product_terms or relaxed.enterprises, relaxed
    assert matches(relaxed, line)
    # read again after a crash: the same version, counted once
    again = inspect(_inspection(control_id, 3), table, "inspections.routed:0:3")
    assert again == [(relaxed_w, relaxed)]
    ((failed_w, restored),) = inspect(
        _inspection(control_id, 4, "non_compliant", findings="挤压伤风险：折叠处无锁止"),
        table,
        "inspections.routed:0:4",
    )
    assert restored is not None and (restored.status, restored.action) == ("active", "hold")
    assert failed_w.change == "control restored" and "折叠处无锁止" in failed_w.reason
    for n in range(5, 10):
        made = inspect(_inspection(control_id, n), table, f"inspections.routed:0:{n}")
    ((lifted_w, lifted),) = made[-1:] if made else [(None, None)]
    assert lifted is not None and lifted.status == "lifted"
    assert lifted_w.change == "control lifted" and lifted_w.status == "active"  # still in force
    state = WarningState.of(table[cluster.cluster_id])
    assert state.relief is not None and state.relief.level == "lifted"
    assert not matches(lifted, line)
    with pytest.raises(InspectionRefused, match="no control"):
        inspect(_inspection(control_id, 11), table, "inspections.routed:0:11")


def test_a_result_for_an_unknown_control_is_refused() -> None:
    with pytest.raises(InspectionRefused, match="C-000000000000"):
        inspect(_inspection("C-000000000000", 1), {}, "inspections.routed:0:1")


def test_new_versions_keep_the_relief_until_the_warning_is_upgraded(
    issued: tuple[dict[str, bytes], str, Cluster], catalogue: Catalogue
) -> None:
    table, control_id, cluster = issued
    for n in (1, 2, 3):
        inspect(_inspection(control_id, n), table, f"inspections.routed:0:{n}")
    grown = replace(cluster, signal_count=12, last_seen=cluster.last_seen + timedelta(days=1))
    same = Assessment(cluster=grown, as_of=grown.last_seen, hazard=4, urgency=3, scope=3,
                      score=48.0)  # fmt: skip
    for warning, control in escalate(same, table, catalogue, "assessments:0:2"):
        if control is not None and warning.change != "upgraded":
            assert control.status == "relaxed" and control.action == "sample"
    worse = replace(same, score=100.0, hazard=5, urgency=4, scope=5)
    made = escalate(worse, table, catalogue, "assessments:0:3")
    upgraded = [(w, c) for w, c in made if w.change == "upgraded"]
    assert upgraded, [w.change for w, _ in made]
    _, control = upgraded[-1]
    # restored in full, at grade I, whose measures send matching goods back
    assert control is not None and (control.status, control.action) == ("active", "return")
    assert WarningState.of(table[cluster.cluster_id]).relief is None


def test_the_counts_are_the_standards_and_older_documents_still_read() -> None:
    doc = standard_to_dict(STANDARD)
    assert (doc["relax_after"], doc["lift_after"]) == (3, 5)
    older = {k: v for k, v in doc.items() if k not in ("relax_after", "lift_after")}
    assert standard_from_dict(older).lift_after == 5
    with pytest.raises(SchemaError) as zero:
        standard_from_dict({**doc, "relax_after": 0})
    assert zero.value.path == "$.relax_after"
    with pytest.raises(SchemaError) as wrong:
        standard_from_dict({**doc, "lift_after": 2})
    assert wrong.value.path == "$.lift_after"
