"""The true end of a partition's log, from a fetch response rather than ListOffsets.

The embedded Tansu broker answers ListOffsets(latest) with one past the *base* offset of the
last record batch, not the log end: a partition holding offsets 0-27 in batches of seven answers
22. Faust recovers a table by reading its changelog up to that answer, so a worker that takes
over a partition would start from a table one changelog batch behind, and the records of that
batch would stay unapplied in the recovery buffer. A fetch response carries the high watermark,
which Tansu reports correctly; reading one record just below the ListOffsets answer is enough to
get it. On Apache Kafka both agree, so the probe changes nothing there.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

__all__ = ["log_end_offsets"]

log = logging.getLogger("riskwire.log_ends")


async def log_end_offsets(
    probe: Any, ends: Mapping[Any, int], *, timeout: float = 10.0
) -> dict[Any, int]:
    """Each partition's log end: the larger of ``ends`` (ListOffsets) and the high watermark.

    ``probe`` is a started aiokafka consumer without a group, used only here. A partition whose
    high watermark cannot be read within ``timeout`` keeps its ListOffsets answer, with a warning.
    """
    result = {tp: end for tp, end in ends.items()}
    pending = {tp for tp, end in ends.items() if end}  # an empty log has no batch to miss
    if not pending:
        return result
    probe.assign(sorted(pending))
    for tp in pending:
        probe.seek(tp, ends[tp] - 1)  # a record is there: the fetch answers without a long poll
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    try:
        while pending and loop.time() < deadline:
            await probe.getmany(*pending, timeout_ms=200)
            for tp in list(pending):
                highwater = probe.highwater(tp)
                if highwater is not None:
                    if highwater > result[tp]:
                        log.info(
                            "%s: log ends at %d; ListOffsets said %d", tp, highwater, result[tp]
                        )
                        result[tp] = highwater
                    pending.discard(tp)
    finally:
        probe.assign([])
    for tp in sorted(pending):
        log.error(
            "%s: no high watermark within %.0f s; using ListOffsets' answer, which on the "
            "embedded broker can be short of the log end (the table may miss its last batch)",
            tp,
            timeout,
        )
    return result
