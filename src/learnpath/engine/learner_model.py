"""The contract every learner model follows (scikit-learn shape, plus a pure online update).

- ``__init__`` stores hyperparameters only; ``fit(events)`` learns attributes ending in ``_`` and returns
  ``self``; any prediction before ``fit`` raises ``NotFittedError``.
- ``predict_sequential(events)`` gives, for every answer, P(correct) computed only from the same learner's
  earlier answers in ``events`` (the evaluation protocol).
- Online: ``initial_state()`` is a learner with no history; ``update(state, answer)`` returns a new state
  and never changes ``state``; its cost is O(skills of the item). ``predict_correct(state, item, skills)``
  and ``predict_mastery(state, skill)`` read a state.
- ``to_dict`` / ``from_dict`` give versioned JSON-ready dictionaries (no pickle).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol, TypeVar, runtime_checkable

import numpy as np
import numpy.typing as npt

from learnpath.engine.answers import Answer, AnswerLog

StateT = TypeVar("StateT")


class NotFittedError(RuntimeError):
    """A model was asked to predict before ``fit``."""


def check_fitted(model: object, attribute: str) -> None:
    if getattr(model, attribute, None) is None:
        raise NotFittedError(f"{type(model).__name__} is not fitted yet: call fit(events) before predicting")


def check_format(document: Mapping[str, Any], model: str, version: int) -> None:
    """Reject a serialised model of another kind or of a newer format than this code reads."""
    if document.get("model") != model:
        raise ValueError(f"expected a serialised {model!r} model, found {document.get('model')!r}")
    found = document.get("version")
    if not isinstance(found, int) or found > version or found < 1:
        raise ValueError(f"{model}: unsupported format version {found!r} (this code reads up to {version})")


@runtime_checkable
class LearnerModel(Protocol[StateT]):
    name: str

    def fit(self, events: AnswerLog | Iterable[Answer]) -> LearnerModel[StateT]: ...

    def predict_sequential(self, events: AnswerLog | Iterable[Answer]) -> npt.NDArray[np.float64]: ...

    def initial_state(self) -> StateT: ...

    def update(self, state: StateT, answer: Answer) -> StateT: ...

    def predict_correct(self, state: StateT, item: str, skills: tuple[str, ...]) -> float: ...

    def predict_mastery(self, state: StateT, skill: str) -> float: ...

    def to_dict(self) -> dict[str, Any]: ...
