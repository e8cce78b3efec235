"""LTI Deep Linking 2.0: a teacher, launched from the LMS's "add content" screen, chooses a learnpath course
or one of its skills, and learnpath answers with a signed LtiDeepLinkingResponse holding one
``ltiResourceLink``: the launch URL, custom parameters naming the course and skill (every later launch
of the link brings them back) and a gradebook column (line item) for mastery."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from pylti1p3.deep_link import DeepLink
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.lineitem import LineItem

from learnpath.web.curriculum import api as curriculum_api
from learnpath.web.learning import api as learning_api
from learnpath.web.lti.launch import Launch, LaunchRefused, registration_of
from learnpath.web.lti.models import LtiPlatform


@dataclass(frozen=True)
class DeepLinkRequest:
    """What the platform asked for, kept in the teacher's session while they choose."""

    platform_id: int
    deployment_id: str
    return_url: str
    data: str
    title: str
    accepts_links: bool

    @classmethod
    def from_launch(cls, launch: Launch) -> DeepLinkRequest:
        settings = launch.deep_link_settings
        return_url = str(settings.get("deep_link_return_url") or "")
        if not return_url.startswith(("https://", "http://")):
            raise LaunchRefused("The deep-linking request has no return address (deep_link_return_url).")
        return cls(
            platform_id=launch.platform_id,
            deployment_id=launch.deployment_id,
            return_url=return_url,
            data=str(settings.get("data") or ""),
            title=str(settings.get("title") or ""),
            accepts_links="ltiResourceLink" in (settings.get("accept_types") or ["ltiResourceLink"]),
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DeepLinkRequest:
        return cls(**data)


@dataclass(frozen=True)
class CourseChoice:
    """A course a teacher may link, with its skills (id, name)."""

    course_id: str
    title: str
    skills: tuple[tuple[str, str], ...]


def deep_link_choices(*, user: Any) -> list[CourseChoice]:
    """Every course the teacher can see, with its skills, by title."""
    courses = sorted(curriculum_api.courses_visible(user=user), key=lambda c: c.title.casefold())
    return [
        CourseChoice(c.id, c.title, tuple(learning_api.course_skill_names(course_id=c.id))) for c in courses
    ]


def deep_link_response(
    wanted: DeepLinkRequest, *, launch_url: str, course: CourseChoice, skill_id: str, skill_columns: bool
) -> str:
    """The signed LtiDeepLinkingResponse (a JWT) for the chosen course or skill."""
    platform = LtiPlatform.objects.get(pk=wanted.platform_id)
    skill_name = dict(course.skills).get(skill_id, "")
    title = f"{course.title}: {skill_name}" if skill_id else course.title
    custom = {"course": course.course_id}
    if skill_id:
        custom["skill"] = skill_id
    elif skill_columns:
        custom["skill_columns"] = "yes"
    column = (
        LineItem()
        .set_label(title[:255])
        .set_score_maximum(1 if skill_id else max(1, len(course.skills)))
        .set_resource_id(skill_id or course.course_id)
        .set_tag("learnpath-mastery")
    )
    resource = (
        DeepLinkResource()
        .set_url(launch_url)
        .set_title(title[:255])
        .set_custom_params(custom)
        .set_lineitem(column)
    )
    settings = {"deep_link_return_url": wanted.return_url, "data": wanted.data or None}
    link = DeepLink(registration_of(platform), wanted.deployment_id, settings)  # type: ignore[arg-type]
    return link.get_response_jwt([resource])
