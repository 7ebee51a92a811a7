"""What leaves riskwire for the public and for partners: who may see which warning versions, and
the record they see. Pure: no I/O (the endpoints are :mod:`streams.public_api`, the pushes
:mod:`streams.webhooks`).

Only what the lifecycle has published leaves: a version in force (approved, or under effect
evaluation) and a lifted version of a warning that was in force. Candidates, rejected proposals
and analysts' reasons never leave. Who sees what (DOMAIN.md §4):

* the public: warning announcements (风险警示公告), nothing else;
* a partner (an enterprise, by its token): announcements, and the notices (风险警示通告) whose
  scope names that enterprise;
* nobody outside: alert notifications to customs (风险警示通报). Port systems read those on
  ``riskwire.controls``.

A warning whose latest version is of a kind its audience may not see (an announcement
downgraded to a notice, or turned into an alert when its goods turned out to be imported) shows
as ``withdrawn`` from that audience, with nothing of the new version but its number and time.

Every text in a record goes through :func:`detectors.masking.mask_record`: the record is built
from the warning's own fields (no report text but a partner's masked excerpts), and the product
name is kept as a warning needs it (a brand named after a person stays; numbers in it do not).
A record is a function of its version alone, so the same version always leaves as the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from typing import Any

from detectors.grading import IN_FORCE
from detectors.masking import mask_record
from detectors.masking_patterns import id_checksum_ok, uscc_ok
from schemas.records import Grade, Warning, WarningKind

__all__ = [
    "GRADE_LABELS",
    "KIND_LABELS",
    "MAX_PER_PAGE",
    "Audience",
    "PublicWarning",
    "Query",
    "history_entry",
    "public_version",
    "public_warning",
    "query_from",
    "withdrawn_entry",
]

KIND_LABELS = {
    WarningKind.ALERT_NOTIFICATION.value: "风险警示通报",
    WarningKind.WARNING_NOTICE.value: "风险警示通告",
    WarningKind.WARNING_ANNOUNCEMENT.value: "风险警示公告",
}
GRADE_LABELS = {
    "I": "I级（红色）",
    "II": "II级（橙色）",
    "III": "III级（黄色）",
    "IV": "IV级（蓝色）",
}
MAX_PER_PAGE = 100
_ANNOUNCEMENT = WarningKind.WARNING_ANNOUNCEMENT.value
_NOTICE = WarningKind.WARNING_NOTICE.value
_RECURRENCE_PREFIX = "recurs: "  # detectors.recurrence's warning items
_KEEP_FIELDS = ("product",)  # words a warning needs verbatim (see detectors.masking)


@dataclass(frozen=True, slots=True)
class Audience:
    """Who is looking: the public (``enterprise`` None) or one enterprise's partner token."""

    enterprise: str | None = None

    @property
    def public(self) -> bool:
        return self.enterprise is None

    def may_see(self, warning: Warning) -> bool:
        """Whether this kind of warning, with this scope, is for this audience."""
        if warning.kind == _ANNOUNCEMENT:
            return True
        return warning.kind == _NOTICE and self.enterprise in warning.enterprises


@dataclass(frozen=True, slots=True)
class PublicWarning:
    """One warning as an audience sees it: its latest visible version and its history."""

    warning_id: str
    latest: Warning  # the latest version the audience may see
    shown: tuple[Warning, ...]  # the versions the audience may see, oldest first
    withdrawn: Warning | None  # a later version the audience may not see (then: withdrawn)

    @property
    def status(self) -> str:
        return "withdrawn" if self.withdrawn is not None else self.latest.status

    @property
    def updated_time(self) -> datetime:
        return (self.withdrawn or self.latest).updated_time


def public_warning(versions: Sequence[Warning], audience: Audience) -> PublicWarning | None:
    """What ``audience`` may see of a warning's versions (any order), or ``None``: nothing.

    A version in force that the audience may see is shown when it changes what the audience
    reads (:func:`_public_content`: an analyst's "evidence requested" or a reply does not). A
    lift is shown only as the end of what the audience saw in force: the content last shown,
    with the lift's version, status, change and time (a proposal or a re-issued candidate that
    was never published does not leave with it). A version in force of a kind the audience may
    not see ends what it saw: ``withdrawn``, once; later hidden versions change nothing."""
    shown: list[Warning] = []
    withdrawn: Warning | None = None
    current: Warning | None = None  # what the audience sees in force now
    for v in sorted(versions, key=lambda w: w.version):
        if v.state in IN_FORCE:
            if audience.may_see(v):
                if current is None or _public_content(v) != _public_content(current):
                    shown.append(v)
                current, withdrawn = v, None
            elif current is not None:
                current, withdrawn = None, v
        elif v.state == "lifted" and current is not None:
            shown.append(
                replace(
                    current,
                    version=v.version,
                    updated_time=v.updated_time,
                    status=v.status,
                    state=v.state,
                    change=v.change,
                )
            )
            current = None
    if not shown:
        return None
    return PublicWarning(shown[0].warning_id, shown[-1], tuple(shown), withdrawn)


def _public_content(w: Warning) -> tuple[Any, ...]:
    """What a public record shows of a version, but for its number and time."""
    return (
        w.status, w.state, w.grade, w.kind, w.authority, w.title, w.product, w.category,
        w.hazard_class, w.scope_regions, w.enterprises, w.origins, w.hs_codes,
        _items(w.warning_items), w.measures, w.hazard, w.urgency, w.scope, w.score,
    )  # fmt: skip


def _items(items: Iterable[str]) -> list[str]:
    """Warning items without those naming earlier warnings (:mod:`detectors.recurrence`): they
    may name a rejected proposal, a candidate or an alert to customs, none of them published."""
    return [i for i in items if not i.startswith(_RECURRENCE_PREFIX)]


def public_version(warning: Warning) -> dict[str, Any]:
    """One version as it leaves: built from the warning's fields, every text masked. The same
    version gives the same record (a webhook's body under one idempotency key never changes)."""
    w = warning
    scope: dict[str, list[str]] = {
        "regions": list(w.scope_regions),
        "enterprises": list(w.enterprises),
        "origins": list(w.origins),
        "hs_codes": list(w.hs_codes),
    }
    record: dict[str, Any] = {
        "warning_id": w.warning_id,
        "version": w.version,
        "status": w.status,
        "state": w.state,
        "change": w.change,
        "grade": w.grade,
        "colour": w.colour,
        "grade_label": GRADE_LABELS.get(w.grade, w.grade),
        "kind": w.kind,
        "kind_label": KIND_LABELS.get(w.kind, w.kind),
        "authority": w.authority,
        "title": w.title,
        "product": w.product,
        "category": w.category,
        "hazard_class": w.hazard_class,
        "scope": scope,
        "levels": {"hazard": w.hazard, "urgency": w.urgency, "scope": w.scope},
        "score": w.score,
        "warning_items": _items(w.warning_items),
        "measures": list(w.measures),
        "start_time": _iso(w.start_time),
        "updated_time": _iso(w.updated_time),
        "signals": len(w.evidence),
        "signals_by_feed": dict(sorted(w.feed_counts.items())),
    }
    masked: dict[str, Any] = mask_record(record, keep_fields=_KEEP_FIELDS)
    # identifiers and codes are data, not text: put back what masking must not touch
    for key in ("warning_id", "status", "state", "change", "grade", "colour", "kind"):
        masked[key] = record[key]
    masked["start_time"], masked["updated_time"] = record["start_time"], record["updated_time"]
    masked["scope"]["hs_codes"], masked["scope"]["origins"] = scope["hs_codes"], scope["origins"]
    masked["scope"]["enterprises"] = [  # a credit code is the enterprise's public identity
        e if uscc_ok(e) and not id_checksum_ok(e) else m
        for e, m in zip(scope["enterprises"], masked["scope"]["enterprises"], strict=True)
    ]
    return masked


def history_entry(warning: Warning) -> dict[str, Any]:
    """A version in a warning's public history: what changed, to which grade, when."""
    w = warning
    return {
        "version": w.version,
        "change": w.change,
        "status": w.status,
        "grade": w.grade,
        "colour": w.colour,
        "kind": w.kind,
        "updated_time": _iso(w.updated_time),
    }


def withdrawn_entry(warning: Warning) -> dict[str, Any]:
    """The version that took a warning out of an audience's sight: its number and time only."""
    return {
        "version": warning.version,
        "change": "withdrawn",
        "status": "withdrawn",
        "updated_time": _iso(warning.updated_time),
    }


@dataclass(frozen=True, slots=True)
class Query:
    """A search of published warnings (``GET /public/warnings``, the Atom feed, a subscription).

    Every field narrows: ``product``/``brand`` (words in the product name or title, any case),
    ``enterprise`` (an enterprise id or name in the scope), ``region`` (part of a scope region:
    "浙江" finds "浙江省杭州市"), ``hs`` (an HS code prefix), ``category``, ``hazard``
    (hazard class), ``grade``/``kind``/``status`` (any of several), ``since``/``until`` (the
    last change, inclusive dates)."""

    product: str | None = None
    brand: str | None = None
    enterprise: str | None = None
    region: str | None = None
    hs: str | None = None
    category: str | None = None
    hazard: str | None = None
    grades: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()
    statuses: frozenset[str] = frozenset()
    since: datetime | None = None
    until: datetime | None = None
    page: int = 1
    per_page: int = 20

    def matches(self, found: PublicWarning, shown: Mapping[str, Any] | None = None) -> bool:
        """Whether a warning is found. Given ``shown``, its masked record, words are looked
        for in what the audience reads: a search cannot confirm a number that was masked."""
        w = found.latest
        if shown is None:
            product, title = w.product, w.title
            enterprises, regions = list(w.enterprises), list(w.scope_regions)
        else:
            product, title = shown["product"], shown["title"]
            enterprises, regions = shown["scope"]["enterprises"], shown["scope"]["regions"]
        text = f"{product} {title}".casefold()
        checks = (
            self.product is None or self.product.casefold() in text,
            self.brand is None or self.brand.casefold() in text,
            self.enterprise is None or self.enterprise in enterprises,
            self.region is None or any(self.region in r for r in regions),
            self.hs is None or any(c.startswith(self.hs) for c in w.hs_codes),
            self.category is None or w.category == self.category,
            self.hazard is None or w.hazard_class == self.hazard,
            not self.grades or w.grade in self.grades,
            not self.kinds or w.kind in self.kinds,
            not self.statuses or found.status in self.statuses,
            self.since is None or found.updated_time >= self.since,
            self.until is None or found.updated_time <= self.until,
        )
        return all(checks)

    def select(
        self, found: Iterable[PublicWarning], shown: Mapping[str, Mapping[str, Any]] | None = None
    ) -> list[PublicWarning]:
        """The matches, newest change first (then by id: a stable order to page through);
        ``shown``: the masked records by warning id (see :meth:`matches`)."""
        hits = [f for f in found if self.matches(f, None if shown is None else shown[f.warning_id])]
        hits.sort(key=lambda f: f.warning_id)
        hits.sort(key=lambda f: f.updated_time, reverse=True)
        return hits

    def page_of(self, hits: Sequence[PublicWarning]) -> Sequence[PublicWarning]:
        start = (self.page - 1) * self.per_page
        return hits[start : start + self.per_page]


_QUERY_KEYS = frozenset(
    {"product", "brand", "enterprise", "region", "hs", "category", "hazard", "grade", "kind"}
    | {"status", "since", "until", "page", "per_page"}
)
_STATUSES = frozenset({"active", "lifted", "withdrawn"})


def query_from(params: Mapping[str, str]) -> Query:
    """A query from URL parameters, or ``ValueError`` saying which one is wrong and why."""
    unknown = sorted(set(params) - _QUERY_KEYS)
    if unknown:
        raise ValueError(f"unknown parameters {unknown}; parameters are {sorted(_QUERY_KEYS)}")

    def text(name: str) -> str | None:
        value = params.get(name, "").strip()
        if len(value) > 200:
            raise ValueError(f"{name}: at most 200 characters")
        return value or None

    def choices(name: str, allowed: Iterable[str]) -> frozenset[str]:
        picked = frozenset(v.strip() for v in params.get(name, "").split(",") if v.strip())
        wrong = sorted(picked - set(allowed))
        if wrong:
            raise ValueError(f"{name}: {wrong} not among {sorted(allowed)}")
        return picked

    hs = text("hs")
    if hs is not None and not (hs.isascii() and hs.isdigit()):
        raise ValueError(f"hs: digits of an HS code, got {hs!r}")
    return Query(
        product=text("product"),
        brand=text("brand"),
        enterprise=text("enterprise"),
        region=text("region"),
        hs=hs,
        category=text("category"),
        hazard=text("hazard"),
        grades=choices("grade", [g.value for g in Grade]),
        kinds=choices("kind", [_ANNOUNCEMENT, _NOTICE]),
        statuses=choices("status", _STATUSES),
        since=_when(params.get("since"), "since", end=False),
        until=_when(params.get("until"), "until", end=True),
        page=_number(params.get("page"), "page", 1, 1, 10_000),
        per_page=_number(params.get("per_page"), "per_page", 20, 1, MAX_PER_PAGE),
    )


def _number(raw: str | None, name: str, default: int, low: int, high: int) -> int:
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
        raise ValueError(f"{name}: a whole number from {low} to {high}, got {raw!r}")
    return int(raw)


def _when(raw: str | None, name: str, *, end: bool) -> datetime | None:
    """A date (the whole day: from its start, or to its end) or an ISO time; naive means UTC."""
    if raw is None or raw == "":
        return None
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            return datetime.combine(day, time.max if end else time.min, tzinfo=UTC)
        at = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"{name}: a date (2026-09-12) or ISO time, got {raw!r}") from None
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _iso(at: datetime) -> str:
    return at.isoformat()
