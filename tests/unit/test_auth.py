"""streams.auth: tokens name principals with roles; requests are allowed, 401 or 403."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import orjson
import pytest

from schemas.errors import ConfigError
from streams.auth import (
    ROLES,
    Principal,
    TokenStore,
    authorize,
    digest,
    load_tokens,
)

WRITER = "writer-token-0123456789"
ANALYST = "analyst-token-0123456789"
PARTNER = "partner-token-0123456789"
ADMIN = "admin-token-0123456789ab"

DOCUMENT: dict[str, Any] = {
    "tokens": [
        {"principal": "complaints-gateway", "roles": ["feed_writer"], "token": WRITER},
        {"principal": "li.wei", "roles": ["analyst"], "sha256": digest(ANALYST)},
        {
            "principal": "acme-qa",
            "roles": ["partner"],
            "enterprise": "91310000MA1FL0XX1X",
            "token": PARTNER,
        },
        {"principal": "ops", "roles": ["admin"], "sha256": digest(ADMIN).upper()},
    ]
}


@pytest.fixture
def store() -> TokenStore:
    return TokenStore.parse(orjson.dumps(DOCUMENT))


def test_roles_are_the_fixed_set() -> None:
    assert ROLES == ("feed_writer", "analyst", "port_system", "publisher", "partner", "admin")


def test_tokens_name_principals_with_roles(store: TokenStore) -> None:
    assert len(store) == 4
    assert store.principal(WRITER) == Principal("complaints-gateway", frozenset({"feed_writer"}))
    analyst = store.principal(ANALYST)  # given as a digest only
    assert analyst is not None and analyst.name == "li.wei"
    partner = store.principal(PARTNER)
    assert partner is not None and partner.enterprise == "91310000MA1FL0XX1X"
    assert store.principal("no-such-token-at-all") is None
    assert store.principal(WRITER + " ") is None  # exact match only


def test_digest_is_sha256_hex() -> None:
    assert digest("abc") == hashlib.sha256(b"abc").hexdigest()


def test_only_digests_are_kept(store: TokenStore) -> None:
    held = repr(vars(store)) + repr(store)
    for token in (WRITER, PARTNER, ADMIN):
        assert token not in held
    assert repr(store) == "TokenStore(4 tokens)"


def test_admin_may_act_as_any_role(store: TokenStore) -> None:
    admin = store.principal(ADMIN)
    assert admin is not None
    assert all(admin.has(role) for role in ROLES)
    writer = store.principal(WRITER)
    assert writer is not None
    assert writer.has("feed_writer") and not writer.has("analyst") and not writer.has("admin")


def test_a_list_of_entries_is_a_document_too() -> None:
    assert len(TokenStore.parse(orjson.dumps(DOCUMENT["tokens"]))) == 4


def _entry(**fields: Any) -> dict[str, Any]:
    return {"principal": "p", "roles": ["feed_writer"], "token": WRITER, **fields}


@pytest.mark.parametrize(
    ("entry", "says"),
    [
        ("not an object", "expected an object"),
        (_entry(principal=""), "'principal' must be a non-empty string"),
        (_entry(roles=[]), "'roles' must be a non-empty list"),
        (_entry(roles="feed_writer"), "'roles' must be a non-empty list"),
        (_entry(roles=["feed_writer", "superuser"]), "unknown roles ['superuser']"),
        (_entry(roles=["partner"]), "a partner needs its 'enterprise' id"),
        (_entry(enterprise="9131"), "'enterprise' is for the partner role only"),
        (_entry(sha256=digest(WRITER)), "exactly one of 'token' and 'sha256'"),
        ({"principal": "p", "roles": ["analyst"]}, "exactly one of 'token' and 'sha256'"),
        (_entry(token="short"), "at least 16 characters"),
        (_entry(token=f" {WRITER}"), "without surrounding spaces"),
        ({"principal": "p", "roles": ["analyst"], "sha256": "abc"}, "64 hex digits"),
        (_entry(role="analyst"), "unknown keys ['role']"),
    ],
)
def test_invalid_entries_are_config_errors(entry: Any, says: str) -> None:
    with pytest.raises(ConfigError) as err:
        TokenStore.parse(orjson.dumps({"tokens": [entry]}), "tokens.json")
    message = str(err.value)
    assert says in message
    assert message.startswith("tokens.json: entry 0")
    assert WRITER not in message and "short" not in message  # never the token


def test_a_token_given_twice_is_an_error() -> None:
    twice = [
        {"principal": "a", "roles": ["feed_writer"], "token": WRITER},
        {"principal": "b", "roles": ["analyst"], "sha256": digest(WRITER)},
    ]
    with pytest.raises(ConfigError, match=r"entry 1 \(b\) repeats the token of a"):
        TokenStore.parse(orjson.dumps(twice))


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (b'{"tokens": [', "not valid JSON"),
        (f'{{"tokens": [], "{WRITER}": 1}}'.encode(), "unknown keys"),
        (b'"tokens"', "expected"),
    ],
)
def test_invalid_documents_are_config_errors(text: bytes, says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        TokenStore.parse(text)


def test_undecodable_document_does_not_echo_it() -> None:
    with pytest.raises(ConfigError) as err:
        TokenStore.parse(f'{{"tokens": [{{"token": "{WRITER}"'.encode())
    assert WRITER not in str(err.value)


def test_load_tokens_from_file_and_inline(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.write_bytes(orjson.dumps(DOCUMENT))
    inline = orjson.dumps([{"principal": "port-a", "roles": ["port_system"], "token": "p" * 20}])
    store = load_tokens(str(path), inline.decode())
    assert len(store) == 5
    assert {p.name for p in store.principals} >= {"port-a", "complaints-gateway"}
    assert len(load_tokens()) == 0
    with pytest.raises(ConfigError, match="a token is defined twice"):
        load_tokens(str(path), orjson.dumps(DOCUMENT).decode())
    with pytest.raises(ConfigError, match=r"RISKWIRE_TOKENS_FILE .*missing\.json"):
        load_tokens(str(tmp_path / "missing.json"))


def test_without_tokens_everything_is_allowed_anonymously() -> None:
    decision = authorize(TokenStore(), None, "feed_writer")
    assert decision.allowed and decision.principal is None


@pytest.mark.parametrize(
    ("header", "status", "principal", "challenge"),
    [
        (None, 401, None, 'Bearer realm="riskwire"'),
        ("", 401, None, 'Bearer realm="riskwire"'),
        (f"Basic {WRITER}", 401, None, 'Bearer realm="riskwire"'),
        ("Bearer", 401, None, 'Bearer realm="riskwire"'),
        ("Bearer not-a-known-token-at-all", 401, None, 'error="invalid_token"'),
        (f"Bearer {ANALYST}", 403, "li.wei", ""),
        (f"Bearer {PARTNER}", 403, "acme-qa", ""),
        (f"Bearer {WRITER}", 200, "complaints-gateway", ""),
        (f"bearer   {WRITER}  ", 200, "complaints-gateway", ""),
        (f"Bearer {ADMIN}", 200, "ops", ""),
    ],
)
def test_a_write_needs_a_known_token_with_the_role(
    store: TokenStore, header: str | None, status: int, principal: str | None, challenge: str
) -> None:
    decision = authorize(store, header, "feed_writer")
    assert decision.status == status
    assert (decision.principal.name if decision.principal else None) == principal
    assert challenge in decision.challenge
    assert bool(decision.challenge) == (status == 401)
    if status == 403:
        assert decision.reason == f"{principal} lacks the feed_writer role"
    assert WRITER not in decision.reason


def test_open_reads_let_anyone_in_and_still_name_the_principal(store: TokenStore) -> None:
    assert authorize(store, None, None, required=False).allowed
    assert authorize(store, "Bearer wrong-token-wrong-token", None, required=False).allowed
    named = authorize(store, f"Bearer {ANALYST}", None, required=False)
    assert named.allowed and named.principal is not None and named.principal.name == "li.wei"


def test_required_reads_take_any_known_principal(store: TokenStore) -> None:
    assert authorize(store, None, None).status == 401
    assert authorize(store, f"Bearer {PARTNER}", None).allowed
