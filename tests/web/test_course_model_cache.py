"""Course models are built once per course, and a course being built holds up no other course.

After a restart, the first request to a very large course builds its model (about a minute for 100,000
items); a request for a small course must not wait behind it. The pack look-up is replaced here by one that
waits for the test's signal, so the "slow build" is exactly as slow as the test wants.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from tests.web.conftest import fraction_pack

from learnpath.content.model import Pack
from learnpath.engine.served_model import PRIOR_VERSION
from learnpath.web.learning import course_model as course_model_module
from learnpath.web.learning.api import course_models_warm
from learnpath.web.learning.course_model import course_model

WAIT = 20.0


class SlowPacks:
    """Packs by course id; the course named ``slow`` waits for ``release`` before its pack is returned."""

    def __init__(self, slow: str) -> None:
        self.slow = slow
        self.release = threading.Event()
        self.started = threading.Event()
        self.calls: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, *, course_id: str) -> Pack:
        with self.lock:
            self.calls.append(course_id)
        if course_id == self.slow:
            self.started.set()
            assert self.release.wait(WAIT), "the test never released the slow build"
        return fraction_pack(course_id=course_id)


@pytest.fixture
def slow_packs(monkeypatch: pytest.MonkeyPatch) -> Any:
    packs = SlowPacks("big")
    monkeypatch.setattr(course_model_module.curriculum_api, "course_pack", packs)
    monkeypatch.setattr(course_model_module, "served_version", lambda course_id: PRIOR_VERSION)
    yield packs
    packs.release.set()


def test_a_course_being_built_never_holds_up_another(slow_packs: SlowPacks) -> None:
    with ThreadPoolExecutor(max_workers=2) as pool:
        big = pool.submit(course_model, "big", "checksum-big")
        assert slow_packs.started.wait(WAIT)
        small = pool.submit(course_model, "small", "checksum-small")
        try:
            built = small.result(timeout=5)
        finally:
            slow_packs.release.set()
        assert built.course_id == "small"
        assert big.result(timeout=WAIT).course_id == "big"


def test_requests_for_one_course_build_it_once(slow_packs: SlowPacks) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        first = [pool.submit(course_model, "big", "checksum-big") for _ in range(4)]
        assert slow_packs.started.wait(WAIT)
        slow_packs.release.set()
        models = {id(future.result(timeout=WAIT)) for future in first}
    assert slow_packs.calls == ["big"]
    assert len(models) == 1


def test_warming_builds_every_course_before_traffic(
    monkeypatch: pytest.MonkeyPatch, slow_packs: SlowPacks
) -> None:
    slow_packs.release.set()

    class Info:
        def __init__(self, course_id: str) -> None:
            self.id = course_id
            self.checksum = f"checksum-{course_id}"

    monkeypatch.setattr(course_model_module.curriculum_api, "course_ids", lambda: ["big", "small"])
    monkeypatch.setattr(
        course_model_module.curriculum_api, "course_info", lambda *, course_id: Info(course_id)
    )
    assert course_models_warm() == ["big", "small"]
    assert sorted(slow_packs.calls) == ["big", "small"]
    course_model("small", "checksum-small")
    course_model("big", "checksum-big")
    assert sorted(slow_packs.calls) == ["big", "small"]  # served from what warming built
