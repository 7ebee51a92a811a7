"""``riskwire deadletter show | export | replay``: look at what was rejected, fix it, send it back.

The workflow for an analyst or data engineer::

    riskwire deadletter show                       # what was rejected and why
    riskwire deadletter export rejects.jsonl       # one editable line per dead letter
    $EDITOR rejects.jsonl                          # fix the "record" of the lines to resend
    riskwire deadletter replay rejects.jsonl       # back onto the topics they came from

A replayed record is validated again like any other, so a record still broken comes back as a
new dead letter (a new offset, a new id) instead of vanishing.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

import orjson

from cli.producer import send_all
from lab.scenario import TopicReader
from schemas.codec import decode
from schemas.errors import ConfigError
from schemas.records import DeadLetter
from streams.settings import Settings
from streams.topics import feed_topic

__all__ = ["export_line", "read_dead_letters", "replay_file", "show"]


def read_dead_letters(settings: Settings, feed: str | None = None) -> Iterator[DeadLetter]:
    """Every dead letter on the topic so far, oldest first per partition."""
    reader = TopicReader(settings, settings.topic("deadletter"))
    try:
        for raw in reader.read_new():
            letter = decode(DeadLetter, raw)
            if feed is None or letter.feed == feed:
                yield letter
    finally:
        reader.close()


def _preview(letter: DeadLetter, width: int = 60) -> str:
    text = base64.b64decode(letter.raw).decode("utf-8", errors="replace").replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def show(settings: Settings, out: TextIO, feed: str | None = None, as_json: bool = False) -> int:
    """Print the dead letters; returns how many."""
    count = 0
    for letter in read_dead_letters(settings, feed):
        count += 1
        if as_json:
            out.write(orjson.dumps(letter).decode() + "\n")
            continue
        where = f"{letter.source_topic}[{letter.source_partition}]@{letter.source_offset}"
        out.write(
            f"{letter.dead_letter_id}\t{letter.feed or '-'}\t{where}\t{letter.path}\t"
            f"{letter.reason}\t{_preview(letter)}\n"
        )
    return count


def export_line(letter: DeadLetter) -> dict[str, Any]:
    """An editable line: the original record as text when it is UTF-8, else as base64."""
    raw = base64.b64decode(letter.raw)
    line: dict[str, Any] = {
        "dead_letter_id": letter.dead_letter_id,
        "feed": letter.feed,
        "source_topic": letter.source_topic,
        "reason": letter.reason,
        "path": letter.path,
    }
    if letter.raw_truncated:  # only a prefix was kept: there is nothing whole to replay
        line["raw_truncated"] = True
        line["raw_size"] = letter.raw_size
        line["raw_sha256"] = letter.raw_sha256
        line["raw_prefix_base64"] = letter.raw
        return line
    try:
        line["record"] = raw.decode("utf-8")
    except UnicodeDecodeError:
        line["raw_base64"] = letter.raw
    return line


def _destination(settings: Settings, line: dict[str, Any], number: int) -> str:
    feed = line.get("feed")
    if feed == "reference":
        return settings.topic("reference")
    if isinstance(feed, str) and feed:
        return feed_topic(settings, feed)
    topic = line.get("source_topic")
    if isinstance(topic, str) and topic:
        return topic
    raise ConfigError(f"line {number}: no feed and no source_topic to send the record to")


def _payload(line: dict[str, Any], number: int) -> bytes:
    if isinstance(line.get("record"), str):
        return str(line["record"]).encode("utf-8")
    try:
        return base64.b64decode(str(line["raw_base64"]), validate=True)
    except (KeyError, binascii.Error):
        raise ConfigError(f"line {number}: needs a 'record' string or 'raw_base64'") from None


def replay_file(settings: Settings, path: Path) -> int:
    """Send every record of an exported (and edited) file back; returns how many were sent."""
    if not path.exists():
        raise ConfigError(f"{path}: no such file")
    messages: list[tuple[str, bytes]] = []
    with path.open("rb") as handle:
        for number, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                line = orjson.loads(text)
            except orjson.JSONDecodeError as exc:
                raise ConfigError(f"{path}:{number}: not JSON ({exc})") from None
            messages.append((_destination(settings, line, number), _payload(line, number)))
    return send_all(settings, ((topic, None, payload) for topic, payload in messages))
