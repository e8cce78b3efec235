"""One-dimensional placement: a 2PL item bank, ability by EAP, the most informative item next.

The two-parameter logistic model (Birnbaum 1968, in Lord & Novick, *Statistical Theories of Mental Test
Scores*): P(right | theta) = 1 / (1 + exp(-a (theta - b))), with discrimination ``a`` and difficulty ``b``.
Its Fisher information at theta is I(theta) = a^2 P (1 - P) (Lord 1980, *Applications of Item Response
Theory to Practical Testing Problems*, ch. 5).

Ability is the expected a posteriori estimate (EAP; Bock & Mislevy 1982, "Adaptive EAP estimation of
ability in a microcomputer environment") on a fixed grid with a N(0, prior_sd^2) prior; its standard error is
the posterior standard deviation. The next item is the unasked one with the most Fisher information at the
current EAP (maximum-information selection, Lord 1980); ``se_method="information"`` measures the error
as 1 / sqrt(test information) instead, as maximum-likelihood CATs do. The test stops when the standard
error is at most ``target_se`` or at ``max_items``. ``AbilityState`` holds only the answers, so a test
resumes exactly.

This is the mode used against catsim (the peer in ``benchmarks/catsim_peer.py``); graph placement is
``placement``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from learnpath.engine.documents import check_document

FloatArray = npt.NDArray[np.float64]
FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class Item2PL:
    """A 2PL item: discrimination ``a`` > 0 and difficulty ``b``."""

    item_id: str
    a: float
    b: float

    def __post_init__(self) -> None:
        if not self.a > 0:
            raise ValueError(f"item {self.item_id!r}: discrimination must be > 0, got {self.a!r}")


def p_correct(theta: float | FloatArray, a: float | FloatArray, b: float | FloatArray) -> FloatArray:
    """2PL P(right | theta)."""
    out: FloatArray = 1.0 / (1.0 + np.exp(-np.asarray(a) * (np.asarray(theta) - np.asarray(b))))
    return out


def information(theta: float, a: FloatArray, b: FloatArray) -> FloatArray:
    """Fisher information of 2PL items at ``theta``: a^2 P (1 - P)."""
    p = p_correct(theta, a, b)
    out: FloatArray = a**2 * p * (1.0 - p)
    return out


@dataclass(frozen=True, slots=True)
class AbilityState:
    """An ability test in progress: ``(item_id, correct)`` answers, in order."""

    answers: tuple[tuple[str, bool], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": "AbilityState",
            "version": FORMAT_VERSION,
            "answers": [[i, c] for i, c in self.answers],
        }

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> AbilityState:
        check_document(document, "AbilityState", FORMAT_VERSION)
        return cls(answers=tuple((str(i), bool(c)) for i, c in document["answers"]))


@dataclass(frozen=True)
class AbilityPlacement:
    """Computerised adaptive test on a 2PL bank (module docstring)."""

    items: tuple[Item2PL, ...]
    target_se: float = 0.3
    max_items: int = 50
    prior_sd: float = 1.0
    grid_points: int = 121
    se_method: str = "posterior"
    _a: FloatArray = field(init=False, repr=False, compare=False)
    _b: FloatArray = field(init=False, repr=False, compare=False)
    _grid: FloatArray = field(init=False, repr=False, compare=False)
    _index: Mapping[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        items = tuple(self.items)
        object.__setattr__(self, "items", items)
        index = {item.item_id: k for k, item in enumerate(items)}
        if len(index) != len(items):
            raise ValueError("item ids in the bank must be unique")
        if self.target_se <= 0 or self.max_items < 1 or self.prior_sd <= 0 or self.grid_points < 3:
            raise ValueError("AbilityPlacement needs target_se > 0, max_items >= 1, prior_sd > 0")
        if self.se_method not in ("posterior", "information"):
            raise ValueError(f"se_method must be 'posterior' or 'information', got {self.se_method!r}")
        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "_a", np.array([item.a for item in items], dtype=np.float64))
        object.__setattr__(self, "_b", np.array([item.b for item in items], dtype=np.float64))
        object.__setattr__(self, "_grid", np.linspace(-4.0, 4.0, self.grid_points) * max(self.prior_sd, 1.0))

    def record(self, state: AbilityState, item_id: str, correct: bool) -> AbilityState:
        """The state after one answer (``state`` is unchanged)."""
        if item_id not in self._index:
            raise KeyError(f"unknown item {item_id!r}")
        return replace(state, answers=(*state.answers, (item_id, bool(correct))))

    def estimate(self, state: AbilityState) -> tuple[float, float]:
        """EAP ability and its standard error.

        The standard error is the posterior sd (``se_method="posterior"``) or, as maximum-likelihood CATs
        such as catsim report it, 1 / sqrt(test information at the estimate) (``"information"``).
        """
        grid = self._grid
        log_post = -0.5 * (grid / self.prior_sd) ** 2
        for item_id, correct in state.answers:
            k = self._index[item_id]
            p = np.clip(p_correct(grid, self._a[k], self._b[k]), 1e-12, 1 - 1e-12)
            log_post = log_post + (np.log(p) if correct else np.log(1.0 - p))
        weights = np.exp(log_post - log_post.max())
        weights /= weights.sum()
        mean = float(weights @ grid)
        if self.se_method == "information":
            asked = [self._index[item_id] for item_id, _ in state.answers]
            info = float(information(mean, self._a[asked], self._b[asked]).sum()) if asked else 0.0
            return mean, 1.0 / np.sqrt(info) if info > 0 else float("inf")
        sd = float(np.sqrt(weights @ (grid - mean) ** 2))
        return mean, sd

    def next_item(self, state: AbilityState) -> str | None:
        """The most informative unasked item at the current EAP, or None when the test should stop."""
        if len(state.answers) >= min(self.max_items, len(self.items)):
            return None
        theta, se = self.estimate(state)
        if se <= self.target_se:
            return None
        info = information(theta, self._a, self._b)
        for item_id, _ in state.answers:
            info[self._index[item_id]] = -np.inf
        return self.items[int(np.argmax(info))].item_id


def run_ability_test(
    test: AbilityPlacement, answer: Callable[[str], bool], *, state: AbilityState | None = None
) -> AbilityState:
    """Run to the end, asking ``answer(item_id) -> bool`` (simulations and tests)."""
    current = state or AbilityState()
    while (item_id := test.next_item(current)) is not None:
        current = test.record(current, item_id, bool(answer(item_id)))
    return current
