"""Producers' replies to a notice on the real broker: posted to a worker's endpoint with a
partner token, the reply joins the notice's history as a version; a reply to a warning without
a reply window open is dead-lettered with the reason and its original bytes; an analyst's token
cannot reply for a producer."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import replace
from pathlib import Path
from typing import Any
from unittest import mock

import orjson
import pytest

from cli.producer import kafka_producer
from cli.warnings import fetch
from lab.faults import Fleet
from schemas.codec import encode
from schemas.errors import ConfigError
from schemas.records import Assessment
from streams.settings import Settings

PARTNER = "partner-token-0123456789"
ANALYST = "analyst-token-0123456789"
TOKENS = orjson.dumps(
    {
        "tokens": [
            {
                "principal": "letu-toys",
                "roles": ["partner"],
                "enterprise": "91310000MA1FL0XX1X",
                "token": PARTNER,
            },
            {"principal": "li.wei", "roles": ["analyst"], "token": ANALYST},
        ]
    }
).decode()


def test_a_reply_joins_the_notice_and_a_misplaced_one_is_dead_lettered(
    new_pipeline: Callable[..., AbstractContextManager[Settings]],
    tmp_path: Path,
    one_alert: list[Assessment],
    read_until: Callable[..., list[dict[str, Any]]],
) -> None:
    # the first warning-making assessment, as domestic goods at grade III: a notice to producers
    first = next(a for a in one_alert if a.score >= 24 and a.urgency >= 2)
    domestic = replace(first.cluster, origins=("CN",), import_quantity=0, hs_codes=())
    notice = replace(first, cluster=domestic, score=30.0)
    with new_pipeline(tokens=TOKENS, tick_seconds=0) as settings:
        fleet = Fleet(settings, tmp_path)
        worker = fleet.start()
        fleet.wait_ready(worker)
        url = f"http://127.0.0.1:{worker.web_port}"
        producer = kafka_producer(settings)

        def post(path: str, body: Any, token: str) -> Any:
            env = {"RISKWIRE_API_URL": url, "RISKWIRE_API_TOKEN": token}
            with mock.patch.dict(os.environ, env):
                return fetch(settings, path, body)

        try:
            key = notice.cluster.cluster_id.encode()
            producer.send(settings.topic("assessments"), key=key, value=encode(notice))
            producer.flush()
            (issued,) = read_until(settings, "warnings.history", lambda seen: len(seen) >= 1)
            wid = issued["warning_id"]
            assert (issued["kind"], issued["state"]) == ("warning_notice", "approved")
            assert issued["reply_by"] is not None
            with pytest.raises(ConfigError, match="403"):
                post(f"/warnings/{wid}/replies", {"text": "not mine to say"}, ANALYST)
            with pytest.raises(ConfigError, match="400"):
                post(f"/warnings/{wid}/replies", {"text": "  "}, PARTNER)
            text = "已对全部批次下架并启动召回，检测报告随后提交。"
            sent = post(f"/warnings/{wid}/replies", {"text": text}, PARTNER)
            assert sent["reply_id"]
            versions = read_until(settings, "warnings.history", lambda seen: len(seen) >= 2)
            replied = max(versions, key=lambda v: v["version"])
            assert (replied["change"], replied["decided_by"], replied["replies"]) == (
                "replied",
                "letu-toys",
                1,
            )
            assert replied["reason"].endswith(text) and sent["reply_id"] in replied["reason"]
            assert "(enterprise 91310000MA1FL0XX1X)" in replied["reason"]
            # a reply to a warning that does not exist: accepted for its owner, then refused
            post("/warnings/W-000000000000/replies", {"text": "wrong id"}, PARTNER)
            letters = read_until(settings, "deadletter", lambda seen: len(seen) >= 1)
        finally:
            producer.close()
            for w in list(fleet.workers):
                fleet.stop(w)
    (letter,) = letters
    assert "no such warning" in letter["reason"] and letter["reason"].startswith("reply failed")
    original = orjson.loads(base64.b64decode(letter["raw"]))
    assert (original["warning_id"], original["text"]) == ("W-000000000000", "wrong id")
