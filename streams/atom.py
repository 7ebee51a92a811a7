"""An Atom 1.0 feed (RFC 4287) of published warnings, for any feed reader. Pure: records in,
bytes out.

One entry per warning (its id stays, its ``updated`` moves with each version), so a reader shows
an upgraded or lifted warning as the same item changed, not as a new one. The feed's own
``updated`` is its newest entry's, so the same warnings give the same bytes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any
from xml.etree import ElementTree as ET

__all__ = ["ATOM_TYPE", "atom_feed"]

ATOM_TYPE = "application/atom+xml; charset=utf-8"
_NS = "http://www.w3.org/2005/Atom"
_EPOCH = "1970-01-01T00:00:00+00:00"  # an empty feed's updated time: deterministic, valid
_STATUS = {"active": "生效 in force", "lifted": "已解除 lifted", "withdrawn": "已撤回 withdrawn"}


def atom_feed(
    records: Sequence[Mapping[str, Any]], *, feed_id: str, title: str, self_url: str, base: str
) -> bytes:
    """The feed of ``records`` (as :func:`streams.publication.public_version` makes them, with
    the warning's public ``status``), newest first, linking to ``base``/public/warnings/<id>."""
    ET.register_namespace("", _NS)
    feed = ET.Element(f"{{{_NS}}}feed")
    _text(feed, "id", feed_id)
    _text(feed, "title", title)
    _text(feed, "updated", max((_updated(r) for r in records), default=_EPOCH))
    ET.SubElement(feed, f"{{{_NS}}}link", rel="self", href=self_url, type="application/atom+xml")
    author = ET.SubElement(feed, f"{{{_NS}}}author")
    _text(author, "name", "riskwire")
    for record in records:
        feed.append(_entry(record, base))
    body: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return body


def _entry(r: Mapping[str, Any], base: str) -> ET.Element:
    entry = ET.Element(f"{{{_NS}}}entry")
    _text(entry, "id", f"urn:riskwire:warning:{r['warning_id']}")
    status = _STATUS.get(r["status"], r["status"])
    _text(entry, "title", f"[{r['grade_label']}] {r['title']} ({status})")
    _text(entry, "updated", _updated(r))
    _text(entry, "published", r["start_time"])
    url = f"{base}/public/warnings/{r['warning_id']}"
    ET.SubElement(entry, f"{{{_NS}}}link", rel="alternate", href=url, type="application/json")
    author = ET.SubElement(entry, f"{{{_NS}}}author")
    _text(author, "name", r["authority"])
    for scheme, term in (("grade", r["grade"]), ("kind", r["kind"]), ("status", r["status"])):
        ET.SubElement(entry, f"{{{_NS}}}category", scheme=f"urn:riskwire:{scheme}", term=term)
    if r.get("hazard_class"):
        ET.SubElement(
            entry, f"{{{_NS}}}category", scheme="urn:riskwire:hazard", term=r["hazard_class"]
        )
    _text(entry, "summary", _summary(r))
    return entry


def _summary(r: Mapping[str, Any]) -> str:
    lines = [f"{r['kind_label']} · {r['grade_label']} · v{r['version']} ({r['change']})"]
    regions = "、".join(r["scope"]["regions"])
    if regions:
        lines.append(f"范围 scope: {regions}")
    lines += [f"警示事项 item: {item}" for item in r["warning_items"]]
    lines += [f"措施 measure: {m}" for m in r["measures"]]
    return "\n".join(lines)


def _updated(r: Mapping[str, Any]) -> str:
    """When the entry last changed: its version's time, or when it was withdrawn."""
    return str(r.get("withdrawn_time") or r["updated_time"])


# Characters XML 1.0 cannot carry (control characters a report's text may hold): dropped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(parent: ET.Element, tag: str, value: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{_NS}}}{tag}")
    element.text = _NOT_XML.sub("", value)
    return element
