"""Answers a simulated learner sends: the author's right answer, or a readable wrong one.

Pure (no Django), so the simulator behind the real services, the benchmarks and the load test's learners
(which run under gevent, apart from Django) send answers of the same shapes.
"""

from __future__ import annotations

from typing import Any

from learnpath.content.model import Step


def right_response(step: Step) -> Any:
    """The author's answer to ``step`` in the form a learner sends it."""
    if step.type == "multiple_choice":
        return list(step.answer)
    return str(step.answer)


def wrong_response(step: Step) -> Any:
    """A readable answer that is not right."""
    if step.type == "single_choice":
        return next(c.id for c in step.choices if c.id != step.answer)
    if step.type == "multiple_choice":
        return [step.choices[0].id] if list(step.answer) != [step.choices[0].id] else [step.choices[1].id]
    if step.type == "short_text":
        return "no idea"
    return "987654321"
