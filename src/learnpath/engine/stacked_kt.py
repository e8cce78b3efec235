"""StackedKT: learnpath's default learner model, LogisticKT and Elo blended on the logit scale.

    P(correct) = sigmoid(a * logit(p_LogisticKT) + b * logit(p_Elo) + c)

The two models see the same answers differently: LogisticKT through many counters of the learner's
history, Elo (a Rasch calibration of the items with an online ability) through one ability per learner
and skill against a jointly fitted item difficulty. The blend weights (a, b, c) are hyperparameters,
chosen once by logistic regression on held-out predictions (ASSISTments 2009, trained on fold 1's
train file, predicting its valid file; never on test folds), not refitted by ``fit``: the two models'
predictions on their own training data are over-confident and would give the weights a bias.

The state is both models' states; ``update`` advances both, each in O(skills of the item).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from learnpath.engine.answers import Answer, AnswerLog, as_answer_log
from learnpath.engine.elo import EloModel, EloState
from learnpath.engine.history import LearnerHistory, advance
from learnpath.engine.learner_model import NotFittedError, check_format
from learnpath.engine.logistic_kt import LogisticKT

FloatArray = npt.NDArray[np.float64]
MODEL_NAME = "stacked-kt"
FORMAT_VERSION = 1
_CLIP = 1e-6
# builds a named tuple without its generated ``__new__`` (a Python function around this call)
_build = tuple.__new__


def _logit(p: FloatArray) -> FloatArray:
    q = np.clip(p, _CLIP, 1.0 - _CLIP)
    out: FloatArray = np.log(q / (1.0 - q))
    return out


class StackedState(NamedTuple):
    history: LearnerHistory = LearnerHistory()
    elo: EloState = EloState()

    def to_dict(self) -> dict[str, Any]:
        return {"version": 1, "history": self.history.to_dict(), "elo": self.elo.to_dict()}

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> StackedState:
        if document.get("version") != 1:
            raise ValueError(f"StackedState: unsupported version {document.get('version')!r}")
        return cls(LearnerHistory.from_dict(document["history"]), EloState.from_dict(document["elo"]))


class StackedKT:
    """LogisticKT and Elo, blended: the model learnpath uses by default.

    Hyperparameters: ``weights`` (a, b, c above), and the component models' own hyperparameters through
    ``logistic`` and ``elo`` (unfitted instances; defaults when omitted).
    """

    name = MODEL_NAME
    # chosen on fold 1 of the AKT ASSISTments 2009 folds: train_1 -> valid_1 (docs/learner-model.md)
    DEFAULT_WEIGHTS = (0.745, 0.219, 0.028)

    def __init__(
        self,
        *,
        weights: tuple[float, float, float] = DEFAULT_WEIGHTS,
        logistic: LogisticKT | None = None,
        elo: EloModel | None = None,
    ) -> None:
        self.weights = tuple(weights)
        self.logistic = logistic
        self.elo = elo
        self.logistic_: LogisticKT | None = None
        self.elo_: EloModel | None = None
        self._item_cache: dict[str, tuple[tuple[str, ...], float, float]] = {}

    def get_params(self) -> dict[str, Any]:
        return {"weights": list(self.weights)}

    def fit(self, events: AnswerLog | Iterable[Answer]) -> StackedKT:
        log = as_answer_log(events)
        logistic = LogisticKT(**self.logistic.get_params()) if self.logistic else LogisticKT()
        elo = EloModel(**self.elo.get_params()) if self.elo else EloModel()
        self._set_fitted(logistic.fit(log), elo.fit(log))
        return self

    def _set_fitted(self, logistic: LogisticKT, elo: EloModel) -> None:
        self.logistic_ = logistic
        self.elo_ = elo
        self._item_cache = {}

    def _models(self) -> tuple[LogisticKT, EloModel]:
        if self.logistic_ is None or self.elo_ is None:
            raise NotFittedError("StackedKT is not fitted yet: call fit(events) before predicting")
        return self.logistic_, self.elo_

    def _blend(self, p_logistic: float, p_elo: float) -> float:
        a, b, c = self.weights
        z = a * float(_logit(np.array(p_logistic))) + b * float(_logit(np.array(p_elo))) + c
        return 1.0 / (1.0 + math.exp(-z))

    def predict_sequential(self, events: AnswerLog | Iterable[Answer]) -> FloatArray:
        logistic, elo = self._models()
        log = as_answer_log(events)
        a, b, c = self.weights
        z = a * _logit(logistic.predict_sequential(log)) + b * _logit(elo.predict_sequential(log)) + c
        out: FloatArray = 1.0 / (1.0 + np.exp(-z))
        return out

    def initial_state(self) -> StackedState:
        return StackedState()

    def update(self, state: StackedState, answer: Answer) -> StackedState:
        """Both models' states after ``answer``; ``state`` is not changed.

        The same steps as ``LogisticKT.update`` and ``EloModel.update``, with the item's parameters of
        both models read from one cache (one look-up per answer instead of two)."""
        item, skills, correct = answer.item, answer.skills, answer.correct
        params = self._item_cache.get(item)
        if params is None or params[0] != skills:
            params = self._item_params(item, skills)
        elo = self.elo_
        assert elo is not None  # a cached entry exists only once fitted
        history, elo_state = state
        return _build(
            StackedState,
            (
                advance(history, item, skills, correct, params[1]),
                elo.step(elo_state, skills, correct, params[2]),
            ),
        )

    def _item_params(self, item: str, skills: tuple[str, ...]) -> tuple[tuple[str, ...], float, float]:
        """The item's parameters in both models, cached for ``update`` as ``LogisticKT.item_p`` caches its
        own: pure functions of the fitted parameters (the cache changes no result), keyed by the item with
        its skills compared, and kept for training items only (unknown ids cannot grow it)."""
        logistic, elo = self._models()
        if not skills:
            raise ValueError(f"item {item!r} names no skill")
        params = skills, logistic.item_p(item, skills), elo.difficulty(item, skills)
        assert logistic.item_index_ is not None
        if item in logistic.item_index_:
            self._item_cache[item] = params
        return params

    def predict_correct(self, state: StackedState, item: str, skills: tuple[str, ...]) -> float:
        logistic, elo = self._models()
        return self._blend(
            logistic.predict_correct(state.history, item, skills),
            elo.predict_correct(state.elo, item, skills),
        )

    def predict_mastery(self, state: StackedState, skill: str) -> float:
        """P(skill mastered): the blended P(correct) on the skill's typical item (LogisticKT's
        ``typical_item_``) mapped through LogisticKT's mastery threshold (docs/learner-model.md)."""
        logistic, _ = self._models()
        assert logistic.typical_item_ is not None
        item = logistic.typical_item_.get(skill, f"\x00typical:{skill}")
        return logistic.mastery_from_p(self.predict_correct(state, item, (skill,)))

    def to_dict(self) -> dict[str, Any]:
        logistic, elo = self._models()
        return {
            "model": MODEL_NAME,
            "version": FORMAT_VERSION,
            "params": self.get_params(),
            "logistic": logistic.to_dict(),
            "elo": elo.to_dict(),
        }

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> StackedKT:
        check_format(document, MODEL_NAME, FORMAT_VERSION)
        weights = document["params"]["weights"]
        model = cls(weights=(float(weights[0]), float(weights[1]), float(weights[2])))
        model._set_fitted(LogisticKT.from_dict(document["logistic"]), EloModel.from_dict(document["elo"]))
        return model
