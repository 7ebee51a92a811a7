"""One settings object for every riskwire process, read from the environment first.

Every setting has a type, a default and an environment variable; the worker, the CLI, the demo
and docker-compose all read the same names (``docker-compose.yml`` is checked against
:data:`ENVIRONMENT` by a test). Secrets in URLs and inline tokens are never printed: see
:meth:`Settings.redacted` (the ``repr`` leaves the tokens out too).
"""

from __future__ import annotations

import importlib.util
import os
import re
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from detectors.scoring import AlarmGuard

from schemas.errors import ConfigError

__all__ = ["ENVIRONMENT", "SECRETS", "Settings", "setting"]


def setting(default: Any, help: str, *, secret: bool = False) -> Any:
    """A setting: its default and what it means. Its environment variable is its name in
    capitals after ``RISKWIRE_``; a secret is masked by :meth:`Settings.redacted` and left out
    of ``repr``. Adding a setting is this one line in :class:`Settings`."""
    return field(default=default, repr=not secret, metadata={"help": help, "secret": secret})


@dataclass(frozen=True, slots=True)
class Settings:
    """Typed settings; build with :meth:`from_env`."""

    broker: str = setting(
        "kafka://127.0.0.1:9092", "Kafka bootstrap URL, e.g. kafka://localhost:9092"
    )
    redis_url: str = setting(
        "redis://127.0.0.1:6379/0", "Redis URL (REDIS_URL is read when this is unset)"
    )
    namespace: str = setting("riskwire", "Prefix of topics, consumer group and Redis keys")
    partitions: int = setting(4, "Partitions per topic: the unit of scaling out")
    replication: int = setting(1, "Replication factor of created topics")
    store: str = setting(
        "memory://",
        "Table store: memory:// (a start re-reads the changelogs) or rocksdb:// (files under "
        "RISKWIRE_DATA_DIR kept across restarts; pip install 'riskwire[prod]')",
    )
    data_dir: str = setting(
        "",
        "The worker's own files, the rocksdb:// tables under <dir>/<namespace>/ (empty: "
        "<namespace>-data in the working directory); one per worker, never shared",
    )
    web_port: int = setting(6066, "Worker HTTP port (health, metrics, feed endpoint)")
    web_host: str = setting("127.0.0.1", "Worker HTTP bind address")
    tokens_file: str = setting(
        "", "JSON file of API tokens, each naming a principal and its roles (README: Security)"
    )
    tokens: str = setting(
        "", "The same JSON document inline (a secret: never printed)", secret=True
    )
    read_auth: bool = setting(
        False, "1: read-only endpoints (/health, /ready, /metrics) need a token too"
    )
    web_debug: bool = setting(
        False, "1: serve Faust's debug pages (/router, /table, /stats, /graph, /performance)"
    )
    public_api: bool = setting(
        True, "Serve the public API (/public/warnings, /public/feed.atom): published, masked"
    )
    public_url: str = setting(
        "", "The public API's base URL in links and the Atom feed (empty: the request's host)"
    )
    public_rate: float = setting(10.0, "Public API requests a second per caller (then 429)")
    public_burst: int = setting(30, "Public API requests a caller may make at once")
    public_cache_seconds: float = setting(
        5.0, "Seconds the public API reuses its view of the warnings before reading Redis again"
    )
    subscriptions_file: str = setting(
        "", "JSON file of webhook subscriptions (README: Publishing); none: no pushes"
    )
    subscriptions: str = setting(
        "", "The same JSON document inline (holds secrets: never printed)", secret=True
    )
    webhook_attempts: int = setting(6, "Attempts per webhook delivery before its dead letter")
    webhook_backoff: float = setting(
        1.0, "Seconds before a webhook's second attempt, doubling for each later one"
    )
    webhook_timeout: float = setting(10.0, "Seconds a webhook receiver has to answer")
    processing_guarantee: str = setting(
        "at_least_once", "at_least_once (any broker) or exactly_once (Apache Kafka only)"
    )
    role: str = setting(
        "all",
        "What a worker runs: all (every stage), analysis (all but the port stage) or port "
        "(only the port stage, declaration lines answered: beside analysis workers)",
    )
    commit_interval: float = setting(1.0, "Seconds between offset commits")
    rebalance_timeout: float = setting(
        3.0, "Seconds a consumer-group rebalance may take (also how long a join waits)"
    )
    fetch_max_wait_ms: int = setting(
        100, "Longest a worker's idle fetch waits for data (latency per stage on Tansu)"
    )
    tick_seconds: float = setting(
        60.0,
        "Seconds between clock ticks a worker sends its assessments partitions (0: none), "
        "so quiet warnings are lifted when feeds are quiet",
    )
    alarm_min_cases: int = setting(
        5, "A detector's alarm on a day counts only with this many risk reports in the window"
    )
    alarm_window_days: int = setting(
        4, "Days (the day included) RISKWIRE_ALARM_MIN_CASES are counted over (Farrington: 4)"
    )
    sampling_seed: str = setting(
        "riskwire-sampling-2026",
        "The published seed of 'double random' sampling draws (riskwire sampling LINE_ID)",
    )
    dedup_window_days: float = setting(
        7.0, "Days within which the same content counts as an exact duplicate"
    )
    dedup_ttl_days: float = setting(30.0, "Days Redis keeps exact-duplicate keys")
    max_record_bytes: int = setting(1 << 20, "Larger raw records are dead-lettered")
    max_request_bytes: int = setting(16 << 20, "Larger POST /feeds/<name> bodies get 413")
    sources: str = setting("", "Existing topics to read as feeds: topic=feed[,topic=feed...]")
    model_path: str = setting(
        "", "Trained warning model (riskwire model train); scores then carry its probability"
    )
    catalogue: str = setting("", "Path of an edited product catalogue (JSON)")
    log_level: str = setting("info", "Worker log level")
    log_format: str = setting(
        "text",
        "Worker log lines: text, or json (one object per line; lines about a record carry its "
        "stage, topic, partition, offset and key; at debug, one line per record handled)",
    )

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from ``env`` (default: ``os.environ``), then explicit overrides."""
        source = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in fields(cls):
            var = ENVIRONMENT[f.name][0]
            raw = source.get(var)
            if raw is None and f.name == "redis_url":
                raw = source.get("REDIS_URL")
            if raw is None or raw == "":
                continue
            kind = type(getattr(cls(), f.name))
            try:
                values[f.name] = _flag(raw) if kind is bool else kind(raw)
            except ValueError:
                raise ConfigError(f"{var}={raw!r} is not a valid {kind.__name__}") from None
        settings = replace(cls(), **{**values, **overrides})
        settings.check()
        return settings

    def check(self) -> None:
        """Raise :class:`ConfigError` for settings that cannot work."""
        if not re.fullmatch(r"[A-Za-z0-9._-]+", self.namespace):
            raise ConfigError(f"namespace {self.namespace!r}: use letters, digits, . _ - only")
        if self.partitions < 1:
            raise ConfigError("RISKWIRE_PARTITIONS must be at least 1")
        if self.replication < 1:
            raise ConfigError("RISKWIRE_REPLICATION must be at least 1")
        if not 0 <= self.web_port < 65536:  # 0: any free port
            raise ConfigError(f"RISKWIRE_WEB_PORT must be a TCP port, got {self.web_port}")
        positive = {
            "RISKWIRE_COMMIT_INTERVAL": self.commit_interval,
            "RISKWIRE_REBALANCE_TIMEOUT": self.rebalance_timeout,
            "RISKWIRE_FETCH_MAX_WAIT_MS": self.fetch_max_wait_ms,
            "RISKWIRE_DEDUP_WINDOW_DAYS": self.dedup_window_days,
            "RISKWIRE_DEDUP_TTL_DAYS": self.dedup_ttl_days,
            "RISKWIRE_MAX_RECORD_BYTES": self.max_record_bytes,
            "RISKWIRE_MAX_REQUEST_BYTES": self.max_request_bytes,
            "RISKWIRE_PUBLIC_RATE": self.public_rate,
            "RISKWIRE_PUBLIC_BURST": self.public_burst,
            "RISKWIRE_WEBHOOK_ATTEMPTS": self.webhook_attempts,
            "RISKWIRE_WEBHOOK_TIMEOUT": self.webhook_timeout,
        }
        for var, number in positive.items():
            if not number > 0:  # also rejects NaN
                raise ConfigError(f"{var} must be a positive number, got {number}")
        at_least_zero = {
            "RISKWIRE_WEBHOOK_BACKOFF": self.webhook_backoff,
            "RISKWIRE_PUBLIC_CACHE_SECONDS": self.public_cache_seconds,
        }
        for var, number in at_least_zero.items():
            if not number >= 0:
                raise ConfigError(f"{var} must be 0 or more, got {number}")
        if self.alarm_min_cases < 0 or self.alarm_window_days < 1:
            raise ConfigError("RISKWIRE_ALARM_MIN_CASES >= 0 and RISKWIRE_ALARM_WINDOW_DAYS >= 1")
        if self.role not in ROLES:
            raise ConfigError(f"RISKWIRE_ROLE: {', '.join(ROLES)}, got {self.role!r}")
        if self.store not in STORES:
            raise ConfigError(f"RISKWIRE_STORE: {' or '.join(STORES)}, got {self.store!r}")
        if self.store == "rocksdb://" and not _rocksdb_bindings():
            raise ConfigError(
                "RISKWIRE_STORE=rocksdb:// needs RocksDB bindings: pip install 'riskwire[prod]'"
            )
        if self.log_format not in ("text", "json"):
            raise ConfigError(f"RISKWIRE_LOG_FORMAT: text or json, got {self.log_format!r}")
        if self.processing_guarantee not in ("at_least_once", "exactly_once"):
            raise ConfigError("RISKWIRE_PROCESSING_GUARANTEE: at_least_once or exactly_once")
        from connectors.registry import feed_names

        unknown = sorted(set(self.source_topics.values()) - set(feed_names()))
        if unknown:
            raise ConfigError(f"RISKWIRE_SOURCES names unknown feeds: {', '.join(unknown)}")
        if not self.broker.startswith(("kafka://", "aiokafka://")):
            raise ConfigError(f"RISKWIRE_BROKER must be a kafka:// URL, got {self.broker!r}")
        if not self.bootstrap_servers:
            raise ConfigError(f"RISKWIRE_BROKER names no host: {self.broker!r}")
        if self.read_auth and not (self.tokens_file or self.tokens):
            raise ConfigError(
                "RISKWIRE_READ_AUTH=1 needs tokens (RISKWIRE_TOKENS_FILE or RISKWIRE_TOKENS)"
            )

    @property
    def source_topics(self) -> dict[str, str]:
        """Existing topics read as feeds, topic -> feed name (from ``RISKWIRE_SOURCES``)."""
        mapping: dict[str, str] = {}
        for item in self.sources.split(","):
            if not item.strip():
                continue
            topic, sep, feed = item.partition("=")
            if not sep or not topic.strip() or not feed.strip():
                raise ConfigError(f"RISKWIRE_SOURCES: {item!r} is not topic=feed")
            mapping[topic.strip()] = feed.strip()
        return mapping

    @property
    def guard(self) -> AlarmGuard:
        """When the scoring detectors alarm (:class:`detectors.scoring.AlarmGuard`)."""
        from detectors.scoring import AlarmGuard  # scoring loads numpy: only where it is used

        return AlarmGuard(min_cases=self.alarm_min_cases, window_days=self.alarm_window_days)

    @property
    def faust_datadir(self) -> str | None:
        """Faust's ``datadir``: ``RISKWIRE_DATA_DIR/<namespace>`` (a RocksDB table keeps no
        topic name with its offsets, so two namespaces must never share one directory), or
        ``None`` for Faust's own default (``<namespace>-data`` in the working directory)."""
        return os.path.join(self.data_dir, self.namespace) if self.data_dir else None

    @property
    def bootstrap_servers(self) -> list[str]:
        """``host:port`` list for kafka-python and aiokafka clients."""
        hosts = self.broker.split("://", 1)[1]
        return [h.strip() for h in hosts.split(";") if h.strip()]

    def topic(self, name: str) -> str:
        """The full name of a riskwire topic, e.g. ``riskwire.signals``."""
        return f"{self.namespace}.{name}"

    def as_env(self) -> dict[str, str]:
        """The environment variables that reproduce these settings in another process."""
        return {ENVIRONMENT[f.name][0]: _text(getattr(self, f.name)) for f in fields(self)}

    def redacted(self) -> dict[str, str]:
        """Settings for display, with passwords in URLs and inline tokens masked."""
        shown = {}
        for f in fields(self):
            value = _text(getattr(self, f.name))
            if f.name in SECRETS:
                shown[f.name] = "***" if value else ""
            else:
                shown[f.name] = re.sub(r"//([^:/@]*):[^@/]*@", r"//\1:***@", value)
        return shown


#: the table stores a worker can use: ``memory://`` by default (the embedded broker keeps its
#: topics in memory, so files outliving them would hold state the changelogs no longer have),
#: ``rocksdb://`` in production (docker-compose.yml, docs/production.md)
STORES = ("memory://", "rocksdb://")
ROLES = ("all", "analysis", "port")


def _rocksdb_bindings() -> bool:
    """Whether Faust's ``rocksdb://`` store can open a database here: it uses ``rocksdict``
    (the ``prod`` extra, wheels) when installed, else ``python-rocksdb``."""
    return any(importlib.util.find_spec(name) for name in ("rocksdict", "rocksdb"))


def _flag(raw: str) -> bool:
    """A boolean setting: 1/true/yes/on or 0/false/no/off, any case."""
    word = raw.strip().lower()
    if word in ("1", "true", "yes", "on"):
        return True
    if word in ("0", "false", "no", "off"):
        return False
    raise ValueError(raw)


def _text(value: object) -> str:
    """A setting as its environment variable spells it (booleans as 1 / 0)."""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


#: field name -> (environment variable, description), derived from :class:`Settings`
ENVIRONMENT: dict[str, tuple[str, str]] = {
    f.name: (f"RISKWIRE_{f.name.upper()}", f.metadata["help"]) for f in fields(Settings)
}
#: settings whose value is a secret as a whole: masked by :meth:`Settings.redacted`, not in repr
SECRETS = frozenset(f.name for f in fields(Settings) if f.metadata["secret"])
