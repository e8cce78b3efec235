"""learnpath's own demo course, written for learnpath: from whole numbers to linear equations."""

from __future__ import annotations

from pathlib import Path

DEMO_PACK_PATH: Path = Path(__file__).resolve().parent / "numbers-to-equations"
"""The folder holding the demo content pack (format version 1, see docs/content-packs.md)."""

__all__ = ["DEMO_PACK_PATH"]
