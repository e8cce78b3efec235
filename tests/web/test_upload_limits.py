"""Issue 12, #6: uploads had no overall request-size cap and no per-learner quota. A request over the cap is
refused (413) before anything is read or saved, as a page or as JSON; a learner's files stop at a quota
with a message that says what to do; waitress is given the same cap."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from learnpath.web.accounts.models import User
from learnpath.web.agency.models import Submission
from learnpath.web.learning.models import Event

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def poster(size: int, name: str = "poster.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG + b"\x00" * (size - len(PNG)), "image/png")


def test_a_request_over_the_cap_is_refused_before_it_is_read(
    settings: Any, learner: User, client_of: Callable[[User], Client]
) -> None:
    settings.LEARNPATH_MAX_REQUEST_BYTES = 64 * 1024
    client = client_of(learner)
    page = client.post("/me/portfolio/", {"title": "Big", "kind": "file", "file": poster(100 * 1024)})
    assert page.status_code == 413
    text = page.content.decode()
    assert "larger than 0.0625 MB" in text
    assert "Nothing was saved." in text
    assert "Content-Security-Policy" in page.headers  # a normal page of the site, under its CSP
    assert not Submission.objects.exists()
    # The same cap on the API, as JSON; nothing recorded.
    api = client.post(
        "/api/learning/any-course/activities", data="x" * (65 * 1024), content_type="application/json"
    )
    assert api.status_code == 413
    assert "larger than" in api.json()["detail"]
    assert not Event.objects.exists()


def test_a_request_under_the_cap_goes_through(
    settings: Any, learner: User, client_of: Callable[[User], Client]
) -> None:
    settings.LEARNPATH_MAX_REQUEST_BYTES = 64 * 1024
    response = client_of(learner).post(
        "/me/portfolio/", {"title": "Small", "kind": "file", "file": poster(1024)}
    )
    assert response.status_code == 302
    assert Submission.objects.count() == 1


def test_a_learners_files_stop_at_the_quota_with_a_plain_message(
    settings: Any, learner: User, make_user: Callable[..., User], client_of: Callable[[User], Client]
) -> None:
    settings.LEARNPATH_UPLOAD_QUOTA_BYTES = 2 * 1024 * 1024 + 10
    client = client_of(learner)
    for k in range(2):
        assert (
            client.post(
                "/me/portfolio/", {"title": f"P{k}", "kind": "file", "file": poster(1024 * 1024, f"p{k}.png")}
            ).status_code
            == 302
        )
    page = client.post(
        "/me/portfolio/", {"title": "P2", "kind": "file", "file": poster(1024 * 1024, "p2.png")}, follow=True
    )
    text = page.content.decode()
    assert "already take 2.0 MB of the 2.0 MB" in text
    assert "Add it as a link instead" in text
    assert Submission.objects.filter(learner=learner).count() == 2
    # Text and links are not files: they still go in.
    client.post("/me/portfolio/", {"title": "Notes", "kind": "text", "text": "what I did"})
    assert Submission.objects.filter(learner=learner).count() == 3
    # The quota is each learner's own.
    other = make_user("other-learner", role="learner")
    assert (
        client_of(other)
        .post("/me/portfolio/", {"title": "Mine", "kind": "file", "file": poster(1024 * 1024)})
        .status_code
        == 302
    )


def test_serve_gives_waitress_the_same_cap(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import waitress

    from learnpath.cli import runtime

    settings.LEARNPATH_MAX_REQUEST_BYTES = 12345
    seen: dict[str, Any] = {}
    monkeypatch.setattr(waitress, "serve", lambda application, **options: seen.update(options))
    runtime.serve_wsgi(host="127.0.0.1", port=1, threads=1)
    assert seen["max_request_body_size"] == 12345
