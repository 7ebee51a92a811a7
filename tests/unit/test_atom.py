"""The Atom feed of published warnings, read back by a real feed parser (streams.atom)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import feedparser
import pytest

from schemas.records import Warning
from streams.atom import atom_feed
from streams.publication import Audience, public_version, public_warning

T0 = datetime(2026, 9, 20, 6, 30, tzinfo=UTC)
BASE = "https://riskwire.example"
FEED = {
    "feed_id": "urn:riskwire:feed:public",
    "title": "riskwire 风险警示公告",
    "self_url": f"{BASE}/public/feed.atom",
    "base": BASE,
}


def _version(warning_id: str, version: int, **kw: Any) -> Warning:
    fields: dict[str, Any] = {
        "warning_id": warning_id,
        "version": version,
        "cluster_id": "K-" + warning_id.removeprefix("W-"),
        "status": "active",
        "change": "issued" if version == 1 else "upgraded",
        "grade": "II",
        "colour": "orange",
        "kind": "warning_announcement",
        "authority": "competent quality-safety authority",
        "title": f"Grade II physical risk: 乐途儿童滑板车 {warning_id}",
        "product": "乐途儿童滑板车",
        "category": "childrens_products",
        "hazard_class": "physical",
        "scope_regions": ("浙江省杭州市", "上海"),
        "warning_items": ("12 risk signals from complaints, injuries",),
        "measures": ("stop selling the affected batches",),
        "start_time": T0,
        "updated_time": T0 + timedelta(days=version),
        "score": 50.0,
        "hazard": 5,
        "urgency": 2,
        "scope": 5,
    }
    fields.update(kw)
    return Warning(**fields)


def record(*versions: Warning) -> dict[str, Any]:
    """A feed record as the public API makes one (streams.public_api: ``record``): the latest
    public version, with the warning's public status and, withdrawn, the time it was."""
    found = public_warning(list(versions), Audience())
    assert found is not None
    r = {**public_version(found.latest), "status": found.status}
    if found.withdrawn is not None:
        r["withdrawn_time"] = found.withdrawn.updated_time.isoformat()
    return r


@pytest.fixture
def records() -> list[dict[str, Any]]:
    return [
        record(_version("W-b", 1), _version("W-b", 2, grade="I", colour="red")),
        record(_version("W-a", 1), _version("W-a", 3, state="lifted", status="lifted")),
        record(_version("W-c", 1, title='Grade II chemical risk: <儿童> 水晶泥 & 玩具 "胶水"')),
    ]


def alternate(entry: Any) -> list[str]:
    return [link["href"] for link in entry.links if link.get("rel") == "alternate"]


def test_the_feed_parses_cleanly_with_one_entry_per_record(records: list[dict[str, Any]]) -> None:
    parsed = feedparser.parse(atom_feed(records, **FEED))
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.id == FEED["feed_id"] and parsed.feed.title == FEED["title"]
    assert [e.id for e in parsed.entries] == [
        "urn:riskwire:warning:W-b",
        "urn:riskwire:warning:W-a",
        "urn:riskwire:warning:W-c",
    ]
    for entry, r in zip(parsed.entries, records, strict=True):
        assert alternate(entry) == [f"{BASE}/public/warnings/{r['warning_id']}"]
        assert entry.updated == r["updated_time"]
        assert entry.published == r["start_time"]
        assert r["title"] in entry.title
        assert r["grade_label"] in entry.title
        assert {t["term"] for t in entry.tags} >= {r["grade"], r["kind"], r["status"]}
    # the feed's own time is its newest entry's: W-a was lifted on day 3
    assert parsed.feed.updated == (T0 + timedelta(days=3)).isoformat()


def test_titles_say_whether_a_warning_is_in_force_or_lifted(
    records: list[dict[str, Any]],
) -> None:
    entries = feedparser.parse(atom_feed(records, **FEED)).entries
    titles = {e.id.rsplit(":", 1)[1]: e.title for e in entries}
    assert "lifted" in titles["W-a"] and "已解除" in titles["W-a"]
    assert "lifted" not in titles["W-b"] and "in force" in titles["W-b"]
    assert "I级" in titles["W-b"]  # the latest version's grade


def test_markup_in_a_title_is_text_not_markup(records: list[dict[str, Any]]) -> None:
    entries = feedparser.parse(atom_feed(records, **FEED)).entries
    assert '<儿童> 水晶泥 & 玩具 "胶水"' in entries[2].title


WITHDRAWN = [_version("W-a", 1), _version("W-a", 2, kind="warning_notice")]


def test_a_withdrawn_warning_shows_as_withdrawn() -> None:
    parsed = feedparser.parse(atom_feed([record(*WITHDRAWN)], **FEED))
    assert parsed.bozo == 0
    assert "withdrawn" in parsed.entries[0].title and "已撤回" in parsed.entries[0].title
    assert "withdrawn" in {t["term"] for t in parsed.entries[0].tags}


def test_a_withdrawal_moves_the_entrys_updated_time() -> None:
    parsed = feedparser.parse(atom_feed([record(*WITHDRAWN)], **FEED))
    withdrawn_at = (T0 + timedelta(days=2)).isoformat()
    assert parsed.entries[0].updated == withdrawn_at
    assert parsed.feed.updated == withdrawn_at


def test_a_warning_keeps_its_entry_id_from_version_to_version() -> None:
    first = feedparser.parse(atom_feed([record(_version("W-a", 1))], **FEED)).entries[0]
    versions = [_version("W-a", 1), _version("W-a", 2, grade="I", colour="red")]
    second = feedparser.parse(atom_feed([record(*versions)], **FEED)).entries[0]
    assert first.id == second.id == "urn:riskwire:warning:W-a"
    assert first.updated < second.updated


def test_an_empty_feed_is_still_a_valid_feed() -> None:
    body = atom_feed([], **FEED)
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0 and parsed.version == "atom10"
    assert parsed.entries == []
    assert parsed.feed.id == FEED["feed_id"]
    assert parsed.feed.updated  # RFC 4287 requires one
    assert body == atom_feed([], **FEED)


def test_the_same_records_give_the_same_bytes(records: list[dict[str, Any]]) -> None:
    assert atom_feed(records, **FEED) == atom_feed([dict(r) for r in records], **FEED)
    assert atom_feed(records, **FEED) != atom_feed(records[:2], **FEED)


def test_a_control_character_in_a_title_does_not_break_the_feed() -> None:
    r = record(_version("W-a", 1, title="Grade II physical risk: 乐途\x01滑板车"))
    assert feedparser.parse(atom_feed([r], **FEED)).bozo == 0
