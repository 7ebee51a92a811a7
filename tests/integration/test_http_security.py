"""A real worker with tokens configured: who may post, what it may post, where it listens.

One worker for the module; every refused request must leave nothing on the feed's topic.
"""

from __future__ import annotations

import ipaddress
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from lab.scenario import TopicReader, WorkerProcess
from streams.settings import Settings
from streams.topics import feed_topic

WRITER = "writer-token-" + "w" * 16
READER = "reader-token-" + "r" * 16
TOKENS = {
    "tokens": [
        {"principal": "complaints-gateway", "roles": ["feed_writer"], "token": WRITER},
        {"principal": "li.wei", "roles": ["analyst"], "token": READER},
    ]
}
COMPLAINT = {
    "complaint_id": "SEC-1",
    "received_at": "2026-10-02 10:15",
    "channel": "web",
    "product_name": "儿童电动牙刷",
    "brand": "洁宝",
    "description": "充电时机身发烫，孩子手被烫红",
    "region": "江苏省",
}


@pytest.fixture(scope="module")
def settings(new_pipeline: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    tokens = tmp_path_factory.mktemp("tokens") / "tokens.json"
    tokens.write_bytes(orjson.dumps(TOKENS))
    with new_pipeline(tokens_file=str(tokens)) as made:
        yield made


@pytest.fixture(scope="module")
def running(settings: Settings, worker: WorkerProcess) -> WorkerProcess:
    deadline = time.monotonic() + 60
    while True:
        worker.check_alive()
        try:
            if _request(settings, "/health")[0] == 200:
                return worker
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError("the worker's web server did not answer within 60 s")
        time.sleep(0.3)


def _request(
    settings: Settings,
    path: str,
    body: bytes | None = None,
    token: str | None = None,
    content_type: str | None = "application/json",
) -> tuple[int, bytes, dict[str, str]]:
    url = f"http://127.0.0.1:{settings.web_port}{path}"
    request = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET")
    if content_type and body is not None:
        request.add_header("Content-Type", content_type)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as err:
        return err.code, err.read(), dict(err.headers)


def _listening(port: int) -> set[str]:
    """Addresses with a TCP socket listening on ``port``, from the kernel's tables."""
    found: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            local, state = row.split()[1], row.split()[3]
            address, port_hex = local.split(":")
            if state != "0A" or int(port_hex, 16) != port:  # 0A: LISTEN
                continue
            raw = bytes.fromhex(address)  # 32-bit words in host (little-endian) order
            words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
            found.add(str(ipaddress.ip_address(words)))
    return found


def test_posting_needs_a_token_with_the_feed_writer_role(
    settings: Settings, running: WorkerProcess
) -> None:
    body = orjson.dumps(COMPLAINT)
    status, answer, headers = _request(settings, "/feeds/complaints", body)
    assert status == 401
    assert headers["WWW-Authenticate"].startswith('Bearer realm="riskwire"')
    status, _, headers = _request(settings, "/feeds/complaints", body, "not-a-token-at-all-x")
    assert status == 401 and 'error="invalid_token"' in headers["WWW-Authenticate"]
    status, answer, _ = _request(settings, "/feeds/complaints", body, READER)
    assert status == 403
    assert orjson.loads(answer) == {"error": "li.wei lacks the feed_writer role"}

    text = _request(settings, "/feeds/complaints", body, WRITER, content_type="text/plain")
    assert text[0] == 415
    repeated = body[:-1] + b',"complaint_id":"SEC-2"}'
    status, answer, _ = _request(settings, "/feeds/complaints", repeated, WRITER)
    assert status == 400
    assert orjson.loads(answer)["errors"] == [
        {"index": 0, "path": "complaint_id", "reason": "duplicate key 'complaint_id'"}
    ]

    status, answer, _ = _request(settings, "/feeds/complaints", body, WRITER)
    assert (status, orjson.loads(answer)) == (202, {"accepted": 1})
    reader = TopicReader(settings, feed_topic(settings, "complaints"))
    try:
        assert reader.read_new() == [body]  # the refused requests produced nothing
    finally:
        reader.close()


def test_reads_are_open_and_faust_debug_pages_are_off(
    settings: Settings, running: WorkerProcess
) -> None:
    assert _request(settings, "/health")[0] == 200
    assert _request(settings, "/ready")[0] in (200, 503)  # open: no 401
    for path in ("/router/", "/table/", "/graph/", "/assignment/", "/performance/"):
        assert _request(settings, path)[0] == 404, path


def test_the_worker_listens_on_the_configured_host_only(
    settings: Settings, running: WorkerProcess
) -> None:
    if not Path("/proc/net/tcp").exists():
        pytest.skip("no /proc/net/tcp to read listening sockets from")
    assert settings.web_host == "127.0.0.1"
    assert _listening(settings.web_port) == {"127.0.0.1"}


def test_the_log_names_the_tokens_but_never_shows_them(
    settings: Settings, running: WorkerProcess
) -> None:
    log = running.log_path.read_text(errors="replace")
    assert f"HTTP on 127.0.0.1:{settings.web_port}: 2 tokens for 2 principals" in log
    assert "No API tokens configured" not in log
    assert WRITER not in log and READER not in log
