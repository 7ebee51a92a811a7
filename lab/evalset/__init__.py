"""A labelled evaluation set for duplicate detection and linkage (``riskwire eval dedup``).

Deterministic: one seed gives byte-identical records. Written apart from the demo's generator
(:mod:`lab.sample`), with its own brands, products, templates and wording, so that scores
are not measured on the demo's own distribution.

Every record is a raw feed record (valid against its schema, ingestible) with ground truth:

* ``entity`` - the product-hazard the record is about: one brand's product line (same model)
  and one specific hazard ("e-bike battery fire" and "e-bike brake failure" of the same model
  are two entities). Linkage should put an entity's records, and only them, in one cluster.
  Customs declaration lines of the goods (same HS code and consignor) belong to the entity;
  they are only generated for goods with a single hazard entity, so that their entity is
  decidable.
* ``duplicate_of`` - the earliest record reporting the same event (the same consumer's
  complaint filed twice, a hospital's injury report and the patient's complaint, a listing
  re-posted with a new title). Duplicates always point to that first record; it comes earlier in
  the set, which is in arrival order.
* ``split`` - ``calibrate`` (about 40% of entities) or ``test``, assigned by family (an entity
  with its hard negatives), so neither an entity nor a hard-negative pair crosses splits.
* ``note`` - the kind of case, one of :data:`NOTES`.

Kinds of case:

* ``exact-resend`` - the same payload under a new id (an upstream re-export);
* ``cross-channel`` - the same event by another channel: hotline vs web, app, letter or 12345
  transfer, a hospital's injury report vs the patient's complaint, a disease-surveillance
  report vs a complaint;
* ``reworded`` - the same channel, re-typed by another clerk or filed again;
* ``follow-up`` - an update of a hospital or surveillance report (outcome, case count);
* ``relisted`` - a listing re-posted by the same seller with a new title and price;
* ``unrelated`` - the first report of an entity that has no designed twin;
* ``same-entity-other-report`` - another consumer or patient, same product and hazard: not a
  duplicate, but a linkage positive;
* ``independent-similar-text`` - the same, written from the same template: a near duplicate in
  text that is not a duplicate;
* ``hard-negative-same-brand`` - same brand (maker, importer, sellers), another product;
* ``hard-negative-same-product-other-hazard`` - same brand and model, another hazard;
* ``hard-negative-same-category-other-brand`` - same product type (mostly the same hazard),
  another brand;
* ``declaration`` - a customs declaration line of the entity's goods.

Every report of an entity built as a hard negative of another carries its ``hard-negative-*``
note; duplicates and declarations carry their own kind whatever the entity.

The package: :mod:`~lab.evalset.records` (the labelled record, its JSONL form and counts),
:mod:`~lab.evalset.tables` (the vocabulary, from ``lab/data/evalset_*.json``),
:mod:`~lab.evalset.world` (entities), :mod:`~lab.evalset.writing` (how feeds write things),
:mod:`~lab.evalset.events` (the facts of an event), :mod:`~lab.evalset.reports` and
:mod:`~lab.evalset.trade` (feed records) and :mod:`~lab.evalset.build` (the builder).

Run ``python -m lab.evalset --out detectors/data/eval/dedup_eval.jsonl`` to write it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from lab.evalset.build import generate_evalset
from lab.evalset.records import (
    DUPLICATE_NOTES,
    NOTES,
    SPLITS,
    EvalRecord,
    read_jsonl,
    summary,
    write_jsonl,
)

__all__ = [
    "DUPLICATE_NOTES",
    "NOTES",
    "SPLITS",
    "EvalRecord",
    "generate_evalset",
    "main",
    "read_jsonl",
    "summary",
    "write_jsonl",
]


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m lab.evalset --out PATH``: write the set and print its counts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", required=True, help="JSONL file to write")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--entities", type=int, default=220)
    args = parser.parse_args(argv)
    records = generate_evalset(args.seed, args.entities)
    write_jsonl(records, args.out)
    json.dump(summary(records), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0
