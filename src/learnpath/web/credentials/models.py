"""The Credentials app's tables."""

from __future__ import annotations
