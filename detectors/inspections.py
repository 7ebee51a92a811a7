"""Inspection results easing a port control, the way import alerts are removed after entries
found compliant: consecutive compliant inspections relax a control (hold or inspect becomes
sampling), then lift it; one non-compliant result restores it in full. Pure.

The counts are the grading standard's (``relax_after``, 3; ``lift_after``, 5). An inspection is
counted once however often it is read (its id is remembered), so a replay after a restart
cannot relax a control early.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from schemas.records import (
    INSPECTION_RESULTS,
    Control,
    ControlAction,
    FeedRole,
    Inspection,
    Signal,
    Warning,
)

__all__ = ["COUNTED_KEPT", "LEVELS", "RESULTS", "Relief", "after", "check", "finding", "relieved"]

FINDINGS_FEED = "inspections"

RESULTS = INSPECTION_RESULTS
LEVELS = ("none", "relaxed", "lifted")
COUNTED_KEPT = 100  # inspection ids remembered per control, to count each once


_CONTROL_ID = re.compile(r"C-[0-9A-Za-z_-]{1,64}")
_MAX_TEXT = 2000


def check(inspection: Inspection) -> Inspection:
    """The inspection if it can be counted, else ``ValueError`` saying which field is wrong."""
    if not _CONTROL_ID.fullmatch(inspection.control_id):
        raise ValueError(f"control_id: not a control id: {inspection.control_id!r}")
    if inspection.result not in RESULTS:
        raise ValueError(f"result: one of {', '.join(RESULTS)}, not {inspection.result!r}")
    for name in ("inspection_id", "declaration_id"):
        value = getattr(inspection, name)
        if not value.strip() or len(value) > 128:
            raise ValueError(f"{name}: 1 to 128 characters")
    if len(inspection.findings) > _MAX_TEXT:
        raise ValueError(f"findings: at most {_MAX_TEXT} characters")
    return inspection


@dataclass(frozen=True, slots=True)
class Relief:
    """How far inspections have eased a warning's control: the run of compliant results, the
    level it earned, the ids counted."""

    streak: int = 0
    level: str = "none"
    counted: tuple[str, ...] = ()


def after(
    relief: Relief, inspection_id: str, result: str, relax_after: int, lift_after: int
) -> Relief:
    """The relief after one more result (the same if ``inspection_id`` was counted before)."""
    if result not in RESULTS:
        raise ValueError(f"an inspection result is one of {', '.join(RESULTS)}, not {result!r}")
    if inspection_id in relief.counted:
        return relief
    counted = (*relief.counted, inspection_id)[-COUNTED_KEPT:]
    if result == "non_compliant":
        return Relief(0, "none", counted)
    streak = relief.streak + 1
    level = "lifted" if streak >= lift_after else "relaxed" if streak >= relax_after else "none"
    return Relief(streak, level, counted)


def relieved(control: Control, relief: Relief) -> Control:
    """The control as the relief leaves it: relaxed, goods are sampled instead of held or
    inspected; lifted, the control is lifted. A lifted control stays as it is."""
    if control.status == "lifted" or relief.level == "none":
        return control
    why = f"{relief.streak} consecutive compliant inspections"
    if relief.level == "relaxed":
        sample = ControlAction.SAMPLE.value
        return replace(control, status="relaxed", action=sample, status_reason=why)
    return replace(control, status="lifted", status_reason=why, valid_until=control.valid_from)


def finding(inspection: Inspection, warning: Warning) -> Signal | None:
    """A non-compliant result as a risk signal of the warning's cluster (None for a compliant
    one): goods its control targeted failed at the port, which is evidence of the risk itself,
    dated when inspected. Its id is the inspection's, so a replay cannot count it twice."""
    if inspection.result != "non_compliant":
        return None
    text = inspection.findings or "non-compliant at port inspection"
    return Signal(
        signal_id=f"{FINDINGS_FEED}:{inspection.inspection_id}",
        feed=FINDINGS_FEED,
        source_id=inspection.inspection_id,
        event_time=inspection.inspected_at,
        ingest_time=inspection.inspected_at,  # from the record: a replay gives the same bytes
        product_name=warning.product,
        text=text,
        category=warning.category,
        hazard_class=warning.hazard_class,
        channel="port_inspection",
        declaration_id=inspection.declaration_id,
        port=inspection.port,
        role=FeedRole.REPORT.value,
        cluster_hint=warning.cluster_id,
    )
