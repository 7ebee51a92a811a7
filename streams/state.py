"""What every worker and outside system reads fast from Redis.

* exact-duplicate keys with a TTL (one Lua call per signal, the rule of :mod:`detectors.dedup`);
* the active block-and-control messages and warnings, as a queryable view of the compacted
  topics (the topics stay the system of record);
* reference data: enterprise credit grades, the blacklist and origin-country risk.

Keys are prefixed with the namespace, so several pipelines (and tests) share one Redis safely::

    <ns>:dedup:id:<signal id>      "<position>|<reason code>|<duplicate of>"   TTL
    <ns>:dedup:fp:<fingerprint>    "<signal id>|<event epoch>"                 TTL
    <ns>:report:<signal id>        a unique report as an analyst reads it       TTL
    <ns>:duplicate:<signal id>     a near duplicate's category and original     TTL
    <ns>:controls                  hash control id -> Control JSON (active only)
    <ns>:warnings                  hash warning id -> Warning JSON (latest version)
    <ns>:ref:credit                hash credit code or name -> grade A-D
    <ns>:ref:blacklist             set of credit codes or names
    <ns>:ref:origin                hash ISO country -> risk 0-1
    <ns>:version                   counter bumped on every controls / reference change
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

import redis
import redis.asyncio as aioredis

from connectors.reference import ReferenceUpdate
from detectors.dedup import RESENT, SAME_CONTENT, Verdict
from detectors.freshness import DAYS_KEPT
from detectors.linkage import block_key
from detectors.targeting import Reference
from schemas.codec import decode, dumps, encode, from_dict, loads
from schemas.records import (
    ClusterDecisionResult,
    Control,
    DecisionResult,
    Duplicate,
    Signal,
    Warning,
)

__all__ = [
    "EXCERPT_CHARS",
    "RedisState",
    "apply_reference",
    "clear_namespace",
    "excerpt",
    "store_reference",
]

_EXACT_LUA = """
local seen = redis.call('GET', KEYS[1])
if seen then
  local pos, code, dup = string.match(seen, '^(.-)|(.-)|(.*)$')
  if pos == ARGV[1] then return {'same', dup, code} end
  if dup == '' then dup = ARGV[2] end
  return {'resent', dup, 'id'}
end
local verdict = ''
local code = ''
if KEYS[2] ~= KEYS[1] then
  local fp = redis.call('GET', KEYS[2])
  if fp then
    local sid, epoch = string.match(fp, '^(.*)|([^|]*)$')
    if math.abs(tonumber(epoch) - tonumber(ARGV[3])) <= tonumber(ARGV[4]) then
      verdict = sid
      code = 'fp'
    end
  end
  if verdict == '' then
    redis.call('SET', KEYS[2], ARGV[2] .. '|' .. ARGV[3], 'EX', ARGV[5])
  end
end
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. code .. '|' .. verdict, 'EX', ARGV[5])
return {'new', verdict, code}
"""
_REASONS = {"": "", "fp": SAME_CONTENT, "id": RESENT}

# KEYS: the latest-version hash, this warning's versions hash; ARGV: id, version, body.
# A version read again after a crash never replaces a newer one as the latest.
_WARNING_LUA = """
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current and tonumber(cjson.decode(current)['version']) >= tonumber(ARGV[2]) then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
"""

# KEYS: active controls hash, versions hash, view version; ARGV: id, version, body or "".
# A control version read again after a crash never replaces a newer one (nor revives a lifted one).
_CONTROL_LUA = """
local seen = redis.call('HGET', KEYS[2], ARGV[1])
if seen and tonumber(seen) > tonumber(ARGV[2]) then
  return 0
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
if ARGV[3] == '' then
  redis.call('HDEL', KEYS[1], ARGV[1])
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
end
redis.call('INCR', KEYS[3])
return 1
"""


EXCERPT_CHARS = 160  # of a report's text, in an analyst's view of a warning


def excerpt(text: str) -> str:
    """The start of a report's text, whitespace folded, cut at :data:`EXCERPT_CHARS`."""
    folded = " ".join(text.split())
    return folded if len(folded) <= EXCERPT_CHARS else folded[: EXCERPT_CHARS - 1] + "…"


def _shown(report: dict[str, Any]) -> dict[str, Any]:
    """A kept report as an analyst reads it (without what the pipeline notes for itself)."""
    report.pop("block", None)
    return report


def _verdict(result: list[Any]) -> Verdict:
    """The exact-duplicate script's answer as a verdict."""
    _kind, dup, code = result
    dup_of = dup.decode() if isinstance(dup, bytes) else str(dup)
    reason = _REASONS.get(code.decode() if isinstance(code, bytes) else str(code), "")
    return Verdict(dup_of or None, reason)


class RedisState:
    """Async access to riskwire's Redis keys for one namespace."""

    def __init__(
        self,
        client: aioredis.Redis,
        namespace: str,
        dedup_window: timedelta = timedelta(days=7),
        dedup_ttl: timedelta = timedelta(days=30),
    ) -> None:
        self.client = client
        self.ns = namespace
        self.window = dedup_window.total_seconds()
        self.ttl = int(dedup_ttl.total_seconds())
        self._exact = client.register_script(_EXACT_LUA)
        self._warning = client.register_script(_WARNING_LUA)
        self._control = client.register_script(_CONTROL_LUA)
        self._cache_version: int | None = None
        self._cache_checked = 0.0
        self._controls: list[Control] = []
        self._reference = Reference({}, frozenset(), {})

    @classmethod
    def from_url(cls, url: str, namespace: str, **kwargs: timedelta) -> RedisState:
        """A state object with its own connection pool."""
        return cls(aioredis.Redis.from_url(url), namespace, **kwargs)

    def _exact_call(self, signal: Signal, position: str) -> tuple[list[str], list[str | float]]:
        id_key = f"{self.ns}:dedup:id:{signal.signal_id}"
        fp_key = f"{self.ns}:dedup:fp:{signal.fingerprint}" if signal.fingerprint else id_key
        args: list[str | float] = [
            position,
            signal.signal_id,
            signal.event_time.timestamp(),
            self.window,
            self.ttl,
        ]
        return [id_key, fp_key], args

    async def check_exact(self, signal: Signal, position: str) -> Verdict:
        """Exact-duplicate verdict for ``signal`` read at ``position`` (replays get the same)."""
        keys, args = self._exact_call(signal, position)
        return _verdict(await self._exact(keys=keys, args=args))

    def _report(self, signal: Signal) -> tuple[str, bytes]:
        report = {
            "signal_id": signal.signal_id,
            "feed": signal.feed,
            "event_time": signal.event_time,
            "region": signal.region,
            "product": signal.product_name,
            "excerpt": excerpt(signal.text),
            "block": block_key(signal),  # where a release finds it; not shown (reports())
        }
        return f"{self.ns}:report:{signal.signal_id}", dumps(report)

    async def put_report(self, signal: Signal) -> None:
        """Keep what an analyst reads of a unique report (feed, time, region, product, a text
        excerpt) for ``warnings show``, as long as the exact-duplicate index keeps it."""
        key, body = self._report(signal)
        await self.client.set(key, body, ex=self.ttl)

    async def admit_line(
        self, line: Signal, position: str
    ) -> tuple[Verdict, list[Control], Reference]:
        """:meth:`admit_lines` for one line."""
        verdicts, controls, reference = await self.admit_lines([(line, position)])
        return verdicts[0], controls, reference

    async def admit_lines(
        self, lines: Sequence[tuple[Signal, str]]
    ) -> tuple[list[Verdict], list[Control], Reference]:
        """What the port stage needs of Redis for a batch of declaration lines (each with the
        position it was read at), in one round trip: each line's exact-duplicate verdict (in
        order: a repeat within the batch is found too), its report kept (a repeat's too: it is
        never read), and the targeting view, re-read only when its version moved (a second
        trip, rarely)."""
        pipe = self.client.pipeline(transaction=False)
        for line, position in lines:
            keys, args = self._exact_call(line, position)
            report_key, report = self._report(line)
            pipe.evalsha(self._exact.sha, len(keys), *keys, *args)
            pipe.set(report_key, report, ex=self.ttl)
        pipe.get(f"{self.ns}:version")
        try:
            *answers, version = await pipe.execute()
        except redis.exceptions.NoScriptError:  # a new or restarted Redis: load it, once
            verdicts = [await self.check_exact(line, at) for line, at in lines]  # loads it
            for line, _ in lines:
                await self.put_report(line)
            controls, reference = await self.targeting_view()
            return verdicts, controls, reference
        if int(version or 0) != self._cache_version:
            await self._refresh(0.0)
        return [_verdict(a) for a in answers[::2]], self._controls, self._reference

    async def reports(self, signal_ids: Sequence[str]) -> list[dict[str, Any]]:
        """The reports kept of ``signal_ids``, in that order; an expired one says so."""
        if not signal_ids:
            return []
        found = await self.client.mget([f"{self.ns}:report:{i}" for i in signal_ids])
        return [
            _shown(loads(raw)) if raw else {"signal_id": i, "expired": True}
            for i, raw in zip(signal_ids, found, strict=True)
        ]

    async def note_duplicate(self, signal: Signal, duplicate: Duplicate) -> None:
        """Note a near duplicate's category and original, for an analyst's release (the
        endpoint writes them into the decision: :mod:`streams.releases`)."""
        note = {"block": block_key(signal), "duplicate_of": duplicate.duplicate_of}
        await self.client.set(f"{self.ns}:duplicate:{signal.signal_id}", dumps(note), ex=self.ttl)

    async def judged(self, signal_id: str) -> tuple[str, str]:
        """Where the dedup stage judged a report: its category and, for a near duplicate, the
        report it was judged to repeat (``""`` for what is not known)."""
        note, report = await self.client.mget(
            [f"{self.ns}:duplicate:{signal_id}", f"{self.ns}:report:{signal_id}"]
        )
        if note:
            found = loads(note)
            return str(found["block"]), str(found["duplicate_of"])
        if report:
            return str(loads(report).get("block", "")), ""
        return "", ""

    async def note_feed_days(self, days: Mapping[str, Iterable[date]]) -> None:
        """Add the event days each feed had records on (the latest ``DAYS_KEPT`` are kept)."""
        pipe = self.client.pipeline(transaction=False)
        for feed, seen in sorted(days.items()):
            if not seen:
                continue
            key = f"{self.ns}:feed-days:{feed}"
            pipe.zadd(key, {d.isoformat(): d.toordinal() for d in seen})
            pipe.zremrangebyrank(key, 0, -DAYS_KEPT - 1)
        await pipe.execute()

    async def feed_days(self, feeds: Iterable[str]) -> dict[str, list[date]]:
        """The event days each feed had records on, oldest first."""
        names = sorted(feeds)
        pipe = self.client.pipeline(transaction=False)
        for feed in names:
            pipe.zrange(f"{self.ns}:feed-days:{feed}", 0, -1)
        found = await pipe.execute()
        return {
            feed: [date.fromisoformat(d.decode() if isinstance(d, bytes) else d) for d in days]
            for feed, days in zip(names, found, strict=True)
        }

    async def put_warning(self, warning: Warning) -> None:
        """Record a version of a warning in the view: every version, and the latest."""
        keys = [f"{self.ns}:warnings", f"{self.ns}:warning:{warning.warning_id}"]
        await self._warning(keys=keys, args=[warning.warning_id, warning.version, encode(warning)])

    async def put_decision_result(self, result: DecisionResult | ClusterDecisionResult) -> None:
        """Record what became of a decision, for ``GET /decisions/<id>`` (kept 30 days)."""
        key = f"{self.ns}:decision:{result.decision_id}"
        await self.client.set(key, encode(result), ex=30 * 86400)

    async def decision_result(
        self, decision_id: str
    ) -> DecisionResult | ClusterDecisionResult | None:
        """What became of a decision (on a warning, or a correction of clusters), if it has
        been taken yet."""
        found = await self.client.get(f"{self.ns}:decision:{decision_id}")
        if not found:
            return None
        value = loads(found)
        if "correction" in value:
            return from_dict(ClusterDecisionResult, value)
        return from_dict(DecisionResult, value)

    async def warnings(self) -> list[Warning]:
        """The latest version of every warning."""
        found = await self.client.hvals(f"{self.ns}:warnings")
        return [decode(Warning, body) for body in found]

    async def warning_versions(self, warning_id: str) -> list[Warning]:
        """Every version of one warning recorded, oldest first (empty: unknown id)."""
        found = await self.client.hvals(f"{self.ns}:warning:{warning_id}")
        return sorted((decode(Warning, body) for body in found), key=lambda w: w.version)

    async def all_warning_versions(self) -> dict[str, list[Warning]]:
        """Every version of every warning, by warning id, oldest first (one round trip each
        for the ids and their versions)."""
        keys = await self.client.hkeys(f"{self.ns}:warnings")
        ids = sorted(k.decode() if isinstance(k, bytes) else k for k in keys)
        pipe = self.client.pipeline(transaction=False)
        for warning_id in ids:
            pipe.hvals(f"{self.ns}:warning:{warning_id}")
        found = await pipe.execute() if ids else []
        return {
            warning_id: sorted((decode(Warning, b) for b in bodies), key=lambda w: w.version)
            for warning_id, bodies in zip(ids, found, strict=True)
            if bodies
        }

    async def pushed(self, subscription: str, key: str) -> bool:
        """Whether a webhook push (subscription, ``<warning id>:<version>``) has ended."""
        return bool(await self.client.exists(f"{self.ns}:webhook:{subscription}:{key}"))

    async def pinned_body(self, subscription: str, key: str, body: bytes) -> bytes:
        """The body a push goes with: the first one made under this key (kept 90 days), so a
        push repeated after a restart sends the same bytes even if masking changed since."""
        pinned = f"{self.ns}:webhook-body:{subscription}:{key}"
        pipe = self.client.pipeline(transaction=True)
        pipe.set(pinned, body, nx=True, ex=90 * 86400)
        pipe.get(pinned)
        _, found = await pipe.execute()
        return bytes(found) if found is not None else body

    async def note_pushed(self, subscription: str, key: str, outcome: str) -> None:
        """Remember how a push ended (delivered, or dead-lettered) for 90 days: a re-read
        after a restart does not push it again."""
        marker = f"{self.ns}:webhook:{subscription}:{key}"
        await self.client.set(marker, outcome, ex=90 * 86400)

    async def put_control(self, control: Control) -> None:
        """Add a control in force (active or relaxed) to the view, or drop a lifted one; an
        older version than the one recorded changes nothing."""
        keys = [f"{self.ns}:controls", f"{self.ns}:control-versions", f"{self.ns}:version"]
        body = encode(control) if control.status in ("active", "relaxed") else b""
        await self._control(keys=keys, args=[control.control_id, control.version, body])

    async def _refresh(self, max_age: float) -> None:
        now = time.monotonic()
        if now - self._cache_checked < max_age:
            return
        self._cache_checked = now
        version = int(await self.client.get(f"{self.ns}:version") or 0)
        if version == self._cache_version:
            return
        pipe = self.client.pipeline()
        pipe.hgetall(f"{self.ns}:controls")
        pipe.hgetall(f"{self.ns}:ref:credit")
        pipe.smembers(f"{self.ns}:ref:blacklist")
        pipe.hgetall(f"{self.ns}:ref:origin")
        controls, credit, blacklist, origin = await pipe.execute()
        self._controls = [decode(Control, raw) for raw in controls.values()]
        self._reference = Reference(
            credit={k.decode(): v.decode() for k, v in credit.items()},
            blacklist=frozenset(m.decode() for m in blacklist),
            origin_risk={k.decode(): float(v) for k, v in origin.items()},
        )
        self._cache_version = version

    async def targeting_view(self, max_age: float = 0.0) -> tuple[list[Control], Reference]:
        """Active controls and reference data, re-read only when their version changed."""
        await self._refresh(max_age)
        return self._controls, self._reference

    async def close(self) -> None:
        """Close the connection pool."""
        await self.client.aclose()


def store_reference(
    client: redis.Redis,
    namespace: str,
    credit: Mapping[str, str] | None = None,
    blacklist: Iterable[str] | None = None,
    origin_risk: Mapping[str, float] | None = None,
) -> None:
    """Write reference data (synchronously, for loaders and the demo) and bump the version."""
    pipe = client.pipeline()
    if credit:
        pipe.hset(f"{namespace}:ref:credit", mapping=dict(credit))  # type: ignore[arg-type]
    if blacklist:
        pipe.sadd(f"{namespace}:ref:blacklist", *blacklist)
    if origin_risk:
        risks: dict[str | bytes, str] = {k: str(v) for k, v in origin_risk.items()}
        pipe.hset(f"{namespace}:ref:origin", mapping=risks)  # type: ignore[arg-type]
    pipe.incr(f"{namespace}:version")
    pipe.execute()


def clear_namespace(client: redis.Redis, namespace: str) -> int:
    """Delete every key of a namespace (a fresh demo run, a finished test); returns the count."""
    deleted = 0
    batch: list[bytes] = []
    for key in client.scan_iter(match=f"{namespace}:*", count=1000):
        batch.append(key)
        if len(batch) >= 1000:
            deleted += client.delete(*batch)
            batch = []
    if batch:
        deleted += client.delete(*batch)
    return deleted


async def apply_reference(client: aioredis.Redis, namespace: str, update: ReferenceUpdate) -> None:
    """Apply one reference fact and bump the version, so every worker's view refreshes."""
    pipe = client.pipeline()
    if update.kind == "blacklist":
        key = f"{namespace}:ref:blacklist"
        if update.remove:
            pipe.srem(key, update.key)
        else:
            pipe.sadd(key, update.key)
    else:
        key = f"{namespace}:ref:{'credit' if update.kind == 'credit' else 'origin'}"
        if update.remove or update.value is None:
            pipe.hdel(key, update.key)
        else:
            pipe.hset(key, update.key, update.value)
    pipe.incr(f"{namespace}:version")
    await pipe.execute()
