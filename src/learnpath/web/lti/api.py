"""What other apps may use from lti: plain functions returning plain data (OEP-49)."""

from __future__ import annotations

from learnpath.web.lti import privacy as privacy_provider

__all__ = ["privacy_provider"]
