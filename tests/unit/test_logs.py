"""JSON logs: one parseable object per line, with the record a line is about in its own fields."""

from __future__ import annotations

import io
import logging
import logging.config

import orjson
import pytest

from streams.logs import JsonFormatter, logging_config, record_fields


def _capture(logger: logging.Logger) -> io.StringIO:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    return out


def test_a_line_about_a_record_carries_its_position_and_key() -> None:
    log = logging.getLogger("riskwire.test.json")
    out = _capture(log)
    fields = record_fields(
        "link", "ns.unique", 3, 4711, b"toys:\xe6\xbb\x91\xe6\x9d\xbf", outcome="ok"
    )
    log.debug("handled %s", "one", extra=fields)
    doc = orjson.loads(out.getvalue())
    assert doc["message"] == "handled one"
    assert doc["level"] == "DEBUG" and doc["logger"] == "riskwire.test.json"
    assert (doc["stage"], doc["topic"], doc["partition"], doc["offset"]) == (
        "link",
        "ns.unique",
        3,
        4711,
    )
    assert doc["key"] == "toys:滑板" and doc["outcome"] == "ok"
    assert doc["time"].endswith("+00:00")


def test_every_line_is_one_json_object_even_with_a_traceback_and_odd_values() -> None:
    log = logging.getLogger("riskwire.test.json2")
    out = _capture(log)
    try:
        raise ValueError("bad\nrecord")
    except ValueError:
        log.exception(
            "failed: dead-lettered", extra={"key": None, "blob": b"\xff", "obj": object()}
        )
    log.warning("plain line")
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    first, second = (orjson.loads(line) for line in lines)
    assert "ValueError: bad\\nrecord" in orjson.dumps(first["exception"]).decode()
    assert first["key"] is None and "object object" in first["obj"]
    assert second == {k: second[k] for k in ("time", "level", "logger", "message")}


def test_the_config_installs_json_on_the_root_logger(capsys: pytest.CaptureFixture[str]) -> None:
    assert logging_config("text", "info") is None
    with pytest.raises(ValueError, match="log format"):
        logging_config("xml", "info")
    before = logging.root.handlers[:], logging.root.level
    try:
        logging.config.dictConfig(logging_config("json", "info") or {})
        logging.getLogger("riskwire.test.root").info("ready", extra={"stage": "validate"})
        logging.getLogger("riskwire.test.root").debug("not shown")
    finally:
        logging.root.handlers[:], level = before
        logging.root.setLevel(level)
    lines = [orjson.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(d["message"], d["stage"]) for d in lines] == [("ready", "validate")]


def test_faust_buffer_full_warnings_are_counted_and_told_at_info(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from streams.logs import BufferFullFilter

    counted: list[int] = []
    faust_log = logging.getLogger("faust.transport.producer")
    only = BufferFullFilter(lambda: counted.append(1))
    faust_log.addFilter(only)
    try:
        with caplog.at_level(logging.INFO, logger="faust.transport.producer"):
            faust_log.warning("producer buffer full size 101")
            faust_log.warning("producer buffer full size 140")
            faust_log.warning("something else")
    finally:
        faust_log.removeFilter(only)
    assert len(counted) == 2
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("INFO", "producer buffer full size 101"),
        ("INFO", "producer buffer full size 140"),
        ("WARNING", "something else"),
    ]
