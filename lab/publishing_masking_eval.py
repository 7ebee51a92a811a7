"""How much of the personal data planted in complaint-like sentences :func:`detectors.masking.
mask_text` masks, by kind, on synthetic data.

Data: Faker's ``zh_CN`` locale (person names, addresses, mobile numbers, resident ID numbers,
e-mail addresses), planted into a dozen complaint templates of the kind a warning's excerpts and
texts come from ("我叫{name}，电话{phone}，住在{address}……电暖器起火了"). Phones are written in
several ways (plain, spaced, dashed, +86), addresses with or without their postcode, and each
template names a product that must survive.

A planted value counts as masked when it no longer appears verbatim in the output; a name or an
address must moreover be masked as what it is: a ``[姓名]`` (``[地址]``) span must cover (touch)
where it was, and for an address its street detail (Faker's street and building, "西宁路e座")
must be gone (the province and city are meant to stay). ``wrong_kind`` counts values that were
removed by a mask of another kind (a name swallowed into an address, say).

Faker's names are common Han names (a few of them famous enough for jieba's dictionary to know
them, which :mod:`detectors.masking` then misses) and its addresses are made of real province and
city names around invented streets, so these figures say how the masker does on the *shape* of
complaint data, not on real complaints (``lab/masking_eval.py`` measures real newswire text).

Run: ``python -m lab.publishing_masking_eval [--n 1000] [--seed 7] [--json]``. Needs ``faker``
(a test dependency, imported when run).
"""

from __future__ import annotations

import argparse
import json
import random
import string
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["TEMPLATES", "KindFigures", "Planted", "evaluate", "main", "plant"]

# Each slot at most once per template; {product} is not personal and must survive.
TEMPLATES: tuple[str, ...] = (
    "我叫{name}，电话{phone}，住在{address}，身份证{id_card}，买的{product}起火了",
    "消费者{name}反映，其在{address}使用的{product}漏电，联系电话：{phone}，邮箱{email}。",
    "收货人：{name}，地址：{address}，手机{phone}。收到的{product}外壳开裂，划伤孩子手指。",
    "本人{name}（身份证号{id_card}）于上周购买{product}，使用半小时后冒烟，请联系{phone}。",
    "投诉人{name}女士称，{product}充电时爆炸，家住{address}，邮箱：{email}",
    "{name}先生来电：家中{product}自燃，身份证{id_card}，手机号{phone}，住址{address}",
    "联系人{name}，{phone}，{address}。{product}烫伤老人，要求退款。",
    "我是{name}，在网上买了{product}，孩子误吞零件住院了。电话{phone}，邮箱{email}",
    "住{address}的{name}投诉：{product}质量太差，一用就坏，证件号码{id_card}",
    "反映人：{name}；身份证：{id_card}；电话：{phone}；地址：{address}；产品：{product}发热严重",
    "请尽快处理！{product}有异味，头晕。{name}，{phone}，{email}",
    "{address}居民{name}称，{product}插头松动打火，联系方式{phone}",
)
PRODUCTS = ("电暖器", "儿童滑板车", "电动自行车电池", "充电宝", "电热水壶", "婴儿推车", "吹风机")
KINDS = ("name", "address", "phone", "id_card", "email")
_TOKENS = {"name": "[姓名]", "address": "[地址]"}


@dataclass(frozen=True, slots=True)
class Planted:
    """One planted value: ``text[start:end]`` is it; ``detail`` is the part that must go."""

    kind: str
    value: str
    start: int
    end: int
    detail: str


@dataclass(slots=True)
class KindFigures:
    """The count for one kind."""

    planted: int = 0
    masked: int = 0
    wrong_kind: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def share(self) -> float:
        return self.masked / self.planted if self.planted else 0.0


def _phone(raw: str, rnd: random.Random) -> str:
    style = rnd.randrange(4)
    if style == 1:
        return f"{raw[:3]} {raw[3:7]} {raw[7:]}"
    if style == 2:
        return f"{raw[:3]}-{raw[3:7]}-{raw[7:]}"
    if style == 3:
        return f"+86 {raw}"
    return raw


def _values(fake: Any, rnd: random.Random) -> dict[str, tuple[str, str]]:
    """Each slot's planted text and the detail of it that must not survive."""
    street = fake.street_address()
    address = f"{fake.province()}{fake.city()}{fake.district()}{street}"
    if rnd.random() < 0.5:
        address += f" {fake.postcode()}"
    name = fake.name()
    phone = _phone(fake.phone_number(), rnd)
    id_card = fake.ssn()
    email = fake.email()
    return {
        "name": (name, name),
        "address": (address, street),
        "phone": (phone, phone),
        "id_card": (id_card, id_card),
        "email": (email, email),
    }


def plant(template: str, fake: Any, rnd: random.Random) -> tuple[str, list[Planted], str]:
    """``template`` filled in with Faker values, where each one went, and the product named."""
    values = _values(fake, rnd)
    product = rnd.choice(PRODUCTS)
    parts: list[str] = []
    planted: list[Planted] = []
    at = 0
    for literal, slot, _, _ in string.Formatter().parse(template):
        parts.append(literal)
        at += len(literal)
        if slot is None:
            continue
        if slot == "product":
            value = product
        else:
            value, detail = values[slot]
            planted.append(Planted(slot, value, at, at + len(value), detail))
        parts.append(value)
        at += len(value)
    return "".join(parts), planted, product


def _masked(p: Planted, text: str, spans: Sequence[Any]) -> tuple[bool, bool]:
    """(masked as its kind, gone all the same) for one planted value."""
    gone = p.value not in text and p.detail not in text
    if p.kind not in _TOKENS:
        return gone, gone
    touched = any(s.kind == p.kind and s.start < p.end and p.start < s.end for s in spans)
    return gone and touched, gone


def evaluate(n: int, seed: int, mask: Callable[[str], Any] | None = None) -> dict[str, KindFigures]:
    """Plant ``n`` sentences (Faker and the template choice seeded by ``seed``) and count."""
    from faker import Faker  # a test dependency: only when run

    if mask is None:
        from detectors.masking import mask_text

        mask = mask_text
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    rnd = random.Random(seed)
    figures = {kind: KindFigures() for kind in (*KINDS, "product_kept")}
    for _ in range(n):
        text, planted, product = plant(rnd.choice(TEMPLATES), fake, rnd)
        result = mask(text)
        for p in planted:
            ok, gone = _masked(p, result.text, result.spans)
            f = figures[p.kind]
            f.planted += 1
            f.masked += ok
            f.wrong_kind += gone and not ok
            if not ok and len(f.misses) < 5:
                f.misses.append(p.value)
        kept = figures["product_kept"]
        kept.planted += 1
        kept.masked += product in result.text  # not personal: "masked" here means kept
    return figures


def main(argv: list[str] | None = None) -> int:
    """Print the share masked by kind."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=1000, help="sentences to plant")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    figures = evaluate(args.n, args.seed)
    if args.json:
        report = {
            "n": args.n,
            "seed": args.seed,
            "kinds": {k: {**asdict(f), "share": round(f.share, 4)} for k, f in figures.items()},
        }
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    print(f"planted sentences: {args.n}, seed {args.seed}")
    print(f"{'kind':14}{'planted':>8}{'masked':>8}{'share':>9}{'wrong kind':>12}  missed, e.g.")
    for kind, f in figures.items():
        misses = "、".join(f.misses[:3])
        print(f"{kind:14}{f.planted:>8}{f.masked:>8}{f.share:>9.1%}{f.wrong_kind:>12}  {misses}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
