"""The public API: published warnings, searchable, paginated, cached and rate-limited.

==================================  ===========================================================
endpoint                            answer
==================================  ===========================================================
``GET /public/warnings``            published warnings matching the query
                                    (:func:`streams.publication.query_from`), newest change
                                    first, ``page``/``per_page`` (at most 100), ``total``
``GET /public/warnings/<id>``       one published warning: its latest visible version and its
                                    public history; ``404`` for anything not published to you
``GET /public/feed.atom``           the same search as an Atom feed, one entry per warning
==================================  ===========================================================

Without a token, callers are the public: they see warning announcements. A partner token
(``Authorization: Bearer``, role ``partner`` with its enterprise) sees the notices that name its
enterprise too, and on one warning the masked excerpts of up to :data:`EXCERPTS` of its reports.
A token that is not known gets ``401``; an alert notification to customs is never here. What is
shown is :mod:`streams.publication`'s record, every text masked; analysts keep the full view at
``/warnings`` behind their token.

Answers carry an ``ETag`` (``304`` for ``If-None-Match``) and ``Cache-Control`` (public for the
public, private for a partner). The worker reads its view of the warnings from Redis at most
every ``RISKWIRE_PUBLIC_CACHE_SECONDS`` and masks each version once. Each caller (a partner by
its token, anyone else by address) may make ``RISKWIRE_PUBLIC_RATE`` requests a second, in bursts
of ``RISKWIRE_PUBLIC_BURST``; beyond, ``429`` with ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

import faust
import faust.web
import orjson
import redis

from detectors.masking import mask_text
from schemas.records import Warning
from streams.atom import ATOM_TYPE, atom_feed
from streams.auth import TokenStore, authorize
from streams.publication import (
    Audience,
    PublicWarning,
    Query,
    history_entry,
    public_version,
    public_warning,
    query_from,
    withdrawn_entry,
)
from streams.rate_limit import RateLimiter
from streams.settings import Settings
from streams.state import RedisState

__all__ = ["EXCERPTS", "PUBLIC_PREFIX", "PublicView", "caller_address", "install_public_api"]

log = logging.getLogger("riskwire.public")

PUBLIC_PREFIX = "/public/"
EXCERPTS = 20  # of a warning's reports, masked, for the partner it concerns
_LOOKED_AT = 200  # of a warning's report ids (the last ones), to find its latest reports among
_NOT_EXCERPTED = ("declarations:",)  # customs declaration lines are not a partner's to read
_JSON = "application/json; charset=utf-8"
_MASKED_KEPT = 20_000  # masked versions and excerpts kept in memory


class PublicView:
    """The warnings' versions from Redis, re-read at most every ``max_age`` seconds, and each
    version's masked record, made once (masking a version takes milliseconds)."""

    def __init__(
        self, state: RedisState, max_age: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.state, self.max_age, self.clock = state, max_age, clock
        self._versions: dict[str, list[Warning]] = {}
        self._read_at = -math.inf
        self._lock = asyncio.Lock()
        self._masked: OrderedDict[tuple[str, int], dict[str, Any]] = OrderedDict()
        self._excerpts: OrderedDict[str, dict[str, Any]] = OrderedDict()

    async def published(self, audience: Audience) -> list[PublicWarning]:
        """Every warning published to ``audience``."""
        async with self._lock:
            if self.clock() - self._read_at >= self.max_age:
                try:
                    self._versions = await self.state.all_warning_versions()
                    self._read_at = self.clock()
                except redis.RedisError as exc:
                    if self._read_at == -math.inf:
                        raise
                    log.warning("public API: Redis unavailable (%r), serving the last view", exc)
            versions = self._versions
        found = (public_warning(v, audience) for v in versions.values())
        return [f for f in found if f is not None]

    async def record(self, found: PublicWarning) -> dict[str, Any]:
        """The record of one warning as its audience sees it (with its public history)."""
        shown = dict(await self.version_record(found.latest))
        shown["status"] = found.status
        history = [history_entry(v) for v in found.shown]
        if found.withdrawn is not None:
            history.append(withdrawn_entry(found.withdrawn))
            shown["withdrawn_time"] = found.withdrawn.updated_time.isoformat()
        shown["history"] = history
        return shown

    async def excerpts(self, warning: Warning) -> list[dict[str, Any]]:
        """Masked excerpts of the warning's latest reports (not customs declaration lines), with
        feed, time and region (masked too: a feed's region is free text)."""
        ids = [i for i in warning.evidence if not i.startswith(_NOT_EXCERPTED)][-_LOOKED_AT:]
        reports = [r for r in await self.state.reports(ids) if not r.get("expired")]
        reports.sort(key=lambda r: (str(r["event_time"]), r["signal_id"]), reverse=True)
        kept = reports[:EXCERPTS]
        todo = [r for r in kept if r["signal_id"] not in self._excerpts]

        def mask(r: Mapping[str, Any]) -> dict[str, Any]:
            return {
                "feed": r["feed"],
                "event_time": r["event_time"],
                "region": mask_text(r["region"]).text if r.get("region") else None,
                "excerpt": mask_text(r["excerpt"]).text,
            }

        done = await asyncio.to_thread(lambda: [mask(r) for r in todo])
        for r, masked in zip(todo, done, strict=True):
            _remember(self._excerpts, r["signal_id"], masked)
        return [self._excerpts[r["signal_id"]] for r in kept if r["signal_id"] in self._excerpts]

    async def search(self, audience: Audience, query: Query) -> tuple[int, list[dict[str, Any]]]:
        """How many published warnings match ``query``, and the records of its page."""
        published = await self.published(audience)
        hits = query.select(published, await self.shown(published))
        return len(hits), [await self.record(f) for f in query.page_of(hits)]

    async def shown(self, found: list[PublicWarning]) -> dict[str, dict[str, Any]]:
        """The masked record of each warning's latest visible version, by warning id."""
        return {f.warning_id: await self.version_record(f.latest) for f in found}

    async def version_record(self, warning: Warning) -> dict[str, Any]:
        """One version's masked record (:func:`streams.publication.public_version`), cached."""
        key = (warning.warning_id, warning.version)
        found = self._masked.get(key)
        if found is None:  # the first masking loads jieba's dictionary: off the event loop
            found = await asyncio.to_thread(public_version, warning)
            _remember(self._masked, key, found)
        return found


def caller_address(remote: str | None) -> str:
    """The rate-limit key of an address: an IPv4 address, or an IPv6 address's /64 (one host
    usually holds a whole /64, and would otherwise get a fresh bucket per address)."""
    try:
        address = ipaddress.ip_address(remote or "")
    except ValueError:
        return f"addr:{remote}"
    if address.version == 6:
        return f"addr:{ipaddress.ip_network(f'{address}/64', strict=False)}"
    return f"addr:{address}"


def _remember(cache: OrderedDict[Any, Any], key: Any, value: Any) -> None:
    cache[key] = value
    while len(cache) > _MASKED_KEPT:
        cache.popitem(last=False)


def install_public_api(
    app: faust.App, settings: Settings, state: RedisState, tokens: TokenStore
) -> PublicView:
    """Add the public endpoints to ``app``'s web server."""
    view = PublicView(state, settings.public_cache_seconds)
    limiter = RateLimiter(settings.public_rate, settings.public_burst)

    def caller(page: faust.web.View, request: Any) -> tuple[Audience | None, str, Any]:
        """Who asks (an audience, a rate-limit key), or the refusal (429, 401). The address is
        limited before any token is looked at, so guessing tokens is limited too; a token's
        principal has a bucket of its own as well."""
        now = time.monotonic()
        key = caller_address(request.remote)
        wait = limiter.allow(key, now)
        audience = Audience()
        header = request.headers.get("Authorization")
        if not wait and header:
            decision = authorize(tokens, header, None, required=True)
            if not decision.allowed:
                challenge = {"WWW-Authenticate": decision.challenge} if decision.challenge else None
                return None, key, _refuse(page, decision.status, decision.reason, challenge)
            principal = decision.principal  # None: no tokens configured, so everyone is public
            if principal is not None:
                key = f"token:{principal.name}"
                wait = limiter.allow(key, now)
                if principal.has("partner") and principal.enterprise:
                    audience = Audience(principal.enterprise)
        if wait > 0:
            headers = {"Retry-After": str(math.ceil(wait))}
            return None, key, _refuse(page, 429, "too many requests: slow down", headers)
        return audience, key, None

    def base(request: Any) -> str:
        return settings.public_url.rstrip("/") or f"{request.scheme}://{request.host}"

    def answer(
        page: faust.web.View, request: Any, body: bytes, content_type: str, audience: Audience
    ) -> Any:
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        scope = "public" if audience.public else "private"
        headers = {"ETag": etag, "Cache-Control": f"{scope}, max-age=60", "Vary": "Authorization"}
        asked = {
            t.strip().removeprefix("W/")
            for t in request.headers.get("If-None-Match", "").split(",")
        }
        if etag in asked or "*" in asked:
            return page.bytes(b"", status=304, headers=headers)
        return page.bytes(body, headers={**headers, "Content-Type": content_type})

    def search(page: faust.web.View, request: Any) -> tuple[Query | None, Any]:
        try:
            return query_from(dict(request.query)), None
        except ValueError as exc:
            return None, _refuse(page, 400, str(exc))

    @app.page("/public/warnings")
    class PublicList(faust.web.View):
        """Published warnings matching the query, a page at a time."""

        async def get(self, request: Any) -> Any:
            audience, _, refused = caller(self, request)
            if audience is None:
                return refused
            query, refused = search(self, request)
            if query is None:
                return refused
            total, records = await view.search(audience, query)
            more = query.page * query.per_page < total
            params = {**dict(request.query), "page": str(query.page + 1)}
            body = {
                "warnings": records,
                "page": query.page,
                "per_page": query.per_page,
                "total": total,
                "next": f"{base(request)}/public/warnings?{urlencode(params)}" if more else None,
            }
            return answer(self, request, orjson.dumps(body), _JSON, audience)

    @app.page("/public/warnings/{warning_id}")
    class PublicOne(faust.web.View):
        """One published warning, with its public history (and excerpts for its partner)."""

        async def get(self, request: Any, warning_id: str) -> Any:
            audience, _, refused = caller(self, request)
            if audience is None:
                return refused
            found = next(
                (f for f in await view.published(audience) if f.warning_id == warning_id), None
            )
            if found is None:  # unknown, unpublished or not for this audience: all look alike
                return _refuse(self, 404, f"no published warning {warning_id!r}")
            record = await view.record(found)
            if audience.enterprise is not None and audience.enterprise in found.latest.enterprises:
                record["reports"] = await view.excerpts(found.latest)
            return answer(self, request, orjson.dumps(record), _JSON, audience)

    @app.page("/public/feed.atom")
    class PublicFeed(faust.web.View):
        """The search as an Atom feed (the public's view: feed readers send no tokens)."""

        async def get(self, request: Any) -> Any:
            audience, _, refused = caller(self, request)
            if audience is None:
                return refused
            query, refused = search(self, request)
            if query is None:
                return refused
            public = Audience()
            _, records = await view.search(public, query)
            root = base(request)
            asked = urlencode(sorted(request.query.items()))
            feed = atom_feed(
                records,
                feed_id=f"urn:riskwire:feed:{settings.namespace}:{asked}",
                title=f"riskwire 风险警示公告 warning announcements {asked}".strip(),
                self_url=f"{root}{request.path_qs}",
                base=root,
            )
            return answer(self, request, feed, ATOM_TYPE, public)

    return view


def _refuse(
    page: faust.web.View, status: int, why: str, headers: dict[str, str] | None = None
) -> Any:
    return page.bytes(
        orjson.dumps({"error": why}),
        status=status,
        headers={**(headers or {}), "Content-Type": _JSON},
    )
