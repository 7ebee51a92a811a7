"""The worker's HTTP surface: health, readiness and the feed endpoint, behind token auth.

=====================  ===========================================================  ============
endpoint               answer                                                       who
=====================  ===========================================================  ============
``GET /health``        ``200`` when Redis answers a ping, ``503`` when it does not  read
``GET /ready``         ``200`` with the readiness details when ready, else ``503``  read
``GET /metrics``       Prometheus text: Faust's and riskwire's metrics              read
``POST /feeds/<name>`` records of a feed (:mod:`streams.feed_endpoint`)            feed_writer
``GET /warnings``      the latest version of each warning (``?status=active``)      analyst
``GET /warnings/<id>`` one warning by its id: latest version, history, its reports    analyst
``GET /warnings/<id>/series``  its cluster's signals per day against the thresholds   analyst
``GET /board``         the warnings board, a page that reads the above (no data)    anyone
``POST /warnings/<id>/decisions``  approve, reject, regrade or lift (``202``)      analyst
``GET /decisions/<id>``  what became of a decision: applied or refused, and why     analyst
``POST /clusters/<id>/decisions``  merge, split, not this product (``202``)        analyst
``GET /clusters/<id>``  a cluster as this worker holds it, with its corrections     analyst
``POST /duplicates/<id>/decisions``  not a duplicate: release a report (``202``)   analyst
``POST /warnings/<id>/replies``  a producer's reply to a notice (``202``)          partner
``POST /inspections``  a port's inspection result (``202``)                         port_system
``GET /public/...``    published warnings, masked (:mod:`streams.public_api`)       anyone
=====================  ===========================================================  ============

With tokens configured (:mod:`streams.auth`), a write needs a token whose principal has the
role: ``401`` with a ``WWW-Authenticate`` challenge without a known token, ``403`` without the
role. "read" endpoints are open unless ``RISKWIRE_READ_AUTH=1``, which makes them need a known
token (any role). Without tokens every endpoint is open, and the worker says so at start.

Faust serves pages of its own (``/router``, ``/table/...``, ``/``-statistics, ``/graph``,
``/performance``) showing table data and cluster topology; they are off unless
``RISKWIRE_WEB_DEBUG=1``, and then need an ``admin`` token when tokens are configured.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import faust
import faust.web
import orjson
import redis
from aiohttp import web as aiohttp_web
from mode import Service

from connectors.registry import get_feed
from detectors.catalogue import Catalogue
from detectors.decisions import ACTIONS
from detectors.inspections import check as check_inspection
from schemas.codec import encode, to_dict
from schemas.records import ClusterDecision, Grade, Inspection, Reply, Warning
from schemas.records import Decision as AnalystDecision
from streams.auth import Decision, Principal, Role, TokenStore, authorize, load_tokens
from streams.board import BOARD_PATH, board_page
from streams.board_series import cluster_series, held_cluster
from streams.cluster_corrections import CORRECTIONS
from streams.escalation import WARNING_ID, cluster_of_warning
from streams.feed_endpoint import check_batch, content_type_problem
from streams.metrics import CONTENT_TYPE_LATEST, PipelineMetrics
from streams.public_api import PUBLIC_PREFIX, install_public_api
from streams.releases import RELEASE
from streams.settings import Settings
from streams.state import RedisState
from streams.topics import feed_topic

__all__ = [
    "DEBUG_PAGE_SETTINGS",
    "OWN_PATHS",
    "OWN_PREFIXES",
    "Readiness",
    "inspection_from",
    "install_web",
]

log = logging.getLogger("riskwire.web")

Readiness = Callable[[], Mapping[str, Any]]

#: Faust's settings that switch its built-in pages on (faust-streaming 0.15: read by
#: ``faust.web.base.Web`` when it is built, to choose the blueprints it serves)
DEBUG_PAGE_SETTINGS = (
    "web_router_enabled",
    "web_tables_enabled",
    "web_stats_enabled",
    "web_graph_enabled",
    "web_metrics_enabled",
)

#: the pages riskwire serves: these paths, and those under ``OWN_PREFIXES`` (feeds, warnings
#: and their decisions and replies); everything else on the server is Faust's
OWN_PATHS = frozenset({"/health", "/ready", "/metrics", "/warnings", "/inspections", BOARD_PATH})
OWN_PREFIXES = (
    "/feeds/",
    "/warnings/",
    "/decisions/",
    "/clusters/",
    "/duplicates/",
    PUBLIC_PREFIX,
)


def _denied(view: faust.web.View, decision: Decision) -> Any:
    headers = {"WWW-Authenticate": decision.challenge} if decision.challenge else None
    return view.json({"error": decision.reason}, status=decision.status, headers=headers)


def install_web(
    app: faust.App,
    settings: Settings,
    catalogue: Catalogue,
    state: RedisState,
    readiness: Readiness,
    metrics: PipelineMetrics | None = None,
) -> TokenStore:
    """Add riskwire's endpoints to ``app``'s web server, and switch Faust's debug pages off
    unless ``settings.web_debug``. Call before anything else touches ``app.web``. Returns the
    token store (empty: authentication off); a tokens file that cannot be read or is invalid
    raises :class:`schemas.errors.ConfigError` here, before the worker starts."""
    if "web" in vars(app):
        raise RuntimeError("install_web must run before app.web is first used")
    for flag in DEBUG_PAGE_SETTINGS:
        setattr(app.conf, flag, settings.web_debug)
    tokens = load_tokens(settings.tokens_file, settings.tokens)

    def check(request: Any, role: Role | None, required: bool) -> Decision:
        # decision.principal is who acts: an endpoint that records a decision records it
        return authorize(tokens, request.headers.get("Authorization"), role, required=required)

    def check_read(request: Any) -> Decision:
        return check(request, None, settings.read_auth)

    if settings.web_debug and tokens:
        _guard_faust_pages(app, tokens)

    @app.page("/health")
    class Health(faust.web.View):
        """Liveness: the web server runs and Redis answers."""

        async def get(self, request: Any) -> Any:
            decision = check_read(request)
            if not decision.allowed:
                return _denied(self, decision)
            try:
                await state.client.ping()
            except redis.RedisError as exc:
                return self.json({"status": "redis unavailable", "error": str(exc)}, status=503)
            return self.json({"status": "ok", "namespace": settings.namespace})

    if metrics is not None:
        scraped = metrics

        @app.page("/metrics")
        class Metrics(faust.web.View):
            """Prometheus text format: Faust's transport metrics and riskwire's stage metrics,
            with the warnings in the view counted by grade and state at scrape time."""

            async def get(self, request: Any) -> Any:
                decision = check_read(request)
                if not decision.allowed:
                    return _denied(self, decision)
                try:
                    scraped.count_warnings(await state.warnings())
                except redis.RedisError as exc:
                    log.warning("/metrics: warnings not counted, Redis unavailable (%s)", exc)
                headers = {"Content-Type": CONTENT_TYPE_LATEST}
                return self.bytes(scraped.exposition(), headers=headers)

    @app.page("/ready")
    class Ready(faust.web.View):
        """Readiness: ``200`` when the worker processes, ``503`` (with why) when it does not."""

        async def get(self, request: Any) -> Any:
            decision = check_read(request)
            if not decision.allowed:
                return _denied(self, decision)
            details = dict(readiness())
            return self.json(details, status=200 if details.get("ready") is True else 503)

    @app.page("/warnings")
    class WarningList(faust.web.View):
        """The latest version of every warning, in force first, most severe first."""

        async def get(self, request: Any) -> Any:
            decision = check(request, "analyst", True)  # alerts to customs are not public
            if not decision.allowed:
                return _denied(self, decision)
            status = request.query.get("status")
            found = [w for w in await state.warnings() if status in (None, w.status)]
            found.sort(key=lambda w: (w.status != "active", -Grade(w.grade).rank, w.warning_id))
            return self.json({"warnings": [_summary(w) for w in found]})

    async def versions_for(
        view: faust.web.View, request: Any, warning_id: str
    ) -> tuple[list[Warning], Any]:
        """A warning's versions for an analyst, or the response refusing them (403, 404)."""
        decision = check(request, "analyst", True)
        if not decision.allowed:
            return [], _denied(view, decision)
        versions = await state.warning_versions(warning_id)
        if not versions:
            return [], view.json({"error": f"no warning {warning_id!r}"}, status=404)
        return versions, None

    @app.page("/warnings/{warning_id}")
    class WarningView(faust.web.View):
        """One warning by its id: its latest version and every version before it."""

        async def get(self, request: Any, warning_id: str) -> Any:
            versions, refused = await versions_for(self, request, warning_id)
            if refused is not None:
                return refused
            latest = versions[-1]
            shown = latest.evidence[-MAX_REPORTS_SHOWN:]  # ids sort by feed, then source id
            return self.json(
                {
                    "warning": to_dict(latest),
                    "history": [_summary(w) for w in versions],
                    "reports": await state.reports(shown),
                    "reports_not_shown": len(latest.evidence) - len(shown),
                }
            )

    @app.page("/warnings/{warning_id}/series")
    class WarningSeries(faust.web.View):
        """The chart of a warning: its cluster's risk signals per day against the aberration
        thresholds, from this worker's table (:mod:`streams.board_series`)."""

        async def get(self, request: Any, warning_id: str) -> Any:
            versions, refused = await versions_for(self, request, warning_id)
            if refused is not None:
                return refused
            latest = versions[-1]
            cluster = held_cluster(app, latest.cluster_id)
            if cluster is None:
                why = f"cluster {latest.cluster_id} is not held by this worker (merged or expired)"
                return self.json({"error": why}, status=404)
            series = await asyncio.to_thread(
                cluster_series, cluster, latest.updated_time, settings.guard
            )
            return self.json(series)

    @app.page(BOARD_PATH)
    class Board(faust.web.View):
        """The warnings board (:mod:`streams.board`): a page without data, served to anyone."""

        async def get(self, request: Any) -> Any:
            page = board_page()
            return self.html(page.html, headers=dict(page.headers))

    @app.page("/warnings/{warning_id}/decisions")
    class DecisionEndpoint(faust.web.View):
        """An analyst's decision on a warning: checked here for shape, then decided in order
        with the warning's other inputs by the worker that owns it (``GET /decisions/<id>``)."""

        async def post(self, request: Any, warning_id: str) -> Any:
            def make(body: Any, who: Principal) -> AnalystDecision:
                return decision_from(body, warning_id, who.name)

            answer, made = await accept(self, request, "analyst", warning_id, make, t_decisions)
            if made is None:
                return answer
            where = f"/decisions/{made.decision_id}"
            return self.json({"decision_id": made.decision_id, "result": where}, status=202)

    @app.page("/decisions/{decision_id}")
    class DecisionResultView(faust.web.View):
        """What became of a decision: applied (the version it made) or refused (why)."""

        async def get(self, request: Any, decision_id: str) -> Any:
            decision = check(request, "analyst", True)
            if not decision.allowed:
                return _denied(self, decision)
            result = await state.decision_result(decision_id)
            if result is None:
                return self.json({"error": f"decision {decision_id!r} not taken yet"}, status=404)
            return self.json(to_dict(result))

    async def broadcast(view: Any, topic_name: str, made: ClusterDecision) -> Any:
        """Send an analyst's correction to every partition of ``topic_name`` (the one owning
        what it corrects applies it) and answer where its result will be."""
        topic = settings.topic(topic_name)
        count = app.consumer.topic_partitions(topic) or settings.partitions
        for p in range(count):
            await (await outlet(topic).send(value=encode(made), partition=p))
        where = f"/decisions/{made.decision_id}"
        return view.json({"decision_id": made.decision_id, "result": where}, status=202)

    @app.page("/clusters/{cluster_id}/decisions")
    class ClusterDecisionEndpoint(faust.web.View):
        """An analyst's correction of the matcher: sent to every partition of the linkage
        topic, where the one holding the cluster applies it in order with its signals."""

        async def post(self, request: Any, cluster_id: str) -> Any:
            def make(body: Any, who: Principal) -> ClusterDecision:
                return correction_from(body, cluster_id, who.name)

            refused, made = await recorded(self, request, "analyst", make)
            if made is None:
                return refused
            return await broadcast(self, "signals.unique", made)

    @app.page("/duplicates/{signal_id}/decisions")
    class DuplicateDecisionEndpoint(faust.web.View):
        """An analyst's "not a duplicate": the report's category and supposed original as
        Redis knows them written into it, then sent to every partition of the dedup stage's
        topic, where the one deduplicating that category releases the report in order with
        its signals (:mod:`streams.releases`)."""

        async def post(self, request: Any, signal_id: str) -> Any:
            def make(body: Any, who: Principal) -> ClusterDecision:
                return release_from(body, signal_id, who.name)

            refused, made = await recorded(self, request, "analyst", make)
            if made is None:
                return refused
            block, original = await state.judged(signal_id)
            made = replace(made, block_key=block, cluster_id=original)
            return await broadcast(self, "signals", made)

    @app.page("/clusters/{cluster_id}")
    class ClusterView(faust.web.View):
        """A cluster as this worker's table holds it: counts, members, corrections."""

        async def get(self, request: Any, cluster_id: str) -> Any:
            decision = check(request, "analyst", True)
            if not decision.allowed:
                return _denied(self, decision)
            cluster = held_cluster(app, cluster_id)
            if cluster is None:
                why = f"cluster {cluster_id} is not held by this worker (unknown, merged, expired)"
                return self.json({"error": why}, status=404)
            return self.json({"cluster": to_dict(cluster)})

    @app.page("/warnings/{warning_id}/replies")
    class ReplyEndpoint(faust.web.View):
        """A producer's reply to a notice: it joins the notice's history (a reply to anything
        but a notice in force is dead-lettered with the reason by the worker that owns it)."""

        async def post(self, request: Any, warning_id: str) -> Any:
            def make(body: Any, who: Principal) -> Reply:
                return reply_from(body, warning_id, who.name, who.enterprise)

            answer, made = await accept(self, request, "partner", warning_id, make, t_replies)
            if made is None:
                return answer
            return self.json({"reply_id": made.reply_id}, status=202)

    @app.page("/inspections")
    class InspectionEndpoint(faust.web.View):
        """A port system's inspection result (``port_system`` token): checked here, then counted
        by the worker that owns its warning, in order with the warning's other inputs."""

        async def post(self, request: Any) -> Any:
            decision = check(request, "port_system", True)
            if not decision.allowed:
                return _denied(self, decision)
            if decision.principal is None:
                why = "inspection results record who sent them: configure API tokens"
                return self.json({"error": why}, status=403)
            try:
                body = orjson.loads(await request.read())
                made = check_inspection(inspection_from(body, decision.principal.name))
            except (orjson.JSONDecodeError, ValueError) as exc:
                return self.json({"error": str(exc)}, status=400)
            topic = outlet(settings.topic("inspections"))
            await (await topic.send(key=made.control_id.encode(), value=encode(made)))
            return self.json({"inspection_id": made.inspection_id}, status=202)

    async def accept(
        view: faust.web.View,
        request: Any,
        role: Role,
        warning_id: str,
        make: Callable[[Any, Principal], Any],
        topic: str,
    ) -> tuple[Any, Any]:
        """An input on a warning recorded with who sent it (a decision, a reply), made by
        :func:`recorded` and sent to ``topic`` keyed by the warning's cluster, in order with
        its other inputs. Returns the error response, or ``(None, record)``."""
        refused, made = await recorded(view, request, role, make)
        if made is not None:
            key = cluster_of_warning(warning_id).encode()
            await (await outlet(topic).send(key=key, value=encode(made)))
        return refused, made

    async def recorded(
        view: faust.web.View, request: Any, role: Role, make: Callable[[Any, Principal], Any]
    ) -> tuple[Any, Any]:
        """An input recorded with who sent it: the token's role and principal checked, the
        body made into a record (``400`` why not). Returns the error response, or
        ``(None, record)``."""
        decision = check(request, role, True)
        if not decision.allowed:
            return _denied(view, decision), None
        if decision.principal is None:
            why = "these inputs record who sent them: configure API tokens (RISKWIRE_TOKENS)"
            return view.json({"error": why}, status=403), None
        try:
            made = make(orjson.loads(await request.read()), decision.principal)
        except (orjson.JSONDecodeError, ValueError) as exc:
            return view.json({"error": str(exc)}, status=400), None
        return None, made

    t_decisions = settings.topic("decisions")
    t_replies = settings.topic("replies")
    outlets: dict[str, faust.TopicT] = {}

    def outlet(name: str) -> faust.TopicT:
        found = outlets.get(name)
        if found is None:
            found = outlets[name] = app.topic(name, key_type=bytes, value_type=bytes)
        return found

    @app.page("/feeds/{name}")
    class FeedEndpoint(faust.web.View):
        """POST records of one feed; see :mod:`streams.feed_endpoint`."""

        async def post(self, request: Any, name: str) -> Any:
            decision = check(request, "feed_writer", True)
            if not decision.allowed:  # before anything else: unknown callers learn nothing
                return _denied(self, decision)
            adapter = get_feed(name)
            if adapter is None:
                return self.json({"error": f"unknown feed {name!r}"}, status=404)
            problem = content_type_problem(request.headers.get("Content-Type"))
            if problem:
                return self.json({"error": problem}, status=415)
            limit = settings.max_request_bytes
            too_large = {"error": f"body over the {limit}-byte limit (RISKWIRE_MAX_REQUEST_BYTES)"}
            if (request.content_length or 0) > limit:
                return self.json(too_large, status=413)
            try:
                body = await request.read()
            except aiohttp_web.HTTPRequestEntityTooLarge:
                return self.json(too_large, status=413)
            # validating a large body takes seconds: off the event loop, so agents keep running
            checked = await asyncio.to_thread(
                check_batch, adapter, body, catalogue, settings.max_record_bytes
            )
            if checked.errors:
                return self.json({"accepted": 0, "errors": checked.errors}, status=400)
            topic = feed_topic(settings, name)
            outlet = outlets.get(topic)
            if outlet is None:
                outlet = outlets[topic] = app.topic(topic, key_type=bytes, value_type=bytes)
            pending = [await outlet.send(value=raw) for raw in checked.records]
            await asyncio.gather(*pending)  # on the topic before we say so
            return self.json({"accepted": len(checked.records)}, status=202)

    if settings.public_api:
        install_public_api(app, settings, state, tokens)
    app.web.add_dependency(_Announce(settings, tokens))  # starts with the web server
    return tokens


class _Announce(Service):
    """Says once, when the web server starts (logging is set up by then), who may do what."""

    def __init__(self, settings: Settings, tokens: TokenStore) -> None:
        super().__init__()
        self.settings, self.tokens = settings, tokens

    async def on_start(self) -> None:
        settings, tokens = self.settings, self.tokens
        where = f"{settings.web_host}:{settings.web_port}"
        if not tokens:
            log.warning(
                "No API tokens configured (RISKWIRE_TOKENS_FILE / RISKWIRE_TOKENS): "
                "POST /feeds/<name> accepts records from anyone who can reach %s",
                where,
            )
        else:
            log.info(
                "HTTP on %s: %d tokens for %d principals; read endpoints %s",
                where,
                len(tokens),
                len({p.name for p in tokens.principals}),
                "need a token" if settings.read_auth else "open",
            )
        if settings.web_debug:
            log.warning(
                "Faust's debug pages are on (RISKWIRE_WEB_DEBUG) on %s%s",
                where,
                ", admin token required" if tokens else ", without authentication",
            )


def _guard_faust_pages(app: faust.App, tokens: TokenStore) -> None:
    """Make every page that is not riskwire's own (Faust's debug pages) need an admin token."""

    @aiohttp_web.middleware
    async def admin_only(
        request: aiohttp_web.Request,
        handler: Callable[[aiohttp_web.Request], Awaitable[aiohttp_web.StreamResponse]],
    ) -> aiohttp_web.StreamResponse:
        if request.path in OWN_PATHS or request.path.startswith(OWN_PREFIXES):
            return await handler(request)  # riskwire's own pages check their own roles
        decision = authorize(tokens, request.headers.get("Authorization"), "admin")
        if decision.allowed:
            return await handler(request)
        headers = {"WWW-Authenticate": decision.challenge} if decision.challenge else None
        return aiohttp_web.json_response(
            {"error": decision.reason}, status=decision.status, headers=headers
        )

    web_app = getattr(app.web, "web_app", None)
    if not isinstance(web_app, aiohttp_web.Application):
        raise RuntimeError("RISKWIRE_WEB_DEBUG with tokens needs Faust's aiohttp web driver")
    web_app.middlewares.append(admin_only)


_DECISION_KEYS = frozenset({"action", "version", "reason", "grade"})
MAX_REASON_CHARS = 2000


_CORRECTION_KEYS = frozenset({"correction", "reason", "other_cluster_id", "signal_ids"})
CLUSTER_ID = re.compile(r"K-[0-9a-f]{12}")
MAX_SIGNAL_IDS = 500


def correction_from(body: Any, cluster_id: str, who: str) -> ClusterDecision:
    """A correction of clusters from a request body, or ``ValueError`` saying what is wrong."""
    if not isinstance(body, dict):
        raise ValueError('expected {"correction": ..., "reason": ..., ...}')
    unknown = set(body) - _CORRECTION_KEYS
    if unknown:
        raise ValueError(f"unknown fields {sorted(unknown)}; fields are {sorted(_CORRECTION_KEYS)}")
    correction, reason = body.get("correction"), body.get("reason")
    if correction not in CORRECTIONS:
        raise ValueError(f"correction must be one of {', '.join(CORRECTIONS)}")
    if not isinstance(reason, str) or not reason.strip():
        raise ValueError("a correction needs a reason")
    if len(reason) > MAX_REASON_CHARS:
        raise ValueError(f"a reason has at most {MAX_REASON_CHARS} characters")
    if not CLUSTER_ID.fullmatch(cluster_id):
        raise ValueError(f"not a cluster id: {cluster_id!r}")
    other = body.get("other_cluster_id")
    ids = body.get("signal_ids", [])
    if correction == "merge":
        if not isinstance(other, str) or not CLUSTER_ID.fullmatch(other):
            raise ValueError("a merge needs other_cluster_id, a cluster id (K-...)")
        ids = []
    else:
        other = None
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
            raise ValueError(f"{correction} needs signal_ids, a list of the reports that leave")
        if len(ids) > MAX_SIGNAL_IDS:
            raise ValueError(f"at most {MAX_SIGNAL_IDS} signal_ids per correction")
    return ClusterDecision(
        decision_id=uuid.uuid4().hex,  # the server's: a client cannot reuse another's id
        correction=correction,
        cluster_id=cluster_id,
        reason=reason.strip(),
        decided_by=who,
        at=datetime.now(UTC),
        other_cluster_id=other,
        signal_ids=tuple(ids),
    )


_RELEASE_KEYS = frozenset({"correction", "reason"})
MAX_SIGNAL_ID_CHARS = 200


def release_from(body: Any, signal_id: str, who: str) -> ClusterDecision:
    """An analyst's "not a duplicate" from a request body, or ``ValueError`` saying what is
    wrong; the endpoint adds what Redis knows of the report."""
    if not isinstance(body, dict):
        raise ValueError('expected {"reason": ...}')
    unknown = set(body) - _RELEASE_KEYS
    if unknown:
        raise ValueError(f"unknown fields {sorted(unknown)}; fields are {sorted(_RELEASE_KEYS)}")
    if body.get("correction", RELEASE) != RELEASE:
        raise ValueError(f"correction must be {RELEASE}")
    reason = body.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise ValueError("a release needs a reason")
    if len(reason) > MAX_REASON_CHARS:
        raise ValueError(f"a reason has at most {MAX_REASON_CHARS} characters")
    if not signal_id.strip() or len(signal_id) > MAX_SIGNAL_ID_CHARS:
        raise ValueError(f"not a signal id: {signal_id!r}")
    return ClusterDecision(
        decision_id=uuid.uuid4().hex,  # the server's: a client cannot reuse another's id
        correction=RELEASE,
        cluster_id="",
        reason=reason.strip(),
        decided_by=who,
        at=datetime.now(UTC),
        signal_ids=(signal_id,),
    )


def decision_from(body: Any, warning_id: str, who: str) -> AnalystDecision:
    """A decision from a request body, or ``ValueError`` saying what is wrong with it."""
    if not isinstance(body, dict):
        raise ValueError('expected {"action": ..., "version": N, "reason": ...}')
    unknown = set(body) - _DECISION_KEYS
    if unknown:
        raise ValueError(f"unknown fields {sorted(unknown)}; fields are {sorted(_DECISION_KEYS)}")
    action, version, reason = body.get("action"), body.get("version"), body.get("reason")
    if action not in ACTIONS:
        raise ValueError(f"action must be one of {', '.join(ACTIONS)}")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ValueError("version must be the warning version decided on (an integer >= 1)")
    if not isinstance(reason, str) or not reason.strip():
        raise ValueError("a decision needs a reason")
    if len(reason) > MAX_REASON_CHARS:
        raise ValueError(f"a reason has at most {MAX_REASON_CHARS} characters")
    if not WARNING_ID.fullmatch(warning_id):
        raise ValueError(f"not a warning id: {warning_id!r}")
    grade = body.get("grade")
    if action == "regrade" and grade not in {g.value for g in Grade}:
        raise ValueError(f"regrade needs a grade of {', '.join(g.value for g in Grade)}")
    return AnalystDecision(
        decision_id=uuid.uuid4().hex,  # the server's: a client cannot reuse another's id
        warning_id=warning_id,
        version=version,
        action=action,
        reason=reason.strip(),
        decided_by=who,
        at=datetime.now(UTC),
        grade=grade if action == "regrade" else None,
    )


MAX_REPLY_CHARS = 5000
MAX_REPORTS_SHOWN = 200  # of a warning's evidence, with feed, time, region and an excerpt


def reply_from(body: Any, warning_id: str, who: str, enterprise: str | None = None) -> Reply:
    """A reply from a request body (``{"text": ...}``), or ``ValueError`` saying what is wrong."""
    if not isinstance(body, dict) or set(body) != {"text"}:
        raise ValueError('expected {"text": "..."}')
    text = body["text"]
    if not isinstance(text, str) or not text.strip():
        raise ValueError("a reply needs a text")
    if len(text) > MAX_REPLY_CHARS:
        raise ValueError(f"a reply has at most {MAX_REPLY_CHARS} characters")
    if not WARNING_ID.fullmatch(warning_id):
        raise ValueError(f"not a warning id: {warning_id!r}")
    return Reply(
        reply_id=uuid.uuid4().hex,
        warning_id=warning_id,
        text=text.strip(),
        replied_by=who,
        at=datetime.now(UTC),
        enterprise=enterprise,
    )


_INSPECTION_KEYS = frozenset(
    {"control_id", "declaration_id", "result", "inspected_at", "port", "findings"}
)


def inspection_from(body: Any, who: str) -> Inspection:
    """An inspection result from a request body, or ``ValueError`` saying what is wrong."""
    if not isinstance(body, dict):
        raise ValueError('expected {"control_id": ..., "declaration_id": ..., "result": ...}')
    unknown = set(body) - _INSPECTION_KEYS
    if unknown:
        raise ValueError(f"unknown fields {sorted(unknown)}; fields are {sorted(_INSPECTION_KEYS)}")
    texts = {k: body.get(k) for k in ("control_id", "declaration_id", "result")}
    for name, value in texts.items():
        if not isinstance(value, str):
            raise ValueError(f"{name}: a string is required")
    at = datetime.now(UTC)
    if body.get("inspected_at") is not None:
        try:
            at = datetime.fromisoformat(str(body["inspected_at"]))
        except ValueError:
            raise ValueError("inspected_at: an ISO 8601 time") from None
        at = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    port, findings = body.get("port"), body.get("findings", "")
    if port is not None and not isinstance(port, str):
        raise ValueError("port: a string")
    if not isinstance(findings, str):
        raise ValueError("findings: a string")
    return Inspection(
        inspection_id=uuid.uuid4().hex,  # the server's: a client cannot reuse another's id
        control_id=texts["control_id"] or "",
        declaration_id=texts["declaration_id"] or "",
        result=texts["result"] or "",
        inspected_at=at,
        port=port,
        findings=findings.strip(),
        reported_by=who,
    )


def _summary(warning: Warning) -> dict[str, Any]:
    """What a list of warnings shows of each version."""
    w = warning
    return {
        "warning_id": w.warning_id,
        "version": w.version,
        "status": w.status,
        "state": w.state,
        "change": w.change,
        "grade": w.grade,
        "colour": w.colour,
        "kind": w.kind,
        "product": w.product,
        "regions": list(w.scope_regions),
        "hazard_class": w.hazard_class,
        "score": w.score,
        "start_time": w.start_time.isoformat(),
        "updated_time": w.updated_time.isoformat(),
        "reason": w.reason,
        "decided_by": w.decided_by,
        "signals": len(w.evidence),
        "decide_by": w.decide_by.isoformat() if w.decide_by else None,
        "reply_by": w.reply_by.isoformat() if w.reply_by else None,
        "flags": list(w.flags),
    }
