"""Learners' own pages (goals, portfolio, reflections, project choices, feedback), the file download,
and the teacher action that belongs here (set a goal with a learner). Offering project options to a
class is a class page, coaching's (decision 0079)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from learnpath.web.accounts import api as accounts_api
from learnpath.web.agency import access, selectors, services
from learnpath.web.agency import evidence as evidence_api
from learnpath.web.agency.api import learner_work, mastered_skills
from learnpath.web.agency.models import FeedbackTarget, SubmissionKind
from learnpath.web.agency.uploads import MAX_FILE_BYTES, UploadRejected, file_check
from learnpath.web.curriculum import api as curriculum_api
from learnpath.web.learning import api as learning_api


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def _milestones(request: HttpRequest) -> list[tuple[str, str]]:
    titles = request.POST.getlist("milestone")
    skills = request.POST.getlist("milestone_skill") + [""] * len(titles)
    return [(title, skill) for title, skill in zip(titles, skills, strict=False) if title.strip()]


def _course_skills(course_ids: list[str]) -> dict[str, list[tuple[str, str]]]:
    packs = curriculum_api.course_packs(course_ids=course_ids)
    return {
        course_id: [(s.id, s.name) for s in packs[course_id].skills] if course_id in packs else []
        for course_id in course_ids
    }


def _goal_skills(user: Any, learner_id: int) -> list[tuple[str, list[tuple[str, str]]]]:
    """(course title, [(skill id, name)]) of the courses the learner has started, for milestones "done
    when the skill is mastered": every visible course would list every skill of a whole imported pool
    (1,542 after the OATutor import), and a skill of a course not started is not a milestone yet."""
    started = {
        row.course_id for row in learning_api.skill_progress_rows(learner_ids=[learner_id], course_id=None)
    }
    courses = [c for c in curriculum_api.courses_visible(user=user) if c.id in started]
    skills = _course_skills([c.id for c in courses])
    return [(course.title, skills[course.id]) for course in courses if skills[course.id]]


def _goal_from_form(request: HttpRequest, learner_id: int, done: str) -> None:
    try:
        services.goal_create(
            learner_id=learner_id,
            title=request.POST.get("title", ""),
            why=request.POST.get("why", ""),
            target_date=_date(request.POST.get("target_date", "")),
            milestones=_milestones(request),
            actor=request.user,
        )
    except services.AgencyError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)


def _back(request: HttpRequest) -> str:
    """Where to go after the welcome form: the page it was opened from, if it is one of ours."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


@login_required
@require_http_methods(["GET", "POST"])
def welcome(request: HttpRequest) -> HttpResponse:
    """Three short questions (interests, formats, a daily goal) and an optional goal; offered once on the
    course home, and the same form, filled in, as "About me" afterwards (issue 11)."""
    learner_id = access.access_own_agency(request.user)
    back = _back(request)
    profile = learning_api.learner_profile(learner_id=learner_id)
    if request.method == "POST" and request.POST.get("action") == "not-now":
        learning_api.learner_profile_skip(learner=request.user)
        return redirect(back or "home")
    interests, formats = list(profile.interests), list(profile.formats)
    daily_goal = learning_api.NO_DAILY_GOAL if profile.daily_goal is None else str(profile.daily_goal)
    goal_title = ""
    error = ""
    if request.method == "POST":
        interests, formats = request.POST.getlist("interest"), request.POST.getlist("format")
        daily_goal, goal_title = request.POST.get("daily_goal", ""), request.POST.get("goal", "")
        try:
            goal = services.onboarding_save(
                learner=request.user,
                interests=interests,
                formats=formats,
                daily_goal=daily_goal,
                goal_title=goal_title,
            )
        except services.AgencyError as refused:
            error = str(refused)
        else:
            messages.success(
                request,
                gettext("Saved. It is on your Goals page too.") if goal is not None else gettext("Saved."),
            )
            return redirect(back or "agency:welcome")
    answers = {"interests": interests, "formats": formats, "daily_goal": daily_goal, "goal": goal_title}
    context = {
        "first_time": profile.completed_at is None,
        "interests": learning_api.INTEREST_AREAS,
        "formats": list(learning_api.FORMAT_NAMES.items()),
        "daily_goals": [(str(n), gettext("%(n)d questions") % {"n": n}) for n in learning_api.DAILY_GOALS]
        + [(learning_api.NO_DAILY_GOAL, gettext("No daily goal"))],
        "answers": answers,
        "error": error,
        "next": back,
    }
    return render(request, "agency/welcome.html", context, status=400 if error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def goals(request: HttpRequest) -> HttpResponse:
    """The learner's goals with milestones and progress; a form for a new goal."""
    learner_id = access.access_own_agency(request.user)
    if request.method == "POST":
        _goal_from_form(request, learner_id, "Goal saved.")
        return redirect("agency:goals")
    skills = _goal_skills(request.user, learner_id)
    feedback = selectors.feedback_by_target(learner_id=learner_id, target_type="goal")
    views = selectors.goals(learner_id=learner_id, mastered=mastered_skills(learner_id=learner_id))
    return render(
        request,
        "agency/goals.html",
        {"goals": [(g, feedback.get(("goal", str(g.goal.pk)), [])) for g in views], "skills": skills},
    )


@login_required
@require_POST
def milestone_toggle(request: HttpRequest, milestone_id: int) -> HttpResponse:
    learner_id = access.access_own_agency(request.user)
    if services.milestone_toggle(learner_id=learner_id, milestone_id=milestone_id) is None:
        raise Http404("No such milestone.")
    return redirect("agency:goals")


@login_required
@require_POST
def goal_achieved(request: HttpRequest, goal_id: int) -> HttpResponse:
    learner_id = access.access_own_agency(request.user)
    if services.goal_achieved_toggle(learner_id=learner_id, goal_id=goal_id) is None:
        raise Http404("No such goal.")
    return redirect("agency:goals")


@login_required
@require_POST
def goal_for_learner(request: HttpRequest, learner_id: int) -> HttpResponse:
    """A teacher sets a goal with a learner they teach."""
    access.access_learner_teacher(request.user, learner_id)
    _goal_from_form(request, learner_id, "Goal set with the learner.")
    back = request.POST.get("back", "")
    return redirect(back if back.startswith("/classes/") else "home")


@login_required
@require_http_methods(["GET", "POST"])
def portfolio(request: HttpRequest) -> HttpResponse:
    """Mastered skills with the answers that showed it, and projects (text, link or file) with feedback."""
    learner_id = access.access_own_agency(request.user)
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            checked = None
            if request.POST.get("kind") == SubmissionKind.FILE and upload is not None:
                if upload.size and upload.size > MAX_FILE_BYTES:
                    raise UploadRejected(
                        gettext("The file is larger than {megabytes} MB.").format(
                            megabytes=MAX_FILE_BYTES // (1024 * 1024)
                        )
                    )
                checked = file_check(upload.name or "file", upload.read(MAX_FILE_BYTES + 1))
            project = request.POST.get("project", "")
            course_id, _, project_id = project.partition("/")
            services.submission_create(
                learner_id=learner_id,
                title=request.POST.get("title", ""),
                kind=request.POST.get("kind", ""),
                text=request.POST.get("text", ""),
                link=request.POST.get("link", ""),
                file=checked,
                course_id=course_id,
                project_id=project_id,
            )
        except (services.AgencyError, UploadRejected) as error:
            messages.error(request, str(error))
        else:
            messages.success(request, gettext("Added to your portfolio."))
        return redirect("agency:portfolio")
    rows = learning_api.skill_progress_rows(learner_ids=[learner_id], course_id=None)
    mastered_by_course: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        if row.mastered:
            mastered_by_course[row.course_id].append(row)
    names = _course_skills(list(mastered_by_course))
    evidence = []
    for course_id, course_rows in mastered_by_course.items():
        recent = learning_api.recent_events(learner_ids=[learner_id], course_id=course_id, per_learner=200)
        events = recent.get(learner_id, [])
        skill_names = dict(names.get(course_id, []))
        shown_by_skill = {
            row.skill_id: [
                e
                for e in events
                if e.kind == "answer" and e.verdict == "correct" and row.skill_id in e.skill_ids
            ][:3]
            for row in course_rows
        }
        # One look-up of the item texts for the whole course, however many answers are shown.
        shown_events = {e.id: e for shown in shown_by_skill.values() for e in shown}
        readable = {ev.event.id: ev for ev in evidence_api.readable(course_id, list(shown_events.values()))}
        for row in course_rows:
            shown = [readable[e.id] for e in shown_by_skill[row.skill_id]]
            evidence.append((skill_names.get(row.skill_id, row.skill_id), row, shown))
    return render(
        request,
        "agency/portfolio.html",
        {
            "evidence": evidence,
            "work": learner_work(learner_id=learner_id),
            "projects": _my_projects(learner_id),
            "max_mb": MAX_FILE_BYTES // (1024 * 1024),
        },
    )


@login_required
@require_GET
def submission_file(request: HttpRequest, submission_id: int) -> HttpResponse:
    """A portfolio file, to the learner and those who may read their work: always as a download."""
    submission = selectors.submission_file(submission_id=submission_id)
    if submission is None:
        raise Http404("No such file.")
    access.access_learner_work_item(
        request.user, submission.learner_id, course_id=submission.course_id, created_at=submission.created_at
    )
    response = HttpResponse(bytes(submission.file_data or b""), content_type=submission.file_type)
    response["Content-Disposition"] = f'attachment; filename="{submission.file_name}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def reflections(request: HttpRequest) -> HttpResponse:
    """After a session: “What went well? What will you try next time?” Read by you and your teachers."""
    learner_id = access.access_own_agency(request.user)
    if request.method == "POST":
        try:
            services.reflection_create(
                learner_id=learner_id,
                went_well=request.POST.get("went_well", ""),
                try_next=request.POST.get("try_next", ""),
                course_id=request.POST.get("course", "")[:80],
            )
        except services.AgencyError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, gettext("Reflection saved. Your teacher can read it."))
        return redirect("agency:reflections")
    return render(
        request,
        "agency/reflections.html",
        {"work": learner_work(learner_id=learner_id), "course": request.GET.get("course", "")[:80]},
    )


def _board_projects(class_ids: list[int], learner_id: int | None) -> list[dict[str, object]]:
    boards = selectors.boards_for_classes(class_ids=class_ids)
    choices = selectors.choices_of(learner_id=learner_id) if learner_id else {}
    packs = curriculum_api.course_packs(course_ids=[board.course_id for board in boards])
    out = []
    for board in boards:
        pack = packs.get(board.course_id)
        project = next((p for p in pack.projects if p.id == board.project_id), None) if pack else None
        if project is None:
            continue
        out.append(
            {
                "board": board,
                "project": project,
                "topics": [t for t in project.topics if t.id in board.topic_ids],
                "formats": [f for f in project.formats if f.id in board.format_ids],
                "choice": choices.get(board.pk),
            }
        )
    return out


def _my_projects(learner_id: int) -> list[dict[str, object]]:
    return _board_projects([k.id for k in accounts_api.classes_of_learner(learner_id=learner_id)], learner_id)


@login_required
@require_http_methods(["GET", "POST"])
def projects(request: HttpRequest) -> HttpResponse:
    """The project choice board: pick a topic and a format among your teacher's options."""
    learner_id = access.access_own_agency(request.user)
    entries = _my_projects(learner_id)
    if request.method == "POST":
        board_id = request.POST.get("board", "")
        entry = next((e for e in entries if str(e["board"].pk) == board_id), None)
        if entry is None:
            raise Http404("No such project board.")
        try:
            services.project_choose(
                learner_id=learner_id,
                board=entry["board"],  # type: ignore[arg-type]
                topic_id=request.POST.get("topic", ""),
                format_id=request.POST.get("format", ""),
            )
        except services.AgencyError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, gettext("Choice saved. Submit your project from your portfolio."))
        return redirect("agency:projects")
    interests = learning_api.learner_profile(learner_id=learner_id).interests
    for entry in entries:
        entry["ranked_topics"] = _topics_by_interest(entry["topics"], interests)  # type: ignore[arg-type]
    return render(request, "agency/projects.html", {"entries": entries})


def _topics_by_interest(topics: list[Any], interests: tuple[str, ...]) -> list[tuple[Any, str]]:
    """(topic, reason): the topics matching the learner's interests first (whole words of the title or
    description, any case), with the reason ("You said you like sport"); the others after, in the
    teacher's order."""
    ranked = []
    for topic in topics:
        found = learning_api.interests_matching(
            text=f"{topic.title}\n{topic.description}", interest_ids=interests
        )
        liked = " and ".join(area.liking for area in found)
        ranked.append((topic, f"You said you like {liked}" if found else ""))
    return sorted(ranked, key=lambda pair: not pair[1])


@login_required
@require_GET
def feedback(request: HttpRequest) -> HttpResponse:
    """Every comment teachers left on your attempts, projects, reflections and goals, newest first."""
    learner_id = access.access_own_agency(request.user)
    rows = [row for rows in selectors.feedback_by_target(learner_id=learner_id).values() for row in rows]
    rows.sort(key=lambda r: r.created_at, reverse=True)
    labels = dict(FeedbackTarget.choices)
    attempts = _attempts(learner_id, {r.target_id for r in rows if r.target_type == FeedbackTarget.ATTEMPT})
    return render(
        request,
        "agency/feedback.html",
        {
            "rows": [
                (
                    r,
                    labels.get(r.target_type, ""),
                    attempts.get(r.target_id) if r.target_type == "attempt" else None,
                )
                for r in rows
            ]
        },
    )


def _attempts(learner_id: int, event_ids: set[str]) -> dict[str, evidence_api.Evidence]:
    """The attempts with these event ids, readable, from the learner's latest answers in each course they
    practise (teachers comment on those: ``coaching.views.learner_feedback``); one look-up per course."""
    if not event_ids:
        return {}
    course_ids = sorted(
        {row.course_id for row in learning_api.skill_progress_rows(learner_ids=[learner_id], course_id=None)}
    )
    out = {}
    for course_id in course_ids:
        recent = learning_api.recent_events(learner_ids=[learner_id], course_id=course_id, per_learner=200)
        events = [e for e in recent.get(learner_id, []) if str(e.id) in event_ids]
        out.update({str(ev.event.id): ev for ev in evidence_api.readable(course_id, events)})
    return out
