"""Port targeting: block-and-control requests from warnings, and one instruction per declaration.

A warning of kind *alert notification* becomes a :class:`Control` that port systems apply. Each
customs declaration line then gets an :class:`Instruction`: the heaviest of

* the action of every active control it matches (see :func:`matches`),
* inspection when the consignee is on the quality-safety blacklist,
* differentiated supervision by enterprise credit grade (D inspect, C sample) and by origin
  risk (high risk: document check),
* "double random" sampling at a ratio set by the credit grade (DOMAIN.md §7), drawn from a
  hash of the published sampling seed and the declaration line id (:func:`draw`): a replay
  draws the same lines, and an auditor with the seed reproduces every draw
  (``riskwire sampling DECLARATION_LINE_ID``); the reason states the draw and the seed.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from rapidfuzz import fuzz

from detectors.catalogue import Catalogue
from detectors.evidence import BLACKLISTED
from detectors.text import match_key
from schemas.records import (
    Cluster,
    Control,
    ControlAction,
    Grade,
    Instruction,
    InstructionAction,
    Signal,
    Warning,
    WarningKind,
)

__all__ = [
    "DEFAULT_SAMPLING_SEED",
    "SAMPLING_RATIO",
    "Reference",
    "action_for",
    "control_for",
    "draw",
    "instruct",
    "marked",
    "matches",
]

TERM_THRESHOLD = 85.0
HIGH_ORIGIN_RISK = 0.7
# a unified social credit code's shape (GB 32100): tells a party's code from a shop's name
USCC_SHAPE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}")
SAMPLING_RATIO: dict[str, float] = {"A": 0.005, "B": 0.02, "C": 0.10, "D": 0.30}
UNKNOWN_CREDIT_RATIO = 0.05
DEFAULT_SAMPLING_SEED = "riskwire-sampling-2026"
_ACTION_RANK = {a.value: i for i, a in enumerate(InstructionAction)}
GRADE_ACTIONS = {
    Grade.I: ControlAction.HOLD,
    Grade.II: ControlAction.HOLD,
    Grade.III: ControlAction.INSPECT,
    Grade.IV: ControlAction.SAMPLE,
}


@dataclass(frozen=True, slots=True)
class Reference:
    """Reference data targeting needs: credit grades, blacklist, origin-country risk (0-1)."""

    credit: Mapping[str, str]
    blacklist: frozenset[str]
    origin_risk: Mapping[str, float]
    sampling_seed: str = DEFAULT_SAMPLING_SEED  # published: anyone can reproduce the draws


def action_for(grade: Grade, measures: Iterable[str]) -> ControlAction:
    """What a control asks ports to do with matching lines: the warning's measures decide
    where they name a disposition of the goods ("return shipment [or destroy]": return; a
    measure of destruction alone: destroy), else its grade (:data:`GRADE_ACTIONS`). Measures
    come from the grading standard, so a published standard changes them, not this code."""
    for measure in measures:
        words = set(re.findall(r"[a-z]+", measure.lower()))
        if "destroy" in words and "return" not in words:
            return ControlAction.DESTROY
    if any("return" in re.findall(r"[a-z]+", m.lower()) for m in measures):
        return ControlAction.RETURN
    return GRADE_ACTIONS[grade]


def control_for(warning: Warning, cluster: Cluster, catalogue: Catalogue) -> Control | None:
    """The block-and-control message a warning asks customs for, or ``None`` if it asks none.

    The HS prefixes are the cluster's own declared codes (6 digits) when it has any, else the
    category's prefixes from the catalogue; product terms are the names, brands and models seen.
    """
    if warning.kind != WarningKind.ALERT_NOTIFICATION.value:
        return None
    hs = sorted({code[:6] for code in cluster.hs_codes if code})
    if not hs and cluster.category and cluster.category in catalogue.categories:
        hs = list(catalogue.categories[cluster.category].hs_prefixes)
    grade = Grade(warning.grade)
    parties = set(cluster.enterprises)
    return Control(
        control_id=f"C-{warning.warning_id.removeprefix('W-')}",
        version=warning.version,
        warning_id=warning.warning_id,
        status=warning.status,
        action=action_for(grade, warning.measures).value,
        grade=grade.value,
        reason=warning.title,
        hs_prefixes=tuple(hs),
        product_terms=tuple(sorted({n for n in cluster.names if n})),
        brands=tuple(sorted(set(cluster.brands))),
        enterprises=tuple(sorted(set(cluster.enterprises))),
        origin_countries=tuple(sorted({o for o in cluster.origins if o != "CN"})),
        enterprise_codes=tuple(sorted(e for e in parties if USCC_SHAPE.fullmatch(e))),
        enterprise_names=tuple(sorted(e for e in parties if not USCC_SHAPE.fullmatch(e))),
        model_codes=tuple(sorted(set(cluster.model_codes))),
        product_names=(cluster.product,) if cluster.product else (),
        valid_from=warning.updated_time,
        # a lifted version ends the control; one in force has no end until a later version
        valid_until=warning.updated_time if warning.status == "lifted" else None,
    )


def matches(control: Control, line: Signal) -> bool:
    """Whether a declaration line is targeted by a control in force (active or relaxed)."""
    if control.status not in ("active", "relaxed"):
        return False
    hs = line.hs_code or ""
    if control.hs_prefixes and not any(hs.startswith(p) for p in control.hs_prefixes):
        return False
    if control.origin_countries and line.origin_country not in control.origin_countries:
        return False
    parties = {line.consignee, line.consignor, line.enterprise_uscc, line.enterprise_name}
    if parties & set(control.enterprises):
        return True
    brand = match_key(line.brand)
    if brand and brand in control.brands:
        return True
    goods = match_key(f"{line.product_name}{line.model or ''}")
    return any(
        fuzz.partial_ratio(term, goods) >= TERM_THRESHOLD
        for term in control.product_terms
        if len(term) >= 2
    )


def draw(declaration_id: str, seed: str = DEFAULT_SAMPLING_SEED) -> float:
    """A uniform number in [0, 1) fixed by the seed and the declaration line id: the first 8
    bytes of BLAKE2b("<seed>:<line id>"), big-endian, over 2^64. A line is sampled when its
    draw is below its ratio."""
    message = f"{seed}:{declaration_id}".encode()
    digest = hashlib.blake2b(message, digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def marked(line: Signal, reference: Reference) -> Signal:
    """The line as it goes on to linkage: flagged :data:`~detectors.evidence.BLACKLISTED` when
    its consignee is on the blacklist, which makes it risk evidence in the cluster it joins
    (it still founds none: a declaration never does)."""
    party = line.enterprise_uscc or line.consignee or ""
    if party not in reference.blacklist or BLACKLISTED in line.flags:
        return line
    return replace(line, flags=(*line.flags, BLACKLISTED))


def instruct(line: Signal, controls: Iterable[Control], reference: Reference) -> Instruction:
    """The instruction for one declaration line."""
    decl_id = line.declaration_id or line.source_id
    action = InstructionAction.RELEASE.value
    reasons: list[str] = []
    control_ids: list[str] = []

    def escalate(to: str, reason: str) -> None:
        nonlocal action
        reasons.append(reason)
        if _ACTION_RANK[to] > _ACTION_RANK[action]:
            action = to

    for control in controls:
        if matches(control, line):
            control_ids.append(control.control_id)
            escalate(control.action, f"matches control {control.control_id} ({control.reason})")
    party = line.enterprise_uscc or line.consignee or ""
    credit = reference.credit.get(party)
    if party in reference.blacklist:
        escalate(InstructionAction.INSPECT.value, "consignee on the quality-safety blacklist")
    if credit == "D":
        escalate(InstructionAction.INSPECT.value, "consignee credit grade D")
    elif credit == "C":
        escalate(InstructionAction.SAMPLE.value, "consignee credit grade C")
    origin_risk = reference.origin_risk.get(line.origin_country or "", 0.0)
    if origin_risk >= HIGH_ORIGIN_RISK:
        escalate(InstructionAction.DOCUMENT_CHECK.value, f"origin risk {origin_risk:.2f}")
    ratio = SAMPLING_RATIO.get(credit or "", UNKNOWN_CREDIT_RATIO)
    drawn = draw(decl_id, reference.sampling_seed)
    if drawn < ratio:
        escalate(
            InstructionAction.SAMPLE.value,
            f"random sampling at {ratio:.1%} (credit {credit or 'unknown'}; "
            f"draw {drawn:.6f} under seed {reference.sampling_seed!r})",
        )
    risk = max(  # hold and the dispositions beyond it (return, destroy) are all the top risk
        min(1.0, _ACTION_RANK[action] / _ACTION_RANK[InstructionAction.HOLD.value]),
        origin_risk * 0.5,
    )
    return Instruction(
        instruction_id=decl_id,
        declaration_id=decl_id,
        port=line.port,
        action=action,
        reasons=tuple(reasons) or ("no risk indicator",),
        control_ids=tuple(control_ids),
        risk_score=round(risk, 3),
        declared_at=line.event_time,
        hs_code=line.hs_code,
        origin_country=line.origin_country,
        consignee=line.consignee,
    )
