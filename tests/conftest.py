"""What unit and integration tests share: the reference port consumer, loaded from its file
(``examples/port_consumer`` is an example to copy, not a package riskwire installs)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

PORT_CONSUMER = Path(__file__).resolve().parents[1] / "examples/port_consumer/port_consumer.py"


@pytest.fixture(scope="session")
def port_consumer() -> ModuleType:
    """``examples/port_consumer/port_consumer.py`` as a module."""
    spec = importlib.util.spec_from_file_location("port_consumer", PORT_CONSUMER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module
