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

Modules: the explanation and scorer interface are in :mod:`detectors.model_explanation`,
the estimators in :mod:`detectors.model_estimator`, the artifact checks in
:mod:`detectors.model_artifact`, the rules in :mod:`detectors.rule_fallback`; this module
keeps :class:`WarningModel` and :func:`load_scorer` and re-exports the rest.
"""

from __future__ import annotations

import json
import logging
import platform
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import joblib
import numpy as np
import numpy.typing as npt
import sklearn
from sklearn.model_selection import GroupKFold, StratifiedKFold
from sklearn.pipeline import Pipeline

from detectors.catalogue import Catalogue
from detectors.features import FEATURE_NAMES, cluster_features
from detectors.model_artifact import (
    _RESERVED,
    ModelError,
    _check_features,
    _sha256,
    sidecar_path,
)
from detectors.model_estimator import MONOTONE_INCREASING, ModelKind, _estimator, _one_thread
from detectors.model_explanation import DEFAULT_TOP, Driver, Explanation, WarningScorer, _top
from detectors.rule_fallback import RuleFallback
from schemas.records import Cluster

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
CALIBRATION_FOLDS: Final = 3

Matrix = npt.NDArray[np.float64]


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


def load_scorer(path: Path | str | None = DEFAULT_MODEL_PATH) -> WarningScorer:
    """The model at ``path`` if there is a file there, else the rules (:class:`RuleFallback`).

    A file that exists but cannot be used (other features, corrupt) raises
    :class:`ModelError`: a broken model is a configuration error, not a reason to fall back.
    """
    if path is None or not Path(path).is_file():
        log.info("no warning model at %s: scoring with the rules", path)
        return RuleFallback()
    return WarningModel.load(path)
