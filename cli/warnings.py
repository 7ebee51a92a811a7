"""``riskwire warnings list|watch|show ID|decide``: what an analyst sees of the warnings,
through a worker's authenticated endpoint (``GET /warnings``, ``GET /warnings/<id>``), never
straight off a topic.

The worker is ``RISKWIRE_API_URL`` (default: this machine's worker, ``RISKWIRE_WEB_PORT``);
the token is ``RISKWIRE_API_TOKEN`` (an ``analyst`` or ``admin`` token when tokens are set).
"""

from __future__ import annotations

import os
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import orjson

from cli.colour import badge, colour_enabled
from schemas.errors import ConfigError
from streams.settings import Settings

__all__ = [
    "decide_warning",
    "fetch",
    "format_row",
    "list_warnings",
    "send_decision",
    "show_warning",
    "watch_warnings",
]


def _base_url(settings: Settings) -> str:
    return os.environ.get("RISKWIRE_API_URL") or f"http://127.0.0.1:{settings.web_port}"


def fetch(settings: Settings, path: str, body: Any = None) -> Any:
    """GET ``path`` (POST ``body`` as JSON) from the worker; a refusal or an unreachable worker
    says why."""
    data = None if body is None else orjson.dumps(body)
    request = urllib.request.Request(_base_url(settings) + path, data=data)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    token = os.environ.get("RISKWIRE_API_TOKEN")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return orjson.loads(answer.read())
    except urllib.error.HTTPError as exc:
        body = exc.read()
        try:
            why = orjson.loads(body).get("error", body.decode(errors="replace"))
        except orjson.JSONDecodeError:
            why = body.decode(errors="replace")
        raise ConfigError(f"{path}: {exc.code} {why}") from None
    except OSError as exc:
        raise ConfigError(f"no worker answers at {_base_url(settings)}: {exc}") from None


def format_row(w: dict[str, Any], colour: bool) -> str:
    """One line per warning (or version): grade in its colour, state, change, product, and
    what is flagged (a decision or a reply overdue, evidence requested)."""
    flags = f"  !{', '.join(w['flags'])}" if w.get("flags") else ""
    return (
        f"{w['warning_id']} v{w['version']:<3} {badge(w['grade'], w['colour'], colour)} "
        f"{w['state']:<10} {w['change']:<13} "
        f"{w['updated_time'][:10]}  {w['kind']:<20} {w['product']} "
        f"[{w['hazard_class']}] score {w['score']:g}, {w['signals']} signals{flags}"
    )


def list_warnings(settings: Settings, status: str | None, as_json: bool) -> int:
    """Print the latest version of each warning, in force first, most severe first."""
    query = f"?{urllib.parse.urlencode({'status': status})}" if status else ""
    found = fetch(settings, f"/warnings{query}")["warnings"]
    if as_json:
        print(orjson.dumps(found).decode())
        return 0
    for w in found:
        print(format_row(w, colour_enabled()))
    print(f"{len(found)} warnings")
    return 0


def watch_warnings(
    settings: Settings,
    every: float = 2.0,
    rounds: int | None = None,
    sleep: Any = time.sleep,
) -> int:
    """Print every warning once, then each new version as it comes (polling ``GET /warnings``
    every ``every`` seconds; ``rounds``: stop after that many polls, for tests). A version
    seen is never printed twice; a worker that stops answering is waited for, and said so."""
    shown: dict[str, int] = {}
    colour = colour_enabled()
    down = False
    polls = 0
    while rounds is None or polls < rounds:
        polls += 1
        try:
            found = fetch(settings, "/warnings")["warnings"]
        except ConfigError as exc:
            if "401" in str(exc) or "403" in str(exc):
                raise
            if not down:
                print(f"waiting for the worker: {exc}", flush=True)
            down = True
            sleep(every)
            continue
        down = False
        for w in sorted(found, key=lambda w: (w["updated_time"], w["warning_id"])):
            if shown.get(w["warning_id"], 0) < w["version"]:
                shown[w["warning_id"]] = w["version"]
                print(format_row(w, colour), flush=True)
        sleep(every)
    return 0


def show_warning(settings: Settings, warning_id: str, as_json: bool) -> int:
    """Print one warning: its latest version in full and its history, each with its reason."""
    found = fetch(settings, f"/warnings/{urllib.parse.quote(warning_id)}")
    if as_json:
        print(orjson.dumps(found).decode())
        return 0
    w = found["warning"]
    print(f"{w['title']}  ({w['warning_id']}, version {w['version']}, {w['state']})")
    print(f"  {w['kind']} by {w['authority']}; in force since {w['start_time']}")
    print(
        f"  score {w['score']:g} = hazard {w['hazard']} x urgency {w['urgency']} x scope "
        f"{w['scope']}; peak grade {w['peak_grade']}; standard {w['standard_version']}"
    )
    print(f"  regions: {', '.join(w['scope_regions']) or '-'}")
    for item in w["warning_items"]:
        print(f"  item: {item}")
    for measure in w["measures"]:
        print(f"  measure: {measure}")
    print(f"  evidence: {len(w['evidence'])} signals, by feed {w['feed_counts']}")
    reports = sorted(found.get("reports", []), key=lambda r: r.get("event_time") or "")
    for r in reports:
        if r.get("expired"):
            print(f"    {r['signal_id']}: no longer kept")
            continue
        print(
            f"    {r['event_time'][:16]} {r['feed']:<12} {r.get('region') or '-':<6} "
            f"{r['signal_id']}: {r['excerpt']}"
        )
    if found.get("reports_not_shown"):
        print(f"    ... and {found['reports_not_shown']} earlier reports not shown")
    if w.get("flags"):
        print(f"  flags: {', '.join(w['flags'])}")
    for label, key in (("decide by", "decide_by"), ("replies until", "reply_by")):
        if w.get(key):
            print(f"  {label}: {w[key]}")
    print("history:")
    for version in found["history"]:
        print(f"  {format_row(version, colour_enabled())}")
        if version["reason"]:
            print(f"      why: {version['reason']} ({version['decided_by']})")
    return 0


def decide_warning(
    settings: Settings,
    warning_id: str,
    action: str,
    reason: str,
    grade: str | None = None,
    version: int | None = None,
    wait: float = 20.0,
) -> int:
    """Send an analyst's decision through the endpoint and wait for what became of it: 0 when
    applied, 1 when refused (the reason is printed)."""
    if version is None:  # decide on the latest version, as shown
        version = fetch(settings, f"/warnings/{urllib.parse.quote(warning_id)}")["warning"][
            "version"
        ]
    body: dict[str, Any] = {"action": action, "version": version, "reason": reason}
    if grade:
        body["grade"] = grade
    path = f"/warnings/{urllib.parse.quote(warning_id)}/decisions"
    return send_decision(settings, warning_id, path, body, wait)


def send_decision(
    settings: Settings,
    about: str,
    path: str,
    body: dict[str, Any],
    wait: float,
    unanswered: str = "",
) -> int:
    """POST a decision on ``about`` to ``path`` and poll its result until it is taken (at most
    ``wait`` seconds; then ``unanswered`` says why, when given): 0 when applied, 1 when
    refused (the reason is printed)."""
    sent = fetch(settings, path, body)
    deadline = time.monotonic() + wait
    while True:
        try:
            result = fetch(settings, sent["result"])
            break
        except ConfigError as exc:
            if "404" not in str(exc):
                raise
            if time.monotonic() > deadline:
                if unanswered:
                    raise ConfigError(unanswered) from None
                raise
            time.sleep(0.3)
    if result["accepted"]:
        print(f"{about}: {result['reason']} (by {result['decided_by']})")
        return 0
    print(f"{about}: refused: {result['reason']}")
    return 1
