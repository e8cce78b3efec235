"""Pages about courses and skills. Thin: access decides, selectors read, templates show."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from learnpath.web.curriculum import access, selectors
from learnpath.web.curriculum.models import MediaFile

# Media that a browser could run as a page gets a sandboxed origin of its own.
ACTIVE_CONTENT_TYPES = ("text/html", "application/xhtml+xml", "image/svg+xml")


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Signed out: what learnpath is and a way in. Signed in: the courses this person can see."""
    if not request.user.is_authenticated:
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
    """A course's media file, served by the app; active content is sandboxed."""
    course = access.access_course(request.user, course_id)
    media = MediaFile.objects.filter(course=course, path=path).first()
    if media is None:
        raise Http404(f"The course {course.title!r} has no file {path!r}.")
    response = HttpResponse(bytes(media.data), content_type=media.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["ETag"] = f'"{media.sha256}"'
    response["Cache-Control"] = "private, max-age=3600"
    if media.content_type.split(";")[0].strip() in ACTIVE_CONTENT_TYPES:
        response["Content-Security-Policy"] = "sandbox allow-scripts"
    return response
