"""Shared fixtures for the content tests: the fixture packs under tests/content/fixtures/."""

from __future__ import annotations

from pathlib import Path

import pytest

from learnpath.content.model import Pack
from learnpath.content.pack import load_pack

FIXTURES = Path(__file__).parent / "fixtures"
BASICS = FIXTURES / "fractions-basics"


@pytest.fixture(scope="session")
def basics() -> Pack:
    """The small canonical pack in which every item type appears."""
    return load_pack(BASICS)
