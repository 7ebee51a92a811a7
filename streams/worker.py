"""Run one riskwire worker: ``python -m streams.worker`` or ``riskwire worker``.

Settings come from the environment (see :mod:`streams.settings`); run more workers with the same
namespace to scale out by partitions.
"""

from __future__ import annotations

from pathlib import Path

import faust

from streams.logs import logging_config
from streams.pipeline import build_pipeline
from streams.settings import Settings

__all__ = ["run_worker"]


def run_worker(settings: Settings) -> None:
    """Build the pipeline and run its worker until stopped (SIGTERM / Ctrl-C)."""
    if settings.role == "port":  # no Faust app: the port loop alone (streams.port_role)
        from streams.port_role import run_port_role

        run_port_role(settings)
        return
    if settings.faust_datadir:  # the table store's directory: Faust makes only its last level
        Path(settings.faust_datadir).mkdir(parents=True, exist_ok=True)
    pipeline = build_pipeline(settings)
    worker = faust.Worker(
        pipeline.app,
        loglevel=settings.log_level,
        quiet=True,
        logging_config=logging_config(settings.log_format, settings.log_level),
    )
    worker.execute_from_commandline()


if __name__ == "__main__":
    run_worker(Settings.from_env())
