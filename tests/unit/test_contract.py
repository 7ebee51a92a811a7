"""The port contract: the published JSON Schemas are the ones the record types make, every field
is described, and what the flow really sends (controls and instructions of the demo's sample, as
the worker makes them) is valid against them; the reference consumer keeps controls by version."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from cli.contract import DEFAULT_DIR, check_contract, rendered, write_contract
from detectors.catalogue import load_catalogue
from detectors.targeting import Reference
from lab.faults import wave_order
from lab.offline import run_offline
from lab.sample import generate
from schemas.codec import to_dict
from schemas.contract import CONTRACT

ROOT = Path(__file__).resolve().parents[2]


def _validator(name: str) -> Draft202012Validator:
    schema = json.loads((DEFAULT_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


def test_the_published_schemas_are_the_record_types(tmp_path: Path) -> None:
    assert check_contract() == 0, "schemas/port/ is stale: run riskwire contract write"
    assert check_contract(tmp_path) == 1  # nothing there: stale, and said so
    write_contract(tmp_path)
    assert check_contract(tmp_path) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(rendered())


def test_every_field_is_described_and_required_ones_listed() -> None:
    for contract in CONTRACT:
        names = [f.name for f in dataclasses.fields(contract.record)]
        assert sorted(contract.fields) == sorted(names), contract.name
        schema = json.loads((DEFAULT_DIR / f"{contract.name}.schema.json").read_text())
        assert all(schema["properties"][n]["description"] for n in names)
        fields = dataclasses.fields(contract.record)
        missing = dataclasses.MISSING
        needed = [f.name for f in fields if f.default is missing and f.default_factory is missing]
        assert set(needed) <= set(schema["required"])
        assert schema["x-riskwire-cleanup"] == contract.cleanup


@pytest.fixture(scope="module")
def sample_outputs() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    sample = generate(seed=7, days=42)
    ref = sample.reference
    run = run_offline(
        wave_order(sample),
        load_catalogue(),
        Reference(ref.credit, frozenset(ref.blacklist), ref.origin_risk),
    )
    return [to_dict(c) for c in run.controls], [to_dict(i) for i in run.instructions]


def test_what_the_flow_sends_is_valid_against_the_published_schemas(
    sample_outputs: tuple[list[dict[str, Any]], list[dict[str, Any]]],
) -> None:
    controls, instructions = sample_outputs
    assert controls and instructions
    assert "active" in {c["status"] for c in controls}
    assert len({i["action"] for i in instructions}) >= 3  # release, sample, hold at least
    for name, records in (("control", controls), ("instruction", instructions)):
        validator = _validator(name)
        for record in records:
            errors = [e.message for e in validator.iter_errors(json.loads(json.dumps(record)))]
            assert not errors, (name, record, errors)
    for name in ("control", "instruction", "inspection"):
        validator = _validator(name)
        schema = validator.schema
        for example in schema["examples"]:
            assert not list(validator.iter_errors(example))
        field = "result" if name == "inspection" else "action"
        wrong = {**schema["examples"][0], field: "ignore"}
        assert list(validator.iter_errors(wrong)), f"an unknown {field} must not pass"


def test_instruction_ids_are_declaration_line_ids(
    sample_outputs: tuple[list[dict[str, Any]], list[dict[str, Any]]],
) -> None:
    _, instructions = sample_outputs
    assert all(i["instruction_id"] == i["declaration_id"] for i in instructions)
    assert len({i["instruction_id"] for i in instructions}) == len(instructions)


def test_the_reference_consumer_keeps_the_latest_version_of_each_control(
    port_consumer: ModuleType,
) -> None:
    view = port_consumer.PortView()
    active = {"control_id": "C-a", "version": 3, "status": "active", "action": "hold"}
    view.control(active)
    view.control({**active, "version": 2, "action": "sample"})  # a replay of an older one
    assert view.controls["C-a"]["action"] == "hold" and view.replays == 1
    view.control({**active, "version": 4, "status": "relaxed", "action": "sample"})
    assert view.controls["C-a"]["action"] == "sample"  # relaxed: still in force, sampling
    view.control({**active, "version": 5, "status": "lifted"})
    assert "C-a" not in view.controls and view.versions["C-a"] == 5
    view.control(active)  # version 3 read again after the lift: still lifted
    assert "C-a" not in view.controls and view.replays == 2
