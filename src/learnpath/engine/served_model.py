"""The learner model the product serves: what the learner loop (``learner_loop``) asks of it.

The loop needs two numbers from a learner model and one way to move it:

- P(correct) of an item for this learner now, which the policy uses to pick items in the productive band;
- P(mastered) of a skill after an answer, which the mastery rule reads;
- ``observe``: the model's learner state after one piece of evidence.

P(mastered) is kept by the loop in each skill's ``SkillProgress`` (a fact stored once: in the skill's row),
and handed back to the model on the next answer, so a model whose hidden state *is* P(mastered) (BKT) keeps
no copy of it. Everything else the model needs of a learner is its own ``state`` (a JSON-ready value).

``PriorModel`` is what a course starts from before it has answers of its own to fit on (decision 0040,
docs/learner-model.md, "The served model"):

- **P(mastered)**: BKT (``bkt``) with the same textbook parameters for every skill, p_init 0.3,
  p_learn 0.15, p_guess 0.2, p_slip 0.1 (Corbett & Anderson 1995, "Knowledge tracing");
- **P(correct)**: Elo (``elo``) with the item difficulties given by the content pack (a logit; an item
  without one gets its skills' mean, 0 if none) and the learner's online ability.

``StackedServedModel`` is the default model fitted on the course's own log (``model_fit``): StackedKT, the
model BENCHMARKS.md reports as the default, gives both numbers (P(mastered): the blended P(correct) on a
typical item of the skill through LogisticKT's mastery threshold; docs/learner-model.md).

``served_model_from_dict`` reads either back from its stored document.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from learnpath.engine.answers import Answer
from learnpath.engine.bkt import BKT, BKTParams, BKTState
from learnpath.engine.elo import EloModel, EloState
from learnpath.engine.stacked_kt import StackedKT, StackedState

PRIOR_BKT = BKTParams(p_init=0.3, p_learn=0.15, p_guess=0.2, p_slip=0.1, p_forget=0.0)
"""Textbook BKT parameters (Corbett & Anderson 1995) for a course with no answers to fit on."""
PRIOR_VERSION = "prior"
"""The version name of every course's prior model."""


class ServedModel(Protocol):
    """A learner model as the learner loop uses it (see the module docstring)."""

    @property
    def version(self) -> str:
        """Names the model and its parameters (stored with a learner's state)."""
        ...

    def initial_state(self) -> Any: ...

    def observe(
        self, state: Any, p_mastered: Mapping[str, float], answer: Answer
    ) -> tuple[Any, dict[str, float]]:
        """The model state after ``answer`` and P(mastered) of each of the answer's skills after it.

        ``p_mastered`` holds the skills' P(mastered) before the answer (a skill left out has none yet)."""
        ...

    def predict_correct(self, state: Any, item: str, skills: tuple[str, ...]) -> float: ...

    def state_to_dict(self, state: Any) -> dict[str, Any]: ...

    def state_from_dict(self, document: Mapping[str, Any]) -> Any: ...


@dataclass(frozen=True)
class PriorModel:
    """BKT with textbook parameters for P(mastered), Elo with the pack's difficulties for P(correct)."""

    bkt: BKT
    elo: EloModel
    version: str = PRIOR_VERSION

    @classmethod
    def from_difficulties(
        cls,
        item_difficulty: Mapping[str, float],
        item_skills: Mapping[str, Iterable[str]],
        skills: Iterable[str],
        *,
        bkt_params: BKTParams = PRIOR_BKT,
    ) -> PriorModel:
        """The prior model of a course: ``item_difficulty`` (logits) for the items that have one;
        a skill's difficulty is the mean of its items' (0 if none)."""
        by_skill: dict[str, list[float]] = defaultdict(list)
        for item, value in item_difficulty.items():
            for skill in item_skills.get(item, ()):
                by_skill[skill].append(float(value))
        skill_difficulty = dict.fromkeys(skills, 0.0)
        skill_difficulty.update({skill: sum(v) / len(v) for skill, v in by_skill.items()})
        elo = EloModel.from_dict(
            {
                "model": "elo",
                "version": 1,
                "params": EloModel().get_params(),
                "item_difficulty": {str(k): float(v) for k, v in item_difficulty.items()},
                "skill_difficulty": skill_difficulty,
                "default_difficulty": 0.0,
            }
        )
        bkt = BKT.from_dict(
            {
                "model": "bkt",
                "version": 1,
                "params": BKT().get_params(),
                "skills": {},
                "default": bkt_params.to_list(),
            }
        )
        return cls(bkt=bkt, elo=elo)

    def initial_state(self) -> EloState:
        return EloState()

    def observe(
        self, state: EloState, p_mastered: Mapping[str, float], answer: Answer
    ) -> tuple[EloState, dict[str, float]]:
        known = {skill: p_mastered[skill] for skill in answer.skills if skill in p_mastered}
        after = self.bkt.update(BKTState(known), answer)
        return self.elo.update(state, answer), {skill: after.mastery[skill] for skill in answer.skills}

    def predict_correct(self, state: EloState, item: str, skills: tuple[str, ...]) -> float:
        return self.elo.predict_correct(state, item, skills)

    def state_to_dict(self, state: EloState) -> dict[str, Any]:
        return {"model": self.version, "elo": state.to_dict()}

    def state_from_dict(self, document: Mapping[str, Any]) -> EloState:
        if document.get("model") != self.version:
            raise ValueError(f"a learner state of model {document.get('model')!r} given to {self.version!r}")
        return EloState.from_dict(document["elo"])


@dataclass(frozen=True)
class StackedServedModel:
    """A fitted StackedKT, served, with BKT fitted on the same log for P(mastered).

    P(correct) of items comes from StackedKT (the benchmark's default model). P(mastered) comes from the
    per-skill BKT fitted on the same answers (``mastery``): the mastery rule's belief threshold (0.95,
    Corbett & Anderson 1995) is a posterior of BKT's latent "mastered" state. StackedKT's own P(mastered)
    (confidence that P(correct) on a typical item is at least 0.85) cannot reach 0.95 on items whose slip
    is above a few percent: served with it, simulated learners needed about three times the items and half
    never finished (docs/learner-model.md, "The served model"). With ``mastery=None`` StackedKT's own is
    used.
    """

    stacked: StackedKT
    version: str
    mastery: BKT | None = None

    def initial_state(self) -> StackedState:
        return self.stacked.initial_state()

    def observe(
        self, state: StackedState, p_mastered: Mapping[str, float], answer: Answer
    ) -> tuple[StackedState, dict[str, float]]:
        after = self.stacked.update(state, answer)
        if self.mastery is not None:
            known = {skill: p_mastered[skill] for skill in answer.skills if skill in p_mastered}
            posterior = self.mastery.update(BKTState(known), answer)
            return after, {skill: posterior.mastery[skill] for skill in answer.skills}
        return after, {skill: self.stacked.predict_mastery(after, skill) for skill in answer.skills}

    def predict_correct(self, state: StackedState, item: str, skills: tuple[str, ...]) -> float:
        return self.stacked.predict_correct(state, item, skills)

    def state_to_dict(self, state: StackedState) -> dict[str, Any]:
        return {"model": self.version, "stacked": state.to_dict()}

    def state_from_dict(self, document: Mapping[str, Any]) -> StackedState:
        if document.get("model") != self.version:
            raise ValueError(f"a learner state of model {document.get('model')!r} given to {self.version!r}")
        return StackedState.from_dict(document["stacked"])

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": "served-stacked-kt",
            "version": 1,
            "name": self.version,
            "stacked": self.stacked.to_dict(),
            "mastery": None if self.mastery is None else self.mastery.to_dict(),
        }


def served_model_from_dict(document: Mapping[str, Any]) -> StackedServedModel:
    """A fitted served model from its stored document (``StackedServedModel.to_dict``)."""
    if document.get("model") != "served-stacked-kt" or document.get("version") != 1:
        raise ValueError(
            f"not a served model document: {document.get('model')!r} {document.get('version')!r}"
        )
    mastery = document.get("mastery")
    return StackedServedModel(
        StackedKT.from_dict(document["stacked"]),
        version=str(document["name"]),
        mastery=None if mastery is None else BKT.from_dict(mastery),
    )


def answer_noise(model: ServedModel, skill: str) -> tuple[float, float]:
    """(slip, guess) of the served model's BKT for ``skill``: what placement tells its belief about the
    skill's items. The prior's are the textbook values (0.1, 0.2); a fit's are those of the BKT fitted
    with it (the skill's default where the log had none of its answers)."""
    bkt = model.bkt if isinstance(model, PriorModel) else getattr(model, "mastery", None)
    params = bkt.skill_params(skill) if isinstance(bkt, BKT) else PRIOR_BKT
    return params.p_slip, params.p_guess
