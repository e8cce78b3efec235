"""Issue 11: times in the learner's or the school's time zone, not always UTC. A person's own choice (their
settings page), else their organisation's, else the server's; words such as "tomorrow" count calendar days
where the reader lives."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from learnpath.web.accounts.models import Organisation, User
from learnpath.web.coaching.cockpit import _when
from learnpath.web.learning.selectors import next_review_words


def local_now(page: str) -> str:
    found = re.search(r'data-testid="local-now">([^<]+)<', page)
    assert found is not None
    return found.group(1)


def zone_shown(client: Client) -> str:
    page = client.get("/accounts/settings/").content.decode()
    found = re.search(r"here \(([^)]+)\)", page)
    assert found is not None, page[:2000]
    return found.group(1)


def test_the_school_zone_is_everyones_until_they_choose_their_own(
    organisation: Organisation, learner: User, client_of: Callable[[User], Client]
) -> None:
    organisation.time_zone = "Europe/Madrid"
    organisation.save()
    learner.refresh_from_db()
    client = client_of(learner)
    assert zone_shown(client) == "Europe/Madrid"
    page = client.get("/accounts/settings/").content.decode()
    assert "My school&#x27;s: Europe/Madrid" in page or "My school's: Europe/Madrid" in page

    saved = client.post("/accounts/settings/", {"time_zone": "America/Lima"})
    assert saved.status_code == 302
    learner.refresh_from_db()
    assert learner.time_zone == "America/Lima"
    assert zone_shown(client) == "America/Lima"
    # Back to the school's.
    client.post("/accounts/settings/", {"time_zone": ""})
    assert zone_shown(client) == "Europe/Madrid"


def test_a_person_without_a_school_sees_the_servers_zone(
    make_user: Callable[..., User], client_of: Callable[[User], Client]
) -> None:
    assert zone_shown(client_of(make_user("no-school"))) == "UTC"


@pytest.mark.parametrize("bad", ["Mars/Olympus", "../../etc/passwd", "x" * 65, "localtime"])
def test_an_unknown_zone_is_refused_and_changes_nothing(
    bad: str, learner: User, client_of: Callable[[User], Client]
) -> None:
    response = client_of(learner).post("/accounts/settings/", {"time_zone": bad})
    assert response.status_code == 400
    assert "is not a time zone" in response.content.decode()
    learner.refresh_from_db()
    assert learner.time_zone == ""


def test_an_organisations_zone_is_checked_where_an_admin_sets_it(organisation: Organisation) -> None:
    organisation.time_zone = "Europe/Atlantis"
    with pytest.raises(ValidationError, match="is not a time zone"):
        organisation.full_clean()


def test_review_days_are_the_readers_calendar_days() -> None:
    now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    due = datetime(2026, 12, 7, 23, 0, tzinfo=UTC)
    with timezone.override(zoneinfo.ZoneInfo("UTC")):
        assert next_review_words("mastered", due, now) == "Review due soon"
    # 22:00 on the 7th in Auckland; due at noon on the 8th there.
    with timezone.override(zoneinfo.ZoneInfo("Pacific/Auckland")):
        assert next_review_words("mastered", due, now) == "Next review tomorrow"


def test_the_cockpit_says_the_time_in_the_teachers_zone() -> None:
    now = datetime(2026, 12, 7, 18, 0, tzinfo=UTC)
    moment = datetime(2026, 12, 7, 14, 5, tzinfo=UTC)
    with timezone.override(zoneinfo.ZoneInfo("UTC")):
        assert _when(moment, now) == "today at 14:05 UTC"
    with timezone.override(zoneinfo.ZoneInfo("Europe/Madrid")):
        assert _when(moment, now) == "today at 15:05 CET"
