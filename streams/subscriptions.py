"""Subscriptions: who gets which published warnings pushed to a webhook, and the exact bytes.

Pure: parsing the subscriptions document, matching a version, building the signed body (the
delivery is :mod:`streams.webhooks`). A subscription names an HTTPS (or, for tests and local
receivers, HTTP) URL, a secret of 16+ characters, optionally an enterprise (then it is that
partner's: it gets the notices naming that enterprise too), and filters, each a list of which
any one may match; all given filters must::

    {"subscriptions": [
      {"id": "zj-amr", "url": "https://amr.example/hooks/riskwire", "secret": "...",
       "regions": ["浙江"], "categories": ["childrens_products"]},
      {"id": "letu-qa", "url": "https://letu.example/riskwire", "secret": "...",
       "enterprise": "91310000MA1FL0XX1X"},
      {"id": "toys-importer", "url": "...", "secret": "...", "hs_codes": ["9503"]}
    ]}

Each delivery is one published version (or the version that withdrew a warning from the
subscriber's sight). Its idempotency key is ``<warning id>:<version>``; its body is a function of
that version and the subscription alone, so a retry or a redelivery after a restart sends the
same bytes under the same key, never two different bodies. The body is signed with HMAC-SHA256
under the subscription's secret: ``X-Riskwire-Signature: sha256=<hex digest of the body>``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson

from schemas.errors import ConfigError
from schemas.records import Warning
from streams.publication import Audience, public_version, public_warning, withdrawn_entry

__all__ = [
    "SIGNATURE_HEADER",
    "Delivery",
    "Subscription",
    "delivery_for",
    "load_subscriptions",
    "sign",
]

SIGNATURE_HEADER = "X-Riskwire-Signature"
MIN_SECRET_CHARS = 16
_KEYS = frozenset(
    {"id", "url", "secret", "enterprise", "regions", "categories", "enterprises", "hs_codes"}
)
_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


@dataclass(frozen=True, slots=True)
class Subscription:
    """One subscriber: where to push, the secret to sign with, and what it wants."""

    id: str
    url: str
    secret: str
    enterprise: str | None = None
    regions: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    enterprises: tuple[str, ...] = ()
    hs_codes: tuple[str, ...] = ()

    @property
    def audience(self) -> Audience:
        return Audience(self.enterprise)

    def wants(self, record: Mapping[str, Any]) -> bool:
        """Whether a version's public record (:func:`streams.publication.public_version`) is
        about what this subscription asked for. The record, not the warning: a filter cannot
        confirm a name or address that was masked."""
        scope = record["scope"]
        return (
            (not self.regions or any(r in s for r in self.regions for s in scope["regions"]))
            and (not self.categories or record["category"] in self.categories)
            and (not self.enterprises or any(e in scope["enterprises"] for e in self.enterprises))
            and (not self.hs_codes or any(c.startswith(self.hs_codes) for c in scope["hs_codes"]))
        )

    def __repr__(self) -> str:  # never the secret
        return f"Subscription(id={self.id!r}, url={self.url!r})"


@dataclass(frozen=True, slots=True)
class Delivery:
    """One push: to whom, under which key, which bytes."""

    subscription: Subscription
    key: str  # "<warning id>:<version>"
    body: bytes

    @property
    def signature(self) -> str:
        return sign(self.subscription.secret, self.body)


def sign(secret: str, body: bytes) -> str:
    """The signature header's value: ``sha256=`` and the HMAC-SHA256 of ``body``, hex."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def delivery_for(
    subscription: Subscription, versions: Sequence[Warning], version: int
) -> Delivery | None:
    """The push of ``version`` of a warning (``versions``: at least those up to it), or ``None``
    when that version is not for this subscriber: not published, not its audience's, not what it
    asked for, or a version after the one that already withdrew the warning from its sight."""
    upto = [v for v in versions if v.version <= version]
    now = public_warning(upto, subscription.audience)
    if now is None:
        return None
    if now.withdrawn is not None and now.withdrawn.version == version:
        before = public_warning([v for v in upto if v.version < version], subscription.audience)
        if before is None or before.withdrawn is not None:
            return None  # withdrawn already: one withdrawal is pushed, not every later version
        if not subscription.wants(public_version(now.latest)):
            return None
        entry = withdrawn_entry(now.withdrawn)
        record = {"event": "withdrawn", "warning_id": now.warning_id, **entry}
    elif now.withdrawn is None and now.latest.version == version:
        shown = public_version(now.latest)
        if not subscription.wants(shown):
            return None
        record = {"event": now.latest.change, "warning": shown}
    else:
        return None
    key = f"{now.warning_id}:{version}"
    body = orjson.dumps(
        {"subscription": subscription.id, "idempotency_key": key, **record},
        option=orjson.OPT_SORT_KEYS,
    )
    return Delivery(subscription, key, body)


def load_subscriptions(path: str = "", inline: str = "") -> tuple[Subscription, ...]:
    """The subscriptions of a file and/or an inline document (``RISKWIRE_SUBSCRIPTIONS_FILE``,
    ``RISKWIRE_SUBSCRIPTIONS``); :class:`ConfigError` says which entry is wrong and why."""
    documents: list[tuple[str, bytes]] = []
    if path:
        try:
            documents.append((path, Path(path).read_bytes()))
        except OSError as exc:
            raise ConfigError(f"subscriptions file {path}: {exc.strerror}") from None
    if inline:
        documents.append(("RISKWIRE_SUBSCRIPTIONS", inline.encode()))
    found: dict[str, Subscription] = {}
    for where, raw in documents:
        try:
            document = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise ConfigError(f"{where}: not JSON ({exc})") from None
        entries = document.get("subscriptions") if isinstance(document, dict) else None
        if not isinstance(entries, list):
            raise ConfigError(f'{where}: expected {{"subscriptions": [...]}}')
        for i, entry in enumerate(entries):
            sub = _subscription(entry, f"{where}: subscriptions[{i}]")
            if sub.id in found:
                raise ConfigError(f"{where}: subscriptions[{i}]: id {sub.id!r} given twice")
            found[sub.id] = sub
    return tuple(found.values())


def _subscription(entry: Any, where: str) -> Subscription:
    if not isinstance(entry, Mapping):
        raise ConfigError(f"{where}: expected an object")
    unknown = sorted(set(entry) - _KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown fields {unknown}; fields are {sorted(_KEYS)}")
    sub_id, url, secret = entry.get("id"), entry.get("url"), entry.get("secret")
    if not isinstance(sub_id, str) or not _ID.fullmatch(sub_id):
        raise ConfigError(f"{where}: id: 1-64 letters, digits, . _ -")
    parts = urlsplit(url) if isinstance(url, str) else None
    if not isinstance(url, str) or parts is None or " " in url:
        raise ConfigError(f"{where}: url: an http(s):// URL with a host")
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConfigError(f"{where}: url: an http(s):// URL with a host")
    if not isinstance(secret, str) or len(secret) < MIN_SECRET_CHARS:
        raise ConfigError(f"{where}: secret: at least {MIN_SECRET_CHARS} characters")
    enterprise = entry.get("enterprise")
    if enterprise is not None and (not isinstance(enterprise, str) or not enterprise.strip()):
        raise ConfigError(f"{where}: enterprise: an enterprise id")

    def words(name: str) -> tuple[str, ...]:
        value = entry.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise ConfigError(f"{where}: {name}: a list of non-empty strings")
        return tuple(value)

    hs_codes = words("hs_codes")
    if not all(c.isascii() and c.isdigit() for c in hs_codes):
        raise ConfigError(f"{where}: hs_codes: digits of HS codes (prefixes)")
    return Subscription(
        id=sub_id,
        url=url,
        secret=secret,
        enterprise=enterprise,
        regions=words("regions"),
        categories=words("categories"),
        enterprises=words("enterprises"),
        hs_codes=hs_codes,
    )
