"""Alarms on fourteen real weekly series with expert outbreak labels, riskwire beside R.

Why: a detector that agrees with itself on simulated data can still fire week after week on
real surveillance series. These are the RKI SurvStat series that R ``surveillance`` ships
(h1_nrwrp, k1, m1-m5, n1, n2, q1_nrwh, q2, s1-s3; 209 weeks each, outbreak weeks labelled by
experts; GPL-2), with R's own output stored by ``lab/reference/make_fixtures.R``. For each
method: alarms in labelled outbreak weeks (true) and elsewhere (false), riskwire's defaults
beside R's, over the weeks both evaluate.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scipy.stats import norm

from detectors.aberration import detect

__all__ = ["FIXTURE", "LABELLED", "evaluate", "format_report"]

FIXTURE = Path(__file__).resolve().parent / "data" / "surveillance_reference.json"
LABELLED = (
    "h1_nrwrp",
    "k1",
    "m1",
    "m2",
    "m3",
    "m4",
    "m5",
    "n1",
    "n2",
    "q1_nrwh",
    "q2",
    "s1",
    "s2",
    "s3",
)

# (label, R run in the fixture, riskwire method, riskwire parameters)
_COMPARISONS: tuple[tuple[str, str, str, dict[str, Any]], ...] = (
    ("ears-c1", "C1-default", "ears-c1", {}),
    ("ears-c2", "C2-default", "ears-c2", {}),
    ("ears-c3", "C3-default", "ears-c3", {}),
    (
        "ears-c3 (R form)",
        "C3-default",
        "ears-c3",
        {"form": "surveillance", "k": float(norm.ppf(0.975))},
    ),
    (
        "farrington b=3",
        "farrington-b3",
        "farrington",
        {"b": 3, "threshold_method": "power", "reweight_threshold": 1.0, "min_years": 3},
    ),
    (
        "noufaily b=3",
        "noufaily-b3",
        "farrington",
        {"b": 3, "blocks": 10, "skip_recent": 26, "min_years": 3},
    ),
)


def _tally(alarms: list[bool], state: list[float], first: int) -> tuple[int, int]:
    true = sum(1 for i, a in enumerate(alarms) if a and state[first + i])
    return true, sum(1 for a in alarms if a) - true


def evaluate() -> dict[str, Any]:
    """Per method: true and false alarms of riskwire and of R, summed over the 14 series."""
    series = json.loads(FIXTURE.read_text())["series"]
    rows: dict[str, dict[str, int]] = {}
    for label, run_name, method, params in _COMPARISONS:
        row = rows.setdefault(
            label, {"true": 0, "false": 0, "r_true": 0, "r_false": 0, "r_failed": 0}
        )
        for name in LABELLED:
            s = series[name]
            run = s["runs"][run_name]
            if "error" in run:
                row["r_failed"] += 1
                continue
            first = run["first"]
            points = detect(s["observed"], method, **params)[first:]
            true, false = _tally([p.alarm for p in points], s["state"], first)
            r_true, r_false = _tally([bool(a) for a in run["alarm"]], s["state"], first)
            row["true"] += true
            row["false"] += false
            row["r_true"] += r_true
            row["r_false"] += r_false
    return {"series": list(LABELLED), "methods": rows}


def format_report(result: dict[str, Any]) -> str:
    """One line per method: riskwire's true/false alarms beside R's."""
    lines = [
        f"alarms on {len(result['series'])} real RKI series with expert outbreak labels "
        "(true = in a labelled outbreak week)",
        f"  {'method':<18}{'riskwire true/false':>21}{'R true/false':>15}",
    ]
    for label, row in result["methods"].items():
        ours = f"{row['true']}/{row['false']}"
        theirs = f"{row['r_true']}/{row['r_false']}"
        lines.append(f"  {label:<18}{ours:>21}{theirs:>15}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(format_report(evaluate()))
