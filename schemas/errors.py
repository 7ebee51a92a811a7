"""The riskwire exception tree: what went wrong, and so what happens next.

RiskwireError
├── SchemaError      a record does not fit its schema: never retried, dead-lettered
├── ConnectorError   a source or sink failed (broker, Redis, file): retryable
└── ConfigError      a setting is wrong or a dependency is missing: fail at start-up
"""

from __future__ import annotations

__all__ = ["ConfigError", "ConnectorError", "RiskwireError", "SchemaError"]


class RiskwireError(Exception):
    """Base of every error riskwire raises on purpose."""


class SchemaError(RiskwireError):
    """A record is not valid for its schema; ``path`` points at the offending field."""

    def __init__(self, reason: str, path: str = "") -> None:
        super().__init__(f"{path}: {reason}" if path else reason)
        self.reason = reason
        self.path = path


class ConnectorError(RiskwireError):
    """A source or sink failed in a way that a retry may fix."""


class ConfigError(RiskwireError):
    """A setting or a needed program is wrong or missing; raised at start-up."""
