"""schemas.codec: every record type survives the wire; bad bytes are a SchemaError."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone

import orjson
import pytest

from schemas.codec import decode, dumps, encode, from_dict, loads, to_dict
from schemas.errors import SchemaError
from schemas.records import (
    OUTCOME_RANK,
    Assessment,
    Cluster,
    Control,
    ControlAction,
    DeadLetter,
    Duplicate,
    Grade,
    HazardClass,
    Instruction,
    InstructionAction,
    Outcome,
    Signal,
    Warning,
    WarningKind,
)

T0 = datetime(2026, 9, 20, 6, 30, tzinfo=UTC)
T1 = T0 + timedelta(days=3, hours=2, microseconds=125)

SIGNAL = Signal(
    signal_id="declarations:D2026092000017-2",
    feed="declarations",
    source_id="D2026092000017-2",
    event_time=T0,
    ingest_time=T1,
    product_name="儿童折叠滑板车 乐途 LT-S3",
    text="儿童折叠滑板车 乐途 LT-S3",
    brand="乐途",
    model="LT-S3",
    category="childrens_products",
    enterprise_name="上海乐途贸易有限公司",
    enterprise_uscc="9144030071526726XG",
    hs_code="9503001000",
    origin_country="VN",
    hazard_class=HazardClass.PHYSICAL,
    outcome=Outcome.EMERGENCY,
    cases=2,
    vulnerable_groups=("children",),
    channel="single_window",
    declaration_id="D2026092000017-2",
    port="CNSHA",
    direction="import",
    consignor="LeTu Vietnam Manufacturing Co.",
    consignee="9144030071526726XG",
    quantity=4200.0,
    unit="pcs",
    value=63250.5,
    currency="USD",
    flags=("counterfeit", "no_ccc_mark"),
    product_terms=("滑板车",),
    fingerprint="a842576070abab2f552e04ca",
)

CLUSTER = Cluster(
    cluster_id="K-98aa5b8a8675",
    block_key="childrens_products",
    product="乐途儿童滑板车",
    category="childrens_products",
    hazard_class="physical",
    first_seen=T0,
    last_seen=T1,
    signal_count=4,
    names=("乐途儿童滑板车", "letukidsfoldingscooter"),
    product_terms=("滑板车",),
    brands=("乐途",),
    models=("lts3",),
    feed_counts={"complaints": 2, "injuries": 1, "declarations": 1},
    risk_counts={"complaints": 2, "injuries": 1},
    region_counts={"上海": 2, "江苏": 1},
    daily_counts={"2026-09-20": 2, "2026-09-23": 1},
    enterprises=("9144030071526726XG",),
    hs_codes=("9503001000",),
    origins=("VN",),
    worst_outcome="hospitalised",
    cases=1,
    hospitalised=1,
    vulnerable_groups=("children",),
    import_quantity=4200.0,
    import_value=63250.5,
    member_ids=("complaints:CP1", "complaints:CP2", "injuries:IR3", "declarations:D4-1"),
)

WARNING = Warning(
    warning_id="W-98aa5b8a8675",
    version=3,
    cluster_id="K-98aa5b8a8675",
    status="active",
    change="upgraded",
    grade=Grade.II,
    colour=Grade.II.colour,
    kind=WarningKind.ALERT_NOTIFICATION,
    authority="competent quality-safety authority",
    title="Grade II physical risk: 乐途儿童滑板车",
    product="乐途儿童滑板车",
    category="childrens_products",
    hazard_class="physical",
    scope_regions=("上海", "江苏"),
    warning_items=("3 risk signals from complaints, injuries", "affects children"),
    measures=("port targeting: hold matching lines", "restrict import"),
    start_time=T0,
    updated_time=T1,
    score=48.0,
    hazard=4,
    urgency=3,
    scope=4,
    explanation={"method": "rules-v1", "urgency": {"p_value": 3.2e-07, "last_7_days": 12}},
    evidence=CLUSTER.member_ids,
    feed_counts=dict(CLUSTER.feed_counts),
    peak_grade="II",
    previous_grade="III",
)

CONTROL = Control(
    control_id="C-98aa5b8a8675",
    version=3,
    warning_id="W-98aa5b8a8675",
    status="active",
    action=ControlAction.HOLD,
    grade="II",
    reason=WARNING.title,
    hs_prefixes=("950300",),
    product_terms=("乐途儿童滑板车", "letukidsfoldingscooter"),
    brands=("乐途",),
    enterprises=("9144030071526726XG",),
    origin_countries=("VN",),
    valid_from=T1,
)

INSTRUCTION = Instruction(
    instruction_id="D2026092000017-2",
    declaration_id="D2026092000017-2",
    port="CNSHA",
    action=InstructionAction.HOLD,
    reasons=("matches control C-98aa5b8a8675 (Grade II physical risk: 乐途儿童滑板车)",),
    control_ids=("C-98aa5b8a8675",),
    risk_score=1.0,
    declared_at=T0,
    hs_code="9503001000",
    origin_country="VN",
    consignee="9144030071526726XG",
)

RAW = '{"complaint_id":"CP1","received_at":"昨天"}'.encode()
DEAD_LETTER = DeadLetter(
    dead_letter_id="DL-feed.complaints:0:17",
    feed="complaints",
    reason="not a recognised time: '昨天'",
    path="received_at",
    raw=base64.b64encode(RAW).decode("ascii"),
    source_topic="feed.complaints",
    source_partition=0,
    source_offset=17,
    error="SchemaError",
    received_at=T1,
)

DUPLICATE = Duplicate(
    signal_id="complaints:CP9",
    duplicate_of="complaints:CP2",
    feed="complaints",
    reason="same content fingerprint within the window",
    event_time=T0,
)

ASSESSMENT = Assessment(
    cluster=CLUSTER,
    as_of=T1,
    hazard=4,
    urgency=3,
    scope=4,
    score=48.0,
    explanation={"method": "rules-v1", "key_product": True},
)

RECORDS = [SIGNAL, CLUSTER, WARNING, CONTROL, INSTRUCTION, DEAD_LETTER, DUPLICATE, ASSESSMENT]


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: type(r).__name__)
def test_round_trip_is_equal(record: object) -> None:
    data = encode(record)
    assert isinstance(data, bytes)
    back = decode(type(record), data)
    assert back == record
    assert type(back) is type(record)


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: type(r).__name__)
def test_round_trip_through_a_dict(record: object) -> None:
    as_dict = to_dict(record)
    assert isinstance(as_dict, dict)
    assert from_dict(type(record), as_dict) == record


def test_tuples_come_back_as_tuples_and_dicts_as_dicts() -> None:
    back = decode(Cluster, encode(CLUSTER))
    assert isinstance(back.member_ids, tuple)
    assert isinstance(back.names, tuple)
    assert back.daily_counts == {"2026-09-20": 2, "2026-09-23": 1}
    warning = decode(Warning, encode(WARNING))
    assert warning.explanation["urgency"]["p_value"] == pytest.approx(3.2e-07)


def test_nested_record_is_rebuilt() -> None:
    back = decode(Assessment, encode(ASSESSMENT))
    assert isinstance(back.cluster, Cluster)
    assert back.cluster.first_seen == T0


def test_enums_travel_as_their_values() -> None:
    wire = orjson.loads(encode(WARNING))
    assert wire["grade"] == "II"
    assert wire["kind"] == "alert_notification"
    back = decode(Warning, encode(WARNING))
    assert back.grade == Grade.II
    assert Grade(back.grade).colour == "orange"
    assert decode(Instruction, encode(INSTRUCTION)).action == InstructionAction.HOLD
    assert orjson.loads(encode(SIGNAL))["outcome"] == "emergency"


def test_datetimes_are_utc_with_z_on_the_wire() -> None:
    wire = orjson.loads(encode(SIGNAL))
    assert wire["event_time"] == "2026-09-20T06:30:00Z"
    assert wire["ingest_time"] == "2026-09-23T08:30:00.000125Z"
    back = decode(Signal, encode(SIGNAL))
    assert back.event_time.utcoffset() == timedelta(0)
    assert back.ingest_time == T1


def test_naive_datetimes_are_taken_as_utc() -> None:
    naive = Duplicate(
        signal_id="a",
        duplicate_of="b",
        feed="complaints",
        reason="r",
        event_time=datetime(2026, 9, 20, 6, 30),
    )
    assert orjson.loads(encode(naive))["event_time"] == "2026-09-20T06:30:00Z"
    assert decode(Duplicate, encode(naive)).event_time == T0


def test_an_offset_datetime_keeps_its_instant() -> None:
    shanghai = T0.astimezone(timezone(timedelta(hours=8)))
    back = decode(
        Duplicate,
        encode(
            Duplicate(signal_id="a", duplicate_of="b", feed="f", reason="r", event_time=shanghai)
        ),
    )
    assert back.event_time == T0


def test_int_for_float_becomes_float() -> None:
    wire = orjson.loads(encode(SIGNAL))
    wire["quantity"] = 4200
    back = from_dict(Signal, wire)
    assert back.quantity == 4200.0
    assert isinstance(back.quantity, float)


def test_unknown_keys_are_ignored_and_defaults_fill_in() -> None:
    wire = {
        "signal_id": "complaints:CP1",
        "feed": "complaints",
        "source_id": "CP1",
        "event_time": "2026-09-20T06:30:00Z",
        "ingest_time": "2026-09-20T06:30:00Z",
        "product_name": "暖阳电暖器",
        "added_by_a_newer_producer": {"x": 1},
    }
    back = decode(Signal, orjson.dumps(wire))
    assert back.product_name == "暖阳电暖器"
    assert back.outcome == "none"
    assert back.flags == ()
    assert back.schema_version == 1


def test_dumps_and_loads_are_inverse_for_plain_values() -> None:
    value = {"区域": ["上海", "江苏"], "n": 3, "when": T0}
    assert loads(dumps(value)) == {"区域": ["上海", "江苏"], "n": 3, "when": "2026-09-20T06:30:00Z"}


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xfe{}",  # not UTF-8
        b'{"signal_id": "x"',  # truncated
        b"",
        b"NaN",
        b"{'single': 'quotes'}",
    ],
)
def test_bad_bytes_are_a_schema_error(data: bytes) -> None:
    with pytest.raises(SchemaError, match="not valid UTF-8 JSON"):
        decode(Signal, data)


@pytest.mark.parametrize("data", [b"[]", b"null", b'"signal"', b"42"])
def test_json_that_is_not_an_object_is_a_schema_error(data: bytes) -> None:
    with pytest.raises(SchemaError, match="expected a JSON object for Signal"):
        decode(Signal, data)


def test_missing_required_field_is_a_schema_error() -> None:
    wire = to_dict(CONTROL)
    del wire["hs_prefixes"]
    with pytest.raises(SchemaError, match="hs_prefixes"):
        from_dict(Control, wire)


def test_bad_datetime_names_its_field() -> None:
    wire = to_dict(INSTRUCTION)
    wire["declared_at"] = "2026年9月20日"
    with pytest.raises(SchemaError) as err:
        from_dict(Instruction, wire)
    assert err.value.path == "declared_at"


def test_string_where_a_list_belongs_names_its_field() -> None:
    wire = to_dict(WARNING)
    wire["evidence"] = "complaints:CP1"
    with pytest.raises(SchemaError) as err:
        from_dict(Warning, wire)
    assert err.value.path == "evidence"


def test_nested_record_of_the_wrong_type_is_a_schema_error() -> None:
    wire = to_dict(ASSESSMENT)
    wire["cluster"] = [wire["cluster"]]
    with pytest.raises(SchemaError) as err:
        from_dict(Assessment, wire)
    assert err.value.path == "cluster"


def test_nested_record_missing_a_field_is_a_schema_error() -> None:
    wire = to_dict(ASSESSMENT)
    del wire["cluster"]["product"]
    with pytest.raises(SchemaError, match="product"):
        from_dict(Assessment, wire)


# --------------------------------------------------------------------------- enums


def test_grades_colours_and_ranks() -> None:
    assert [(g.value, g.colour, g.rank) for g in Grade] == [
        ("I", "red", 4),
        ("II", "orange", 3),
        ("III", "yellow", 2),
        ("IV", "blue", 1),
    ]


def test_outcome_rank_orders_from_no_harm_to_death() -> None:
    order = ["none", "minor", "emergency", "hospitalised", "death"]
    assert sorted(OUTCOME_RANK, key=OUTCOME_RANK.__getitem__) == order
    assert [o.value for o in Outcome] == order


def test_hazard_classes_are_the_five_of_the_policy() -> None:
    assert {h.value for h in HazardClass} == {
        "health",
        "physical",
        "chemical",
        "biological",
        "environmental",
    }


def test_instruction_actions_go_from_lightest_to_heaviest() -> None:
    assert [a.value for a in InstructionAction] == [
        "release",
        "document_check",
        "sample",
        "inspect",
        "hold",
        "return",
        "destroy",
    ]
    assert {a.value for a in ControlAction} <= {a.value for a in InstructionAction}
