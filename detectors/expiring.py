"""An index of recent entries filed under keys, bounded by time and by count per key, that
stores each entry as one value.

Why one value per entry: the near-duplicate check, the linkage candidates and the waiting
declarations each kept a list per key and rewrote it whole for every signal on each of its keys
(12.8 changelog records per input record). Here putting an entry writes one value, and an entry
that goes writes one deletion; the lists by key are derived in memory from the stored entries.

Why the rules are what they are: after a restart the lists are rebuilt from the store (a table
recovered from its changelog), so they must be a pure function of the stored entries, never of
the order things happened in memory:

* an entry is (id, time, keys, value), stored under ``"<part>|<kind>|<id>"``; ``part`` is the
  partition's grouping (a category), so every write while processing a record of one partition
  stays in that partition's changelog;
* the candidates under a key are the ``per_key`` newest entries filed under it (time, then id);
* an entry pushed out of the candidates of every key it is filed under is deleted at once, and
  an entry older than ``window`` before the ``now`` of an expiry in its part is deleted.

Given the same puts, removals and expiries, a store, and the lists derived from it, are the same
in every runner, before and after a restart.
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import Any, Generic, TypeVar

from schemas.codec import dumps, loads

__all__ = ["Entry", "ExpiringIndex"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Entry(Generic[T]):
    """One filed entry: its id, its time (seconds or days, the index's unit), its keys."""

    id: str
    at: float
    keys: tuple[str, ...]
    value: T


@dataclass
class _Part(Generic[T]):
    entries: dict[str, Entry[T]] = field(default_factory=dict)
    postings: dict[str, list[tuple[float, str]]] = field(default_factory=dict)  # ascending
    ids: dict[str, list[str]] = field(default_factory=dict)  # each posting's ids, same order
    by_time: list[tuple[float, str]] = field(default_factory=list)  # heap, may hold stale items


class ExpiringIndex(Generic[T]):
    """Entries of kind ``kind`` in ``store``, found by key within a part (see module doc).

    ``encode`` turns a value into something orjson writes, ``decode`` reads it back. The lists
    are built from the store on first use; call :meth:`invalidate` when the store changed
    underneath (a table recovered after a rebalance or restart).
    """

    def __init__(
        self,
        store: MutableMapping[str, bytes],
        kind: str,
        *,
        window: float,
        per_key: int,
        encode: Callable[[T], Any],
        decode: Callable[[Any], T],
    ) -> None:
        if "|" in kind:
            raise ValueError(f"an index kind cannot contain '|': {kind!r}")
        self.store = store
        self.kind = kind
        self.window = window
        self.per_key = per_key
        self._encode = encode
        self._decode = decode
        self._marker = f"|{kind}|"
        self._parts: dict[str, _Part[T]] | None = None

    # -- reading -----------------------------------------------------------------------------

    def get(self, part: str, entry_id: str) -> Entry[T] | None:
        """The entry ``entry_id`` of ``part``, if stored."""
        return self._part(part).entries.get(entry_id)

    def entries(self, part: str) -> Mapping[str, Entry[T]]:
        """The entries of ``part`` by id, to read (never to change)."""
        return self._part(part).entries

    def lookup(self, part: str, keys: Iterable[str], newest_first: bool = True) -> list[Entry[T]]:
        """The candidates under each of ``keys`` in turn, each entry once (first key wins)."""
        entries = self._part(part).entries
        return [entries[entry_id] for entry_id in self.lookup_ids(part, keys, newest_first)]

    def lookup_ids(self, part: str, keys: Iterable[str], newest_first: bool = True) -> list[str]:
        """The ids :meth:`lookup` gives the entries of, for a caller that reads few of them."""
        p = self._part(part)
        tops = [ids[-self.per_key :] for key in keys if (ids := p.ids.get(key))]
        if newest_first:
            tops = [top[::-1] for top in tops]
        # at full lists this walks hundreds of ids, most of them seen under another key
        # already: the walk is left to C, over lists of the ids alone
        return list(dict.fromkeys(chain.from_iterable(tops)))

    def __len__(self) -> int:
        return sum(len(p.entries) for p in self._all().values())

    # -- writing -----------------------------------------------------------------------------

    def put(
        self, part: str, entry_id: str, at: float, keys: Sequence[str], value: T
    ) -> list[Entry[T]]:
        """File (or re-file) an entry: one stored value. Returns the entries this pushed out of
        every list they were in, which are deleted."""
        p = self._part(part)
        entry = Entry(entry_id, at, tuple(dict.fromkeys(keys)), value)
        old = p.entries.get(entry_id)
        if old is not None:
            self._unlist(p, old)
        self.store[self._key(part, entry_id)] = dumps([at, list(entry.keys), self._encode(value)])
        self._list(p, entry)
        pushed: list[Entry[T]] = []
        if entry.keys and not self._listed_anywhere(p, entry):  # older than every list holds
            self._delete(part, p, entry)
            return [entry]
        for key in entry.keys:
            posting = p.postings[key]
            if len(posting) <= self.per_key:
                continue
            out = p.entries.get(posting[-self.per_key - 1][1])
            if out is not None and out.id != entry_id and not self._listed_anywhere(p, out):
                self._delete(part, p, out)
                pushed.append(out)
        return pushed

    def remove(self, part: str, entry_id: str) -> Entry[T] | None:
        """Delete an entry (one deletion stored); returns it, or None if it was not there."""
        p = self._part(part)
        entry = p.entries.get(entry_id)
        if entry is not None:
            self._delete(part, p, entry)
        return entry

    def expire(self, part: str, now: float) -> list[Entry[T]]:
        """Delete the entries of ``part`` older than ``window`` before ``now``; returns them."""
        p = self._part(part)
        horizon = now - self.window
        gone: list[Entry[T]] = []
        while p.by_time and p.by_time[0][0] < horizon:
            at, entry_id = heapq.heappop(p.by_time)
            entry = p.entries.get(entry_id)
            if entry is not None and entry.at == at:  # else re-filed later, or gone already
                self._delete(part, p, entry)
                gone.append(entry)
        return gone

    def invalidate(self) -> None:
        """Forget the derived lists: the store changed underneath; rebuilt on next use."""
        self._parts = None

    # -- internals ---------------------------------------------------------------------------

    def _key(self, part: str, entry_id: str) -> str:
        return f"{part}{self._marker}{entry_id}"

    def _all(self) -> dict[str, _Part[T]]:
        if self._parts is None:
            self._parts = {}
            found: list[tuple[str, Entry[T]]] = []
            for key, blob in list(self.store.items()):
                part, marker, entry_id = key.partition(self._marker)
                if not marker or "|" in part:
                    continue
                at, keys, value = loads(blob)
                found.append((part, Entry(entry_id, float(at), tuple(keys), self._decode(value))))
            found.sort(key=lambda pe: (pe[1].at, pe[1].id))  # appends, not inserts, per list
            for part, entry in found:
                self._list(self._parts.setdefault(part, _Part()), entry)
        return self._parts

    def _part(self, part: str) -> _Part[T]:
        parts = self._all()
        found = parts.get(part)
        if found is None:
            found = parts[part] = _Part()
        return found

    @staticmethod
    def _list(p: _Part[T], entry: Entry[T]) -> None:
        p.entries[entry.id] = entry
        item = (entry.at, entry.id)
        for key in entry.keys:
            posting = p.postings.setdefault(key, [])
            at = bisect.bisect_right(posting, item)
            posting.insert(at, item)
            p.ids.setdefault(key, []).insert(at, entry.id)
        heapq.heappush(p.by_time, item)
        if len(p.by_time) > 2 * len(p.entries) + 64:  # drop the items of re-filed entries
            p.by_time = [(e.at, e.id) for e in p.entries.values()]
            heapq.heapify(p.by_time)

    @staticmethod
    def _unlist(p: _Part[T], entry: Entry[T]) -> None:
        del p.entries[entry.id]
        item = (entry.at, entry.id)
        for key in entry.keys:
            posting = p.postings[key]
            at = bisect.bisect_left(posting, item)
            del posting[at]
            del p.ids[key][at]
            if not posting:
                del p.postings[key]
                del p.ids[key]

    def _listed_anywhere(self, p: _Part[T], entry: Entry[T]) -> bool:
        """Whether ``entry`` is among the candidates of any of its keys."""
        item = (entry.at, entry.id)
        for key in entry.keys:
            posting = p.postings[key]
            if bisect.bisect_left(posting, item) >= len(posting) - self.per_key:
                return True
        return False

    def _delete(self, part: str, p: _Part[T], entry: Entry[T]) -> None:
        self._unlist(p, entry)
        self.store.pop(self._key(part, entry.id), None)
