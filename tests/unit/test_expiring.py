"""detectors.expiring: one stored value per entry, lists derived from the store, so that an
index rebuilt from a copy of its store (a worker restarted on a recovered table) answers every
lookup exactly as the index that wrote it."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.expiring import ExpiringIndex

KEYS = ["a", "b", "c", "d"]


class Recording(dict[str, bytes]):
    """A dict that notes every write and deletion, as a changelog would."""

    def __init__(self) -> None:
        super().__init__()
        self.log: list[str] = []

    def __setitem__(self, key: str, value: bytes) -> None:
        self.log.append(f"set {key}")
        super().__setitem__(key, value)

    def pop(self, key: str, default: Any = None) -> Any:
        if key in self:
            self.log.append(f"del {key}")
        return super().pop(key, default)


def _index(store: dict[str, bytes], per_key: int = 3, window: float = 10.0) -> ExpiringIndex[str]:
    return ExpiringIndex(store, "x", window=window, per_key=per_key, encode=lambda v: v, decode=str)


def test_a_key_offers_its_newest_entries_and_each_put_writes_one_value() -> None:
    store = Recording()
    index = _index(store)
    for i in range(5):
        index.put("p", f"e{i}", float(i), ["a", f"own{i}"], f"v{i}")
    assert store.log == [f"set p|x|e{i}" for i in range(5)]
    assert [e.id for e in index.lookup("p", ["a"])] == ["e4", "e3", "e2"]
    assert [e.id for e in index.lookup("p", ["a"], newest_first=False)] == ["e2", "e3", "e4"]
    assert len(index) == 5  # the older ones are still listed under their own keys


def test_an_entry_pushed_out_of_every_list_is_deleted() -> None:
    store = Recording()
    index = _index(store, per_key=2)
    index.put("p", "old", 1.0, ["a"], "v")
    index.put("p", "mid", 2.0, ["a"], "v")
    pushed = index.put("p", "new", 3.0, ["a"], "v")
    assert [e.id for e in pushed] == ["old"]
    assert "p|x|old" not in store and store.log[-1] == "del p|x|old"
    # an entry older than every list holds is not kept at all
    assert [e.id for e in index.put("p", "ancient", 0.0, ["a"], "v")] == ["ancient"]
    assert "p|x|ancient" not in store


def test_expiry_is_per_part_and_by_the_window() -> None:
    index = _index({}, window=10.0)
    index.put("p", "e1", 1.0, ["a"], "v")
    index.put("q", "f1", 1.0, ["a"], "v")
    index.put("p", "e2", 5.0, ["a"], "v")
    assert [e.id for e in index.expire("p", 11.5)] == ["e1"]
    assert index.get("q", "f1") is not None  # another part keeps its own time
    assert index.expire("p", 14.9) == [] and index.get("p", "e2") is not None


def test_re_filing_moves_an_entry_and_its_old_time_does_not_expire_it() -> None:
    index = _index({}, window=10.0)
    index.put("p", "e", 1.0, ["a"], "v1")
    index.put("p", "e", 8.0, ["a", "b"], "v2")
    assert index.expire("p", 12.0) == []
    entry = index.get("p", "e")
    assert entry is not None and entry.value == "v2" and entry.keys == ("a", "b")
    assert [e.id for e in index.expire("p", 18.5)] == ["e"]


def test_a_kind_with_a_separator_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot contain"):
        ExpiringIndex({}, "a|b", window=1.0, per_key=1, encode=str, decode=str)


operation = st.one_of(
    st.tuples(
        st.just("put"),
        st.sampled_from(["p", "q"]),
        st.integers(0, 11),
        st.integers(0, 40),
        st.lists(st.sampled_from(KEYS), min_size=0, max_size=3),
    ),
    st.tuples(st.just("remove"), st.sampled_from(["p", "q"]), st.integers(0, 11)),
    st.tuples(st.just("expire"), st.sampled_from(["p", "q"]), st.integers(0, 60)),
    st.tuples(st.just("restart")),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(operation, max_size=60))
def test_an_index_rebuilt_from_its_store_answers_as_the_one_that_wrote_it(ops: list) -> None:
    store: dict[str, bytes] = {}
    index = _index(store, per_key=2, window=15.0)
    for op in ops:
        if op[0] == "put":
            _, part, n, at, keys = op
            index.put(part, f"e{n}", float(at), keys, f"value {n} {at}")
        elif op[0] == "remove":
            index.remove(op[1], f"e{op[2]}")
        elif op[0] == "expire":
            index.expire(op[1], float(op[2]))
        else:  # a new worker on the recovered table
            store = dict(store)
            index = _index(store, per_key=2, window=15.0)
        rebuilt = _index(dict(store), per_key=2, window=15.0)
        for part in ("p", "q"):
            for key in KEYS:
                assert index.lookup(part, [key]) == rebuilt.lookup(part, [key])
            for n in range(12):
                assert index.get(part, f"e{n}") == rebuilt.get(part, f"e{n}")
        assert len(index) == len(rebuilt) == len(store)
