"""Who consented to research use: a source registered at start-up (decision 0079, 0090).

Consent is recorded by the privacy app, which sits above xapi; so xapi does not ask it: privacy registers
its reader here when it starts (``privacy.apps.PrivacyConfig.ready``). With no source registered nobody
counts as consenting, so nobody is ever sent under their own id by mistake.
"""

from __future__ import annotations

from typing import Protocol


class ConsentSource(Protocol):
    """Which of these learners consented to research use (as ``privacy.selectors.research_consented``)."""

    def __call__(self, *, learner_ids: list[int]) -> set[int]: ...


_source: ConsentSource | None = None


def consent_source_set(source: ConsentSource | None) -> None:
    """Register the one source of research consent (None: none). Called once, when the app starts."""
    global _source  # the one registration point, set at app start
    _source = source


def research_consented(*, learner_ids: list[int]) -> set[int]:
    """The learners among ``learner_ids`` who consented to research use; none without a source."""
    if _source is None or not learner_ids:
        return set()
    return set(_source(learner_ids=sorted(set(learner_ids))))
