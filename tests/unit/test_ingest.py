"""connectors.ingest: each raw record becomes exactly one Signal or exactly one DeadLetter."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from connectors.ingest import MAX_RECORD_BYTES, SourceRef, dead_letter, ingest
from connectors.registry import feed_names
from detectors.catalogue import Catalogue
from schemas.records import DEAD_LETTER_RAW_MAX, DeadLetter, Signal

NOW = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)
SOURCE = SourceRef("feed.any", 3, 1207)

# A valid record per feed, shaped like lab.sample builds them (and real feeds send).
RECORDS: dict[str, dict[str, Any]] = {
    "complaints": {
        "complaint_id": " CP0000123 ",
        "received_at": "2026-09-20 14:30:00",
        "channel": "hotline",
        "product_name": "乐途儿童折叠滑板车",
        "description": "孩子玩滑板车时折叠处夹到手指，流了很多血",
        "region": "上海",
        "brand": "乐途",
        "model": "LT-S3",
        "outcome": "emergency",
        "victim_age": 6,
        "enterprise_uscc": "９１４４０３００７１５２６７２６ｘｇ",
    },
    "injuries": {
        "report_id": "IR0000456",
        "reported_at": 1_790_000_000_000,
        "injury_date": "2026-09-19",
        "hospital_id": "H123",
        "product_name": "电暖器",
        "outcome": "hospitalised",
        "injury_type": "burn",
        "body_part": "手臂",
        "narrative": "取暖器过热起火导致烧伤",
        "region": "江苏",
        "brand": "暖阳",
        "patient_age": 72,
    },
    "foodborne": {
        "report_id": "FB0000789",
        "reported_at": "2026-09-28T19:33:02+08:00",
        "onset_date": "2026/09/26",
        "region": "北京",
        "food_name": "韩国进口金针菇",
        "brand": "绿谷",
        "origin_country": "KOR",
        "pathogen": "单核细胞增生李斯特菌 Listeria monocytogenes",
        "cases": 4,
        "hospitalised": 2,
        "deaths": 1,
        "setting": "家庭",
        "narrative": "食用凉拌金针菇后发热、腹泻，老人症状较重",
    },
    "declarations": {
        "declaration_id": "D2026092000017",
        "line_no": 2,
        "declared_at": "2026年9月20日 14:30",
        "port": "cnsha",
        "direction": "import",
        "hs_code": "9503.00.1000",
        "goods_description": "儿童折叠滑板车 乐途 LT-S3",
        "origin_country": "越南",
        "brand": "乐途",
        "model": "LT-S3",
        "quantity": 5,
        "unit": "吨",
        "value": 45000.5,
        "currency": "美元",
        "consignee": "上海乐途贸易有限公司",
        "consignee_uscc": "914403001922038216",
        "consignor": "LeTu Vietnam Manufacturing Co.",
    },
    "listings": {
        "listing_id": "L0000042",
        "platform": "淘宝",
        "captured_at": "2026-09-21T10:00:00+08:00",
        "title": "【特价】暖阳取暖器家用节能电暖器 NY-2000 小太阳 包邮",
        "url": "https://l0000042.example.com/item",
        "region": "浙江",
        "brand": "暖阳",
        "model": "NY-2000",
        "price": 49.9,
        "currency": "CNY",
        "sales_count": 3200,
        "flags": ["Counterfeit", " no_ccc_mark ", "", "COUNTERFEIT"],
        "seller_name": "暖阳7号店",
        "origin_country": "中国",
        "description": "无3C认证，疑似仿冒暖阳品牌",
    },
}


@pytest.fixture
def run(catalogue: Catalogue) -> Callable[..., Signal | DeadLetter]:
    def call(feed: str | None, raw: bytes, source: SourceRef = SOURCE, **kw: Any) -> Any:
        return ingest(feed, raw, source, NOW, catalogue, **kw)

    return call


def encode(record: dict[str, Any]) -> bytes:
    return orjson.dumps(record)


def test_every_builtin_feed_has_a_sample_record_here() -> None:
    assert sorted(feed_names()[:5]) == sorted(RECORDS)


# --------------------------------------------------------------------------- valid records


def test_complaint(run: Callable[..., Any]) -> None:
    s = run("complaints", encode(RECORDS["complaints"]))
    assert isinstance(s, Signal)
    assert s.signal_id == "complaints:CP0000123"  # id trimmed
    assert s.source_id == "CP0000123"
    assert s.event_time == datetime(2026, 9, 20, 6, 30, tzinfo=UTC)  # naive = Shanghai
    assert s.ingest_time == NOW
    assert s.text == "孩子玩滑板车时折叠处夹到手指,流了很多血"  # NFKC folded comma
    assert s.enterprise_uscc == "9144030071526726XG"
    assert s.category == "childrens_products"
    assert s.hazard_class == "physical"
    assert s.outcome == "emergency"
    assert s.vulnerable_groups == ("children",)  # from the victim's age and the text
    assert s.product_terms == ("滑板车",)
    assert s.channel == "hotline"
    assert s.language == "zh"
    assert len(s.fingerprint) == 24


def test_injury(run: Callable[..., Any]) -> None:
    s = run("injuries", encode(RECORDS["injuries"]))
    assert isinstance(s, Signal)
    assert s.signal_id == "injuries:IR0000456"
    # the injury date, not the report time, local midnight in Shanghai
    assert s.event_time == datetime(2026, 9, 18, 16, 0, tzinfo=UTC)
    assert s.text == "burn 手臂 取暖器过热起火导致烧伤"
    assert (s.cases, s.hospitalised, s.deaths) == (1, 1, 0)
    assert s.outcome == "hospitalised"
    assert s.vulnerable_groups == ("elderly",)  # 72 years old
    assert s.channel == "hospital"
    assert s.category == "household_appliances"
    assert s.hazard_class == "physical"
    assert s.product_terms == ("取暖器",)


def test_injury_without_date_or_hospital(run: Callable[..., Any]) -> None:
    record = {**RECORDS["injuries"], "injury_date": None, "hospital_id": None}
    s = run("injuries", encode(record))
    assert isinstance(s, Signal)
    # 1_790_000_000 s after the epoch is 2026-09-21 14:13:20 UTC
    assert s.event_time == datetime(2026, 9, 21, 14, 13, 20, tzinfo=UTC)
    assert s.channel == "injury_database"


def test_foodborne(run: Callable[..., Any]) -> None:
    s = run("foodborne", encode(RECORDS["foodborne"]))
    assert isinstance(s, Signal)
    assert s.event_time == datetime(2026, 9, 25, 16, 0, tzinfo=UTC)  # onset, local midnight
    assert s.origin_country == "KR"
    assert (s.cases, s.hospitalised, s.deaths) == (4, 2, 1)
    assert s.outcome == "death"
    assert s.hazard_class == "biological"
    assert s.category == "food"
    assert s.product_terms == ("金针菇",)
    assert s.vulnerable_groups == ("elderly",)  # "老人" in the narrative
    assert s.channel == "disease_surveillance"


@pytest.mark.parametrize(
    ("cases", "hospitalised", "deaths", "outcome"),
    [(2, 0, 0, "minor"), (5, 0, 0, "emergency"), (5, 1, 0, "hospitalised"), (1, 1, 1, "death")],
)
def test_foodborne_outcome_from_counts(
    run: Callable[..., Any], cases: int, hospitalised: int, deaths: int, outcome: str
) -> None:
    record = {**RECORDS["foodborne"], "cases": cases, "hospitalised": hospitalised}
    record["deaths"] = deaths
    assert run("foodborne", encode(record)).outcome == outcome


def test_foodborne_with_no_hazard_words_is_biological(run: Callable[..., Any]) -> None:
    record = {
        "report_id": "FB1",
        "reported_at": "2026-09-20 12:00",
        "food_name": "冷冻虾仁",
        "cases": 2,
    }
    s = run("foodborne", encode(record))
    assert s.hazard_class == "biological"
    assert s.event_time == datetime(2026, 9, 20, 4, 0, tzinfo=UTC)


def test_declaration(run: Callable[..., Any]) -> None:
    s = run("declarations", encode(RECORDS["declarations"]))
    assert isinstance(s, Signal)
    assert s.signal_id == "declarations:D2026092000017-2"
    assert s.declaration_id == "D2026092000017-2"
    assert s.event_time == datetime(2026, 9, 20, 6, 30, tzinfo=UTC)
    assert s.hs_code == "9503001000"
    assert s.origin_country == "VN"
    assert s.port == "CNSHA"
    assert (s.quantity, s.unit) == (5000.0, "kg")  # 5 吨
    assert s.value == 45000.5
    assert s.currency == "USD"
    assert s.enterprise_uscc == s.consignee == "914403001922038216"
    assert s.enterprise_name == "上海乐途贸易有限公司"
    assert s.direction == "import"
    assert s.hazard_class is None  # trade, not a risk report
    assert s.category == "childrens_products"
    assert s.product_terms == ("滑板车",)
    assert s.channel == "single_window"


def test_declaration_without_uscc_uses_consignee_name(run: Callable[..., Any]) -> None:
    record = {**RECORDS["declarations"], "consignee_uscc": None, "direction": "export"}
    s = run("declarations", encode(record))
    assert s.consignee == "上海乐途贸易有限公司"
    assert s.direction == "export"


def test_listing(run: Callable[..., Any]) -> None:
    s = run("listings", encode(RECORDS["listings"]))
    assert isinstance(s, Signal)
    assert s.signal_id == "listings:淘宝:L0000042"
    assert s.product_name == "暖阳取暖器家用节能电暖器 NY-2000 小太阳"  # tags and slogans gone
    assert s.flags == ("counterfeit", "no_ccc_mark")  # folded, trimmed, deduplicated
    assert s.origin_country == "CN"
    assert s.value == 49.9
    assert s.currency == "CNY"
    assert s.sales_count == 3200
    assert s.platform == "淘宝"
    assert s.enterprise_name == "暖阳7号店"
    assert s.category == "household_appliances"
    assert s.product_terms == ("取暖器",)
    assert s.channel == "ecommerce"


def test_english_record_is_english(run: Callable[..., Any]) -> None:
    record = {
        **RECORDS["complaints"],
        "product_name": "LeTu kids folding scooter",
        "description": "Child's finger was pinched in the folding hinge, deep cut",
    }
    s = run("complaints", encode(record))
    assert s.language == "en"
    assert s.product_terms == ("滑板车",)
    assert s.hazard_class == "physical"


def test_same_bytes_give_the_same_signal(run: Callable[..., Any]) -> None:
    raw = encode(RECORDS["complaints"])
    assert run("complaints", raw) == run("complaints", raw, SourceRef("elsewhere", 0, 1))


# --------------------------------------------------------------------------- dead letters


def assert_dead(out: object, raw: bytes, feed: str | None, path: str, says: str) -> DeadLetter:
    assert isinstance(out, DeadLetter)
    assert out.feed == feed
    assert out.path == path
    assert says in out.reason
    kept = base64.b64decode(out.raw, validate=True)
    assert out.raw_size == len(raw)
    assert out.raw_sha256 == hashlib.sha256(raw).hexdigest()
    if len(raw) <= DEAD_LETTER_RAW_MAX:
        assert kept == raw and not out.raw_truncated
    else:  # a bounded prefix, so the dead letter always fits in a produce request
        assert kept == raw[:DEAD_LETTER_RAW_MAX] and out.raw_truncated
    assert out.received_at == NOW
    assert (out.source_topic, out.source_partition, out.source_offset) == ("feed.any", 3, 1207)
    assert out.dead_letter_id == "DL-feed.any:3:1207"
    return out


REQUIRED = {
    "complaints": "description",
    "injuries": "outcome",
    "foodborne": "food_name",
    "declarations": "hs_code",
    "listings": "title",
}


@pytest.mark.parametrize("feed", sorted(REQUIRED))
def test_missing_required_field(run: Callable[..., Any], feed: str) -> None:
    field = REQUIRED[feed]
    raw = encode({k: v for k, v in RECORDS[feed].items() if k != field})
    out = assert_dead(run(feed, raw), raw, feed, "$", f"'{field}' is a required property")
    assert out.error == "SchemaError"


WRONG_TYPE = {
    "complaints": ("victim_age", "六岁"),
    "injuries": ("outcome", "unknown"),
    "foodborne": ("cases", "三"),
    "declarations": ("line_no", "first"),
    "listings": ("flags", "counterfeit"),
}


@pytest.mark.parametrize("feed", sorted(WRONG_TYPE))
def test_wrong_type(run: Callable[..., Any], feed: str) -> None:
    field, value = WRONG_TYPE[feed]
    raw = encode({**RECORDS[feed], field: value})
    assert_dead(run(feed, raw), raw, feed, field, f"{field}: ")


@pytest.mark.parametrize(
    ("feed", "field", "value", "says"),
    [
        ("complaints", "enterprise_uscc", "914403001922038217", "check digit"),
        ("complaints", "received_at", "昨天下午", "not a recognised time"),
        ("injuries", "injury_date", "1989-06-01", "plausible range"),
        ("foodborne", "origin_country", "Atlantis", "unknown country"),
        ("declarations", "hs_code", "7701234567", "chapter 77"),
        ("declarations", "unit", "打", "unknown unit"),
        ("declarations", "consignee_uscc", "91440300192203821", "18 characters"),
        ("listings", "seller_uscc", "9144030071526726XA", "check digit"),
        ("listings", "currency", "比特币", "unknown currency"),
    ],
)
def test_normalisation_failure_names_its_field(
    run: Callable[..., Any], feed: str, field: str, value: object, says: str
) -> None:
    raw = encode({**RECORDS[feed], field: value})
    assert_dead(run(feed, raw), raw, feed, field, says)


def test_several_schema_problems_are_all_reported(run: Callable[..., Any]) -> None:
    record = {**RECORDS["declarations"], "line_no": 0, "quantity": -5}
    raw = encode(record)
    out = assert_dead(run("declarations", raw), raw, "declarations", "line_no", "line_no: ")
    assert "quantity: " in out.reason


@pytest.mark.parametrize(
    "raw",
    [
        repr(RECORDS["complaints"]).encode()[:-40],  # Python repr, truncated
        encode(RECORDS["injuries"])[:70],  # truncated JSON
        b"\xff\xfe" + encode(RECORDS["listings"])[2:],  # not UTF-8
        "投诉：孩子手指被夹伤".encode("gb18030"),  # the right text in the wrong encoding
    ],
)
def test_not_json(run: Callable[..., Any], raw: bytes) -> None:
    assert_dead(run("complaints", raw), raw, "complaints", "$", "not valid UTF-8 JSON")


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        (encode([RECORDS["foodborne"]]), "list"),
        (b'"FB0000789"', "str"),
        (b"null", "NoneType"),
        (b"17", "int"),
    ],
)
def test_json_that_is_not_an_object(run: Callable[..., Any], raw: bytes, kind: str) -> None:
    assert_dead(run("foodborne", raw), raw, "foodborne", "$", f"got {kind}")


@pytest.mark.parametrize("feed", ["recalls", "", None])
def test_unknown_feed(run: Callable[..., Any], feed: str | None) -> None:
    raw = encode(RECORDS["complaints"])
    assert_dead(run(feed, raw), raw, feed, "feed", "unknown feed")


def test_oversize_record(run: Callable[..., Any]) -> None:
    record = {**RECORDS["complaints"], "description": "孩子手指被夹伤。" * 30}
    raw = encode(record)
    assert run("complaints", raw, max_bytes=len(raw)).__class__ is Signal
    out = assert_dead(
        run("complaints", raw, max_bytes=len(raw) - 1), raw, "complaints", "$", "byte limit"
    )
    assert str(len(raw)) in out.reason


def test_default_size_limit_is_one_mebibyte(run: Callable[..., Any]) -> None:
    assert MAX_RECORD_BYTES == 1024 * 1024
    big = encode({**RECORDS["complaints"], "padding": "x" * MAX_RECORD_BYTES})
    letter = assert_dead(run("complaints", big), big, "complaints", "$", "byte limit")
    assert letter.raw_truncated


@pytest.mark.parametrize(("size", "says"), [(900_000, "UTF-8"), (5 << 20, "byte limit")])
def test_a_huge_record_gives_a_dead_letter_that_fits_a_produce_request(
    run: Callable[..., Any], size: int, says: str
) -> None:
    big = b"\xff" * size  # under the limit it is undecodable; over it, too big first
    letter = assert_dead(run("complaints", big), big, "complaints", "$", says)
    assert letter.raw_truncated
    assert len(encode(letter)) < 128 * 1024


# --------------------------------------------------------------------------- dead-letter ids


def test_dead_letter_id_without_a_position_is_a_hash_of_the_bytes(
    run: Callable[..., Any],
) -> None:
    raw, other = b'{"complaint_id": 1', b'{"complaint_id": 2'
    nowhere = SourceRef()
    first = run("complaints", raw, nowhere)
    again = run("complaints", raw, nowhere)
    different = run("complaints", other, nowhere)
    assert isinstance(first, DeadLetter)
    assert first.dead_letter_id == again.dead_letter_id
    assert first.dead_letter_id != different.dead_letter_id
    assert first.dead_letter_id.startswith("DL-")
    assert first.source_topic is None and first.source_offset is None


def test_dead_letter_id_with_a_position_is_the_position() -> None:
    dl = dead_letter(
        "listings", b"{}", "r", "$", SourceRef("feed.listings", 2, 99), NOW, "ValueError"
    )
    assert dl.dead_letter_id == "DL-feed.listings:2:99"
    assert dl.error == "ValueError"
    assert base64.b64decode(dl.raw) == b"{}"


def test_a_signal_carries_its_feeds_role(run: Callable[..., Any]) -> None:
    """Whether a signal is a declaration line is the feed's declared role, not its name."""
    from dataclasses import replace

    from schemas.codec import decode
    from schemas.codec import encode as encode_record

    line = run("declarations", encode(RECORDS["declarations"]))
    report = run("complaints", encode(RECORDS["complaints"]))
    assert (line.role, line.is_declaration) == ("declaration", True)
    assert (report.role, report.is_declaration) == ("report", False)
    renamed = replace(line, feed="customs_lines")  # a plugin feed of declaration lines
    assert renamed.is_declaration
    # a signal written before signals carried their role still reads as before
    old = orjson.loads(encode_record(line))
    del old["role"]
    assert decode(Signal, orjson.dumps(old)).is_declaration
