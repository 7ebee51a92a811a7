"""A port system's side of riskwire, with kafka-python and nothing of riskwire's code.

It reads the two topics riskwire publishes for ports, checks every record against the published
JSON Schemas (``schemas/port/``, when ``jsonschema`` is installed), and keeps what a port system
needs: the controls in force (a compacted topic: the latest version of each control is its
state; a lower version read again is a replay and changes nothing; ``lifted`` removes it) and
the instruction of each declaration line (one per line: its id is the line's id).

Run it beside a worker::

    python examples/port_consumer/port_consumer.py --bootstrap 127.0.0.1:9092

It prints each control change and instruction as it arrives. ``consume()`` is the same loop as a
function, for a test or an embedding; ``report_inspection()`` sends an inspection result back.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas" / "port"


@dataclass
class PortView:
    """What a port system knows: controls in force, instructions by declaration line."""

    controls: dict[str, dict[str, Any]] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)  # the latest version applied
    instructions: dict[str, dict[str, Any]] = field(default_factory=dict)
    replays: int = 0  # records read again (an older or equal version): ignored
    invalid: list[str] = field(default_factory=list)  # records that broke the schema, and why

    def control(self, record: dict[str, Any]) -> None:
        control_id, version = record["control_id"], record["version"]
        if version <= self.versions.get(control_id, 0):
            self.replays += 1
            return
        self.versions[control_id] = version
        if record["status"] in ("active", "relaxed"):  # relaxed: sample instead of the action
            self.controls[control_id] = record
        else:
            self.controls.pop(control_id, None)

    def instruction(self, record: dict[str, Any]) -> None:
        self.instructions[record["instruction_id"]] = record


def report_inspection(
    api_url: str,
    token: str,
    control_id: str,
    declaration_id: str,
    result: str,
    findings: str = "",
    port: str | None = None,
) -> str:
    """Send one inspection result to a worker (``POST /inspections``, a ``port_system``
    token); returns its ``inspection_id``. ``result``: ``compliant`` or ``non_compliant``."""
    body = {"control_id": control_id, "declaration_id": declaration_id, "result": result}
    body |= {"findings": findings} if findings else {}
    body |= {"port": port} if port else {}
    request = urllib.request.Request(
        f"{api_url.rstrip('/')}/inspections",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        found: str = json.loads(answer.read())["inspection_id"]
    return found


def validators(schemas: Path = SCHEMAS) -> dict[str, Callable[[Any], list[str]]]:
    """A check per record kind: the schema's errors for a record (none: valid). Without
    ``jsonschema`` installed the records are taken as they come."""
    try:
        from jsonschema import Draft202012Validator, FormatChecker
    except ImportError:  # pragma: no cover - the checks are optional for a port system
        return {"control": lambda _: [], "instruction": lambda _: []}
    checks: dict[str, Callable[[Any], list[str]]] = {}
    for kind in ("control", "instruction"):
        schema = json.loads((schemas / f"{kind}.schema.json").read_text(encoding="utf-8"))
        validator = Draft202012Validator(schema, format_checker=FormatChecker())
        checks[kind] = lambda record, v=validator: [e.message for e in v.iter_errors(record)]
    return checks


def consume(
    bootstrap: str,
    namespace: str = "riskwire",
    group: str = "port-system",
    done: Callable[[PortView], bool] = lambda _: False,
    timeout: float = float("inf"),
    on_change: Callable[[str, dict[str, Any]], None] = lambda kind, record: None,
    schemas: Path = SCHEMAS,
) -> PortView:
    """Read controls and instructions from the start (a new group) until ``done(view)`` or
    ``timeout`` seconds; offsets are committed, so a restart goes on where it stopped."""
    topics = {f"{namespace}.controls": "control", f"{namespace}.instructions": "instruction"}
    checks = validators(schemas)
    view = PortView()
    consumer = KafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap.split(","),
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=True,
        value_deserializer=lambda raw: json.loads(raw.decode("utf-8")),
    )
    deadline = time.monotonic() + timeout
    try:
        while not done(view) and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=200).values():
                for message in batch:
                    kind = topics[message.topic]
                    errors = checks[kind](message.value)
                    if errors:
                        view.invalid.append(f"{message.topic}@{message.offset}: {errors[0]}")
                        continue
                    getattr(view, kind)(message.value)
                    on_change(kind, message.value)
    finally:
        consumer.close()
    return view


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bootstrap", default="127.0.0.1:9092", help="host:port[,host:port]")
    parser.add_argument("--namespace", default="riskwire")
    parser.add_argument("--group", default="port-system")
    args = parser.parse_args(argv)

    def show(kind: str, r: dict[str, Any]) -> None:
        if kind == "control":
            print(f"control {r['control_id']} v{r['version']} {r['status']} {r['action']}")
        else:
            print(f"line {r['instruction_id']}: {r['action']} ({'; '.join(r['reasons'])})")
        sys.stdout.flush()

    try:
        consume(args.bootstrap, args.namespace, args.group, on_change=show)
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
