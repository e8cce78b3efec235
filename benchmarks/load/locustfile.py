"""Locust users for the load benchmark: learners practising through the REST API, and the trivial peer.

    locust -f benchmarks/load/locustfile.py --headless -u 200 -r 5 --host http://127.0.0.1:8000 LearnerUser
    locust -f benchmarks/load/locustfile.py --headless -u 200 -r 50 --host http://127.0.0.1:8000 TrivialUser

Run by ``load_benchmark.py`` and ``tests/cli/test_load_fault.py`` through ``harness.py``, always in a process
of its own: locust monkey-patches the standard library with gevent.

``LearnerUser`` does what a learner does, one action at a time with a think time before each: signs in with
the password on the sign-in form (CSRF and all), opens the map, asks what is next (``GET .../next``), takes
a review when one is due (``POST .../choose`` with the review's skill) or starts the top suggestion
(``POST .../activities``), sometimes asks for a hint (on a question it started), and answers each part of
the question, right about 70 % of the time (the author's answer, computed from the content pack for the
variant the server sent; a readable wrong answer otherwise), until the question is finished. Every write
carries a key made here with ``uuid4``; on a connection error or a 5xx the same request is sent again with
the same key (a few times, backing off), which is what the "nothing lost, nothing twice" check exercises.
Every answer acknowledged with a 200 is written at once, one JSON line, to ``$LOAD_OUT/acks-<pid>.jsonl``.
A connection idle for 4 s is closed before the next request (``IDLE_S`` says why).

``TrivialUser`` asks for ``GET /health/live`` (no session, no database) in the learners' rhythm: the peer.

Every request is also kept (time, name, milliseconds, status) and written to ``$LOAD_OUT/samples-<pid>.jsonl``
when locust stops, with ``summary-<pid>.json`` (when all users were signed in, when the measured window
ended, retries, abandoned writes, the first refusals' messages). The run stops itself ``LOAD_STEADY_S``
seconds after the last user is ready, so the steady window does not depend on how long the sign-ins took
(or after ``LOAD_RAMP_LIMIT_S``, if some users are still not signed in by then).

Environment: LOAD_OUT (folder, required), LOAD_COURSE, LOAD_PREFIX and LOAD_PASSWORD (the seeded learners),
LOAD_LEARNERS (how many exist), LOAD_USERS (users of this run, to know when all are ready), LOAD_STEADY_S,
LOAD_RAMP_LIMIT_S,
LOAD_THINK_SCALE (1.0: think times as below; 0.5 halves them), LOAD_RIGHT (0.7), LOAD_SEED.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import gevent
from locust import FastHttpUser, events, task
from locust.env import Environment

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))

# learnpath.content is pure Python (no Django): the variant the server sent is computed again here to
# know the author's answer, exactly as tests/browser/conftest.py's give_right_answer reads ``step.answer``.
from learnpath.content.demo import DEMO_PACK_PATH  # noqa: E402
from learnpath.content.model import Item  # noqa: E402
from learnpath.content.pack import load_pack  # noqa: E402
from learnpath.content.sample_answers import right_response, wrong_response  # noqa: E402
from learnpath.content.templates import instantiate  # noqa: E402

OUT = Path(os.environ.get("LOAD_OUT", "load-out"))
COURSE = os.environ.get("LOAD_COURSE", "numbers-to-equations")
PREFIX = os.environ.get("LOAD_PREFIX", "load-")
PASSWORD = os.environ.get("LOAD_PASSWORD", "")
LEARNERS = int(os.environ.get("LOAD_LEARNERS", "1050"))
USERS = int(os.environ.get("LOAD_USERS", "0"))
STEADY_S = float(os.environ.get("LOAD_STEADY_S", "0"))
THINK_SCALE = float(os.environ.get("LOAD_THINK_SCALE", "1.0"))
RIGHT = float(os.environ.get("LOAD_RIGHT", "0.7"))
SEED = int(os.environ.get("LOAD_SEED", "11"))
FIRST = int(os.environ.get("LOAD_FIRST_LEARNER", "0"))
RAMP_LIMIT_S = float(os.environ.get("LOAD_RAMP_LIMIT_S", "0"))

RETRIES = 6
"""Tries of one request on a connection error or a 5xx, waiting 0.5, 1, 2, 4 and 4 s between them (11.5 s
in all: longer than a PostgreSQL restart or a worker's replacement takes)."""
RETRY_ON = {0, 500, 502, 503, 504}
IDLE_S = 4.0
"""A connection idle this long is closed before the next request: gunicorn closes a keep-alive connection
after 5 s without a request, and a request sent just as it does meets "connection closed". nginx in front
of gunicorn avoids it the same way (its ``keepalive_timeout`` below gunicorn's), and a browser resends a
request whose reused connection closed before any answer; locust does neither on its own."""
API = f"/api/learning/{COURSE}"

ITEMS: dict[str, Item] = {item.id: item for item in load_pack(DEMO_PACK_PATH).items}
QUESTIONS = list(ITEMS.values())
_numbers = itertools.count(FIRST)
_rng = random.Random(SEED)
_pid = os.getpid()


class Record:
    """What this locust process keeps: samples (written at the end) and acknowledgements (at once)."""

    def __init__(self) -> None:
        self.samples: list[tuple[float, str, float, int, bool]] = []
        self.ready: list[float] = []
        self.window_start: float | None = None
        self.ready_at_start = 0
        self.window_end: float | None = None
        self.retries = 0
        self.abandoned = 0
        self.refusals: dict[str, str] = {}
        self.refusal_counts: dict[str, int] = {}
        self._acks: Any = None

    def ack(self, line: dict[str, Any]) -> None:
        if self._acks is None:
            OUT.mkdir(parents=True, exist_ok=True)
            # line-buffered: each acknowledgement is on disk before the user's next request
            self._acks = open(OUT / f"acks-{_pid}.jsonl", "a", encoding="utf-8", buffering=1)  # noqa: SIM115
        self._acks.write(json.dumps(line) + "\n")

    def refused(self, name: str, status: int, text: str) -> None:
        label = f"{name} {status}"
        self.refusal_counts[label] = self.refusal_counts.get(label, 0) + 1
        self.refusals.setdefault(label, text[:300])

    def write(self) -> None:
        OUT.mkdir(parents=True, exist_ok=True)
        with open(OUT / f"samples-{_pid}.jsonl", "w", encoding="utf-8") as out:
            for sample in self.samples:
                out.write(json.dumps(sample) + "\n")
        summary = {
            "users_ready": len(self.ready),
            "users_ready_at_window_start": self.ready_at_start,
            "window_start": self.window_start,
            "window_end": self.window_end or time.time(),
            "retries": self.retries,
            "abandoned_writes": self.abandoned,
            "refusal_counts": self.refusal_counts,
            "refusals": self.refusals,
        }
        (OUT / f"summary-{_pid}.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
        if self._acks is not None:
            self._acks.close()


RECORD = Record()


@events.request.add_listener
def _keep(
    request_type: str,
    name: str,
    response_time: float,
    response: Any,
    exception: Any,
    start_time: float,
    **_: Any,
) -> None:
    status = int(getattr(response, "status_code", 0) or 0) if response is not None else 0
    RECORD.samples.append((round(start_time, 3), name, round(response_time, 2), status, exception is None))


def _user_ready(environment: Environment) -> None:
    """Count a user as ready (signed in); when all are, the measured window begins."""
    RECORD.ready.append(time.time())
    if USERS and len(RECORD.ready) == USERS:
        _window_begins(environment)


@events.test_start.add_listener
def _ramp_limit(environment: Environment, **_: Any) -> None:
    """An overloaded server may never let every user sign in: the window then begins anyway after
    ``LOAD_RAMP_LIMIT_S`` (the summary says how many were signed in)."""
    if RAMP_LIMIT_S > 0:
        gevent.spawn_later(RAMP_LIMIT_S, _window_begins, environment)


def _window_begins(environment: Environment) -> None:
    """Start the measured window (once) and stop the run ``LOAD_STEADY_S`` seconds later."""
    if RECORD.window_start is not None:
        return
    RECORD.window_start = time.time()
    RECORD.ready_at_start = len(RECORD.ready)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"ready-{_pid}").write_text(str(RECORD.window_start), encoding="utf-8")
    if STEADY_S > 0 and environment.runner is not None:
        runner = environment.runner

        def stop() -> None:
            RECORD.window_end = time.time()
            runner.quit()

        gevent.spawn_later(STEADY_S, stop)


@events.quitting.add_listener
def _write(environment: Environment, **_: Any) -> None:
    RECORD.write()


def think(low: float, high: float) -> None:
    time.sleep(_rng.uniform(low, high) * THINK_SCALE)  # gevent-patched: yields to the other users


class _Visitor(FastHttpUser):
    """What both users share: timeouts, and a connection closed after ``IDLE_S`` idle (see there)."""

    abstract = True
    connection_timeout = 10.0
    network_timeout = 60.0
    last_used = 0.0

    def fresh_connection_if_idle(self) -> None:
        now = time.monotonic()
        if self.last_used and now - self.last_used >= IDLE_S:
            self.client.client.clientpool.close()
        self.last_used = now


class LearnerUser(_Visitor):
    """One learner practising the demo course; see the module docstring."""

    def on_start(self) -> None:
        self.number = next(_numbers) % LEARNERS
        self.username = f"{PREFIX}{self.number:05d}"
        self.rng = random.Random(SEED * 100_003 + self.number)
        self.csrf = ""
        self.questions = 0
        while not self.sign_in():
            think(2, 5)
        _user_ready(self.environment)
        self.call("GET", f"{API}/map", "map")

    # -- HTTP with retries -----------------------------------------------------------------------------

    def call(
        self, method: str, path: str, name: str, body: dict[str, Any] | None = None
    ) -> dict[str, Any] | None:
        """Send one request (again with the same body, key included, on a connection error or a 5xx);
        the JSON of a 200, else None."""
        headers = {"X-CSRFToken": self.csrf} if method == "POST" else {}
        for attempt in range(RETRIES):
            self.fresh_connection_if_idle()
            with self.client.request(
                method, path, name=name, json=body, headers=headers, catch_response=True
            ) as response:
                status = int(response.status_code or 0)
                if status == 200:
                    try:
                        data: dict[str, Any] = response.json()
                    except ValueError:
                        response.failure("200 without JSON")
                        return None
                    response.success()
                    return data
                text = (response.text or "") if status else str(response.error)
                response.failure(f"{status}: {text[:200]}")
                RECORD.refused(name, status, text)
                if status not in RETRY_ON:
                    return None
            if attempt + 1 < RETRIES:
                RECORD.retries += 1
                time.sleep(min(4.0, 0.5 * 2**attempt))
        if body is not None:
            RECORD.abandoned += 1
        return None

    def sign_in(self) -> bool:
        """The sign-in form, as a browser posts it: its CSRF cookie and token, then the password."""
        self.client.cookiejar.clear()
        self.fresh_connection_if_idle()
        with self.client.get("/accounts/sign-in/", name="sign-in page", catch_response=True) as page:
            if page.status_code != 200:
                page.failure(f"{page.status_code}")
                return False
            page.success()
        token = self._cookie("csrftoken")
        self.fresh_connection_if_idle()
        with self.client.post(
            "/accounts/sign-in/",
            name="sign-in",
            data=f"csrfmiddlewaretoken={token}&username={self.username}&password={PASSWORD}",
            headers={"Content-Type": "application/x-www-form-urlencoded", "Referer": self.host + "/"},
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302 or not self._cookie("sessionid"):
                response.failure(f"sign-in answered {response.status_code}")
                RECORD.refused("sign-in", int(response.status_code or 0), response.text or "")
                return False
            response.success()
        self.csrf = self._cookie("csrftoken")  # Django rotates the token at sign-in
        return True

    def _cookie(self, name: str) -> str:
        return next((c.value or "" for c in self.client.cookiejar if c.name == name), "")

    # -- the learner ------------------------------------------------------------------------------------

    @task
    def practise_one_question(self) -> None:
        """Next, review or start, maybe a hint, then answers until the question is finished."""
        think(1, 3)  # reads the page, clicks "next"
        if self.questions % 8 == 7:
            self.call("GET", f"{API}/map", "map")
            think(1, 3)
        self.questions += 1
        upcoming = self.call("GET", f"{API}/next", "next")
        if upcoming is None:
            return
        activity = upcoming.get("open_activity")
        fresh = activity is None
        if activity is None:
            think(0.5, 2)
            reviews = [s for s in upcoming.get("suggestions", []) if s["kind"] == "review"]
            if reviews:
                body = {"skill_id": reviews[0]["skill_id"], "idempotency_key": uuid.uuid4().hex}
                activity = self.call("POST", f"{API}/choose", "choose (review)", body)
            else:
                body = {"idempotency_key": uuid.uuid4().hex}
                activity = self.call("POST", f"{API}/activities", "start", body)
        if activity is None:
            return
        self.answer_until_finished(activity, hints=fresh)

    def answer_until_finished(self, activity: dict[str, Any], *, hints: bool) -> None:
        """Answer each part (a hint first now and then, only on a question started here: one left open
        earlier may have shown its hints already) until the server says the question is finished."""
        item = ITEMS[activity["item_id"]]
        variant = instantiate(item, int(activity["seed"])) if item.is_template else item
        solved = set(activity.get("solved", []))
        parts = [(s.id, s) for s in variant.steps if s.id not in solved] or [("", variant.main)]
        hints_left = self._hints(activity) if hints else {}
        for part_id, step in parts:
            for attempt in range(4):
                think(4, 16)  # works the question out
                if hints_left.get(part_id, 0) > 0 and self.rng.random() < 0.15:
                    body = {
                        "item_id": variant.id,
                        "seed": activity["seed"],
                        "step_id": part_id,
                        "idempotency_key": uuid.uuid4().hex,
                    }
                    if self.call("POST", f"{API}/hints", "hint", body) is not None:
                        hints_left[part_id] -= 1
                    think(2, 6)
                right = attempt == 3 or self.rng.random() < RIGHT
                key = uuid.uuid4().hex
                body = {
                    "item_id": variant.id,
                    "seed": activity["seed"],
                    "step_id": part_id,
                    "response": right_response(step) if right else wrong_response(step),
                    "idempotency_key": key,
                }
                result = self.call("POST", f"{API}/answers", "answer", body)
                if result is None:
                    return  # refused or the server stayed away: the next "next" says where things stand
                RECORD.ack(
                    {
                        "learner": self.username,
                        "key": key,
                        "event_id": result["event_id"],
                        "replayed": result.get("replayed", False),
                        "t": round(time.time(), 3),
                    }
                )
                if result.get("finished"):
                    return
                if result.get("correct"):
                    break  # this step is done; the next one

    @staticmethod
    def _hints(activity: dict[str, Any]) -> dict[str, int]:
        hints = {"": int(activity.get("hints_available", 0))}
        for step in activity.get("steps", []):
            hints[step["id"]] = int(step.get("hints_available", 0))
        return hints


class TrivialUser(_Visitor):
    """The peer: the same think times, each action a ``GET /health/live`` (no session, no database)."""

    def on_start(self) -> None:
        self.rng = random.Random(SEED * 100_003 + next(_numbers))
        self.questions = 0
        _user_ready(self.environment)

    @task
    def live(self) -> None:
        """The learner's rhythm, each action a trivial request: the map every eighth question, next, start,
        then, on a question drawn from the course, each part answered until right (70 %, the fourth try
        always) with a hint before 15 % of the tries on parts that have hints."""
        think(1, 3)
        if self.questions % 8 == 7:
            self.get()
            think(1, 3)
        self.questions += 1
        self.get()
        think(0.5, 2)
        self.get()
        item = self.rng.choice(QUESTIONS)
        for step in item.steps or (item.main,):
            hints = len(step.hints)
            for attempt in range(4):
                think(4, 16)
                if hints > 0 and self.rng.random() < 0.15:
                    self.get()
                    hints -= 1
                    think(2, 6)
                self.get()
                if attempt == 3 or self.rng.random() < RIGHT:
                    break

    def get(self) -> None:
        self.fresh_connection_if_idle()
        with self.client.get("/health/live", name="live (peer)", catch_response=True) as response:
            if response.status_code == 200:
                response.success()
            else:
                response.failure(f"{response.status_code}")
