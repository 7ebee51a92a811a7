"""What leaves for the public and for partners: which versions each audience sees, the masked
record of a version, and the search of published warnings (streams.publication)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest

from schemas.records import Warning
from streams.publication import (
    GRADE_LABELS,
    KIND_LABELS,
    Audience,
    PublicWarning,
    history_entry,
    public_version,
    public_warning,
    query_from,
    withdrawn_entry,
)

T0 = datetime(2026, 9, 20, 6, 30, tzinfo=UTC)
ANNOUNCEMENT, NOTICE, ALERT = "warning_announcement", "warning_notice", "alert_notification"
PUBLIC = Audience()
LETU = "91310000MA1FL0XX1X"  # the partner enterprise of these tests
OTHER = "91330000MA27U0XX2Y"
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def resident_id(first17: str) -> str:
    """A resident ID number with its GB 11643 check character, computed here independently."""
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


def _version(warning_id: str, version: int, **kw: Any) -> Warning:
    """A published announcement by default; ``updated_time`` moves a day per version."""
    fields: dict[str, Any] = {
        "warning_id": warning_id,
        "version": version,
        "cluster_id": "K-" + warning_id.removeprefix("W-"),
        "status": "active",
        "change": "issued" if version == 1 else "upgraded",
        "grade": "II",
        "colour": "orange",
        "kind": ANNOUNCEMENT,
        "authority": "competent quality-safety authority",
        "title": "Grade II physical risk: 乐途儿童滑板车",
        "product": "乐途儿童滑板车",
        "category": "childrens_products",
        "hazard_class": "physical",
        "scope_regions": ("浙江省杭州市",),
        "warning_items": ("12 risk signals from complaints, injuries",),
        "measures": ("stop selling the affected batches",),
        "start_time": T0,
        "updated_time": T0 + timedelta(days=version),
        "score": 50.0,
        "hazard": 5,
        "urgency": 2,
        "scope": 5,
        "evidence": ("complaints:C1", "injuries:I1"),
        "state": "approved",
        "reason": f"version {version}",
        "standard_version": "riskwire-grading-2026.12",
        "enterprises": (LETU,),
        "hs_codes": ("95030089",),
        "origins": ("CN",),
    }
    fields.update(kw)
    return Warning(**fields)


def _lifted(warning_id: str, version: int, **kw: Any) -> Warning:
    return _version(warning_id, version, state="lifted", status="lifted", change="lifted", **kw)


def versions_of(found: PublicWarning | None) -> list[int]:
    assert found is not None
    return [v.version for v in found.shown]


# --- who sees which versions ----------------------------------------------------------------


def test_the_public_sees_an_announcement_only_once_it_is_approved() -> None:
    proposed = _version("W-a", 1, state="candidate")
    approved = _version("W-a", 2, change="updated")
    assert public_warning([proposed], PUBLIC) is None
    found = public_warning([proposed, approved], PUBLIC)
    assert found is not None
    assert found.latest is approved
    assert versions_of(found) == [2]
    assert found.status == "active" and found.withdrawn is None
    assert found.updated_time == approved.updated_time


def test_a_version_under_effect_evaluation_is_still_in_force() -> None:
    found = public_warning([_version("W-a", 1), _version("W-a", 2, state="evaluating")], PUBLIC)
    assert versions_of(found) == [1, 2]


@pytest.mark.parametrize("audience", [PUBLIC, Audience(LETU)], ids=["public", "partner"])
def test_a_warning_that_never_left_candidacy_or_was_rejected_is_invisible(
    audience: Audience,
) -> None:
    candidates = [_version("W-a", 1, state="candidate"), _version("W-a", 2, state="candidate")]
    rejected = [_version("W-a", 1, state="candidate"), _version("W-a", 2, state="rejected")]
    assert public_warning(candidates, audience) is None
    assert public_warning(rejected, audience) is None
    assert public_warning([_version("W-a", 1, state="rejected")], audience) is None


def test_a_lifted_version_after_a_published_one_shows_the_warning_as_lifted() -> None:
    versions = [_version("W-a", 1), _version("W-a", 2, grade="I"), _lifted("W-a", 3)]
    found = public_warning(versions, PUBLIC)
    assert versions_of(found) == [1, 2, 3]
    assert found is not None and found.status == "lifted"
    assert found.latest.version == 3 and found.latest.grade == "I"  # what was in force, lifted


def test_a_lift_shows_what_was_published_not_a_proposal_made_after_it() -> None:
    # approved at II, then a grade I proposal never approved, then lifted by an analyst
    proposal = _version("W-a", 2, state="candidate", grade="I", title="PROPOSAL")
    found = public_warning([_version("W-a", 1), proposal, _lifted("W-a", 3)], PUBLIC)
    assert found is not None and versions_of(found) == [1, 3]
    assert (found.latest.grade, found.latest.status, found.latest.version) == ("II", "lifted", 3)
    assert "PROPOSAL" not in found.latest.title


def test_a_candidate_raised_again_after_a_lift_never_leaves() -> None:
    again = _version("W-a", 3, state="candidate", grade="I", title="AGAIN")
    versions = [_version("W-a", 1), _lifted("W-a", 2), again, _lifted("W-a", 4)]
    found = public_warning(versions, PUBLIC)
    assert found is not None and versions_of(found) == [1, 2]
    assert found.latest.title != "AGAIN" and found.status == "lifted"


def test_an_alert_after_a_lift_does_not_show_as_a_withdrawal() -> None:
    alert = _version("W-a", 3, kind=ALERT, grade="I")
    found = public_warning([_version("W-a", 1), _lifted("W-a", 2), alert], PUBLIC)
    assert found is not None and found.status == "lifted" and found.withdrawn is None


def test_a_withdrawal_is_the_first_hidden_version_and_later_ones_change_nothing() -> None:
    versions = [
        _version("W-a", 1),
        _version("W-a", 2, kind=ALERT, grade="I"),
        _version("W-a", 3, kind=ALERT, grade="I", warning_items=("more",)),
        _lifted("W-a", 4, kind=ALERT),
    ]
    found = public_warning(versions, PUBLIC)
    assert found is not None and found.withdrawn is not None
    assert found.withdrawn.version == 2 and found.updated_time == versions[1].updated_time


def test_workflow_steps_that_change_nothing_public_are_not_shown() -> None:
    steps = [
        _version("W-a", 2, change="evidence requested", flags=("evidence requested",)),
        _version("W-a", 3, change="replied", replies=1, reason="reply text"),
    ]
    found = public_warning([_version("W-a", 1), *steps], PUBLIC)
    assert found is not None and versions_of(found) == [1]


def test_items_naming_earlier_warnings_do_not_leave() -> None:
    w = _version(
        "W-a",
        1,
        warning_items=(
            "12 risk signals from complaints, injuries",
            "recurs: the same enterprise as W-9f3a2c (peak grade I, 14 signals, rejected)",
        ),
        recurrence_of=("W-9f3a2c",),
        superseded_by="W-777777",
    )
    record = orjson.dumps(public_version(w))
    assert b"W-9f3a2c" not in record and b"W-777777" not in record
    assert b"12 risk signals" in record


def test_lifting_a_never_published_candidate_shows_nothing() -> None:
    assert (
        public_warning([_version("W-a", 1, state="candidate"), _lifted("W-a", 2)], PUBLIC) is None
    )


def test_a_later_candidate_does_not_replace_the_version_in_force() -> None:
    versions = [_version("W-a", 1), _version("W-a", 2, state="candidate", grade="I")]
    found = public_warning(versions, PUBLIC)
    assert versions_of(found) == [1]
    assert found is not None and found.latest.grade == "II"


def test_versions_in_any_order_give_the_same_view() -> None:
    versions = [
        _version("W-a", 1, state="candidate"),
        _version("W-a", 2),
        _version("W-a", 3, kind=NOTICE, change="downgraded"),
        _version("W-a", 4, change="upgraded"),
        _lifted("W-a", 5),
    ]
    expected = public_warning(versions, PUBLIC)
    rnd = random.Random(11)
    for _ in range(10):
        shuffled = versions[:]
        rnd.shuffle(shuffled)
        assert public_warning(shuffled, PUBLIC) == expected
    assert versions_of(expected) == [2, 4, 5]


@pytest.mark.parametrize("audience", [PUBLIC, Audience(LETU), Audience(OTHER)])
def test_an_alert_notification_is_never_visible_outside(audience: Audience) -> None:
    alert = [
        _version("W-a", 1, kind=ALERT, enterprises=(LETU, OTHER)),
        _lifted("W-a", 2, kind=ALERT),
    ]
    assert public_warning(alert, audience) is None
    assert not audience.may_see(alert[0])


def test_a_partner_sees_a_notice_only_when_it_names_the_partners_enterprise() -> None:
    notice = [_version("W-n", 1, kind=NOTICE, enterprises=(LETU,))]
    assert versions_of(public_warning(notice, Audience(LETU))) == [1]
    assert public_warning(notice, Audience(OTHER)) is None
    assert public_warning(notice, PUBLIC) is None
    # and every partner sees the announcements, whoever they name
    announcement = [_version("W-b", 1, enterprises=(LETU,))]
    assert versions_of(public_warning(announcement, Audience(OTHER))) == [1]


def test_an_announcement_downgraded_to_a_notice_is_withdrawn_from_the_public() -> None:
    published = _version("W-a", 1)
    downgraded = _version("W-a", 2, kind=NOTICE, change="downgraded", grade="III")
    found = public_warning([published, downgraded], PUBLIC)
    assert found is not None
    assert found.status == "withdrawn"
    assert found.latest is published  # nothing of the new version but its number and time
    assert found.withdrawn is downgraded
    assert found.updated_time == downgraded.updated_time
    entry = withdrawn_entry(downgraded)
    assert entry == {
        "version": 2,
        "change": "withdrawn",
        "status": "withdrawn",
        "updated_time": downgraded.updated_time.isoformat(),
    }
    # the partner the notice names keeps seeing it, not withdrawn
    partner = public_warning([published, downgraded], Audience(LETU))
    assert partner is not None and partner.status == "active"
    assert versions_of(partner) == [1, 2]
    # another partner is in the public's position
    other = public_warning([published, downgraded], Audience(OTHER))
    assert other is not None and other.status == "withdrawn"


def test_goods_found_imported_withdraw_the_announcement_from_everyone() -> None:
    versions = [_version("W-a", 1), _version("W-a", 2, kind=ALERT, change="updated")]
    for audience in (PUBLIC, Audience(LETU)):
        found = public_warning(versions, audience)
        assert found is not None and found.status == "withdrawn"
        assert found.withdrawn is not None and found.withdrawn.version == 2


def test_an_announcement_again_after_a_withdrawal_is_shown_again() -> None:
    versions = [
        _version("W-a", 1),
        _version("W-a", 2, kind=NOTICE, change="downgraded"),
        _version("W-a", 3, change="upgraded"),
    ]
    found = public_warning(versions, PUBLIC)
    assert found is not None and found.withdrawn is None and found.status == "active"
    assert versions_of(found) == [1, 3]


def test_a_history_entry_is_what_changed_to_which_grade_and_when() -> None:
    v = _version("W-a", 2, grade="I", colour="red")
    assert history_entry(v) == {
        "version": 2,
        "change": "upgraded",
        "status": "active",
        "grade": "I",
        "colour": "red",
        "kind": ANNOUNCEMENT,
        "updated_time": (T0 + timedelta(days=2)).isoformat(),
    }


# --- the public record of a version ---------------------------------------------------------


def test_the_same_version_always_leaves_as_the_same_bytes() -> None:
    w = _version("W-a", 1, feed_counts={"complaints": 3, "injuries": 1, "listings": 2})
    # an equal version read again (another process, another dict order) gives the same record
    again = replace(w, feed_counts={"listings": 2, "injuries": 1, "complaints": 3})
    first = orjson.dumps(public_version(w))
    assert first == orjson.dumps(public_version(w))
    assert first == orjson.dumps(public_version(again))
    record = orjson.loads(first)
    assert list(record["signals_by_feed"]) == ["complaints", "injuries", "listings"]


PHONE, PHONE_SPACED = "13857123456", "139 0571 8888"


@pytest.fixture
def planted() -> Warning:
    """A version with phone and ID-card numbers in every text a report can reach."""
    idn = resident_id("33010619850312452")
    return _version(
        "W-a",
        1,
        title=f"Grade II physical risk: 乐途儿童滑板车 客服{PHONE}",
        product=f"乐途儿童滑板车（售后{PHONE_SPACED}）",
        warning_items=(f"投诉人身份证{idn}，手机{PHONE}", "12 risk signals"),
        measures=(f"联系经销商电话 {PHONE_SPACED} 退货", f"登记人证件号：{idn}"),
        enterprises=(LETU, f"杭州乐途贸易商行 电话{PHONE}", f"个体户（身份证{idn}）"),
    )


def test_phone_and_id_card_numbers_never_leave_in_a_public_record(planted: Warning) -> None:
    out = orjson.dumps(public_version(planted)).decode()
    idn = resident_id("33010619850312452")
    compact = out.replace(" ", "")
    for number in (PHONE, PHONE_SPACED.replace(" ", ""), idn):
        assert number not in compact
        # nor any five of its digits in a row (a half-masked number still identifies)
        assert not any(number[i : i + 5] in compact for i in range(len(number) - 4)), number
    assert "[电话]" in out and "[身份证号]" in out
    # what a warning needs stays: the product's words, the partner's id, the scope's codes
    record = public_version(planted)
    assert record["product"].startswith("乐途儿童滑板车")
    assert record["scope"]["enterprises"][0] == LETU
    assert record["scope"]["hs_codes"] == ["95030089"]


def test_a_brand_named_after_a_person_stays_but_a_customers_name_goes() -> None:
    w = _version(
        "W-k",
        1,
        title="Grade III physical risk: 张小泉不锈钢剪刀",
        product="张小泉不锈钢剪刀",
        warning_items=("消费者王秀英反映剪刀断裂划伤手指",),
    )
    record = public_version(w)
    assert record["product"] == "张小泉不锈钢剪刀"
    assert "张小泉不锈钢剪刀" in record["title"]
    assert "王秀英" not in orjson.dumps(record).decode()
    assert "[姓名]" in record["warning_items"][0]


def test_no_analyst_reason_decision_or_evidence_id_leaks_into_the_record() -> None:
    w = _version(
        "W-a",
        3,
        reason="analyst note: 供应商内部消息，暂不公开 SECRET-REASON",
        decided_by="analyst:li.lei@amr.example",
        evidence=("complaints:CP-SECRET-0001", "injuries:IR-SECRET-0002", "listings:L-9"),
        explanation={"notes": "EXPLANATION-SECRET"},
        flags=("evidence requested",),
        ports=("PORT-SECRET",),
    )
    record = public_version(w)
    out = orjson.dumps(record).decode()
    for secret in ("SECRET-REASON", "li.lei", "CP-SECRET", "IR-SECRET", "listings:L-9"):
        assert secret not in out
    assert "EXPLANATION-SECRET" not in out and "PORT-SECRET" not in out
    assert "evidence requested" not in out
    assert record["signals"] == 3  # only how many signals, not which
    for key in ("reason", "decided_by", "evidence", "explanation", "flags", "decide_by"):
        assert key not in record


def test_identifiers_and_labels_are_not_mangled_by_masking() -> None:
    for grade, colour in (("I", "red"), ("II", "orange"), ("III", "yellow"), ("IV", "blue")):
        for kind in (ANNOUNCEMENT, NOTICE):
            w = _version(
                "W-0123456789ab",
                7,
                grade=grade,
                colour=colour,
                kind=kind,
                recurrence_of=("W-00000000000a",),
                superseded_by="W-00000000000b",
            )
            record = public_version(w)
            assert record["grade_label"] == GRADE_LABELS[grade]
            assert record["kind_label"] == KIND_LABELS[kind]
            assert (record["warning_id"], record["version"]) == ("W-0123456789ab", 7)
            assert (record["grade"], record["colour"], record["kind"]) == (grade, colour, kind)
            assert "recurrence_of" not in record and "superseded_by" not in record
            assert record["start_time"] == T0.isoformat()
            assert record["scope"]["regions"] == ["浙江省杭州市"]


def test_an_enterprise_credit_code_in_the_scope_is_not_masked(
    uscc_code: Callable[[str], str],
) -> None:
    code = uscc_code("91330100799655058")  # a valid USCC, 17 digits and its check character
    assert public_version(_version("W-a", 1, enterprises=(code,)))["scope"]["enterprises"] == [code]


# --- searching published warnings -----------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"colour": "red"}, "unknown parameters"),
        ({"grade": "V"}, "grade"),
        ({"grade": "I,ii"}, "grade"),
        ({"kind": ALERT}, "kind"),
        ({"status": "rejected"}, "status"),
        ({"hs": "95a3"}, "hs"),
        ({"hs": "9503-00"}, "hs"),
        ({"page": "0"}, "page"),
        ({"page": "-1"}, "page"),
        ({"page": "two"}, "page"),
        ({"page": "10001"}, "page"),
        ({"per_page": "101"}, "per_page"),
        ({"since": "2026-13-01"}, "since"),
        ({"until": "yesterday"}, "until"),
        ({"product": "x" * 201}, "product"),
    ],
)
def test_a_bad_parameter_is_refused_naming_it(params: dict[str, str], named: str) -> None:
    with pytest.raises(ValueError, match=named):
        query_from(params)


def test_a_page_of_a_superscript_digit_is_refused_naming_it() -> None:
    with pytest.raises(ValueError, match="page"):
        query_from({"page": "²"})


def test_an_empty_query_has_the_defaults() -> None:
    q = query_from({})
    assert (q.page, q.per_page) == (1, 20)
    assert q.grades == q.kinds == q.statuses == frozenset()
    assert q.since is None and q.until is None
    q = query_from({"grade": " I , II ", "hs": " 9503 ", "page": "3", "per_page": "100"})
    assert q.grades == {"I", "II"} and q.hs == "9503" and (q.page, q.per_page) == (3, 100)


def _published(warning_id: str, updated: datetime, **kw: Any) -> PublicWarning:
    found = public_warning([_version(warning_id, 1, updated_time=updated, **kw)], PUBLIC)
    assert found is not None
    return found


def matching(params: dict[str, str], found: list[PublicWarning]) -> list[str]:
    return [f.warning_id for f in query_from(params).select(found)]


def test_region_matches_part_of_a_scope_region_and_hs_a_code_prefix() -> None:
    zj = _published("W-zj", T0, scope_regions=("浙江省杭州市", "上海"), hs_codes=("95030089",))
    js = _published("W-js", T0, scope_regions=("江苏省南京市",), hs_codes=("85161000",))
    both = [zj, js]
    assert matching({"region": "浙江"}, both) == ["W-zj"]
    assert matching({"region": "杭州"}, both) == ["W-zj"]
    assert matching({"region": "南京"}, both) == ["W-js"]
    assert matching({"region": "广东"}, both) == []
    assert matching({"hs": "9503"}, both) == ["W-zj"]
    assert matching({"hs": "95030089"}, both) == ["W-zj"]
    assert matching({"hs": "950300891"}, both) == []  # longer than the code: not a prefix
    assert matching({"hs": "8516", "region": "浙江"}, both) == []  # every parameter narrows


def test_grades_are_a_set_and_text_matches_product_or_title_in_any_case() -> None:
    found = [
        _published("W-1", T0, grade="I", product="Letu Scooter"),
        _published("W-2", T0, grade="II", product="暖风机"),
        _published("W-3", T0, grade="III", product="电热毯"),
    ]
    assert matching({"grade": "I,II"}, found) == ["W-1", "W-2"]
    assert matching({"grade": "III"}, found) == ["W-3"]
    assert matching({"product": "letu SCOOTER"}, found) == ["W-1"]
    assert matching({"brand": "暖风"}, found) == ["W-2"]


def test_since_and_until_dates_are_inclusive_whole_days() -> None:
    found = [
        _published("W-early", datetime(2026, 9, 21, 0, 0, tzinfo=UTC)),
        _published("W-late", datetime(2026, 9, 21, 23, 59, 59, 999999, tzinfo=UTC)),
        _published("W-next", datetime(2026, 9, 22, 0, 0, tzinfo=UTC)),
        _published("W-before", datetime(2026, 9, 20, 23, 59, 59, tzinfo=UTC)),
    ]
    assert set(matching({"since": "2026-09-21", "until": "2026-09-21"}, found)) == {
        "W-early",
        "W-late",
    }
    assert set(matching({"since": "2026-09-22"}, found)) == {"W-next"}
    assert set(matching({"until": "2026-09-20"}, found)) == {"W-before"}
    # an ISO time is a point; naive means UTC
    assert set(matching({"since": "2026-09-21T12:00:00"}, found)) == {"W-late", "W-next"}


def test_status_withdrawn_finds_a_warning_by_the_time_it_was_withdrawn() -> None:
    versions = [_version("W-w", 1), _version("W-w", 2, kind=NOTICE, change="downgraded")]
    withdrawn = public_warning(versions, PUBLIC)
    assert withdrawn is not None
    active = _published("W-a", T0)
    assert matching({"status": "withdrawn"}, [withdrawn, active]) == ["W-w"]
    assert matching({"status": "active"}, [withdrawn, active]) == ["W-a"]
    day_of_withdrawal = (T0 + timedelta(days=2)).date().isoformat()
    assert matching({"since": day_of_withdrawal}, [withdrawn, active]) == ["W-w"]


def test_results_are_newest_change_first_then_by_id_and_pages_follow_that_order() -> None:
    found = [
        _published("W-c", T0 + timedelta(hours=1)),
        _published("W-a", T0),
        _published("W-e", T0 + timedelta(hours=3)),
        _published("W-b", T0 + timedelta(hours=1)),
        _published("W-d", T0 + timedelta(hours=1)),
    ]
    order = ["W-e", "W-b", "W-c", "W-d", "W-a"]
    assert matching({}, found) == order
    assert matching({}, list(reversed(found))) == order
    pages = []
    for page in ("1", "2", "3", "4"):
        q = query_from({"per_page": "2", "page": page})
        pages.append([f.warning_id for f in q.page_of(q.select(found))])
    assert pages == [["W-e", "W-b"], ["W-c", "W-d"], ["W-a"], []]
