"""Pure risk logic: no I/O, no Faust. Deterministic functions the agents call."""

from detectors.catalogue import Catalogue, load_catalogue
from detectors.cluster_update import absorb, new_cluster
from detectors.fingerprint import content_fingerprint
from detectors.grading import clock_steps, decide
from detectors.linkage import (
    block_key,
    link,
)
from detectors.scoring import assess
from detectors.targeting import Reference, control_for, instruct, matches

__all__ = [
    "Catalogue",
    "Reference",
    "absorb",
    "assess",
    "block_key",
    "clock_steps",
    "content_fingerprint",
    "control_for",
    "decide",
    "instruct",
    "link",
    "load_catalogue",
    "matches",
    "new_cluster",
]
