"""The pattern half of :mod:`detectors.masking`: e-mail addresses, phone numbers, ID-card,
bank-card, order and account numbers, found by regular expressions and check digits.

Apart from the word half (:mod:`detectors.masking_words`) because these need no tagger: they are
exact, cheap and language-independent. Offsets are in the text given, which the caller has
folded to ASCII digits and dashes one character for one.
"""

from __future__ import annotations

import re

__all__ = ["Found", "id_checksum_ok", "luhn_ok", "pattern_spans", "uscc_ok"]

Found = tuple[int, int, str]  # start, end, kind in the text searched

_EMAIL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_ID18 = re.compile(
    r"(?<![0-9A-Za-z])[1-9]\d{5}[ -]?(?:18|19|20)\d{2}[ -]?(?:0[1-9]|1[0-2])"
    r"(?:0[1-9]|[12]\d|3[01])[ -]?\d{3}[0-9Xx](?![0-9A-Za-z])"
)
_ID18_ANY = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")
_ID15 = re.compile(
    r"(?<![0-9A-Za-z])[1-9]\d{7}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}(?![0-9A-Za-z])"
)
_MOBILE = re.compile(r"(?<!\d)(?:(?:\+|00)86[ -]?|\(\+?86\)[ -]?)?1[3-9]\d(?:[ -]?\d){8}(?!\d)")
_AREA_CODE = r"0(?:10|2\d|[3-9]\d{2})"
_LANDLINE = re.compile(
    rf"(?<![0-9A-Za-z])(?:\({_AREA_CODE}\)|{_AREA_CODE})[ -]?[2-9]\d{{2,3}}[ -]?\d{{4}}"
    r"(?:\s*(?:-|转|ext\.?|x)\s*\d{1,5})?(?!\d)"
)
_SERVICE = re.compile(r"(?<!\d)[48]00[ -]?\d{3}[ -]?\d{4}(?!\d)")
_PHONE_LABEL = re.compile(
    r"(?:电话|手机|座机|固话|联系方式|热线|tel|phone|mobile|cell)(?:号码|号)?\s*[:：]?\s*"
    r"(\+?\(?\d[\d ()\-]{5,18}\d)",
    re.IGNORECASE,
)
_CARD = re.compile(r"(?<![0-9A-Za-z])\d{4}(?:[ -]?\d{4}){2,3}(?:[ -]?\d{1,3})?(?!\d)")
_LONG_NUMBER = re.compile(r"(?<!\d)\d{12,}(?!\d)")
_ORDER = re.compile(
    r"(?:订单编号|订单号码|订单号|订单|运单号码|运单号|运单|快递单号|物流单号|快递单|面单号|"
    r"交易单号|交易号|流水号|退款单号|售后单号|工单号|单号|"
    r"(?<![A-Za-z])(?:order|tracking|waybill)(?:\s*(?:no\.?|number|id|#))?)"
    r"\s*(?:[:：#]|是|为|号码)?\s*([A-Za-z0-9][A-Za-z0-9_-]{5,39})",
    re.IGNORECASE,
)
_ACCOUNT = re.compile(
    r"(?:QQ|微信|旺旺|支付宝|淘宝|抖音|快手|(?<![A-Za-z])(?:wechat|vx|wx))"
    r"(?:号码|账号|号|ID)?\s*[:：]?\s*([A-Za-z0-9][A-Za-z0-9_-]{4,29})(?![A-Za-z0-9])",
    re.IGNORECASE,
)
# A valid enterprise credit code or product barcode right after its label is kept.
_LABELLED_CODE = re.compile(
    r"(?:统一社会信用代码|社会信用代码|信用代码|USCC|条形码|条码|barcode|EAN|GTIN)\s*[:：]?\s*"
    r"([0-9A-Z]{13,18})",
    re.IGNORECASE,
)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_checksum_ok(number: str) -> bool:
    """Whether an 18-character resident ID number has a valid check character (GB 11643)."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11] == number[17].upper()


def luhn_ok(digits: str) -> bool:
    """Whether a digit string passes the Luhn check (bank cards)."""
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def uscc_ok(code: str) -> bool:
    """Whether an 18-character unified social credit code has a valid check character
    (GB 32100-2015): an enterprise's public identity, not personal data."""
    if len(code) != 18 or any(c not in _USCC_CHARS for c in code):
        return False
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(code[:17], weights, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31] == code[17]


def _gtin_ok(code: str) -> bool:
    if len(code) not in (13, 14) or not code.isdigit():
        return False
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(reversed(code[:-1]), 1))
    return (10 - total % 10) % 10 == int(code[-1])


def pattern_spans(text: str) -> list[Found]:
    found: list[Found] = [(m.start(), m.end(), "email") for m in _EMAIL.finditer(text)]
    for pattern in (_ID18, _ID18_ANY, _ID15):
        found += [(m.start(), m.end(), "id_card") for m in pattern.finditer(text)]
    for pattern in (_MOBILE, _LANDLINE, _SERVICE):
        found += [(m.start(), m.end(), "phone") for m in pattern.finditer(text)]
    for m in _PHONE_LABEL.finditer(text):
        if sum(c.isdigit() for c in m.group(1)) >= 7:
            found.append((m.start(1), m.end(1), "phone"))
    for m in _CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        grouped = len(digits) < len(m.group())  # "6222 0212 ...": how cards are written
        if 16 <= len(digits) <= 19 and (grouped or luhn_ok(digits)):
            found.append((m.start(), m.end(), "bank_card"))
    labelled = {
        m.start(1)
        for m in _LABELLED_CODE.finditer(text)
        if (uscc_ok(m.group(1).upper()) and not id_checksum_ok(m.group(1))) or _gtin_ok(m.group(1))
    }
    for m in _LONG_NUMBER.finditer(text):
        if m.start() not in labelled:
            found.append((m.start(), m.end(), "order_number"))
    for m in _ORDER.finditer(text):
        if sum(c.isdigit() for c in m.group(1)) >= 4 and m.start(1) not in labelled:
            found.append((m.start(1), m.end(1), "labelled_order"))
    for m in _ACCOUNT.finditer(text):
        if sum(c.isdigit() for c in m.group(1)) >= 5 or m.group(1)[0].isalpha():
            found.append((m.start(1), m.end(1), "account"))
    return [f for f in found if not (f[2] == "id_card" and f[0] in labelled)]
