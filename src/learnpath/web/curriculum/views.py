"""Pages about courses and skills. Thin: access decides, selectors read, templates show."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from learnpath.web.curriculum import access, selectors
from learnpath.web.curriculum.models import MediaFile

# Media a page may show in place: pictures, sound, video, PDF, plain text, and the pages and drawings of
# interactive resources. Every other type is a download. Every media response is sandboxed (an opaque
# origin of its own), so nothing in a pack can act as learnpath or read a learner's data; pages and
# drawings may run their own scripts inside that sandbox.
SHOWN_IN_PLACE = frozenset(
    {
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "image/avif",
        "audio/mpeg",
        "audio/ogg",
        "audio/wav",
        "video/mp4",
        "video/webm",
        "video/ogg",
        "application/pdf",
        "text/plain",
    }
)
ACTIVE_CONTENT_TYPES = frozenset({"text/html", "application/xhtml+xml", "image/svg+xml"})


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Signed out: what learnpath is and a way in. Signed in: the courses this person can see."""
    if not access.access_is_signed_in(request.user):
        return render(request, "curriculum/welcome.html")
    courses = selectors.course_list(courses=access.access_visible_courses(request.user))
    return render(request, "curriculum/home.html", {"courses": courses})


@require_GET
@login_required
def course_detail(request: HttpRequest, course_id: str) -> HttpResponse:
    """A course: its skills in prerequisite order with their prerequisites, and its counts."""
    course = access.access_course(request.user, course_id)
    return render(request, "curriculum/course.html", {"overview": selectors.course_overview(course=course)})


@require_GET
@login_required
def skill_detail(request: HttpRequest, course_id: str, skill_id: str) -> HttpResponse:
    """A skill: description, prerequisites, what it unlocks, resources by modality, a sample item."""
    course = access.access_course(request.user, course_id)
    page = selectors.skill_page(course=course, skill_slug=skill_id)
    if page is None:
        raise Http404(f"The course {course.title!r} has no skill {skill_id!r}.")
    return render(request, "curriculum/skill.html", {"page": page})


@require_GET
@login_required
def media_file(request: HttpRequest, course_id: str, path: str) -> HttpResponse:
    """A course's media file, served by the app: sandboxed always, a download unless its type is one a
    page shows in place (``SHOWN_IN_PLACE``, ``ACTIVE_CONTENT_TYPES``)."""
    course = access.access_course(request.user, course_id)
    media = MediaFile.objects.filter(course=course, path=path).first()
    if media is None:
        raise Http404(f"The course {course.title!r} has no file {path!r}.")
    response = HttpResponse(bytes(media.data), content_type=media.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["ETag"] = f'"{media.sha256}"'
    response["Cache-Control"] = "private, max-age=3600"
    kind = media.content_type.split(";")[0].strip().lower()
    active = kind in ACTIVE_CONTENT_TYPES
    response["Content-Security-Policy"] = "sandbox allow-scripts" if active else "sandbox"
    if not active and kind not in SHOWN_IN_PLACE:
        name = path.rsplit("/", 1)[-1]
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response
