"""The port contract: JSON Schemas of what riskwire sends port systems, made from the record types.

A port system reads two compacted topics and needs nothing of riskwire's code to do so: this
module turns :class:`schemas.records.Control`, :class:`schemas.records.Instruction` and what ports
send back, :class:`schemas.records.Inspection`, into JSON
Schemas (draft 2020-12) with a description of every field, the topic, its key and compaction,
the versioning rules and an example of each, which ``riskwire contract write`` puts in
``schemas/port/`` (checked against the record types by ``tests/unit/test_contract.py``, so
the published files cannot drift from what the worker sends).

Versioning: a record carries ``schema_version`` (1). Fields may be added within a version, so a
consumer ignores fields it does not know; a field removed, renamed or changed in meaning is a
new ``schema_version``, announced in the README's changelog before it ships.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import UTC, datetime
from typing import Any

from schemas.codec import to_dict
from schemas.records import (
    INSPECTION_RESULTS,
    Control,
    ControlAction,
    Inspection,
    Instruction,
    InstructionAction,
)

__all__ = ["CONTRACT", "Contract", "schema_for"]

_DIALECT = "https://json-schema.org/draft/2020-12/schema"


@dataclasses.dataclass(frozen=True, slots=True)
class Contract:
    """One record type as published: where it is, how it is keyed, what each field means."""

    name: str
    record: type
    topic: str
    key: str
    description: str
    fields: dict[str, str]
    enums: dict[str, tuple[str, ...]]
    example: Any
    cleanup: str = "compact"  # the topic's cleanup policy


_T0 = datetime(2026, 9, 14, 2, 30, tzinfo=UTC)

CONTROL = Contract(
    name="control",
    record=Control,
    topic="<namespace>.controls (riskwire.controls by default)",
    key="control_id (UTF-8)",
    description=(
        "A block-and-control (port targeting) request. The topic is compacted by control_id: "
        "the latest version of each control is its state. Apply a control while its status is "
        "'active' and drop it when a later version says 'lifted'; ignore a version lower than "
        "one already applied (a replay). A declaration line matches a control when its HS code "
        "starts with one of hs_prefixes, its origin country is among origin_countries (when "
        "that list is not empty), and its consignee or consignor is one of enterprises, or its "
        "brand is one of brands, or its goods description and model contain one of "
        "product_terms, or nearly (rapidfuzz.fuzz.partial_ratio >= 85). Brands and terms are "
        "in riskwire's match form: NFKC-folded (full-width to half-width), case-folded, every "
        "space and punctuation mark removed; fold the line's text the same way to compare."
    ),
    fields={
        "control_id": "The control's id: 'C-' and the id of the warning that asks it.",
        "version": "Increases with each change; the warning version that made this one.",
        "warning_id": "The alert notification (warning) that asks for this control.",
        "status": "'active' (apply it), 'relaxed' (apply it: sampling) or 'lifted' (stop).",
        "status_reason": "Why relaxed or lifted: inspections, the warning lifted or merged.",
        "action": (
            "What to do with matching goods: sample, inspect, hold, or a disposition the "
            "warning's measures name: return (refuse entry) or destroy."
        ),
        "grade": "The warning's grade: I (red, most severe), II (orange), III, IV (blue).",
        "reason": "The warning's title: what the risk is, for the inspector.",
        "hs_prefixes": "HS code prefixes of the goods (6 digits, or the category's prefixes).",
        "product_terms": "Product names and models, normalised (see the description).",
        "brands": "Brands of the goods, normalised the same way.",
        "enterprises": (
            "Credit codes and names of the parties concerned, both (as enterprise_codes and "
            "enterprise_names give them apart)."
        ),
        "origin_countries": "ISO 3166-1 alpha-2 origin countries; empty: any origin.",
        "enterprise_codes": (
            "Unified social credit codes (GB 32100, 18 characters) of the parties: compare "
            "with the line's consignee or consignor code as written."
        ),
        "enterprise_names": (
            "The parties' other names (companies without a code, online shops), in match form."
        ),
        "model_codes": (
            "Model numbers of the goods: letters and digits only, upper case (LT-S3 is LTS3)."
        ),
        "product_names": "The goods as reports name them: for the inspector, not for matching.",
        "valid_from": "When this version took effect (ISO 8601, UTC).",
        "valid_until": (
            "When the control ended (ISO 8601, UTC): set on a lifted version; null while in "
            "force, which lasts until a later version of the control (same key) ends it."
        ),
        "schema_version": "The contract's version (see the versioning rules).",
    },
    enums={
        "status": ("active", "relaxed", "lifted"),
        "action": tuple(a.value for a in ControlAction),
    },
    example=Control(
        control_id="C-dfe8ae95493d",
        version=4,
        warning_id="W-dfe8ae95493d",
        status="active",
        action="hold",
        grade="II",
        reason="Grade II physical risk: 乐途儿童折叠滑板车",
        hs_prefixes=("950300",),
        product_terms=("乐途儿童折叠滑板车", "letukidsfoldingscooter"),
        brands=("乐途",),
        enterprises=("91310000MA1FL0XX1X", "乐途官方旗舰店"),
        origin_countries=("VN",),
        enterprise_codes=("91310000MA1FL0XX1X",),
        enterprise_names=("乐途官方旗舰店",),
        model_codes=("LTS3",),
        product_names=("乐途儿童折叠滑板车",),
        valid_from=_T0,
    ),
)

INSTRUCTION = Contract(
    name="instruction",
    record=Instruction,
    topic="<namespace>.instructions (riskwire.instructions by default)",
    key="instruction_id (UTF-8), the declaration line id",
    description=(
        "The instruction for one customs declaration line. The topic is compacted by "
        "instruction_id, which is the declaration line's id ('<declaration_id>-<line_no>'): a "
        "declaration delivered twice gets the same instruction, never a second one. The action "
        "is the heaviest that any reason asks; reasons and control_ids say why."
    ),
    fields={
        "instruction_id": "The declaration line's id: one instruction per line.",
        "declaration_id": "The declaration line's id ('<declaration_id>-<line_no>').",
        "port": "The customs port the line was declared at.",
        "action": (
            "release, document_check, sample, inspect, hold, return or destroy (lightest to "
            "heaviest; return and destroy only where a control's measures call for them)."
        ),
        "reasons": "Why, one entry per reason (controls, blacklist, credit, origin, sampling).",
        "control_ids": "The active controls the line matches.",
        "risk_score": "0-1: the action's weight and the origin's risk.",
        "declared_at": "When the line was declared (ISO 8601, UTC).",
        "hs_code": "The line's HS code, as declared.",
        "origin_country": "The goods' origin country, as declared.",
        "consignee": "The consignee, as declared.",
        "schema_version": "The contract's version (see the versioning rules).",
    },
    enums={"action": tuple(a.value for a in InstructionAction)},
    example=Instruction(
        instruction_id="D2026091400017-1",
        declaration_id="D2026091400017-1",
        port="CNSHA",
        action="hold",
        reasons=(
            "matches control C-dfe8ae95493d (Grade II physical risk: 乐途儿童折叠滑板车)",
            "random sampling at 2.0% (credit B)",
        ),
        control_ids=("C-dfe8ae95493d",),
        risk_score=1.0,
        declared_at=_T0,
        hs_code="95030089",
        origin_country="VN",
        consignee="91310000MA1FL0XX1X",
    ),
)

INSPECTION = Contract(
    name="inspection",
    record=Inspection,
    topic="<namespace>.inspections (riskwire.inspections by default)",
    key="control_id (UTF-8)",
    description=(
        "A port's inspection result for a declaration line a control targeted, sent by the "
        "port system: on the topic (with the broker credentials only port systems hold), or "
        "as POST /inspections with a port_system token (then inspection_id, reported_by and, "
        "when absent, inspected_at are set by riskwire). Consecutive compliant results relax "
        "the control to sampling (the grading standard's relax_after, 3) and lift it "
        "(lift_after, 5); a non_compliant result restores it in full. A result for a control "
        "not in force, or one that breaks this schema, is dead-lettered with the reason."
    ),
    fields={
        "inspection_id": "The result's id, unique per port system: a result is counted once.",
        "control_id": "The control that targeted the line (from the instruction's control_ids).",
        "declaration_id": "The declaration line inspected ('<declaration_id>-<line_no>').",
        "result": "compliant or non_compliant.",
        "inspected_at": "When the goods were inspected (ISO 8601).",
        "port": "The customs port.",
        "findings": "What the inspection found, for the warning's history (at most 2,000).",
        "reported_by": "Who reports it (set from the token on POST /inspections).",
        "schema_version": "The contract's version (see the versioning rules).",
    },
    enums={"result": INSPECTION_RESULTS},
    cleanup="delete",
    example=Inspection(
        inspection_id="CNSHA-2026-000481",
        control_id="C-dfe8ae95493d",
        declaration_id="D2026091400017-1",
        result="compliant",
        inspected_at=_T0,
        port="CNSHA",
        findings="抽检 20 件，折叠锁止装置完好",
        reported_by="yangshan-port",
    ),
)

CONTRACT = (CONTROL, INSTRUCTION, INSPECTION)


def schema_for(contract: Contract) -> dict[str, Any]:
    """The JSON Schema of one record type, with its topic, key, field meanings and example."""
    hints = typing.get_type_hints(contract.record)
    properties: dict[str, Any] = {}
    required: list[str] = []
    for f in dataclasses.fields(contract.record):
        prop = _type(hints[f.name])
        if f.name in contract.enums:
            allowed: list[Any] = list(contract.enums[f.name])
            prop = {**prop, "enum": [*allowed, None] if _optional(hints[f.name]) else allowed}
        if f.name == "schema_version":
            prop = {**prop, "const": f.default}
        properties[f.name] = {"description": contract.fields[f.name], **prop}
        no_default = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        if no_default or f.name == "schema_version":
            required.append(f.name)
    return {
        "$schema": _DIALECT,
        "$id": f"https://riskwire.invalid/schemas/port/{contract.name}.schema.json",
        "title": f"riskwire {contract.name}",
        "description": contract.description,
        "x-riskwire-topic": contract.topic,
        "x-riskwire-key": contract.key,
        "x-riskwire-cleanup": contract.cleanup,
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": True,  # fields may be added within a schema_version
        "examples": [to_dict(contract.example)],
    }


def _optional(hint: Any) -> bool:
    return type(None) in typing.get_args(hint)


def _type(hint: Any) -> dict[str, Any]:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        if len(inner) != 1:
            raise TypeError(f"no JSON type for {hint!r}")
        return {"anyOf": [_type(inner[0]), {"type": "null"}]}
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return {"type": "array", "items": _type(args[0])}
    if origin is dict:
        return {"type": "object"}
    simple = {str: "string", int: "integer", float: "number", bool: "boolean"}
    if hint in simple:
        return {"type": simple[hint]}
    if hint is datetime:
        return {"type": "string", "format": "date-time"}
    raise TypeError(f"no JSON type for {hint!r}")
