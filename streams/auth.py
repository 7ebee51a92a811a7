"""Who is calling: API tokens, the principal each names, and what its roles allow.

A token names one :class:`Principal`: a name (recorded with whatever it does, e.g. who decided on
a warning) and its roles, from a fixed set (:data:`ROLES`). A partner is an enterprise and
carries that enterprise's id. Tokens come from a JSON document, in a file
(``RISKWIRE_TOKENS_FILE``) and/or inline (``RISKWIRE_TOKENS``)::

    {"tokens": [
      {"principal": "complaints-gateway", "roles": ["feed_writer"], "sha256": "<64 hex digits>"},
      {"principal": "acme-qa", "roles": ["partner"], "enterprise": "91310000MA1FL0XX1X",
       "token": "<the token itself, at least 16 characters>"}
    ]}

Each entry gives the token itself (``token``) or only its SHA-256 digest (``sha256``, hex): only
digests are kept in memory either way, and no message ever contains a token. ``admin`` holds
every role. This module is pure: no I/O but :func:`load_tokens` reading the file it is given.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

import orjson

from schemas.errors import ConfigError

__all__ = [
    "MIN_TOKEN_CHARS",
    "ROLES",
    "Decision",
    "Principal",
    "Role",
    "TokenStore",
    "authorize",
    "digest",
    "load_tokens",
]

Role = Literal["feed_writer", "analyst", "port_system", "publisher", "partner", "admin"]

#: feed_writer: POST /feeds/<name>. analyst: decides on warnings. port_system: consumes
#: controls and reports inspection results. publisher: publishes warnings to the public.
#: partner: an enterprise (with its enterprise id) seeing and answering what concerns it.
#: admin: every role.
ROLES: tuple[Role, ...] = get_args(Role)

MIN_TOKEN_CHARS = 16
REALM = "riskwire"
_ENTRY_KEYS = frozenset({"principal", "roles", "enterprise", "token", "sha256"})


@dataclass(frozen=True, slots=True)
class Principal:
    """Whoever a token names: a name to record, roles, and for a partner its enterprise id."""

    name: str
    roles: frozenset[Role]
    enterprise: str | None = None

    def has(self, role: Role) -> bool:
        """Whether this principal may act as ``role`` (``admin`` may act as any)."""
        return role in self.roles or "admin" in self.roles


def digest(token: str) -> str:
    """The SHA-256 hex digest under which a token is stored (``printf %s TOKEN | sha256sum``)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TokenStore:
    """Token digests and the principals they name; empty means authentication is off."""

    def __init__(self, principals: Mapping[str, Principal] | None = None) -> None:
        self._by_digest = dict(principals or {})

    def __len__(self) -> int:
        return len(self._by_digest)

    def __bool__(self) -> bool:
        return bool(self._by_digest)

    def __repr__(self) -> str:  # never the digests
        return f"TokenStore({len(self)} tokens)"

    @property
    def principals(self) -> list[Principal]:
        """Every principal, once each, by name."""
        return sorted(set(self._by_digest.values()), key=lambda p: (p.name, sorted(p.roles)))

    def principal(self, token: str) -> Principal | None:
        """The principal ``token`` names, or ``None`` for an unknown token."""
        return self._by_digest.get(digest(token))

    @classmethod
    def parse(cls, document: str | bytes, source: str = "tokens") -> TokenStore:
        """A store from the JSON text of a tokens document; :class:`ConfigError` if invalid."""
        try:
            data = orjson.loads(document)
        except orjson.JSONDecodeError as exc:
            # the position only: the message of a decode error may quote the text
            raise ConfigError(f"{source}: not valid JSON (at character {exc.pos})") from None
        return cls.from_entries(_entries(data, source), source)

    @classmethod
    def from_entries(cls, entries: Iterable[Any], source: str = "tokens") -> TokenStore:
        """A store from token entries (dicts as in the module docstring)."""
        by_digest: dict[str, Principal] = {}
        for index, entry in enumerate(entries):
            key, principal = _entry(entry, f"{source}: entry {index}")
            if key in by_digest:
                raise ConfigError(
                    f"{source}: entry {index} ({principal.name}) repeats the token of "
                    f"{by_digest[key].name}"
                )
            by_digest[key] = principal
        return cls(by_digest)

    def merged(self, other: TokenStore, source: str = "tokens") -> TokenStore:
        """Both stores' tokens; a token in both is a :class:`ConfigError`."""
        if set(self._by_digest) & set(other._by_digest):
            raise ConfigError(f"{source}: a token is defined twice")
        return TokenStore({**self._by_digest, **other._by_digest})


def _entries(data: Any, source: str) -> list[Any]:
    if isinstance(data, dict):
        unknown = set(data) - {"tokens"}
        if unknown:
            raise ConfigError(f"{source}: unknown keys {sorted(unknown)} (expected 'tokens')")
        data = data.get("tokens", [])
    if not isinstance(data, list):
        raise ConfigError(f'{source}: expected {{"tokens": [...]}} or a list of entries')
    return data


def _entry(entry: Any, where: str) -> tuple[str, Principal]:
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: expected an object")
    unknown = set(entry) - _ENTRY_KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown keys {sorted(unknown)}")
    name = entry.get("principal")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{where}: 'principal' must be a non-empty string")
    where = f"{where} ({name})"
    roles = entry.get("roles")
    if not isinstance(roles, list) or not roles:
        raise ConfigError(f"{where}: 'roles' must be a non-empty list of {', '.join(ROLES)}")
    bad = [r for r in roles if r not in ROLES]
    if bad:
        raise ConfigError(f"{where}: unknown roles {bad}; roles are {', '.join(ROLES)}")
    enterprise = entry.get("enterprise")
    if "partner" in roles:
        if not isinstance(enterprise, str) or not enterprise.strip():
            raise ConfigError(f"{where}: a partner needs its 'enterprise' id")
    elif enterprise is not None:
        raise ConfigError(f"{where}: 'enterprise' is for the partner role only")
    if ("token" in entry) == ("sha256" in entry):
        raise ConfigError(f"{where}: give exactly one of 'token' and 'sha256'")
    if "token" in entry:
        token = entry["token"]
        if not isinstance(token, str) or len(token) < MIN_TOKEN_CHARS or token != token.strip():
            raise ConfigError(
                f"{where}: 'token' must be a string of at least {MIN_TOKEN_CHARS} characters "
                "without surrounding spaces"
            )
        key = digest(token)
    else:
        key = entry["sha256"]
        if not isinstance(key, str) or not re.fullmatch(r"[0-9a-fA-F]{64}", key):
            raise ConfigError(f"{where}: 'sha256' must be 64 hex digits")
        key = key.lower()
    principal = Principal(
        name=name.strip(),
        roles=frozenset(roles),
        enterprise=enterprise.strip() if isinstance(enterprise, str) else None,
    )
    return key, principal


def load_tokens(path: str = "", inline: str = "") -> TokenStore:
    """The tokens of a tokens file and/or an inline document (either may be empty)."""
    store = TokenStore()
    if path:
        try:
            text = Path(path).read_bytes()
        except OSError as exc:
            raise ConfigError(f"RISKWIRE_TOKENS_FILE {path!r}: {exc.strerror}") from None
        store = TokenStore.parse(text, f"RISKWIRE_TOKENS_FILE {path!r}")
    if inline:
        store = store.merged(TokenStore.parse(inline, "RISKWIRE_TOKENS"), "RISKWIRE_TOKENS*")
    return store


@dataclass(frozen=True, slots=True)
class Decision:
    """Whether a request may proceed: ``status`` 200, or 401 / 403 with a reason to send."""

    status: int
    principal: Principal | None = None
    reason: str = ""
    challenge: str = ""  # the WWW-Authenticate header of a 401

    @property
    def allowed(self) -> bool:
        """Whether the request may proceed."""
        return self.status == 200


def _bearer(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token


def authorize(
    store: TokenStore, header: str | None, role: Role | None, *, required: bool = True
) -> Decision:
    """Decide on a request with the ``Authorization`` header ``header``.

    ``role`` is the role the endpoint needs (``None``: any known principal); ``required=False``
    lets a request without a valid token through (open read endpoints), naming its principal
    when it has one. With no tokens configured everything is allowed, anonymously.
    """
    if not store:
        return Decision(200)
    token = _bearer(header)
    principal = store.principal(token) if token is not None else None
    if principal is None:
        if not required:
            return Decision(200)
        if token is None:
            return Decision(
                401,
                reason="authentication required: send Authorization: Bearer <token>",
                challenge=f'Bearer realm="{REALM}"',
            )
        return Decision(
            401,
            reason="unknown token",
            challenge=f'Bearer realm="{REALM}", error="invalid_token"',
        )
    if role is not None and not principal.has(role):
        if not required:
            return Decision(200, principal)
        return Decision(403, principal, reason=f"{principal.name} lacks the {role} role")
    return Decision(200, principal)
