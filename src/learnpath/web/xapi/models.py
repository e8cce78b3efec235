"""The xAPI app's tables."""

from __future__ import annotations
