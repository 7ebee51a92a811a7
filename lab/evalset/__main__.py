"""``python -m lab.evalset --out PATH``: write the set (see :func:`lab.evalset.main`)."""

from __future__ import annotations

from lab.evalset import main

__all__: list[str] = []

if __name__ == "__main__":
    raise SystemExit(main())
