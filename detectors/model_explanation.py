"""What a warning probability comes with: its explanation, and the scorer interface.

Shared by the trained model (:mod:`detectors.model`) and the rules
(:mod:`detectors.rule_fallback`), which explain themselves in one format, so the pipeline can
take either as a :class:`WarningScorer`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Final, Protocol

from detectors.catalogue import Catalogue
from schemas.records import Cluster

__all__ = ["DEFAULT_TOP", "Driver", "Explanation", "WarningScorer"]

DEFAULT_TOP: Final = 8
"""How many drivers an explanation lists unless told otherwise."""


@dataclass(frozen=True, slots=True)
class Driver:
    """One feature's part in a prediction: its value and its effect (in the explanation's unit)."""

    feature: str
    value: float
    effect: float


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a probability is what it is: the method, the unit of effects, the top drivers."""

    method: str
    unit: str  # "probability" (hgb, median replacement) or "log-odds" (linear, rules)
    probability: float
    threshold: float
    drivers: tuple[Driver, ...]

    @property
    def warns(self) -> bool:
        """Whether the probability reaches the scorer's warning threshold."""
        return self.probability >= self.threshold

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for an assessment's ``explanation`` or JSON output."""
        out = asdict(self)
        out["drivers"] = [
            {"feature": d.feature, "value": round(d.value, 4), "effect": round(d.effect, 4)}
            for d in self.drivers
        ]
        out["probability"] = float(self.probability)  # unrounded: a model gate compares it
        out["threshold"] = round(self.threshold, 6)
        out["warns"] = self.warns
        return out


class WarningScorer(Protocol):
    """Anything that turns a cluster into a warning probability with an explanation."""

    @property
    def name(self) -> str:
        """A short label for reports: the model version and kind, or the rules' version."""
        ...

    @property
    def threshold(self) -> float:
        """The probability at or above which the scorer recommends a warning."""
        ...

    def score_cluster(
        self, cluster: Cluster, as_of: datetime, catalogue: Catalogue
    ) -> tuple[float, Explanation]:
        """Probability that ``cluster`` deserves a warning as of ``as_of``, and why."""
        ...


def _top(drivers: list[Driver], top: int) -> tuple[Driver, ...]:
    ranked = sorted(drivers, key=lambda d: (-abs(d.effect), d.feature))
    return tuple(d for d in ranked[:top] if d.effect != 0.0)
