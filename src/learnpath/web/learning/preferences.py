"""What a learner can tell learnpath about themselves (issue 11, docs/decisions/0077): a fixed vocabulary of
broad interest areas, the content formats they like, and a daily goal. Pure: no Django.

The interest areas are project-wide and few on purpose: a learner ticks boxes, never types (least data,
nothing free-text about a minor), and the same ids mean the same thing in every course. Each area has a
few keywords; a project topic whose title or description holds one of them as a whole word matches.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext, gettext_noop

from learnpath.content.model import MODALITIES, MODALITY_NAMES
from learnpath.engine.wording import and_list


@dataclass(frozen=True)
class InterestArea:
    """One broad interest: ``title`` is what the learner ticks, ``liking`` ends "You said you like ..."."""

    id: str
    title: str
    liking: str
    keywords: tuple[str, ...]
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        words = "|".join(re.escape(keyword) for keyword in sorted(self.keywords, key=len, reverse=True))
        # Whole words, any case: "sport" finds "Sport" and "sport's", never "transport" or "passport".
        object.__setattr__(self, "pattern", re.compile(rf"(?<!\w)(?:{words})(?!\w)", re.IGNORECASE))


INTEREST_AREAS: tuple[InterestArea, ...] = (
    InterestArea("food", gettext_noop("Food and cooking"), "food and cooking", (
        "food", "cooking", "cook", "recipe", "recipes", "baking", "bake", "cake", "cakes", "kitchen", "meal",
        "meals", "pizza", "restaurant", "bread",
    )),
    InterestArea("sport", gettext_noop("Sport"), "sport", (
        "sport", "sports", "football", "soccer", "basketball", "tennis", "running", "race", "swimming",
        "athletics", "cricket", "league", "olympics", "cycling",
    )),
    InterestArea("nature", gettext_noop("Nature and animals"), "nature and animals", (
        "nature", "animal", "animals", "plant", "plants", "garden", "gardening", "wildlife", "forest",
        "ocean", "farm", "pet", "pets", "bird", "birds", "tree", "trees", "environment", "weather",
    )),
    InterestArea("space", gettext_noop("Space and science"), "space and science", (
        "space", "planet", "planets", "star", "stars", "rocket", "rockets", "science", "experiment",
        "experiments", "astronomy", "moon", "physics", "chemistry",
    )),
    InterestArea("music", gettext_noop("Music"), "music", (
        "music", "song", "songs", "band", "concert", "rhythm", "instrument", "instruments", "piano",
        "guitar", "drums",
    )),
    InterestArea("art", gettext_noop("Art and design"), "art and design", (
        "art", "drawing", "painting", "design", "colour", "color", "craft", "crafts", "photography",
        "architecture", "sculpture",
    )),
    InterestArea("games", gettext_noop("Games"), "games", (
        "game", "games", "puzzle", "puzzles", "board game", "video game", "chess", "cards", "dice",
    )),
    InterestArea("money", gettext_noop("Money and business"), "money and business", (
        "money", "shop", "shopping", "business", "budget", "price", "prices", "market", "savings", "bank",
        "profit", "pocket money",
    )),
    InterestArea("travel", gettext_noop("Travel and places"), "travel and places", (
        "travel", "trip", "journey", "map", "maps", "city", "cities", "country", "countries", "holiday",
        "places", "train", "trains", "transport",
    )),
    InterestArea("technology", gettext_noop("Technology"), "technology", (
        "technology", "computer", "computers", "coding", "robot", "robots", "app", "apps", "phone",
        "internet", "programming",
    )),
)  # fmt: skip
INTERESTS_BY_ID = {area.id: area for area in INTEREST_AREAS}

FORMAT_NAMES: dict[str, str] = MODALITY_NAMES
"""The content modalities (``content.model.MODALITIES``) by the names learners read (English, marked for
the catalogue; pages translate them where they show them)."""

DAILY_GOALS: tuple[int, ...] = (5, 10, 20)
"""The daily goals a learner may choose, in questions a day (or none)."""
DEFAULT_DAILY_GOAL = 10
NO_DAILY_GOAL = "none"
DAILY_GOAL_HELP = "Choose 5, 10 or 20 questions a day, or no daily goal."


class PreferenceRejected(ValueError):
    """An answer outside the vocabulary; the message says what to choose instead."""


def interests_clean(ids: Iterable[str]) -> list[str]:
    """The interest ids in vocabulary order, each once; an unknown id is refused."""
    chosen = set(ids)
    for interest_id in sorted(chosen - set(INTERESTS_BY_ID)):
        raise PreferenceRejected(
            gettext("“{interest_id}” is not one of the interests: tick the ones you like.").format(
                interest_id=interest_id
            )
        )
    return [area.id for area in INTEREST_AREAS if area.id in chosen]


def formats_clean(ids: Iterable[str]) -> list[str]:
    """The format ids (modalities) in ``MODALITIES`` order, each once; an unknown id is refused."""
    chosen = set(ids)
    for format_id in sorted(chosen - set(FORMAT_NAMES)):
        raise PreferenceRejected(
            gettext(
                "“{format_id}” is not one of the ways to learn: choose reading, videos, interactive or "
                "projects."
            ).format(format_id=format_id)
        )
    return [modality for modality in MODALITIES if modality in chosen]


def daily_goal_clean(value: int | str | None) -> int | None:
    """A daily goal from a form or a caller: 5, 10 or 20 (as a number or text), or ``"none"`` / None for
    no daily goal; anything else is refused."""
    if value is None or value == NO_DAILY_GOAL:
        return None
    text = str(value).strip()
    if text.isdigit() and int(text) in DAILY_GOALS:
        return int(text)
    raise PreferenceRejected(DAILY_GOAL_HELP)


def interests_matching(text: str, interest_ids: Sequence[str]) -> list[InterestArea]:
    """The learner's interests (in their vocabulary order) with a keyword in ``text`` as a whole word."""
    wanted = set(interest_ids)
    return [area for area in INTEREST_AREAS if area.id in wanted and area.pattern.search(text)]


def formats_sentence(formats: Sequence[str]) -> str:
    """The formats' names joined for a sentence: "Videos and interactive"."""
    shown = [gettext(FORMAT_NAMES[f]) for f in formats]
    names = [name if not n else name.lower() for n, name in enumerate(shown)]
    return and_list(names)
