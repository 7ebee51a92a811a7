"""Subscriptions: the document's checks, which versions are pushed to whom, and the signed bytes
(streams.subscriptions)."""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from schemas.errors import ConfigError
from schemas.records import Warning
from streams.subscriptions import (
    SIGNATURE_HEADER,
    Delivery,
    Subscription,
    delivery_for,
    load_subscriptions,
    sign,
)

T0 = datetime(2026, 9, 20, 6, 30, tzinfo=UTC)
ANNOUNCEMENT, NOTICE, ALERT = "warning_announcement", "warning_notice", "alert_notification"
LETU = "91310000MA1FL0XX1X"
OTHER = "91330000MA27U0XX2Y"
SECRET = "s3cret-of-twenty-chars"


def _version(warning_id: str, version: int, **kw: Any) -> Warning:
    """A published announcement by default."""
    fields: dict[str, Any] = {
        "warning_id": warning_id,
        "version": version,
        "cluster_id": "K-" + warning_id.removeprefix("W-"),
        "status": "active",
        "change": "issued" if version == 1 else "upgraded",
        "grade": "II",
        "colour": "orange",
        "kind": ANNOUNCEMENT,
        "authority": "competent quality-safety authority",
        "title": "Grade II physical risk: 乐途儿童滑板车",
        "product": "乐途儿童滑板车",
        "category": "childrens_products",
        "hazard_class": "physical",
        "scope_regions": ("浙江省杭州市",),
        "warning_items": ("12 risk signals from complaints, injuries",),
        "measures": ("stop selling the affected batches",),
        "start_time": T0,
        "updated_time": T0 + timedelta(days=version),
        "score": 50.0,
        "hazard": 5,
        "urgency": 2,
        "scope": 5,
        "evidence": ("complaints:C1", "injuries:I1"),
        "state": "approved",
        "enterprises": (LETU,),
        "hs_codes": ("95030089",),
    }
    fields.update(kw)
    return Warning(**fields)


def _sub(sub_id: str = "all", **kw: Any) -> Subscription:
    return Subscription(id=sub_id, url="https://hooks.example/riskwire", secret=SECRET, **kw)


def pushed(sub: Subscription, versions: list[Warning]) -> dict[int, dict[str, Any]]:
    """The version numbers a subscriber gets a push for, and each push's body."""
    out: dict[int, dict[str, Any]] = {}
    for v in sorted({v.version for v in versions}):
        delivery = delivery_for(sub, versions, v)
        if delivery is not None:
            out[v] = orjson.loads(delivery.body)
    return out


# --- the subscriptions document -------------------------------------------------------------

GOOD = {"id": "zj-amr", "url": "https://amr.example/hooks", "secret": "x" * 16}


def doc(*entries: dict[str, Any]) -> str:
    return orjson.dumps({"subscriptions": list(entries)}).decode()


def test_a_document_loads_into_subscriptions() -> None:
    subs = load_subscriptions(
        inline=doc(
            {**GOOD, "regions": ["浙江"], "categories": ["childrens_products"]},
            {
                "id": "letu-qa",
                "url": "http://127.0.0.1:9000/h",
                "secret": "y" * 20,
                "enterprise": LETU,
            },
            {"id": "toys", "url": "https://t.example/", "secret": "z" * 16, "hs_codes": ["9503"]},
        )
    )
    assert [s.id for s in subs] == ["zj-amr", "letu-qa", "toys"]
    assert subs[0].regions == ("浙江",) and subs[0].categories == ("childrens_products",)
    assert subs[1].enterprise == LETU and subs[1].audience.enterprise == LETU
    assert subs[2].hs_codes == ("9503",) and subs[2].audience.public
    assert "y" * 20 not in repr(subs[1])  # never the secret


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"secret": "x" * 15}, r"subscriptions\[1\]: secret: at least 16"),
        ({"url": "ftp://amr.example/hooks"}, r"subscriptions\[1\]: url"),
        ({"url": "amr.example/hooks"}, r"subscriptions\[1\]: url"),
        ({"region": ["浙江"]}, r"subscriptions\[1\]: unknown fields \['region'\]"),
        ({"hs_codes": ["95O3"]}, r"subscriptions\[1\]: hs_codes"),
        ({"hs_codes": "9503"}, r"subscriptions\[1\]: hs_codes"),
        ({"regions": ["浙江", ""]}, r"subscriptions\[1\]: regions"),
        ({"id": "has space"}, r"subscriptions\[1\]: id"),
        ({"enterprise": "  "}, r"subscriptions\[1\]: enterprise"),
    ],
)
def test_a_wrong_entry_is_named_with_what_is_wrong(bad: dict[str, Any], message: str) -> None:
    second = {**GOOD, "id": "second", **bad}
    with pytest.raises(ConfigError, match=message):
        load_subscriptions(inline=doc(GOOD, second))


def test_an_id_given_twice_is_refused_naming_the_second_entry() -> None:
    with pytest.raises(ConfigError, match=r"subscriptions\[2\]: id 'zj-amr' given twice"):
        load_subscriptions(inline=doc(GOOD, {**GOOD, "id": "b"}, GOOD))


def test_an_id_in_both_the_file_and_the_inline_document_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "subs.json"
    path.write_text(doc(GOOD), encoding="utf-8")
    assert [s.id for s in load_subscriptions(path=str(path))] == ["zj-amr"]
    with pytest.raises(ConfigError, match=r"RISKWIRE_SUBSCRIPTIONS: subscriptions\[0\]: id"):
        load_subscriptions(path=str(path), inline=doc(GOOD))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"subscriptions": [', "not JSON"),
        ('["not", "an", "object"]', "expected"),
        ('{"subscriptions": {"id": "x"}}', "expected"),
        ('{"subscriptions": ["x"]}', r"subscriptions\[0\]: expected an object"),
    ],
)
def test_a_malformed_document_is_refused_naming_where(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as raised:
        load_subscriptions(inline=text)
    assert "RISKWIRE_SUBSCRIPTIONS" in str(raised.value)


def test_a_bad_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "subs.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"subs\.json: not JSON"):
        load_subscriptions(path=str(path))
    with pytest.raises(ConfigError, match=r"missing\.json"):
        load_subscriptions(path=str(tmp_path / "missing.json"))


# --- which versions are pushed --------------------------------------------------------------


def test_each_published_version_is_pushed_once_under_its_own_key() -> None:
    versions = [
        _version("W-a", 1),
        _version("W-a", 2, state="candidate", grade="I"),  # proposed, not published
        _version("W-a", 3, grade="I", colour="red"),
        _version("W-a", 1),  # version 1 read again after a crash
        _version("W-a", 4, state="lifted", status="lifted", change="lifted"),
    ]
    got = pushed(_sub(), versions)
    assert sorted(got) == [1, 3, 4]
    assert [got[v]["event"] for v in (1, 3, 4)] == ["issued", "upgraded", "lifted"]
    assert [got[v]["warning"]["version"] for v in (1, 3, 4)] == [1, 3, 4]
    assert got[4]["warning"]["status"] == "lifted"


def test_a_candidate_or_rejected_version_is_not_pushed() -> None:
    candidate = [_version("W-a", 1, state="candidate")]
    assert delivery_for(_sub(), candidate, 1) is None
    rejected = [*candidate, _version("W-a", 2, state="rejected")]
    assert delivery_for(_sub(), rejected, 2) is None
    lifted_candidate = [*candidate, _version("W-a", 2, state="lifted", status="lifted")]
    assert delivery_for(_sub(), lifted_candidate, 2) is None
    assert delivery_for(_sub(), [_version("W-a", 1)], 2) is None  # no such version


def test_an_alert_notification_is_pushed_to_nobody() -> None:
    alert = [_version("W-a", 1, kind=ALERT, enterprises=(LETU,))]
    for sub in (_sub(), _sub("letu", enterprise=LETU)):
        assert delivery_for(sub, alert, 1) is None


@pytest.mark.parametrize(
    ("filters", "wanted"),
    [
        ({"regions": ("浙江",)}, True),
        ({"regions": ("杭州",)}, True),
        ({"regions": ("江苏", "浙江")}, True),  # any one of a filter's values
        ({"regions": ("江苏",)}, False),
        ({"categories": ("childrens_products",)}, True),
        ({"categories": ("electrical",)}, False),
        ({"enterprises": (OTHER, LETU)}, True),
        ({"enterprises": (OTHER,)}, False),
        ({"hs_codes": ("9503",)}, True),
        ({"hs_codes": ("8516", "950300")}, True),
        ({"hs_codes": ("9504",)}, False),
        ({"regions": ("浙江",), "hs_codes": ("9504",)}, False),  # every given filter
        ({"regions": ("浙江",), "categories": ("childrens_products",)}, True),
    ],
)
def test_a_subscription_gets_only_what_its_filters_ask_for(
    filters: dict[str, Any], wanted: bool
) -> None:
    versions = [_version("W-a", 1)]
    assert (delivery_for(_sub(**filters), versions, 1) is not None) is wanted


def test_a_withdrawal_is_pushed_once_with_nothing_of_the_new_version() -> None:
    versions = [
        _version("W-a", 1),
        _version(
            "W-a",
            2,
            kind=NOTICE,
            change="downgraded",
            grade="III",
            title="Grade III physical risk: 乐途儿童滑板车 NOTICE-ONLY",
        ),
        _version("W-a", 3, kind=NOTICE, state="lifted", status="lifted", change="lifted"),
    ]
    got = pushed(_sub(), versions)
    assert sorted(got) == [1, 2]
    withdrawal = got[2]
    assert withdrawal == {
        "subscription": "all",
        "idempotency_key": "W-a:2",
        "event": "withdrawn",
        "warning_id": "W-a",
        "version": 2,
        "change": "withdrawn",
        "status": "withdrawn",
        "updated_time": (T0 + timedelta(days=2)).isoformat(),
    }
    # the partner the notice names gets the notice and its lifting, not a withdrawal
    partner = pushed(_sub("letu", enterprise=LETU), versions)
    assert sorted(partner) == [1, 2, 3]
    assert [partner[v]["event"] for v in (1, 2, 3)] == ["issued", "downgraded", "lifted"]
    assert "NOTICE-ONLY" in partner[2]["warning"]["title"]


def test_a_subscriber_that_never_saw_the_warning_gets_no_withdrawal() -> None:
    versions = [_version("W-a", 1, state="candidate"), _version("W-a", 2, kind=NOTICE)]
    assert pushed(_sub(), versions) == {}
    # nor one that did not want it: its filters are of the version it saw
    shown_then_gone = [_version("W-a", 1), _version("W-a", 2, kind=NOTICE)]
    assert pushed(_sub(regions=("江苏",)), shown_then_gone) == {}
    assert sorted(pushed(_sub(regions=("浙江",)), shown_then_gone)) == [1, 2]


def test_withdrawn_again_after_being_shown_again_is_pushed_again() -> None:
    versions = [
        _version("W-a", 1),
        _version("W-a", 2, kind=NOTICE, change="downgraded"),
        _version("W-a", 3, change="upgraded"),
        _version("W-a", 4, kind=NOTICE, change="downgraded"),
        _version("W-a", 5, kind=NOTICE, change="updated"),
    ]
    got = pushed(_sub(), versions)
    assert {v: got[v]["event"] for v in got} == {
        1: "issued",
        2: "withdrawn",
        3: "upgraded",
        4: "withdrawn",
    }


def test_a_partner_gets_the_notices_naming_its_enterprise_and_no_others() -> None:
    ours = [_version("W-n", 1, kind=NOTICE, enterprises=(LETU,))]
    theirs = [_version("W-m", 1, kind=NOTICE, enterprises=(OTHER,))]
    partner = _sub("letu", enterprise=LETU)
    delivery = delivery_for(partner, ours, 1)
    assert delivery is not None
    assert orjson.loads(delivery.body)["warning"]["kind"] == NOTICE
    assert delivery_for(partner, theirs, 1) is None
    assert delivery_for(_sub(), ours, 1) is None  # the public does not get notices
    # a partner gets the announcements too
    assert delivery_for(partner, [_version("W-b", 1, enterprises=())], 1) is not None


# --- the bytes and their signature ----------------------------------------------------------


def test_the_body_is_the_same_bytes_whenever_it_is_computed() -> None:
    v1, v2 = _version("W-a", 1), _version("W-a", 2)
    sub = _sub()
    first = delivery_for(sub, [v1], 1)
    again = delivery_for(sub, [v1], 1)
    later = delivery_for(sub, [v2, v1, _version("W-a", 3)], 1)  # a redelivery, later on
    assert first is not None and again is not None and later is not None
    assert first.body == again.body == later.body
    assert first.key == later.key == "W-a:1"
    # another subscriber gets its own body (its id is in it) under the same key
    other = delivery_for(_sub("other"), [v1], 1)
    assert other is not None and other.key == first.key and other.body != first.body


def test_the_body_is_the_masked_public_record() -> None:
    phone = "13857123456"
    v = _version("W-a", 1, warning_items=(f"消费者电话{phone}",), reason="REASON-SECRET")
    delivery = delivery_for(_sub(), [v], 1)
    assert delivery is not None
    assert phone not in delivery.body.decode()
    assert "REASON-SECRET" not in delivery.body.decode()
    body = orjson.loads(delivery.body)
    assert body["warning"]["warning_id"] == "W-a" and body["event"] == "issued"


def test_the_signature_verifies_against_an_independent_hmac() -> None:
    delivery = delivery_for(_sub(), [_version("W-a", 1)], 1)
    assert delivery is not None
    expected = "sha256=" + hmac.new(SECRET.encode(), delivery.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(delivery.signature, expected)
    assert hmac.compare_digest(sign(SECRET, delivery.body), expected)
    assert not hmac.compare_digest(sign(SECRET + "x", delivery.body), expected)
    assert not hmac.compare_digest(sign(SECRET, delivery.body + b" "), expected)
    assert re.fullmatch(r"sha256=[0-9a-f]{64}", delivery.signature)
    assert SIGNATURE_HEADER == "X-Riskwire-Signature"


def test_the_idempotency_key_is_warning_id_colon_version() -> None:
    versions = [_version("W-0123456789ab", 1), _version("W-0123456789ab", 12, grade="I")]
    delivery = delivery_for(_sub(), versions, 12)
    assert isinstance(delivery, Delivery)
    assert delivery.key == "W-0123456789ab:12"
    body = orjson.loads(delivery.body)
    assert body["idempotency_key"] == delivery.key and body["subscription"] == "all"
    assert delivery.subscription.id == "all"
