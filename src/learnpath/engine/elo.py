"""Item and learner calibration for cold start: a Rasch (1PL IRT) fit and an Elo-style online ability.

Fitting (Rasch 1960; joint maximum a posteriori): P(correct) = sigmoid(theta_learner - b_item), with
Gaussian priors theta ~ N(0, 1) and b_item ~ N(b_skill, sigma_item^2), fitted by L-BFGS. Items never seen
in training get their skills' mean difficulty b_skill.

Online (Elo, as adapted to education by Pelánek 2016): after an answer the learner's ability moves by
K(n) * (correct - P(correct)), with an uncertainty function K(n) = k / (1 + decay * n) of the number of
answers n so far. Each skill has its own ability offset, updated the same way, so the state is
O(skills of the item) to update. ``estimate_ability`` gives the MAP ability from a handful of answers,
which is what placement uses.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import scipy.optimize
from immutables import Map

from learnpath.engine.answers import Answer, AnswerLog, as_answer_log
from learnpath.engine.learner_model import NotFittedError, check_format

FloatArray = npt.NDArray[np.float64]
MODEL_NAME = "elo"
FORMAT_VERSION = 1


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


# builds a named tuple without its generated ``__new__`` (a Python function around this call)
_build = tuple.__new__

# A learner's ability offset on one skill and their number of answers on it (for the step size). A plain
# tuple: one is built on every answer, and a tuple subclass costs four times as much to build and free.
EloSkill = tuple[float, int]
_NEW_SKILL: EloSkill = (0.0, 0)
_NO_SKILLS: Map[str, EloSkill] = Map()


class EloState(NamedTuple):
    """A learner's overall ability and answer count, and per skill an ``EloSkill`` (offset, answers).

    The map is persistent (``immutables.Map``), so an update touches only the answer's skills; a plain
    dict is accepted too and converted on the first update."""

    ability: float = 0.0
    answers: int = 0
    skills: Mapping[str, EloSkill] = _NO_SKILLS

    def skill(self, skill: str) -> EloSkill:
        return self.skills.get(skill, _NEW_SKILL)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "ability": self.ability,
            "answers": self.answers,
            "skill_ability": {skill: offset for skill, (offset, _) in self.skills.items()},
            "skill_answers": {skill: answers for skill, (_, answers) in self.skills.items()},
        }

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> EloState:
        if document.get("version") != 1:
            raise ValueError(f"EloState: unsupported version {document.get('version')!r}")
        abilities, answers = document["skill_ability"], document["skill_answers"]
        if set(abilities) != set(answers):
            raise ValueError("EloState: skill_ability and skill_answers must name the same skills")
        return cls(
            float(document["ability"]),
            int(document["answers"]),
            Map({str(k): (float(v), int(answers[k])) for k, v in abilities.items()}),
        )


def estimate_ability(difficulties: Sequence[float], correct: Sequence[bool], prior_sd: float = 1.0) -> float:
    """MAP ability under the Rasch model with a N(0, prior_sd^2) prior, by Newton's method."""
    theta = 0.0
    b = np.asarray(difficulties, dtype=np.float64)
    y = np.asarray(correct, dtype=np.float64)
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(theta - b)))
        gradient = float(np.sum(y - p)) - theta / prior_sd**2
        curvature = float(np.sum(p * (1 - p))) + 1.0 / prior_sd**2
        step = gradient / curvature
        theta += step
        if abs(step) < 1e-10:
            break
    return theta


class EloModel:
    """Rasch-calibrated item difficulties with Elo-updated learner abilities.

    Hyperparameters: ``k`` and ``decay`` (step size k / (1 + decay * n)), ``skill_k`` (the same for skill
    offsets), ``item_sd`` (prior sd of an item's difficulty around its skills' mean), ``max_iter``.
    """

    name = MODEL_NAME

    def __init__(
        self,
        *,
        k: float = 0.8,
        decay: float = 0.05,
        skill_k: float = 0.8,
        item_sd: float = 1.0,
        max_iter: int = 200,
    ) -> None:
        self.k = k
        self.decay = decay
        self.skill_k = skill_k
        self.item_sd = item_sd
        self.max_iter = max_iter
        self.item_difficulty_: dict[str, float] | None = None
        self.skill_difficulty_: dict[str, float] | None = None
        self.default_difficulty_: float | None = None

    def get_params(self) -> dict[str, Any]:
        return {
            "k": self.k,
            "decay": self.decay,
            "skill_k": self.skill_k,
            "item_sd": self.item_sd,
            "max_iter": self.max_iter,
        }

    def fit(self, events: AnswerLog | Iterable[Answer]) -> EloModel:
        """Joint MAP Rasch fit: learner abilities (discarded) and item and skill difficulties."""
        log = as_answer_log(events)
        if len(log) == 0:
            raise ValueError("EloModel.fit needs at least one answer")
        n_learners, n_items, n_skills = len(log.learner_ids), len(log.item_ids), len(log.skill_ids)
        y = log.correct.astype(np.float64)
        first_skill = log.skill[log.skill_start[:-1]]
        # the skill an item is centred on: the first skill of its first answer
        item_skill = np.zeros(n_items, dtype=np.int64)
        item_skill[log.item[::-1]] = first_skill[::-1]
        learner, item = log.learner, log.item
        n = len(y)

        def objective(w: FloatArray) -> tuple[float, FloatArray]:
            theta, b, bs = w[:n_learners], w[n_learners : n_learners + n_items], w[n_learners + n_items :]
            z = theta[learner] - b[item]
            loss = float(np.sum(np.logaddexp(0.0, z) - y * z))
            dev = b - bs[item_skill]
            loss += (
                0.5 * float(theta @ theta)
                + 0.5 * float(dev @ dev) / self.item_sd**2
                + 0.5 * 1e-3 * float(bs @ bs)
            )
            r = 1.0 / (1.0 + np.exp(-z)) - y
            g_theta = np.bincount(learner, weights=r, minlength=n_learners) + theta
            g_b = -np.bincount(item, weights=r, minlength=n_items) + dev / self.item_sd**2
            g_bs = -np.bincount(item_skill, weights=dev, minlength=n_skills) / self.item_sd**2 + 1e-3 * bs
            return loss / n, np.concatenate([g_theta, g_b, g_bs]) / n

        w0 = np.zeros(n_learners + n_items + n_skills)
        result = scipy.optimize.minimize(
            objective, w0, jac=True, method="L-BFGS-B", options={"maxiter": self.max_iter}
        )
        w = np.asarray(result.x)
        b, bs = w[n_learners : n_learners + n_items], w[n_learners + n_items :]
        self.item_difficulty_ = {item_id: float(b[k]) for k, item_id in enumerate(log.item_ids)}
        self.skill_difficulty_ = {skill: float(bs[k]) for k, skill in enumerate(log.skill_ids)}
        self.default_difficulty_ = float(np.mean(bs)) if n_skills else 0.0
        return self

    def difficulty(self, item: str, skills: tuple[str, ...]) -> float:
        """The item's difficulty; for an item not seen in training, its skills' mean difficulty."""
        if (
            self.item_difficulty_ is None
            or self.skill_difficulty_ is None
            or self.default_difficulty_ is None
        ):
            raise NotFittedError("EloModel is not fitted yet: call fit(events) before predicting")
        known = self.item_difficulty_.get(item)
        if known is not None:
            return known
        values = [self.skill_difficulty_[s] for s in skills if s in self.skill_difficulty_]
        return sum(values) / len(values) if values else self.default_difficulty_

    def initial_state(self) -> EloState:
        return EloState()

    def _logit(self, state: EloState, item: str, skills: tuple[str, ...]) -> float:
        table = state.skills
        offset = sum(table.get(s, _NEW_SKILL)[0] for s in skills) / len(skills)
        return state.ability + offset - self.difficulty(item, skills)

    def predict_correct(self, state: EloState, item: str, skills: tuple[str, ...]) -> float:
        if not skills:
            raise ValueError(f"item {item!r} names no skill")
        return _sigmoid(self._logit(state, item, skills))

    def predict_mastery(self, state: EloState, skill: str) -> float:
        """P(correct) on an item of the skill's mean difficulty (Elo has no hidden mastery state)."""
        return self.predict_correct(state, f"\x00typical:{skill}", (skill,))

    def update(self, state: EloState, answer: Answer) -> EloState:
        skills = answer.skills
        if not skills:
            raise ValueError(f"item {answer.item!r} names no skill")
        known = self.item_difficulty_
        difficulty = known.get(answer.item) if known is not None else None
        if difficulty is None:
            difficulty = self.difficulty(answer.item, skills)
        return self.step(state, skills, answer.correct, difficulty)

    def step(self, state: EloState, skills: tuple[str, ...], correct: bool, difficulty: float) -> EloState:
        """The state after an answer to an item of ``difficulty`` tagged with ``skills`` (at least one);
        ``state`` is not changed. O(skills of the item): the map is persistent."""
        ability, answers, table = state
        if type(table) is not Map:
            table = Map(table)
        decay = self.decay
        if len(skills) == 1:  # most answers: one look-up and one write
            skill = skills[0]
            offset, count = table.get(skill, _NEW_SKILL)
            error = (1.0 if correct else 0.0) - _sigmoid(ability + offset - difficulty)
            table = table.set(skill, (offset + self.skill_k / (1.0 + decay * count) * error, count + 1))
        else:
            offset = 0.0
            for skill in skills:
                offset += table.get(skill, _NEW_SKILL)[0]
            error = (1.0 if correct else 0.0) - _sigmoid(ability + offset / len(skills) - difficulty)
            share = self.skill_k / len(skills) * error
            for skill in skills:
                offset, count = table.get(skill, _NEW_SKILL)
                table = table.set(skill, (offset + share / (1.0 + decay * count), count + 1))
        ability += self.k / (1.0 + decay * answers) * error
        return _build(EloState, (ability, answers + 1, table))

    def predict_sequential(self, events: AnswerLog | Iterable[Answer]) -> FloatArray:
        log = as_answer_log(events)
        if self.item_difficulty_ is None:
            raise NotFittedError("EloModel is not fitted yet: call fit(events) before predicting")
        out = np.empty(len(log))
        states: dict[int, EloState] = {}
        for k in range(len(log)):
            answer = log.answer(k)
            code = int(log.learner[k])
            state = states.get(code) or EloState()
            out[k] = self.predict_correct(state, answer.item, answer.skills)
            states[code] = self.update(state, answer)
        return out

    def to_dict(self) -> dict[str, Any]:
        if (
            self.item_difficulty_ is None
            or self.skill_difficulty_ is None
            or self.default_difficulty_ is None
        ):
            raise NotFittedError("EloModel is not fitted yet: call fit(events) before to_dict")
        return {
            "model": MODEL_NAME,
            "version": FORMAT_VERSION,
            "params": self.get_params(),
            "item_difficulty": dict(self.item_difficulty_),
            "skill_difficulty": dict(self.skill_difficulty_),
            "default_difficulty": self.default_difficulty_,
        }

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> EloModel:
        check_format(document, MODEL_NAME, FORMAT_VERSION)
        model = cls(**document["params"])
        model.item_difficulty_ = {str(k): float(v) for k, v in document["item_difficulty"].items()}
        model.skill_difficulty_ = {str(k): float(v) for k, v in document["skill_difficulty"].items()}
        model.default_difficulty_ = float(document["default_difficulty"])
        return model
