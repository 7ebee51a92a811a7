"""Message contracts: JSON Schemas for raw feeds, typed records for everything after them."""

from schemas.codec import decode, encode
from schemas.errors import ConfigError, ConnectorError, RiskwireError, SchemaError
from schemas.records import (
    Assessment,
    Cluster,
    Control,
    DeadLetter,
    Duplicate,
    Grade,
    HazardClass,
    Instruction,
    Outcome,
    Signal,
    Warning,
    WarningKind,
)

__all__ = [
    "Assessment",
    "Cluster",
    "ConfigError",
    "ConnectorError",
    "Control",
    "DeadLetter",
    "Duplicate",
    "Grade",
    "HazardClass",
    "Instruction",
    "Outcome",
    "RiskwireError",
    "SchemaError",
    "Signal",
    "Warning",
    "WarningKind",
    "decode",
    "encode",
]
