"""Generated practice histories, made through the real services (for the rebuild test and the benchmark).

Each simulated learner has a hidden chance of answering right that grows with practice; they follow the
engine's suggestions, sometimes choose a skill from the board, ask for hints, open resources and say
"I haven't learned this yet", and come back on later days, so the log holds every kind of event and the
derived tables hold mastered skills, lapses and review schedules.

``right_response`` and ``wrong_response`` (``content.sample_answers``) are re-exported for the callers that
import them from here.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from learnpath.content.sample_answers import right_response, wrong_response
from learnpath.web.learning import selectors, services
from learnpath.web.learning.course_model import CourseModel
from learnpath.web.learning.errors import LearningError
from learnpath.web.learning.store import state_load


@dataclass
class Counter:
    actions: int = 0
    refused: int = 0


def learner_session(
    *, learner: Any, model: CourseModel, rng: random.Random, actions: int, start: datetime, counter: Counter
) -> datetime:
    """One learner's practice: ``actions`` questions from ``start``; returns the time they stopped."""
    now = start
    skill = rng.random()
    key = f"{learner.pk}-{int(start.timestamp())}"
    for n in range(actions):
        now += timedelta(minutes=rng.randint(1, 3))
        activity: dict[str, Any] = {}
        if rng.random() < 0.15:
            state = state_load(learner_id=learner.pk, course_id=model.course_id, with_resources=False)
            entries = [e for e in selectors.board(state, model, now=now) if e.item_id]
            if entries:
                activity = services.skill_choose(
                    learner=learner,
                    course_id=model.course_id,
                    skill_id=rng.choice(entries).skill_id,
                    idempotency_key=f"{key}-c{n}",
                    now=now,
                )
        if not activity:
            activity = services.activity_start(
                learner=learner, course_id=model.course_id, idempotency_key=f"{key}-s{n}", now=now
            )
        if activity.get("kind") == "start":
            item_id, seed = activity["item_id"], activity["seed"]
        else:  # back to a question left open
            attempt = state_load(learner_id=learner.pk, course_id=model.course_id).open_attempt()
            if attempt is None:
                continue
            item_id, seed = attempt.item_id, attempt.seed
        counter.actions += 1
        item = selectors.variant(model, item_id, seed)
        common = {"learner": learner, "course_id": model.course_id, "now": now}
        if rng.random() < 0.05:
            services.attempt_skip(item_id=item_id, seed=seed, idempotency_key=f"{key}-k{n}", **common)
            continue
        resources = model.skill_resources.get(item.skills[0], ())
        if resources and rng.random() < 0.1:
            services.resource_view(resource_id=rng.choice(resources), idempotency_key=f"{key}-r{n}", **common)
        if item.main.hints and rng.random() < 0.1:
            services.hint_reveal(
                item_id=item_id, seed=seed, step_id="", idempotency_key=f"{key}-h{n}", **common
            )
        if item.solution and rng.random() < 0.04:
            services.solution_view(item_id=item_id, seed=seed, idempotency_key=f"{key}-w{n}", **common)
        p_right = min(0.95, 0.45 + 0.5 * skill + 0.02 * n)
        parts = list(item.steps) or [item.main]
        for k, step in enumerate(parts):
            step_id = "" if step is item.main else step.id
            for t in range(3):
                right = rng.random() < p_right or t == 2
                try:
                    services.attempt_record(
                        item_id=item_id,
                        seed=seed,
                        step_id=step_id,
                        response=right_response(step) if right else wrong_response(step),
                        idempotency_key=f"{key}-a{n}-{k}-{t}",
                        **common,
                    )
                except LearningError:
                    counter.refused += 1
                    right = True
                if right:
                    break
    return now


def history_generate(
    *, learners: list[Any], model: CourseModel, seed: int, start: datetime, actions: int = 8, days: int = 3
) -> Counter:
    """Every learner practises ``actions`` questions on each of ``days`` days, some days apart."""
    rng = random.Random(seed)
    counter = Counter()
    for learner in learners:
        moment = start + timedelta(hours=rng.randint(0, 48))
        for _day in range(days):
            moment = learner_session(
                learner=learner,
                model=model,
                rng=rng,
                actions=rng.randint(1, actions),
                start=moment,
                counter=counter,
            )
            moment += timedelta(days=rng.choice([1, 2, 3, 5, 9]))
    return counter
