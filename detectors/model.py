"""The warning model: the probability that a cluster deserves a warning, and why.

:class:`WarningModel` wraps a calibrated scikit-learn classifier over the features of
:mod:`detectors.features`. Two kinds are available:

* ``"hgb"`` (default): ``HistGradientBoostingClassifier`` with monotone constraints (more deaths,
  more risk signals, a bigger surprise or a wider reach never lower the probability), calibrated
  by ``CalibratedClassifierCV`` (Platt scaling, 3 folds, split by seed when training is given
  groups, so the calibration of each fold model is judged on runs it never saw).
* ``"logistic"``: standardised features and ``LogisticRegression``, calibrated the same way.

**Explanations.** :meth:`WarningModel.predict` returns the probability and an
:class:`Explanation` listing the features that drove it, largest first:

* for ``"logistic"`` a driver's ``effect`` is its coefficient times its standardised value (in
  log-odds, averaged over the calibration folds): exact for the linear model, and the effects
  plus the intercept add up to its logit;
* for ``"hgb"`` a driver's ``effect`` is how much the probability falls when that one feature is
  replaced by its training median, all others kept (``p(x) - p(x with x_j = median_j)``). It
  costs one batched call of ``len(FEATURE_NAMES) + 1`` rows, needs no extra library, and reads
  as "what this cluster has that a typical one does not". It is not additive: interacting
  features can each get less (or more) than their joint effect.

**Artifact.** :meth:`WarningModel.save` writes ``<name>.joblib`` (the fitted estimator with its
feature names and medians) and a JSON sidecar ``<name>.json``: model version, feature names,
threshold, training metrics, scikit-learn / numpy / Python versions, creation time and the
artifact's SHA-256. :meth:`WarningModel.load` reads the sidecar first and refuses, with a
:class:`ModelError` saying what differs, an artifact whose feature names differ from the code's,
whose format is unknown or whose bytes do not match the recorded digest; only then is the
pickle loaded. A pickle runs code when loaded: load only artifacts you built or trust.

**Fallback.** Without a model file, :class:`RuleFallback` turns the rules of
:func:`detectors.scoring.assess` and :mod:`detectors.grading` into a probability-like score
with the same explanation format: ``p = sigmoid(2 ln(score / 12))`` (so grade IV's score 12 is
0.5) when the evidence floor and urgency gate pass, and below 0.5 otherwise, so that
``p >= 0.5`` exactly when the rules would warn. :func:`load_scorer` picks one of the two.

Errors: ``ModelError`` is a :class:`~schemas.errors.ConfigError` (fail at start-up).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import platform
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, Final, Literal, Protocol

import joblib
import numpy as np
import numpy.typing as npt
import sklearn
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, StratifiedKFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import ThreadpoolController

from detectors.catalogue import Catalogue
from detectors.features import FEATURE_NAMES, cluster_features
from detectors.grading import THRESHOLDS, warrants_warning
from detectors.scoring import assess
from schemas.errors import ConfigError
from schemas.records import Assessment, Cluster, Grade

__all__ = [
    "ARTIFACT_FORMAT",
    "CALIBRATION_FOLDS",
    "DEFAULT_MODEL_PATH",
    "MODEL_VERSION",
    "MONOTONE_INCREASING",
    "Driver",
    "Explanation",
    "ModelError",
    "ModelKind",
    "RuleFallback",
    "WarningModel",
    "WarningScorer",
    "load_scorer",
    "sidecar_path",
]

log = logging.getLogger(__name__)

MODEL_VERSION: Final = "warning-model-v1"
ARTIFACT_FORMAT: Final = 1
DEFAULT_MODEL_PATH: Final = Path("var/models/warning-model-v1.joblib")
DEFAULT_TOP: Final = 8
CALIBRATION_FOLDS: Final = 3

ModelKind = Literal["hgb", "logistic"]
Matrix = npt.NDArray[np.float64]

MONOTONE_INCREASING: Final = frozenset(
    {
        "outcome_level",
        "deaths",
        "hospitalised",
        "vulnerable_groups",
        "flagged_listings",
        "risk_signals",
        "risk_last_7d",
        "poisson_surprise",
        "risk_feeds",
        "regions",
    }
)
"""Features whose growth may never lower the ``hgb`` model's probability."""


class ModelError(ConfigError):
    """A model artifact cannot be used: missing, unreadable, or built for other features."""


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
        out["probability"] = round(self.probability, 4)
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


@cache
def _threadpools() -> Any:
    return ThreadpoolController()


@contextmanager
def _one_thread() -> Iterator[None]:
    """Run scikit-learn's OpenMP code on one thread.

    Gradient boosting's OpenMP threads busy-wait; on a shared 2-core machine they made a fit of
    600 rows take a minute instead of a tenth of a second, and a prediction for one cluster
    costs more in thread start-up than in trees. One thread is predictable for both.
    """
    with _threadpools().limit(limits=1, user_api="openmp"):
        yield


def _top(drivers: list[Driver], top: int) -> tuple[Driver, ...]:
    ranked = sorted(drivers, key=lambda d: (-abs(d.effect), d.feature))
    return tuple(d for d in ranked[:top] if d.effect != 0.0)


def sidecar_path(path: Path) -> Path:
    """The JSON sidecar that describes the artifact at ``path``."""
    return path.with_suffix(".json")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _estimator(kind: ModelKind, names: Sequence[str], random_state: int, folds: list[Any]) -> Any:
    if kind == "hgb":
        base: Any = HistGradientBoostingClassifier(
            max_iter=100,
            learning_rate=0.12,
            max_leaf_nodes=15,
            min_samples_leaf=40,
            l2_regularization=1.0,
            monotonic_cst=[int(n in MONOTONE_INCREASING) for n in names],
            early_stopping=False,
            random_state=random_state,
        )
    elif kind == "logistic":
        base = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000))
    else:
        raise ValueError(f"unknown model kind {kind!r}; expected 'hgb' or 'logistic'")
    return CalibratedClassifierCV(base, method="sigmoid", cv=folds, ensemble=True)


class WarningModel:
    """A fitted, calibrated classifier over named features, with its threshold and metadata."""

    def __init__(
        self,
        estimator: Any,
        kind: ModelKind,
        feature_names: Sequence[str],
        medians: Sequence[float],
        threshold: float = 0.5,
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        if len(medians) != len(feature_names):
            raise ValueError("one median per feature is needed")
        self.estimator = estimator
        self.kind: ModelKind = kind
        self.feature_names = tuple(feature_names)
        self.medians = np.asarray(medians, dtype=np.float64)
        self._threshold = float(threshold)
        self.metadata: dict[str, Any] = dict(metadata or {})

    @classmethod
    def fit(
        cls,
        x: Matrix,
        y: npt.NDArray[Any],
        *,
        groups: npt.NDArray[Any] | None = None,
        kind: ModelKind = "hgb",
        feature_names: Sequence[str] = FEATURE_NAMES,
        threshold: float = 0.5,
        random_state: int = 0,
        metadata: Mapping[str, Any] | None = None,
    ) -> WarningModel:
        """Fit a calibrated classifier of ``kind`` on rows ``x`` (columns ``feature_names``)."""
        model, _ = cls.fit_out_of_fold(
            x,
            y,
            groups=groups,
            kind=kind,
            feature_names=feature_names,
            threshold=threshold,
            random_state=random_state,
            metadata=metadata,
        )
        return model

    @classmethod
    def fit_out_of_fold(
        cls,
        x: Matrix,
        y: npt.NDArray[Any],
        *,
        groups: npt.NDArray[Any] | None = None,
        kind: ModelKind = "hgb",
        feature_names: Sequence[str] = FEATURE_NAMES,
        threshold: float = 0.5,
        random_state: int = 0,
        metadata: Mapping[str, Any] | None = None,
    ) -> tuple[WarningModel, npt.NDArray[np.float64]]:
        """Fit as :meth:`fit`, and return each row's probability from the fold that held it out.

        Calibration uses ``CALIBRATION_FOLDS`` folds, split by ``groups`` when given (rows of
        one group, e.g. one seed's run, stay in one fold) and stratified otherwise. The model is
        the average of the fold models; a row's out-of-fold probability comes from the one fold
        model that did not train on it (calibrated on its own fold), which is what a threshold
        should be chosen on.
        """
        rows = np.asarray(x, dtype=np.float64)
        if rows.ndim != 2 or rows.shape[1] != len(feature_names):
            raise ValueError(f"x must have {len(feature_names)} columns, got shape {rows.shape}")
        labels = np.asarray(y).astype(np.int64)
        if len(set(labels.tolist())) != 2:
            raise ValueError("training needs both positive and negative examples")
        if groups is not None:
            distinct = len(set(np.asarray(groups).tolist()))
            if distinct < CALIBRATION_FOLDS:
                raise ValueError(f"need {CALIBRATION_FOLDS}+ groups (seeds) to fit, got {distinct}")
            splitter: Any = GroupKFold(n_splits=CALIBRATION_FOLDS)
            folds = list(splitter.split(rows, labels, groups=np.asarray(groups)))
        else:
            splitter = StratifiedKFold(n_splits=CALIBRATION_FOLDS)
            folds = list(splitter.split(rows, labels))
        estimator = _estimator(kind, feature_names, random_state, folds)
        oof = np.zeros(len(labels), dtype=np.float64)
        with _one_thread():
            estimator.fit(rows, labels)
            for (_, held_out), fold in zip(folds, estimator.calibrated_classifiers_, strict=True):
                oof[held_out] = fold.predict_proba(rows[held_out])[:, 1]
        medians = np.median(rows, axis=0)
        model = cls(estimator, kind, feature_names, medians.tolist(), threshold, metadata)
        return model, oof

    # -- prediction -------------------------------------------------------------------------

    @property
    def name(self) -> str:
        """The model version and kind, e.g. ``warning-model-v1/hgb``."""
        return f"{MODEL_VERSION}/{self.kind}"

    @property
    def threshold(self) -> float:
        """The probability at or above which the model recommends a warning."""
        return self._threshold

    def with_threshold(self, threshold: float) -> WarningModel:
        """The same model with another warning threshold."""
        medians = self.medians.tolist()
        return WarningModel(
            self.estimator, self.kind, self.feature_names, medians, threshold, self.metadata
        )

    def predict_proba(self, x: Matrix) -> npt.NDArray[np.float64]:
        """Probability of the positive class for each row of ``x``."""
        rows = np.asarray(x, dtype=np.float64)
        if rows.ndim == 1:
            rows = rows.reshape(1, -1)
        with _one_thread():
            p = self.estimator.predict_proba(rows)[:, 1]
        return np.asarray(p, dtype=np.float64)

    def row(self, features: Mapping[str, float]) -> Matrix:
        """``features`` as one row in the model's column order; a missing name is an error."""
        missing = [n for n in self.feature_names if n not in features]
        if missing:
            raise ValueError(f"features missing: {', '.join(missing)}")
        return np.asarray([[features[n] for n in self.feature_names]], dtype=np.float64)

    def predict(
        self, features: Mapping[str, float], top: int = DEFAULT_TOP
    ) -> tuple[float, Explanation]:
        """Probability that the cluster deserves a warning, and the ``top`` features behind it."""
        x = self.row(features)
        if self.kind == "logistic":
            probability = float(self.predict_proba(x)[0])
            effects = self._linear_effects(x[0])
            unit = "log-odds"
        else:
            # Row 0 is the cluster; row j + 1 has feature j replaced by its training median.
            batch = np.repeat(x, len(self.feature_names) + 1, axis=0)
            for j in range(len(self.feature_names)):
                batch[j + 1, j] = self.medians[j]
            p = self.predict_proba(batch)
            probability = float(p[0])
            effects = p[0] - p[1:]
            unit = "probability"
        drivers = [
            Driver(n, float(x[0, j]), float(effects[j])) for j, n in enumerate(self.feature_names)
        ]
        explanation = Explanation(self.name, unit, probability, self.threshold, _top(drivers, top))
        return probability, explanation

    def _linear_effects(self, x: Matrix) -> Matrix:
        """Coefficient x standardised value per feature, averaged over the calibration folds."""
        total = np.zeros(len(self.feature_names), dtype=np.float64)
        folds = self.estimator.calibrated_classifiers_
        for fold in folds:
            pipeline: Pipeline = fold.estimator
            scaler, logistic = pipeline[0], pipeline[-1]
            z = (x - scaler.mean_) / scaler.scale_
            total += np.asarray(logistic.coef_[0], dtype=np.float64) * z
        return total / len(folds)

    def score_cluster(
        self, cluster: Cluster, as_of: datetime, catalogue: Catalogue
    ) -> tuple[float, Explanation]:
        """:meth:`predict` on the cluster's features as of ``as_of``."""
        return self.predict(cluster_features(cluster, as_of, catalogue))

    # -- artifact ---------------------------------------------------------------------------

    def save(self, path: Path | str = DEFAULT_MODEL_PATH) -> Path:
        """Write the artifact and its JSON sidecar; returns the sidecar's path."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "artifact_format": ARTIFACT_FORMAT,
            "model_version": MODEL_VERSION,
            "kind": self.kind,
            "feature_names": list(self.feature_names),
            "medians": self.medians.tolist(),
            "threshold": self.threshold,
            "estimator": self.estimator,
        }
        partial = target.with_name(target.name + ".partial")
        joblib.dump(payload, partial, compress=3)
        partial.replace(target)
        sidecar = {
            "artifact_format": ARTIFACT_FORMAT,
            "model_version": MODEL_VERSION,
            "kind": self.kind,
            "feature_names": list(self.feature_names),
            "threshold": self.threshold,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "sklearn_version": sklearn.__version__,
            "numpy_version": np.__version__,
            "python_version": platform.python_version(),
            "artifact": target.name,
            "artifact_sha256": _sha256(target),
            **{k: v for k, v in self.metadata.items() if k not in _RESERVED},
        }
        side = sidecar_path(target)
        partial = side.with_name(side.name + ".partial")
        partial.write_text(json.dumps(sidecar, indent=2, ensure_ascii=False) + "\n", "utf-8")
        partial.replace(side)
        return side

    @classmethod
    def load(
        cls, path: Path | str = DEFAULT_MODEL_PATH, feature_names: Sequence[str] = FEATURE_NAMES
    ) -> WarningModel:
        """Read an artifact saved by :meth:`save`, or raise :class:`ModelError` saying why not."""
        target = Path(path)
        side = sidecar_path(target)
        if not target.is_file():
            raise ModelError(f"{target}: no model artifact (train one: riskwire model train)")
        try:
            sidecar: dict[str, Any] = json.loads(side.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise ModelError(f"{side}: cannot read the model's sidecar: {exc}") from None
        if sidecar.get("artifact_format") != ARTIFACT_FORMAT:
            raise ModelError(
                f"{side}: artifact format {sidecar.get('artifact_format')!r}, "
                f"this code reads format {ARTIFACT_FORMAT}"
            )
        _check_features(side, list(sidecar.get("feature_names", [])), list(feature_names))
        if sidecar.get("artifact_sha256") != _sha256(target):
            raise ModelError(f"{target}: contents do not match the SHA-256 in {side.name}")
        if sidecar.get("sklearn_version") != sklearn.__version__:
            log.warning(
                "%s was built with scikit-learn %s, running %s: retrain if predictions look off",
                target,
                sidecar.get("sklearn_version"),
                sklearn.__version__,
            )
        payload = joblib.load(target)
        _check_features(target, list(payload["feature_names"]), list(feature_names))
        metadata = {k: v for k, v in sidecar.items() if k not in _RESERVED}
        return cls(
            payload["estimator"],
            payload["kind"],
            payload["feature_names"],
            payload["medians"],
            float(payload["threshold"]),
            metadata,
        )


_RESERVED: Final = frozenset(
    {"artifact_format", "model_version", "kind", "feature_names", "threshold", "artifact"}
    | {"artifact_sha256", "sklearn_version", "numpy_version", "python_version", "created"}
)


def _check_features(where: Path, found: list[str], expected: list[str]) -> None:
    if found == expected:
        return
    missing = [n for n in expected if n not in found]
    extra = [n for n in found if n not in expected]
    detail = []
    if missing:
        detail.append(f"missing {', '.join(missing)}")
    if extra:
        detail.append(f"unknown {', '.join(extra)}")
    if not detail:
        detail.append("same names in another order")
    raise ModelError(
        f"{where}: model features do not match this code's FEATURE_NAMES ({'; '.join(detail)}); "
        "retrain with: riskwire model train"
    )


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


def load_scorer(path: Path | str | None = DEFAULT_MODEL_PATH) -> WarningScorer:
    """The model at ``path`` if there is a file there, else the rules (:class:`RuleFallback`).

    A file that exists but cannot be used (other features, corrupt) raises
    :class:`ModelError`: a broken model is a configuration error, not a reason to fall back.
    """
    if path is None or not Path(path).is_file():
        log.info("no warning model at %s: scoring with the rules", path)
        return RuleFallback()
    return WarningModel.load(path)
