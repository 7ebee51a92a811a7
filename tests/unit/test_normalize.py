"""connectors.normalize: what real feeds send, in one canonical form, or a SchemaError."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from connectors import normalize
from connectors.normalize import country, currency, hs_code, optional_text, timestamp, unit, uscc
from schemas.errors import SchemaError

# Huawei Technologies Co., Ltd. (Shenzhen) and Shenzhen Tencent Computer Systems Co., Ltd.:
# published codes whose check characters are right.
HUAWEI = "914403001922038216"
TENCENT = "9144030071526726XG"


# --------------------------------------------------------------------------- USCC (GB 32100)


@pytest.mark.parametrize("code", [HUAWEI, TENCENT])
def test_uscc_accepts_published_codes(code: str) -> None:
    assert uscc(code) == code


def test_uscc_accepts_a_fresh_code_with_the_check_character_computed_by_the_standard(
    uscc_code: Callable[[str], str],
) -> None:
    # Shanghai (310000), a company (91), an organisation code with letters from the alphabet.
    code = uscc_code("91310000MA1FL4LR2")
    assert uscc(code) == code
    assert normalize.uscc_check_char(code[:17]) == code[17]


@pytest.mark.parametrize(
    "first17", ["91310000MA1FL4LR2", "91440300MA5DC8XK1", "92370200MA3C5RKQ8", "12100000400011225"]
)
def test_uscc_check_character_follows_the_weighted_sum_mod_31(
    first17: str, uscc_code: Callable[[str], str]
) -> None:
    assert normalize.uscc_check_char(first17) == uscc_code(first17)[17]


def test_uscc_rejects_every_wrong_check_character(uscc_code: Callable[[str], str]) -> None:
    code = uscc_code("91310000MA1FL4LR2")
    wrong = [c for c in "0123456789ABCDEFGHJKLMNPQRTUWXY" if c != code[17]]
    for c in wrong:
        with pytest.raises(SchemaError) as err:
            uscc(code[:17] + c)
        assert err.value.path == "enterprise_uscc"
        assert "check digit" in err.value.reason


def test_uscc_rejects_a_transposition(uscc_code: Callable[[str], str]) -> None:
    code = uscc_code("91310000MA1FL4LR2")
    swapped = code[:9] + code[10] + code[9] + code[11:]
    assert swapped != code
    with pytest.raises(SchemaError, match="check digit"):
        uscc(swapped)


@pytest.mark.parametrize(
    "value",
    [
        HUAWEI[:-1],  # 17 characters
        HUAWEI + "0",  # 19 characters
        "9144030019220382I6",  # I is not in the GB 32100 alphabet
        "91440300192203821O",  # nor is O
        "914403AB1922038216",  # the region code must be six digits
        "不是信用代码",
    ],
)
def test_uscc_rejects_wrong_shapes(value: str) -> None:
    with pytest.raises(SchemaError) as err:
        uscc(value, "seller_uscc")
    assert err.value.path == "seller_uscc"
    assert "18 characters" in err.value.reason


@pytest.mark.parametrize(
    "typed",
    [
        "9144030071526726xg",  # lower case
        "９１４４０３００７１５２６７２６ＸＧ",  # full width, as Chinese input methods type it
        " 9144 0300-7152 6726XG ",  # grouped by a clerk
    ],
)
def test_uscc_folds_case_width_spaces_and_dashes(typed: str) -> None:
    assert uscc(typed) == TENCENT


@pytest.mark.parametrize("blank", [None, "", "   ", "\u3000"])
def test_uscc_blank_is_none(blank: str | None) -> None:
    assert uscc(blank) is None


# --------------------------------------------------------------------------- HS codes


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("9503001000", "9503001000"),  # toys, 10-digit China tariff line
        ("9503.00.1000", "9503001000"),
        ("9503.00.10.00", "9503001000"),
        ("0709 59 1000", "0709591000"),  # enoki, leading zero kept
        ("850440", "850440"),  # 6-digit HS subheading
        ("８５１６６０９０００", "8516609000"),  # full-width digits
        ("85-16-60", "851660"),
    ],
)
def test_hs_code_normalises_to_digits(value: str, expected: str) -> None:
    assert hs_code(value) == expected


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("9503", "6-10 digits"),  # a heading alone is not specific enough
        ("95030010001", "6-10 digits"),
        ("9503ab1000", "6-10 digits"),
        ("77012345", "chapter 77"),  # reserved for future use
        ("98123456", "chapter 98"),  # national chapters are not HS
        ("00123456", "chapter 00"),
    ],
)
def test_hs_code_rejects_bad_shape_and_unknown_chapters(value: str, why: str) -> None:
    with pytest.raises(SchemaError) as err:
        hs_code(value)
    assert err.value.path == "hs_code"
    assert why in err.value.reason


@pytest.mark.parametrize("chapter", ["01", "49", "76", "78", "97"])
def test_hs_code_accepts_every_real_chapter_edge(chapter: str) -> None:
    assert hs_code(f"{chapter}0100") == f"{chapter}0100"


def test_hs_code_blank_is_none() -> None:
    assert hs_code(None) is None
    assert hs_code(" ") is None


# --------------------------------------------------------------------------- countries


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Viet Nam", "VN"),
        ("越南", "VN"),
        ("Korea, Republic of", "KR"),
        ("韩国", "KR"),
        ("South Korea", "KR"),
        ("KOR", "KR"),
        ("kor", "KR"),
        ("Germany", "DE"),
        ("德国", "DE"),
        ("DEU", "DE"),
        ("de", "DE"),
        ("United States", "US"),
        ("美国", "US"),
        ("USA", "US"),
        ("UK", "GB"),
        ("英国", "GB"),
        ("日本", "JP"),
        ("ＪＰＮ", "JP"),  # full width
        ("  Thailand ", "TH"),
        ("中国", "CN"),
    ],
)
def test_country_from_english_chinese_and_codes(value: str, expected: str) -> None:
    assert country(value) == expected


@pytest.mark.parametrize("value", ["Atlantis", "AtlantisIN", "XX", "火星"])
def test_country_unknown_is_an_error_naming_the_field(value: str) -> None:
    with pytest.raises(SchemaError) as err:
        country(value)
    assert err.value.path == "origin_country"
    assert "unknown country" in err.value.reason


def test_country_blank_is_none() -> None:
    assert country(None) is None


# --------------------------------------------------------------------------- currency


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("CNY", "CNY"),
        ("cny", "CNY"),
        ("RMB", "CNY"),
        ("rmb", "CNY"),
        ("人民币", "CNY"),
        ("美元", "USD"),
        ("usd", "USD"),
        ("ＵＳＤ", "USD"),
        ("US Dollar", "USD"),
        ("Euro", "EUR"),
        ("欧元", "EUR"),
        ("日元", "JPY"),
        ("KRW", "KRW"),
    ],
)
def test_currency(value: str, expected: str) -> None:
    assert currency(value) == expected


@pytest.mark.parametrize("value", ["Bitcoin", "XYZ1", "元宝"])
def test_currency_unknown_is_an_error(value: str) -> None:
    with pytest.raises(SchemaError) as err:
        currency(value)
    assert err.value.path == "currency"


def test_currency_blank_is_none() -> None:
    assert currency("") is None


# --------------------------------------------------------------------------- units


@pytest.mark.parametrize(
    ("quantity", "value", "expected"),
    [
        (120, "pcs", (120, "pcs")),
        (120, "PCS", (120, "pcs")),
        (120, "件", (120, "pcs")),
        (3, "台", (3, "pcs")),
        (2, "套", (2, "sets")),
        (25, "千克", (25, "kg")),
        (25, "公斤", (25, "kg")),
        (500, "g", (0.5, "kg")),
        (250, "克", (0.25, "kg")),
        (18, "吨", (18_000, "kg")),
        (1.5, "t", (1_500, "kg")),
        (12, "升", (12, "l")),
        (40, "箱", (40, "cartons")),
    ],
)
def test_unit_converts_to_canonical_units(
    quantity: float, value: str, expected: tuple[float, str]
) -> None:
    got_quantity, got_unit = unit(quantity, value)
    assert got_unit == expected[1]
    assert got_quantity == pytest.approx(expected[0])


def test_unit_missing_keeps_the_quantity() -> None:
    assert unit(7.0, None) == (7.0, None)


@pytest.mark.parametrize("value", ["dozen", "米", "barrel"])
def test_unit_unknown_is_an_error(value: str) -> None:
    with pytest.raises(SchemaError) as err:
        unit(1.0, value)
    assert err.value.path == "unit"


# --------------------------------------------------------------------------- timestamps

# 2026-03-05 14:30 in Shanghai (UTC+8, no DST) is 06:30 UTC.
EXPECTED = datetime(2026, 3, 5, 6, 30, tzinfo=UTC)
EPOCH = int((EXPECTED - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds())


@pytest.mark.parametrize(
    "value",
    [
        "2026-03-05T14:30:00+08:00",
        "2026-03-05T06:30:00Z",
        "2026-03-05T06:30:00+00:00",
        "2026-03-05T01:30:00-05:00",
        "2026-03-05 14:30:00",  # naive: Asia/Shanghai
        "2026-03-05 14:30",
        "2026/03/05 14:30",
        "20260305143000",
        "05/03/2026 14:30",
        "2026年3月5日 14:30",
        "2026年3月5日14:30",
        "5 Mar 2026 14:30",
        "２０２６－０３－０５ １４：３０",  # full width
        EPOCH,
        EPOCH * 1000,
        float(EPOCH),
    ],
)
def test_timestamp_shapes_all_mean_the_same_instant(value: object) -> None:
    got = timestamp(value, "received_at")
    assert got == EXPECTED
    assert got.utcoffset() == timedelta(0)


def test_epoch_constant_is_right() -> None:
    # 2026-03-05 is day 20517 of the Unix epoch: 56 years of 365 days plus 14 leap days (1972 to
    # 2024), plus 31 + 28 + 4 days into 2026.
    assert EPOCH == (56 * 365 + 14 + 31 + 28 + 4) * 86400 + 6 * 3600 + 30 * 60


@pytest.mark.parametrize("value", ["2026年3月5日", "2026/3/5", "20260305", "5 Mar 2026"])
def test_date_only_is_local_midnight(value: str) -> None:
    assert timestamp(value, "onset_date") == datetime(2026, 3, 4, 16, 0, tzinfo=UTC)


def test_milliseconds_keep_their_fraction() -> None:
    got = timestamp(EPOCH * 1000 + 250, "captured_at")
    assert got == EXPECTED + timedelta(milliseconds=250)


def test_naive_time_uses_the_feeds_zone() -> None:
    berlin = ZoneInfo("Europe/Berlin")  # CET (UTC+1) in March 2026, before the DST switch
    assert timestamp("2026-03-05 14:30", "t", berlin) == datetime(2026, 3, 5, 13, 30, tzinfo=UTC)
    # An explicit offset wins over the feed's zone.
    assert timestamp("2026-03-05T14:30:00+08:00", "t", berlin) == EXPECTED


def test_default_zone_is_shanghai() -> None:
    assert ZoneInfo("Asia/Shanghai") == normalize.DEFAULT_TZ


@pytest.mark.parametrize(
    ("value", "why"),
    [
        (None, "not a time"),
        (True, "not a time"),  # a bool is an int in Python, but never a time
        ("yesterday", "not a recognised time"),
        ("2026-13-45 10:00", "not a recognised time"),
        ("1989-12-31", "plausible range"),
        (
            (datetime.now(UTC) + timedelta(days=800)).strftime("%Y-%m-%d"),
            "plausible range",
        ),
        (10**20, "out of range"),
    ],
)
def test_timestamp_rejects_with_the_field_path(value: object, why: str) -> None:
    with pytest.raises(SchemaError) as err:
        timestamp(value, "declared_at")
    assert err.value.path == "declared_at"
    assert why in err.value.reason


# --------------------------------------------------------------------------- text


def test_optional_text_cleans_or_returns_none() -> None:
    assert optional_text("  乐途\u3000 贸易   有限公司 ") == "乐途 贸易 有限公司"
    assert optional_text("ＬｅＴｕ") == "LeTu"
    assert optional_text(" \t ") is None
    assert optional_text(None) is None
    assert optional_text(0) == "0"


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Turkey", "TR"),
        ("Russia", "RU"),
        ("Republic of Korea", "KR"),
        ("Holland", "NL"),
        ("Great Britain", "GB"),
        ("Macau", "MO"),
        ("中国香港", "HK"),
        ("中国台湾", "TW"),
    ],
)
def test_common_country_names_outside_iso_spelling(name: str, code: str) -> None:
    assert country(name) == code


@pytest.mark.parametrize("value", [0, -1, 1e11 * 50, "0000000000"])
def test_implausible_unix_times_are_rejected(value: object) -> None:
    with pytest.raises(SchemaError, match="plausible"):
        timestamp(value, "t")


def test_unix_seconds_sent_as_digits_and_unpadded_dates() -> None:
    assert timestamp("1772692200", "t") == datetime(2026, 3, 5, 6, 30, tzinfo=UTC)
    assert timestamp("2026-3-5", "t") == timestamp("2026/3/5", "t")
