"""What makes a saved model unusable: the error, the sidecar, the digest and the feature check.

:meth:`~detectors.model.WarningModel.save` and :meth:`~detectors.model.WarningModel.load` write
and read the artifact; the checks that refuse one live here, apart from fitting and prediction.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Final

from schemas.errors import ConfigError

__all__ = ["ModelError", "sidecar_path"]


class ModelError(ConfigError):
    """A model artifact cannot be used: missing, unreadable, or built for other features."""


def sidecar_path(path: Path) -> Path:
    """The JSON sidecar that describes the artifact at ``path``."""
    return path.with_suffix(".json")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
