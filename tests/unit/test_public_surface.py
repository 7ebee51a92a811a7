"""The public surface is pinned: every module says what it exports (``__all__``), and the
exports of every package are listed in ``public_surface.txt``, so a change to them is a
deliberate, reviewed edit. After one, rewrite the list with
``python tests/unit/test_public_surface.py``."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

PACKAGES = ("schemas", "detectors", "connectors", "streams", "cli", "lab")
PINNED = Path(__file__).with_name("public_surface.txt")


def surface() -> list[str]:
    """One line per module: its name and its sorted exports."""
    lines = []
    for package in PACKAGES:
        root = importlib.import_module(package)
        for info in sorted(pkgutil.walk_packages(root.__path__, f"{package}."), key=str):
            module = importlib.import_module(info.name)
            exported = getattr(module, "__all__", None)
            shown = "NO __all__" if exported is None else ", ".join(sorted(exported))
            lines.append(f"{info.name}: {shown}")
    return sorted(lines)


def test_every_module_declares_its_exports_and_they_exist() -> None:
    for line in surface():
        name, _, exported = line.partition(": ")
        assert exported != "NO __all__", f"{name} has no __all__"
        module = importlib.import_module(name)
        for symbol in filter(None, exported.split(", ")):
            assert hasattr(module, symbol), f"{name}.__all__ names {symbol}, which is not there"


def test_the_public_surface_is_the_pinned_one() -> None:
    assert surface() == PINNED.read_text(encoding="utf-8").splitlines()


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    PINNED.write_text("\n".join(surface()) + "\n", encoding="utf-8")
