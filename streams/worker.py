"""Run one riskwire worker: ``python -m streams.worker`` or ``riskwire worker``.

Settings come from the environment (see :mod:`streams.settings`); run more workers with the same
namespace to scale out by partitions.
"""

from __future__ import annotations

import faust

from streams.pipeline import build_pipeline
from streams.settings import Settings

__all__ = ["run_worker"]


def run_worker(settings: Settings) -> None:
    """Build the pipeline and run its worker until stopped (SIGTERM / Ctrl-C)."""
    pipeline = build_pipeline(settings)
    worker = faust.Worker(pipeline.app, loglevel=settings.log_level, quiet=True)
    worker.execute_from_commandline()


if __name__ == "__main__":
    run_worker(Settings.from_env())
