"""The LTI app's tables."""

from __future__ import annotations
