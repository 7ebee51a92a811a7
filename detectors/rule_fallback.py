"""The rules as a warning scorer: what scores clusters when no trained model is installed.

:class:`RuleFallback` puts :func:`detectors.scoring.assess` and :mod:`detectors.grading` behind
the interface and explanation format of the model (see :mod:`detectors.model`), so the pipeline
runs without a model file and its reports read alike either way.
"""

from __future__ import annotations

import math
from datetime import datetime

from detectors.catalogue import Catalogue
from detectors.grading import THRESHOLDS, warrants_warning
from detectors.model_explanation import DEFAULT_TOP, Driver, Explanation, _top
from detectors.scoring import assess
from schemas.records import Assessment, Cluster, Grade

__all__ = ["RuleFallback"]


class RuleFallback:
    """The rules (hazard x urgency x scope, evidence floor, urgency gate) as a probability."""

    _GRADE_IV = THRESHOLDS[Grade.IV]
    _SLOPE = 2.0
    _GATE_CAP = 0.49

    name = "rules-v1"
    threshold = 0.5

    def score_assessment(self, assessment: Assessment) -> tuple[float, Explanation]:
        """The probability-like score of an assessment the rules already made."""
        factors = {
            "hazard": assessment.hazard,
            "urgency": assessment.urgency,
            "scope": assessment.scope,
        }
        logit = self._SLOPE * math.log(max(assessment.score, 1e-9) / self._GRADE_IV)
        probability = 1.0 / (1.0 + math.exp(-logit))
        drivers = [
            Driver(k, float(v), self._SLOPE * math.log(max(v, 1))) for k, v in factors.items()
        ]
        if not warrants_warning(assessment):
            gated = min(probability, self._GATE_CAP) * self._GATE_CAP
            drivers.append(Driver("evidence_or_urgency_gate", 0.0, _logit(gated) - logit))
            probability = gated
        explanation = Explanation(
            self.name, "log-odds", probability, self.threshold, _top(drivers, DEFAULT_TOP)
        )
        return probability, explanation

    def score_cluster(
        self, cluster: Cluster, as_of: datetime, catalogue: Catalogue
    ) -> tuple[float, Explanation]:
        """Assess ``cluster`` with the rules as of ``as_of`` and turn that into a probability."""
        return self.score_assessment(assess(cluster, catalogue, as_of))


def _logit(p: float) -> float:
    p = min(max(p, 1e-12), 1 - 1e-12)
    return math.log(p / (1 - p))
