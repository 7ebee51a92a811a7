"""Masking on Faker's zh_CN personal data planted in complaint-like sentences: phone and ID-card
numbers never survive, in any template or phone style; names and addresses are masked in a high
share of a fixed sample (detectors.masking.mask_text)."""

from __future__ import annotations

import random
import re
import string
from dataclasses import dataclass
from functools import cache

from faker import Faker
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.masking import MaskedText, mask_text

# Every slot once; {product} is no personal data. No digits but the planted numbers', so any
# digits left in the output came from one of them.
TEMPLATES = (
    "我叫{name}，电话{phone}，住在{address}，身份证{ssn}，买的{product}起火了",
    "投诉人：{name}，手机：{phone}，身份证号：{ssn}，收货地址：{address}。{product}用了两天就冒烟",
    "{name}反映在{address}购买的{product}漏电，身份证{ssn}，联系电话{phone}",
    "收件人{name}，{address}，{phone}。{product}外壳开裂，孩子被划伤。证件号码：{ssn}",
    "家住{address}的消费者{name}（身份证{ssn}）称{product}充电时爆炸，请回电{phone}",
    "本人{name}，{ssn}，{phone}，{address}，要求{product}商家赔偿",
    "{product}烫伤了老人！联系人{name}先生，手机号码{phone}，住址{address}，身份证：{ssn}",
    "我的电话是{phone}，我是{name}，身份证{ssn}，地址在{address}，{product}质量有问题",
)
PRODUCTS = ("电暖器", "儿童滑板车", "电动车电池", "充电宝", "电热毯", "婴儿推车")
FULL_WIDTH = str.maketrans("0123456789+-", "０１２３４５６７８９＋－")
TO_ASCII = str.maketrans("０１２３４５６７８９", "0123456789")


def phone_styles(raw: str) -> tuple[str, ...]:
    """One mobile number as complainants write it."""
    return (
        raw,
        f"{raw[:3]} {raw[3:7]} {raw[7:]}",
        f"{raw[:3]}-{raw[3:7]}-{raw[7:]}",
        f"+86 {raw}",
        f"+86-{raw}",
        f"(+86){raw}",
        raw.translate(FULL_WIDTH),
        f"{raw[:3]} {raw[3:7]} {raw[7:]}".translate(FULL_WIDTH),
    )


@dataclass(frozen=True, slots=True)
class Planted:
    text: str
    slots: dict[str, tuple[int, int]]  # where each planted value is in ``text``
    name: str
    street: str  # the part of the address below the city, which must go
    phone: str  # the digits of the mobile number
    ssn: str


@cache
def _faker() -> Faker:
    return Faker("zh_CN")


def plant(seed: int, template: str, style: int) -> Planted:
    fake = _faker()
    fake.seed_instance(seed)
    name, street, phone, ssn = fake.name(), fake.street_address(), fake.phone_number(), fake.ssn()
    # Faker's own address format without its postcode (digits that are not a planted number)
    address = f"{fake.province()}{fake.city()}{fake.district()}{street}"
    values = {
        "name": name,
        "address": address,
        "phone": phone_styles(phone)[style],
        "ssn": ssn,
        "product": PRODUCTS[seed % len(PRODUCTS)],
    }
    text, slots = "", {}
    for literal, slot, _, _ in string.Formatter().parse(template):
        text += literal
        if slot is not None:
            slots[slot] = (len(text), len(text) + len(values[slot]))
            text += values[slot]
    return Planted(text, slots, name, street, phone, ssn)


def digit_runs(text: str) -> str:
    """The digits of ``text`` (full-width too) with the spaces and dashes between them gone."""
    ascii_text = text.translate(TO_ASCII)
    return re.sub(r"(?<=\d)[\s\-－]+(?=\d)", "", ascii_text)


def survives(number: str, masked: str, run: int = 4) -> bool:
    """Whether ``run`` or more contiguous digits of ``number`` are still in the output."""
    joined = digit_runs(masked)
    return any(number[i : i + run] in joined for i in range(len(number) - run + 1))


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    template=st.sampled_from(TEMPLATES),
    style=st.integers(min_value=0, max_value=len(phone_styles("13800000000")) - 1),
)
def test_phone_and_id_card_numbers_never_survive(seed: int, template: str, style: int) -> None:
    p = plant(seed, template, style)
    # the precondition of "any 4 digits left are a leak": no digits but the planted numbers'
    (a, b), (c, d) = sorted((p.slots["phone"], p.slots["ssn"]))
    assert not re.search(r"[0-9０-９]", p.text[:a] + p.text[b:c] + p.text[d:])
    out = mask_text(p.text).text
    assert not survives(p.phone, out), (p.text, out)
    assert not survives(p.ssn, out), (p.text, out)
    assert "[电话]" in out and "[身份证号]" in out


def _as(result: MaskedText, kind: str, where: tuple[int, int]) -> bool:
    """Whether a span of ``kind`` covers part of ``where`` in the input."""
    start, end = where
    return any(s.kind == kind and s.start < end and start < s.end for s in result.spans)


SAMPLE = 300
NAME_FLOOR = 0.90
ADDRESS_FLOOR = 0.94


def test_names_and_addresses_are_masked_in_a_high_share_of_a_fixed_sample() -> None:
    """Measured on this sample (seed 2026, 300 sentences, Faker 40.x): names 286/300 = 95.3%,
    addresses 295/300 = 98.3%.

    Not 100%: jieba's dictionary knows some of Faker's names as words ("李鹏", "李俊"), some of
    Faker's surnames are missing from the masker's list ("萧", "赖", "洪"), "我是" is not a cue
    word (a name jieba does not tag after it stays: "我是古平"), and an invented street after
    an invented county ("成都县静安许街n座") can read as no address at all.

    The floors (90%, 94%) are set a few points below the measure: a change to jieba or to the
    masker's rules that loses a real share of names or addresses fails here, while a few
    borderline values (or another Faker release's data) do not."""
    rnd = random.Random(2026)
    names = addresses = 0
    for i in range(SAMPLE):
        p = plant(rnd.randrange(2**32), TEMPLATES[i % len(TEMPLATES)], rnd.randrange(8))
        result = mask_text(p.text)
        names += p.name not in result.text and _as(result, "name", p.slots["name"])
        addresses += p.street not in result.text and _as(result, "address", p.slots["address"])
    assert names / SAMPLE >= NAME_FLOOR, names
    assert addresses / SAMPLE >= ADDRESS_FLOOR, addresses
