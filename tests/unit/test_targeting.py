"""detectors.targeting: block-and-control from warnings, one instruction per declaration line."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from detectors import targeting
from detectors.catalogue import Catalogue
from detectors.cluster_update import absorb, new_cluster
from detectors.grading import decide
from detectors.targeting import SAMPLING_RATIO, Reference, control_for, instruct, matches
from schemas.records import Assessment, Cluster, Control, Signal, Warning, WarningKind

T0 = datetime(2026, 9, 20, 6, 30, tzinfo=UTC)
MakeSignal = Callable[..., Signal]

IMPORTER = "914403001922038216"  # the scooter importer's credit code
OTHER = "9144030071526726XG"
NO_REFERENCE = Reference(credit={}, blacklist=frozenset(), origin_risk={})


@pytest.fixture
def no_random_sampling(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every "double random" draw miss, to test the other rules on their own."""
    monkeypatch.setattr(targeting, "draw", lambda _declaration_id, _seed="": 0.999)


@pytest.fixture
def declaration(make_signal: MakeSignal) -> Callable[..., Signal]:
    """A declaration line of the scooters; override any field."""

    def make(**fields: object) -> Signal:
        defaults: dict[str, object] = {
            "brand": "乐途",
            "model": "LT-S3",
            "hs_code": "9503001000",
            "origin_country": "VN",
            "direction": "import",
            "quantity": 3000.0,
            "port": "CNSHA",
            "consignee": IMPORTER,
            "enterprise_uscc": IMPORTER,
            "enterprise_name": "上海乐途贸易有限公司",
            "channel": "single_window",
        }
        defaults.update(fields)
        goods = str(defaults.pop("goods", "儿童折叠滑板车 乐途 LT-S3"))
        signal = make_signal("declarations", goods, goods, **defaults)
        return replace(signal, declaration_id=f"{signal.source_id}-1")

    return make


@pytest.fixture
def scooter_cluster(make_signal: MakeSignal, declaration: Callable[..., Signal]) -> Cluster:
    """Complaints, an injury and a declaration about the VN scooters, as linkage builds them."""
    c = new_cluster(make_signal(brand="乐途", model="LT-S3", region="上海"))
    for i in range(3):
        c = absorb(c, make_signal(brand="乐途", region=["江苏", "浙江", "北京"][i]))
    c = absorb(
        c, make_signal("injuries", "儿童滑板车", "手指被折叠铰链夹伤", outcome="hospitalised")
    )
    return absorb(c, declaration())


def warn(cluster: Cluster, score: float) -> Warning:
    a = Assessment(
        cluster=cluster, as_of=cluster.last_seen, hazard=4, urgency=3, scope=4, score=score
    )
    w = decide(None, a)
    assert w is not None
    return w


@pytest.fixture
def control(scooter_cluster: Cluster, catalogue: Catalogue) -> Control:
    c = control_for(warn(scooter_cluster, 48.0), scooter_cluster, catalogue)
    assert c is not None
    return c


# --------------------------------------------------------------------------- control_for


def test_control_from_an_alert_notification(scooter_cluster: Cluster, catalogue: Catalogue) -> None:
    w = warn(scooter_cluster, 48.0)
    assert w.kind == WarningKind.ALERT_NOTIFICATION
    c = control_for(w, scooter_cluster, catalogue)
    assert c is not None
    assert c.control_id == "C-" + w.warning_id.removeprefix("W-")
    assert (c.warning_id, c.version, c.status, c.grade) == (w.warning_id, 1, "active", "II")
    assert c.action == "hold"
    assert c.reason == w.title
    assert c.hs_prefixes == ("950300",)  # the declared code, cut to 6 digits
    assert "乐途儿童折叠滑板车" in c.product_terms
    assert "儿童滑板车" in c.product_terms
    assert c.brands == ("乐途",)
    assert IMPORTER in c.enterprises
    assert c.origin_countries == ("VN",)
    assert c.valid_from == w.updated_time
    assert c.valid_until is None  # in force until a later version ends it
    # the parties apart: codes a port compares as written, other names in match form
    assert IMPORTER in c.enterprise_codes
    assert set(c.enterprise_codes) | set(c.enterprise_names) == set(c.enterprises)
    assert not set(c.enterprise_codes) & set(c.enterprise_names)
    assert all(len(code) == 18 for code in c.enterprise_codes)
    assert "LTS3" in c.model_codes
    assert c.product_names == (scooter_cluster.product,)


# grade I's measures in the default standard include "return shipment or destroy"
@pytest.mark.parametrize(("score", "action"), [(90, "return"), (48, "hold"), (30, "inspect")])
def test_control_action_follows_the_grade(
    scooter_cluster: Cluster, catalogue: Catalogue, score: float, action: str
) -> None:
    c = control_for(warn(scooter_cluster, score), scooter_cluster, catalogue)
    assert c is not None and c.action == action


def test_grade_iv_samples(scooter_cluster: Cluster, catalogue: Catalogue) -> None:
    w = replace(warn(scooter_cluster, 30.0), grade="IV")
    c = control_for(w, scooter_cluster, catalogue)
    assert c is not None and c.action == "sample"


def test_no_control_for_other_kinds(
    make_cluster: Callable[..., Cluster], catalogue: Catalogue
) -> None:
    domestic = make_cluster(
        risk_counts={"complaints": 5}, signal_count=5, member_ids=tuple("abcde"), origins=("CN",)
    )
    w = warn(domestic, 48.0)
    assert w.kind == WarningKind.WARNING_ANNOUNCEMENT
    assert control_for(w, domestic, catalogue) is None


def test_hs_prefixes_fall_back_to_the_category(
    make_cluster: Callable[..., Cluster], catalogue: Catalogue
) -> None:
    foreign = make_cluster(
        risk_counts={"complaints": 5}, signal_count=5, member_ids=tuple("abcde"), origins=("KR",)
    )
    c = control_for(warn(foreign, 48.0), foreign, catalogue)
    assert c is not None
    assert c.hs_prefixes == catalogue.categories["childrens_products"].hs_prefixes
    assert "9503" in c.hs_prefixes


# --------------------------------------------------------------------------- matches


def test_the_same_goods_match(control: Control, declaration: Callable[..., Signal]) -> None:
    assert matches(control, declaration())


def test_other_hs_code_does_not_match(control: Control, declaration: Callable[..., Signal]) -> None:
    assert not matches(control, declaration(hs_code="8516609000"))
    assert not matches(control, declaration(hs_code=None))


def test_other_origin_does_not_match(control: Control, declaration: Callable[..., Signal]) -> None:
    assert not matches(control, declaration(origin_country="TH"))


def test_enterprise_alone_matches(control: Control, declaration: Callable[..., Signal]) -> None:
    line = declaration(goods="塑料玩具配件", brand=None, model=None)
    assert matches(control, line)


def test_brand_alone_matches(control: Control, declaration: Callable[..., Signal]) -> None:
    line = declaration(
        goods="塑料玩具配件", brand="乐途", model=None, consignee=OTHER, enterprise_uscc=OTHER
    )
    assert matches(control, line)


def test_product_name_alone_matches(control: Control, declaration: Callable[..., Signal]) -> None:
    line = declaration(
        goods="儿童折叠滑板车(闪光轮)",
        brand=None,
        model=None,
        consignee=OTHER,
        enterprise_uscc=OTHER,
        enterprise_name="宁波优家进出口有限公司",
    )
    assert matches(control, line)


def test_unrelated_goods_under_the_same_code_do_not_match(
    control: Control, declaration: Callable[..., Signal]
) -> None:
    line = declaration(
        goods="星辰积木玩具",
        brand="星辰",
        model="X1200",
        consignee=OTHER,
        enterprise_uscc=OTHER,
        enterprise_name="宁波星辰进出口有限公司",
    )
    assert not matches(control, line)


def test_lifted_control_matches_nothing(
    control: Control, declaration: Callable[..., Signal]
) -> None:
    assert not matches(replace(control, status="lifted"), declaration())


def test_control_without_origins_matches_any_origin(
    control: Control, declaration: Callable[..., Signal]
) -> None:
    assert matches(replace(control, origin_countries=()), declaration(origin_country="TH"))


# --------------------------------------------------------------------------- instruct


def test_matching_control_sets_the_action(
    control: Control, declaration: Callable[..., Signal], no_random_sampling: None
) -> None:
    line = declaration()
    i = instruct(line, [control], NO_REFERENCE)
    assert i.instruction_id == i.declaration_id == line.declaration_id
    assert i.action == "hold"
    assert i.control_ids == (control.control_id,)
    assert i.reasons[0].startswith(f"matches control {control.control_id}")
    assert i.risk_score == 1.0  # the heaviest action
    assert (i.port, i.hs_code, i.origin_country, i.consignee) == (
        "CNSHA",
        "9503001000",
        "VN",
        IMPORTER,
    )
    assert i.declared_at == line.event_time


def test_nothing_to_say_releases(
    declaration: Callable[..., Signal], no_random_sampling: None
) -> None:
    i = instruct(declaration(), [], NO_REFERENCE)
    assert i.action == "release"
    assert i.reasons == ("no risk indicator",)
    assert i.control_ids == ()
    assert i.risk_score == 0.0


@pytest.mark.parametrize(
    ("credit", "blacklisted", "risk", "action", "score"),
    [
        ("A", False, 0.1, "release", 0.05),  # 0.1 x 0.5
        ("B", False, 0.0, "release", 0.0),
        ("C", False, 0.0, "sample", 0.5),  # rank 2 of 4
        ("D", False, 0.0, "inspect", 0.75),
        ("A", True, 0.0, "inspect", 0.75),
        ("A", False, 0.75, "document_check", 0.375),  # max(1/4, 0.75 x 0.5)
        ("A", False, 0.69, "release", 0.345),
        ("C", False, 0.9, "sample", 0.5),
    ],
)
def test_credit_blacklist_and_origin_risk(
    declaration: Callable[..., Signal],
    no_random_sampling: None,
    credit: str,
    blacklisted: bool,
    risk: float,
    action: str,
    score: float,
) -> None:
    reference = Reference(
        credit={IMPORTER: credit},
        blacklist=frozenset({IMPORTER} if blacklisted else ()),
        origin_risk={"VN": risk},
    )
    i = instruct(declaration(), [], reference)
    assert i.action == action
    assert i.risk_score == pytest.approx(score)


def test_blacklist_reason_is_stated(
    declaration: Callable[..., Signal], no_random_sampling: None
) -> None:
    reference = Reference(credit={}, blacklist=frozenset({IMPORTER}), origin_risk={})
    assert (
        "consignee on the quality-safety blacklist"
        in instruct(declaration(), [], reference).reasons
    )


def test_heaviest_action_wins(
    control: Control, declaration: Callable[..., Signal], no_random_sampling: None
) -> None:
    reference = Reference(credit={IMPORTER: "C"}, blacklist=frozenset(), origin_risk={"VN": 0.8})
    i = instruct(declaration(), [control], reference)
    assert i.action == "hold"
    assert len(i.reasons) == 3  # control, credit C, origin risk


def test_instruction_is_deterministic(control: Control, declaration: Callable[..., Signal]) -> None:
    reference = Reference(credit={IMPORTER: "B"}, blacklist=frozenset(), origin_risk={"VN": 0.3})
    base = declaration(consignee=OTHER, enterprise_uscc=OTHER)
    lines = [replace(base, declaration_id=f"D{n:08d}-1") for n in range(200)]
    first = [instruct(line, [control], reference) for line in lines]
    again = [instruct(line, [control], reference) for line in lines]
    assert first == again


@pytest.mark.parametrize(
    ("credit", "ratio"), [("A", 0.005), ("B", 0.02), ("C", 0.10), ("D", 0.30), (None, 0.05)]
)
def test_random_sampling_rate_follows_the_credit_grade(
    declaration: Callable[..., Signal], credit: str | None, ratio: float
) -> None:
    assert SAMPLING_RATIO.get(credit or "", 0.05) == ratio
    reference = Reference(
        credit={IMPORTER: credit} if credit else {}, blacklist=frozenset(), origin_risk={}
    )
    base = declaration()
    n = 4000
    drawn = 0
    for k in range(n):
        line_id = f"D{k:08d}-1"
        i = instruct(replace(base, declaration_id=line_id, source_id=line_id), [], reference)
        if any(r.startswith("random sampling") for r in i.reasons):
            drawn += 1
            assert i.action in ("sample", "inspect")
    # binomial: allow 4 standard deviations (plus one line for the smallest ratio)
    sd = (n * ratio * (1 - ratio)) ** 0.5
    assert abs(drawn - n * ratio) <= 4 * sd + 1


def test_sampling_draw_depends_on_the_declaration_not_the_time(
    declaration: Callable[..., Signal],
) -> None:
    reference = Reference(credit={IMPORTER: "D"}, blacklist=frozenset(), origin_risk={})
    base = declaration()
    for k in range(50):
        line = replace(base, declaration_id=f"D{k:08d}-1")
        later = replace(line, event_time=line.event_time + timedelta(days=3), port="CNNGB")
        a, b = instruct(line, [], reference), instruct(later, [], reference)
        assert a.action == b.action
        assert a.reasons == b.reasons


def test_sampling_draws_are_reproducible_from_the_published_seed(
    declaration: Callable[..., Signal],
) -> None:
    import hashlib

    from detectors.targeting import draw

    line_id = "D2026091400017-1"
    digest = hashlib.blake2b(f"seed-A:{line_id}".encode(), digest_size=8).digest()
    assert draw(line_id, "seed-A") == int.from_bytes(digest, "big") / 2**64
    assert draw(line_id, "seed-A") != draw(line_id, "seed-B")  # the seed decides, not the id
    # over many lines, the share sampled is the published ratio (within 3 sd)
    lines = [declaration(declaration_id=f"D{n:07d}-1") for n in range(5_000)]
    reference = Reference(credit={}, blacklist=frozenset(), origin_risk={}, sampling_seed="s")
    sampled = [i for i in (instruct(x, [], reference) for x in lines) if i.action == "sample"]
    share = len(sampled) / len(lines)
    assert abs(share - 0.05) < 3 * (0.05 * 0.95 / len(lines)) ** 0.5  # unknown credit: 5%
    reason = next(r for r in sampled[0].reasons if r.startswith("random sampling"))
    assert (
        "under seed 's'" in reason and f"draw {draw(sampled[0].declaration_id, 's'):.6f}" in reason
    )


@pytest.mark.parametrize(
    ("measures", "action"),
    [
        (("port targeting: hold all matching lines", "return shipment or destroy"), "return"),
        (("ban import", "destroy under supervision"), "destroy"),
        (("return shipment", "destroy"), "destroy"),
        (("port targeting: hold matching lines", "restrict import"), "hold"),
    ],
)
def test_measures_that_name_a_disposition_decide_the_action(
    scooter_cluster: Cluster, catalogue: Catalogue, measures: tuple[str, ...], action: str
) -> None:
    w = replace(warn(scooter_cluster, 48.0), measures=measures)
    c = control_for(w, scooter_cluster, catalogue)
    assert c is not None and c.action == action


def test_a_line_under_a_return_control_is_returned_and_outranks_every_other_action(
    control: Control, declaration: Callable[..., Signal]
) -> None:
    returned = replace(control, action="return")
    blacklisted = Reference(credit={IMPORTER: "D"}, blacklist=frozenset({IMPORTER}), origin_risk={})
    i = instruct(declaration(), [returned], blacklisted)
    assert i.action == "return"
    assert i.control_ids == (control.control_id,)
    assert i.risk_score == 1.0
    assert instruct(declaration(), [replace(control, action="destroy")], blacklisted).action == (
        "destroy"
    )


def test_a_blacklisted_consignees_line_goes_on_as_risk_evidence(
    declaration: Callable[..., Signal], scooter_cluster: Cluster
) -> None:
    from detectors.cluster_update import absorb
    from detectors.evidence import BLACKLISTED, is_risk_evidence
    from detectors.targeting import marked

    blacklisted = Reference(credit={}, blacklist=frozenset({IMPORTER}), origin_risk={})
    line = declaration()
    assert not is_risk_evidence(line)
    flagged = marked(line, blacklisted)
    assert BLACKLISTED in flagged.flags and is_risk_evidence(flagged)
    assert marked(flagged, blacklisted) == flagged  # marked once, however often
    assert marked(line, NO_REFERENCE) is line
    assert marked(declaration(consignee=OTHER, enterprise_uscc=OTHER), blacklisted).flags == ()
    # in its cluster it counts where risks are counted; a plain line only in the feed counts
    plain = absorb(scooter_cluster, replace(line, signal_id="declarations:x-1"))
    risky = absorb(scooter_cluster, replace(flagged, signal_id="declarations:x-1"))
    assert sum(risky.risk_counts.values()) == sum(plain.risk_counts.values()) + 1
    assert risky.feed_counts == plain.feed_counts
