"""The ``riskwire`` command line."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from schemas.errors import ConfigError

__all__ = ["main"]


def _cmd_demo(args: argparse.Namespace) -> int:
    from streams.demo import run_demo
    from streams.settings import Settings

    return run_demo(
        Settings.from_env(), seed=args.seed, days=args.days, workdir=args.workdir, quiet=args.quiet
    )


def _cmd_worker(args: argparse.Namespace) -> int:
    from streams.settings import Settings
    from streams.worker import run_worker

    run_worker(Settings.from_env())
    return 0


def _cmd_broker(args: argparse.Namespace) -> int:
    from streams.embedded import EmbeddedBroker

    broker = EmbeddedBroker(port=args.port, host=args.host)
    url = broker.start()
    print(url, flush=True)
    print(f"export RISKWIRE_BROKER={url}", file=sys.stderr, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        broker.stop()
    return 0


def _cmd_topics(args: argparse.Namespace) -> int:
    from streams.settings import Settings
    from streams.topics import create_topics, topic_specs

    settings = Settings.from_env()
    if args.action == "create":
        created = create_topics(settings)
        print(f"created {len(created)} topics")
    for spec in topic_specs(settings):
        print(f"{spec.name}\t{spec.partitions}\t{'compact' if spec.compacted else 'delete'}")
    return 0


def _cmd_lag(args: argparse.Namespace) -> int:
    from streams.lag import LagProbe
    from streams.settings import Settings

    probe = LagProbe(Settings.from_env())
    try:
        for t in probe.measure():
            print(f"{t.topic}\tend={t.end}\tcommitted={t.committed}\tlag={t.lag}")
    finally:
        probe.close()
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="riskwire", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="run the pipeline end to end on sample feeds")
    demo.add_argument("--seed", type=int, default=7, help="sample generator seed")
    demo.add_argument("--days", type=int, default=42, help="days of sample feeds")
    demo.add_argument("--workdir", type=Path, default=Path("var/demo"), help="logs go here")
    demo.add_argument("--quiet", action="store_true", help="print only the summary line")
    demo.set_defaults(func=_cmd_demo)

    worker = sub.add_parser("worker", help="run a pipeline worker (settings from environment)")
    worker.set_defaults(func=_cmd_worker)

    broker = sub.add_parser("broker", help="start the embedded Tansu broker and print its URL")
    broker.add_argument("--port", type=int, default=None, help="port (default: a free one)")
    broker.add_argument("--host", default="127.0.0.1")
    broker.set_defaults(func=_cmd_broker)

    topics = sub.add_parser("topics", help="list or create the pipeline's topics")
    topics.add_argument("action", choices=["list", "create"])
    topics.set_defaults(func=_cmd_topics)

    lag = sub.add_parser("lag", help="consumer lag of the pipeline, per topic")
    lag.set_defaults(func=_cmd_lag)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``riskwire`` console script."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        code: int = args.func(args)
    except ConfigError as exc:
        print(f"riskwire: configuration error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
