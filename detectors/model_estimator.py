"""The scikit-learn estimators behind :class:`~detectors.model.WarningModel`, and their threads.

Which classifier each kind is, with which constraints and calibration, is a modelling choice
that changes apart from the model's interface and artifact, so it lives here.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any, Final, Literal

from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import ThreadpoolController

__all__ = ["MONOTONE_INCREASING", "ModelKind"]

ModelKind = Literal["hgb", "logistic"]

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
