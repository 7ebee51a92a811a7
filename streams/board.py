"""The warnings board: one web page, served by the worker at ``GET /board``.

The page holds no data, so it is served to anyone; it asks the worker's warnings API for the
data with an analyst token (typed once, or passed as ``?token=`` and moved off the address at
once; kept in the tab's session storage and sent as ``Authorization: Bearer``), so the data
endpoints keep needing that token. It polls ``GET /warnings`` every 3 seconds and draws:

* the warnings, in force first and most severe first, each row coloured by its grade (I red,
  II orange, III yellow, IV blue), filtered by grade, kind, region, product and status;
* for the warning chosen, from ``GET /warnings/<id>``: why this version, the score and its
  explanation (hazard, urgency with the aberration detectors' verdicts, scope), the evidence by
  feed (the cluster's reports per feed and the reports kept, with time, region and excerpt),
  every version with who decided it and why (analysts' decisions and producers' replies are
  versions too), the measures and the scope; and from ``GET /warnings/<id>/series``
  (:mod:`streams.board_series`) a chart of the cluster's risk signals per day against the
  threshold of the aberration detector chosen, with the warning's versions marked.

No build step and nothing from elsewhere: the page is ``static/board.html`` with
``static/board.css`` and ``static/board.js`` inlined, plain JavaScript drawing plain SVG. A
Content-Security-Policy allows exactly that inline style and script (by their hashes) and
requests to the worker itself; everything the API says goes into the page as text.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

__all__ = ["BOARD_PATH", "BoardPage", "board_page"]

BOARD_PATH = "/board"
STATIC = Path(__file__).with_name("static")


@dataclass(frozen=True, slots=True)
class BoardPage:
    """The page and the headers to serve it with."""

    html: str
    headers: dict[str, str]


def _source_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


@cache
def board_page() -> BoardPage:
    """The board, its style and script inlined, with a policy allowing only those."""
    css = (STATIC / "board.css").read_text(encoding="utf-8")
    js = (STATIC / "board.js").read_text(encoding="utf-8")
    html = (
        (STATIC / "board.html")
        .read_text(encoding="utf-8")
        .replace("/*BOARD_CSS*/", css)
        .replace("/*BOARD_JS*/", js)
    )
    policy = "; ".join(
        (
            "default-src 'none'",
            f"style-src {_source_hash(css)}",
            f"script-src {_source_hash(js)}",
            "connect-src 'self'",
            "img-src 'self' data:",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        )
    )
    headers = {
        "Content-Security-Policy": policy,
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
    }
    return BoardPage(html, headers)
