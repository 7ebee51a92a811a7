"""``riskwire contract``: the port contract's JSON Schemas, written or checked.

``write`` puts one ``<name>.schema.json`` per record type (:data:`schemas.contract.CONTRACT`)
in a directory (``schemas/port`` by default); ``check`` exits 1 when the files there differ from
what the record types make now, saying which.
"""

from __future__ import annotations

import json
from pathlib import Path

from schemas.contract import CONTRACT, schema_for

__all__ = ["DEFAULT_DIR", "check_contract", "rendered", "write_contract"]

DEFAULT_DIR = Path(__file__).resolve().parents[1] / "schemas" / "port"


def rendered() -> dict[str, str]:
    """File name -> text of every schema, as written (2-space indent, UTF-8)."""
    return {
        f"{c.name}.schema.json": json.dumps(schema_for(c), ensure_ascii=False, indent=2) + "\n"
        for c in CONTRACT
    }


def write_contract(directory: Path = DEFAULT_DIR) -> int:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in rendered().items():
        (directory / name).write_text(text, encoding="utf-8")
        print(directory / name)
    return 0


def check_contract(directory: Path = DEFAULT_DIR) -> int:
    stale = [
        name
        for name, text in rendered().items()
        if not (directory / name).is_file()
        or (directory / name).read_text(encoding="utf-8") != text
    ]
    for name in stale:
        print(f"{directory / name}: differs from the record types (riskwire contract write)")
    return 1 if stale else 0
