"""What other apps may use from xapi: plain functions returning plain data (OEP-49)."""

from __future__ import annotations

from learnpath.web.xapi import privacy as privacy_provider

__all__ = ["privacy_provider"]
