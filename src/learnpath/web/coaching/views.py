"""Teachers' pages (classes, enrolment, cockpit, drill-down, pacing, interventions) and the learner's plan.

Thin: ``access`` decides who may, ``selectors`` read, ``services`` write; every class page answers 404 to
anyone who does not teach the class, exactly as for a class that does not exist.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from learnpath.web import throttle
from learnpath.web.accounts import api as accounts_api
from learnpath.web.agency import api as agency_api
from learnpath.web.coaching import access, selectors, services
from learnpath.web.coaching import api as coaching_api
from learnpath.web.coaching.chart import mastery_chart_svg
from learnpath.web.coaching.models import InterventionKind
from learnpath.web.coaching.roster_csv import MAX_BYTES, roster_parse
from learnpath.web.curriculum import api as curriculum_api
from learnpath.web.learning import api as learning_api


def _due(text: str) -> datetime | None:
    """A date from a date field as the end of that day in the teacher's time zone (accounts.timezones);
    None if it is not a date."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        return None
    return datetime.combine(day, time(23, 59), tzinfo=timezone.get_current_timezone())


def _ints(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit()]


def _course_choice(request: HttpRequest, class_id: int) -> tuple[list[str], str | None]:
    courses = selectors.class_course_ids(class_id=class_id)
    wanted = request.GET.get("course") or request.POST.get("course") or ""
    if wanted and wanted not in courses:
        raise Http404(f"The course {wanted!r} is not attached to this class.")
    return courses, wanted or (courses[0] if courses else None)


@login_required
@require_http_methods(["GET", "POST"])
def inbox(request: HttpRequest) -> HttpResponse:
    """The teacher's inbox across their classes: who needs help now, and new work and reflections.
    POST ``action=seen`` marks it all seen; ``action=email`` with ``daily`` switches the daily e-mail."""
    access.access_teacher(request.user)
    now = timezone.now()
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "seen":
            services.inbox_seen(teacher=request.user, now=now)
            messages.success(request, gettext("Everything here is marked as seen."))
        elif action == "email":
            daily = request.POST.get("daily") == "on"
            services.inbox_email_set(teacher=request.user, daily=daily, now=now)
            if daily and not accounts_api.mail_address(user_id=request.user.pk):
                messages.warning(
                    request,
                    gettext(
                        "The daily e-mail is on, but your account has no e-mail address: "
                        "ask an administrator."
                    ),
                )
            else:
                messages.success(
                    request,
                    gettext("Daily e-mail switched on.") if daily else gettext("Daily e-mail switched off."),
                )
        else:
            messages.error(request, gettext("Choose what to do: mark as seen, or switch the daily e-mail."))
        return redirect("coaching:inbox")
    return render(
        request,
        "coaching/inbox.html",
        {"inbox": selectors.inbox(teacher=request.user, now=now), "days": selectors.INBOX_DAYS},
    )


@login_required
@require_http_methods(["GET", "POST"])
def classes_home(request: HttpRequest) -> HttpResponse:
    """Teachers: their classes and a form for a new one. Learners: their classes and the join form."""
    user = request.user
    if access.access_is_teacher(user):
        if request.method == "POST":
            try:
                klass = services.class_create(teacher=user, name=request.POST.get("name", ""))
            except services.CoachingError as error:
                messages.error(request, str(error))
                return redirect("coaching:classes")
            messages.success(
                request,
                gettext("Class “%(name)s” created. Enrol learners or share the join code.")
                % {"name": klass.name},
            )
            return redirect("coaching:class", class_id=klass.id)
        summaries = selectors.overview(teacher=user, now=timezone.now())
        own = {summary.klass.id for summary in summaries}
        return render(
            request,
            "coaching/classes.html",
            {
                "summaries": summaries,
                # A platform admin runs every class; the overview is only of the ones they teach.
                "others": [k for k in accounts_api.classes_taught(user=user) if k.id not in own],
                "archived": accounts_api.classes_archived(user=user),
                "to_decide": access.access_enrolment_requests_to_decide(user).count(),
            },
        )
    if access.access_is_learner(user) and request.method == "GET":
        return render(
            request,
            "coaching/my_classes.html",
            {"classes": accounts_api.classes_of_learner(learner_id=user.pk)},
        )
    raise Http404("There is nothing here for you.")


@login_required
@require_POST
def class_join(request: HttpRequest) -> HttpResponse:
    """A learner joins a class with its code."""
    if not access.access_is_learner(request.user):
        raise Http404("Only learners join classes with a code.")
    who = str(request.user.pk)
    if throttle.held(request, throttle.JOIN_CODE_PER_USER, who, "join codes"):
        return redirect("coaching:classes")
    try:
        klass = services.class_join(learner=request.user, code=request.POST.get("code", ""))
    except services.CoachingError as error:
        throttle.failed(throttle.JOIN_CODE_PER_USER, who)
        messages.error(request, str(error))
    else:
        messages.success(request, gettext("You joined %(name)s.") % {"name": klass.name})
    return redirect("coaching:classes")


@login_required
@require_GET
def class_detail(request: HttpRequest, class_id: int) -> HttpResponse:
    """A class: its learners, its courses, its class code (accounts: sign-up and joining) and its groups."""
    klass = access.access_class_teacher(request.user, class_id)
    attached = selectors.class_course_ids(class_id=class_id)
    visible = curriculum_api.courses_visible(user=request.user)
    titles = {course.id: course.title for course in visible}
    return render(
        request,
        "coaching/class.html",
        {
            "klass": klass,
            "learners": accounts_api.class_learners(class_id=class_id),
            "courses": [(course_id, titles.get(course_id, course_id)) for course_id in attached],
            "attachable": [course for course in visible if course.id not in attached],
            "joining": accounts_api.class_joining_code(class_id=class_id),
            "join_url": request.build_absolute_uri(reverse("accounts:join")),
            "groups": selectors.groups(class_id=class_id),
            "teachers": accounts_api.class_teachers(class_id=class_id),
            "pending": selectors.enrolment_requests_pending(class_id=class_id),
        },
    )


@login_required
@require_POST
def class_course_attach(request: HttpRequest, class_id: int) -> HttpResponse:
    access.access_class_teacher(request.user, class_id)
    course_id = request.POST.get("course", "")
    if course_id not in {course.id for course in curriculum_api.courses_visible(user=request.user)}:
        messages.error(request, gettext("Choose one of the courses in the list."))
    else:
        services.class_course_attach(class_id=class_id, course_id=course_id, actor=request.user)
        messages.success(request, gettext("Course attached."))
    return redirect("coaching:class", class_id=class_id)


@login_required
@require_POST
def join_code_change(request: HttpRequest, class_id: int) -> HttpResponse:
    access.access_class_teacher(request.user, class_id)
    action = request.POST.get("action")
    if action == "reset":
        services.join_code_reset(class_id=class_id, actor=request.user)
        messages.success(request, gettext("New join code made; the old one no longer works."))
    elif action in ("on", "off"):
        services.join_code_set_active(class_id=class_id, active=action == "on", actor=request.user)
        messages.success(
            request,
            gettext("Join code switched on.") if action == "on" else gettext("Join code switched off."),
        )
    return redirect("coaching:class", class_id=class_id)


@login_required
@require_http_methods(["GET", "POST"])
def class_enrol(request: HttpRequest, class_id: int) -> HttpResponse:
    """Upload a class list (CSV) → a preview with per-row errors → confirm. Nothing changes before that."""
    klass = access.access_class_teacher(request.user, class_id)
    context: dict[str, object] = {"klass": klass, "max_kb": MAX_BYTES // 1024}
    if request.method == "POST":
        if request.POST.get("confirm") == "yes":
            data = request.POST.get("csv_text", "").encode("utf-8")
        else:
            upload = request.FILES.get("file")
            if upload is None:
                context["errors"] = ["Choose a CSV file to upload."]
                return render(request, "coaching/enrol.html", context, status=400)
            data = (
                upload.read(MAX_BYTES + 1)
                if upload.size is None or upload.size <= MAX_BYTES
                else b"x" * (MAX_BYTES + 1)
            )
        roster = roster_parse(data)
        if roster.errors:
            context["errors"] = list(roster.errors)
            return render(request, "coaching/enrol.html", context, status=400)
        checks = services.roster_check(
            rows=roster.rows, class_id=class_id, organisation_id=klass.organisation_id, teacher=request.user
        )
        if request.POST.get("confirm") == "yes":
            result = services.class_roster_enrol(
                class_id=class_id, organisation_id=klass.organisation_id, rows=roster.rows, actor=request.user
            )
            # The new first passwords also appear once on the printable class sheet (accounts).
            accounts_api.first_passwords_keep(
                session=request.session, class_id=class_id, passwords=result.created
            )
            return render(request, "coaching/enrol_done.html", {"klass": klass, "result": result})
        context.update(
            checks=checks,
            csv_text=data.decode("utf-8-sig"),
            ready=sum(1 for c in checks if c.ok and c.action in ("create", "enrol")),
            asks=sum(1 for c in checks if c.ok and c.action == "request"),
            problems=sum(1 for c in checks if not c.ok),
        )
    return render(request, "coaching/enrol.html", context)


@login_required
@require_GET
def cockpit(request: HttpRequest, class_id: int) -> HttpResponse:
    """The class cockpit: heatmap, who needs help now, who is ready for more, small groups."""
    klass = access.access_class_teacher(request.user, class_id)
    courses, course_id = _course_choice(request, class_id)
    context: dict[str, object] = {"klass": klass, "courses": courses, "course_id": course_id}
    if course_id is not None:
        context["cockpit"] = selectors.class_cockpit(
            class_id=class_id, course_id=course_id, now=timezone.now()
        )
        context["kinds"] = InterventionKind.choices
    return render(request, "coaching/cockpit.html", context)


@login_required
@require_GET
def class_standards(request: HttpRequest, class_id: int) -> HttpResponse:
    """The class by standard: each standard the course's skills are aligned to, with its code and
    statement, and who has mastered it (docs/decisions/0086-case-standards.md)."""
    klass = access.access_class_teacher(request.user, class_id)
    courses, course_id = _course_choice(request, class_id)
    context: dict[str, object] = {"klass": klass, "courses": courses, "course_id": course_id}
    if course_id is not None:
        context["standards"] = selectors.class_standards(class_id=class_id, course_id=course_id)
    return render(request, "coaching/standards.html", context)


@login_required
@require_GET
def learner_detail(request: HttpRequest, class_id: int, learner_id: int) -> HttpResponse:
    """One learner: mastery over time (chart and table), the event timeline, their work, interventions."""
    klass, learner = access.access_class_learner(request.user, class_id, learner_id)
    # What the learner did in the classes this teacher teaches, and nothing else (decision 0075).
    reading = access.access_learner_reading(request.user, learner_id)
    courses, course_id = _course_choice(request, class_id)
    context: dict[str, object] = {
        "klass": klass,
        "learner": learner,
        "courses": courses,
        "course_id": course_id,
    }
    attempt_feedback = agency_api.feedback_for(
        learner_id=learner_id, target_type="attempt", authors=reading.authors
    )
    if course_id is not None:
        names = dict(selectors.course_skills(course_id=course_id))
        history = learning_api.mastery_history(learner_id=learner_id, course_id=course_id)
        events = learning_api.recent_events(learner_ids=[learner_id], course_id=course_id, per_learner=50)
        context.update(
            chart=mastery_chart_svg(history, names, title=f"{learner.name}: P(mastered) over time"),
            latest=[
                (names.get(skill, skill), round(points[-1][1] * 100), len(points))
                for skill, points in history.items()
            ],
            events=[
                (
                    ev,
                    [names.get(s, s) for s in ev.event.skill_ids],
                    attempt_feedback.get(str(ev.event.id), []),
                )
                for ev in agency_api.readable_events(course_id=course_id, events=events.get(learner_id, []))
            ],
            skills=list(names.items()),
            overrides=[
                (row, names.get(row.skill_id, "a skill no longer in the course"))
                for row in learning_api.mastery_overrides(
                    learner_id=learner_id, course_id=course_id, authors=reading.authors
                )
            ],
            override_directions=learning_api.OVERRIDE_DIRECTIONS,
            override_key=uuid.uuid4().hex,
            override_max=learning_api.MAX_OVERRIDE_REASON,
        )
    interventions = selectors.learner_interventions(class_id=class_id, learner_id=learner_id)
    skill_names = {
        course: dict(selectors.course_skills(course_id=course))
        for course in {i.course_id for i in interventions if i.skill_id}
    }
    context.update(
        work=agency_api.learner_work(learner_id=learner_id, windows=reading.windows, authors=reading.authors),
        interventions=[
            (
                i,
                skill_names.get(i.course_id, {}).get(i.skill_id, "a skill no longer in the course")
                if i.skill_id
                else "",
            )
            for i in interventions
        ],
        kinds=InterventionKind.choices,
    )
    return render(request, "coaching/learner.html", context)


@login_required
@require_POST
def learner_feedback(request: HttpRequest, class_id: int, learner_id: int) -> HttpResponse:
    """A teacher comments on one of the learner's attempts, projects, reflections or goals."""
    _, learner = access.access_class_learner(request.user, class_id, learner_id)
    reading = access.access_learner_reading(request.user, learner_id)
    target_type = request.POST.get("target_type", "")
    target_id = request.POST.get("target_id", "")
    if target_type == "attempt":
        course_id = request.POST.get("course", "")
        if course_id not in selectors.class_course_ids(class_id=class_id):
            raise Http404("No such attempt.")
        recent = learning_api.recent_events(learner_ids=[learner_id], course_id=course_id, per_learner=200)
        if target_id not in {str(e.id) for e in recent.get(learner_id, []) if e.kind == "answer"}:
            raise Http404("No such attempt.")
    try:
        agency_api.feedback_add(
            learner_id=learner.id,
            author=request.user,
            target_type=target_type,
            target_id=target_id,
            body=request.POST.get("body", ""),
            windows=reading.windows,
        )
    except agency_api.AgencyError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, gettext("Feedback sent to %(name)s.") % {"name": learner.name})
    course = request.POST.get("course", "")
    url = reverse("coaching:learner", kwargs={"class_id": class_id, "learner_id": learner_id})
    return redirect(url + (f"?{urlencode({'course': course})}" if course else ""))


@login_required
@require_POST
def learner_override(request: HttpRequest, class_id: int, learner_id: int) -> HttpResponse:
    """A teacher marks one of the learner's skills mastered, or "needs another look", with a reason.

    Recorded in the learner's log (``learning.api.mastery_override``), audited, shown to the learner."""
    _, learner = access.access_class_learner(request.user, class_id, learner_id)
    course_id = request.POST.get("course", "")
    skill_id = request.POST.get("skill", "")
    attached = course_id in selectors.class_course_ids(class_id=class_id)
    names = dict(selectors.course_skills(course_id=course_id)) if attached else {}
    if not attached:
        messages.error(request, gettext("Choose one of the class's courses on the learner's page."))
    elif skill_id not in names:
        messages.error(request, gettext("Choose a skill of the course."))
    else:
        try:
            learning_api.mastery_override(
                teacher=request.user,
                learner_id=learner.id,
                course_id=course_id,
                skill_id=skill_id,
                direction=request.POST.get("direction", ""),
                reason=request.POST.get("reason", ""),
                idempotency_key=request.POST.get("idempotency_key", ""),
            )
        except learning_api.LearningError as error:
            messages.error(request, error.detail)
        else:
            words = (
                gettext("%(skill)s marked mastered for %(name)s; they see your reason.")
                if request.POST.get("direction") == "mastered"
                else gettext("%(skill)s marked for another look for %(name)s; they see your reason.")
            )
            messages.success(request, words % {"skill": names[skill_id], "name": learner.name})
    url = reverse("coaching:learner", kwargs={"class_id": class_id, "learner_id": learner_id})
    return redirect(url + (f"?{urlencode({'course': course_id})}" if attached else ""))


@login_required
@require_http_methods(["GET", "POST"])
def pacing(request: HttpRequest, class_id: int) -> HttpResponse:
    """The pacing guide: target skills with due dates for the class, a group or a learner."""
    klass = access.access_class_teacher(request.user, class_id)
    courses, course_id = _course_choice(request, class_id)
    if request.method == "POST" and course_id is not None:
        skill_id = request.POST.get("skill", "")
        due = _due(request.POST.get("due", ""))
        scope = request.POST.get("scope", "class")
        names = dict(selectors.course_skills(course_id=course_id))
        if skill_id not in names or due is None:
            messages.error(request, gettext("Choose a skill of the course and a due date."))
        else:
            try:
                services.pacing_target_create(
                    class_id=class_id,
                    course_id=course_id,
                    skill_id=skill_id,
                    due=due,
                    actor=request.user,
                    group_id=int(scope[6:]) if scope.startswith("group:") and scope[6:].isdigit() else None,
                    learner_id=int(scope[8:])
                    if scope.startswith("learner:") and scope[8:].isdigit()
                    else None,
                )
            except services.CoachingError as error:
                messages.error(request, str(error))
            else:
                messages.success(
                    request,
                    gettext("%(skill)s is due %(due)s.")
                    % {"skill": names[skill_id], "due": date_format(due, "d M Y")},
                )
        return redirect(f"{request.path}?{urlencode({'course': course_id})}")
    context: dict[str, object] = {"klass": klass, "courses": courses, "course_id": course_id}
    if course_id is not None:
        names = dict(selectors.course_skills(course_id=course_id))
        targets = selectors.pacing_targets(class_id=class_id, course_id=course_id)
        completion = selectors.target_completion(class_id=class_id, course_id=course_id, targets=targets)
        context.update(
            skills=list(names.items()),
            targets=[(t, names.get(t.skill_id, t.skill_id), completion[t.pk]) for t in targets],
            now=timezone.now(),
            groups=selectors.groups(class_id=class_id),
            learners=accounts_api.class_learners(class_id=class_id),
        )
    return render(request, "coaching/pacing.html", context)


@login_required
@require_POST
def pacing_shift(request: HttpRequest, class_id: int) -> HttpResponse:
    """Move due dates: all targets of the class, or the ticked ones."""
    access.access_class_teacher(request.user, class_id)
    try:
        days = int(request.POST.get("days", "0"))
        ids = _ints(request.POST.getlist("target")) or None
        moved = services.pacing_shift(class_id=class_id, days=days, actor=request.user, target_ids=ids)
    except (ValueError, services.CoachingError) as error:
        messages.error(
            request,
            str(error) if isinstance(error, services.CoachingError) else gettext("Give a whole number."),
        )
    else:
        messages.success(
            request,
            ngettext(
                "Moved %(moved)d due date by %(days)d days.",
                "Moved %(moved)d due dates by %(days)d days.",
                moved,
            )
            % {"moved": moved, "days": days},
        )
    course = request.POST.get("course", "")
    url = reverse("coaching:pacing", kwargs={"class_id": class_id})
    return redirect(url + (f"?{urlencode({'course': course})}" if course else ""))


@login_required
@require_POST
def pacing_delete(request: HttpRequest, class_id: int, target_id: int) -> HttpResponse:
    access.access_class_teacher(request.user, class_id)
    services.pacing_target_delete(class_id=class_id, target_id=target_id, actor=request.user)
    return redirect("coaching:pacing", class_id=class_id)


@login_required
@require_POST
def group_create(request: HttpRequest, class_id: int) -> HttpResponse:
    access.access_class_teacher(request.user, class_id)
    try:
        group = services.group_create(
            class_id=class_id,
            name=request.POST.get("name", ""),
            learner_ids=_ints(request.POST.getlist("learner")),
            actor=request.user,
        )
    except services.CoachingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, gettext("Group “%(name)s” created.") % {"name": group.name})
    return redirect("coaching:class", class_id=class_id)


@login_required
@require_http_methods(["GET", "POST"])
def interventions(request: HttpRequest, class_id: int) -> HttpResponse:
    """Record an intervention; see each one with what happened to its learners' mastery since."""
    klass = access.access_class_teacher(request.user, class_id)
    courses, course_id = _course_choice(request, class_id)
    if request.method == "POST" and course_id is not None:
        names = dict(selectors.course_skills(course_id=course_id))
        skill_id = request.POST.get("skill", "")
        if skill_id and skill_id not in names:
            messages.error(request, gettext("Choose a skill of the course."))
        else:
            try:
                services.intervention_record(
                    class_id=class_id,
                    kind=request.POST.get("kind", ""),
                    course_id=course_id,
                    skill_id=skill_id,
                    note=request.POST.get("note", ""),
                    learner_ids=_ints(request.POST.getlist("learner")),
                    actor=request.user,
                    now=timezone.now(),
                    due=_due(request.POST.get("due", "")),
                )
            except services.CoachingError as error:
                messages.error(request, str(error))
            else:
                messages.success(
                    request, gettext("Intervention recorded. Its outcome shows here as learners practise.")
                )
        return redirect(f"{request.path}?{urlencode({'course': course_id})}")
    context: dict[str, object] = {"klass": klass, "courses": courses, "course_id": course_id}
    if course_id is not None:
        context.update(
            items=selectors.interventions_with_outcomes(class_id=class_id, course_id=course_id),
            skills=selectors.course_skills(course_id=course_id),
            learners=accounts_api.class_learners(class_id=class_id),
            kinds=InterventionKind.choices,
            preset_learners=set(_ints(request.GET.getlist("learner"))),
            preset_skill=request.GET.get("skill", ""),
            preset_kind=request.GET.get("kind", ""),
        )
    return render(request, "coaching/interventions.html", context)


def _confirmed(request: HttpRequest) -> bool:
    """Whether the confirming box of a form that takes something away was ticked."""
    if request.POST.get("confirm") == "yes":
        return True
    messages.error(
        request, gettext("Tick the box to confirm, then press the button again. Nothing was changed.")
    )
    return False


@login_required
@require_POST
def learner_remove(request: HttpRequest, class_id: int, learner_id: int) -> HttpResponse:
    """Take a learner out of the class (they keep their own work); needs the confirming tick."""
    klass, learner = access.access_class_learner(request.user, class_id, learner_id)
    if not _confirmed(request):
        return redirect("coaching:learner", class_id=class_id, learner_id=learner_id)
    services.class_learner_remove(class_id=class_id, learner_id=learner_id, actor=request.user)
    messages.success(
        request,
        gettext("%(name)s was removed from %(class)s. Their own work stays theirs.")
        % {"name": learner.name, "class": klass.name},
    )
    return redirect("coaching:class", class_id=class_id)


@login_required
@require_POST
def class_archive(request: HttpRequest, class_id: int) -> HttpResponse:
    """Archive the class: it leaves your lists and nobody joins it; everything in it is kept."""
    klass = access.access_class_teacher(request.user, class_id)
    if not _confirmed(request):
        return redirect("coaching:class", class_id=class_id)
    services.class_archive(class_id=class_id, actor=request.user)
    messages.success(
        request,
        gettext("“%(class)s” is archived. Restore it from the list below at any time.")
        % {"class": klass.name},
    )
    return redirect("coaching:classes")


@login_required
@require_POST
def class_restore(request: HttpRequest, class_id: int) -> HttpResponse:
    """Bring an archived class back as it was (its join code stays off until you switch it on)."""
    klass = access.access_class_teacher_archived_too(request.user, class_id)
    if services.class_restore(class_id=class_id, actor=request.user):
        messages.success(
            request,
            gettext("“%(class)s” is back. Its join code is off until you switch it on.")
            % {"class": klass.name},
        )
    return redirect("coaching:class", class_id=class_id)


@login_required
@require_POST
def teacher_add(request: HttpRequest, class_id: int) -> HttpResponse:
    """Add a co-teacher by username: a teacher of the same school, who then runs the class with you."""
    klass = access.access_class_teacher(request.user, class_id)
    try:
        person = services.class_co_teacher_add(
            klass=klass, username=request.POST.get("username", ""), actor=request.user
        )
    except services.CoachingError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            gettext("%(name)s now teaches %(class)s with you.")
            % {"name": person.username, "class": klass.name},
        )
    return redirect("coaching:class", class_id=class_id)


@login_required
@require_GET
def enrolment_requests(request: HttpRequest) -> HttpResponse:
    """Requests to enrol learners of your classes elsewhere (to accept or decline), and the ones you sent."""
    if not access.access_is_teacher(request.user):
        raise Http404("Enrolment requests are for teachers.")
    to_decide = access.access_enrolment_requests_to_decide(request.user).select_related(
        "klass", "learner", "requested_by"
    )
    return render(
        request,
        "coaching/requests.html",
        {
            "to_decide": list(to_decide.order_by("requested_at", "id")),
            "sent": selectors.enrolment_requests_sent(user_id=request.user.pk),
        },
    )


@login_required
@require_POST
def enrolment_request_decide(request: HttpRequest, request_id: int) -> HttpResponse:
    """Accept (the learner joins the other class) or decline a request about a learner of yours."""
    enrolment = access.access_enrolment_request_to_decide(request.user, request_id)
    action = request.POST.get("action", "")
    if action not in ("accept", "decline"):
        messages.error(request, gettext("Choose Accept or Decline."))
        return redirect("coaching:requests")
    try:
        services.enrolment_request_decide(
            request=enrolment, accept=action == "accept", actor=request.user, now=timezone.now()
        )
    except services.CoachingError as error:
        messages.error(request, str(error))
    else:
        learner = str(enrolment.learner)
        messages.success(
            request,
            (
                gettext("%(name)s joined %(class)s.")
                if action == "accept"
                else gettext("Declined: %(name)s does not join %(class)s.")
            )
            % {"name": learner, "class": enrolment.klass.name},
        )
    return redirect("coaching:requests")


@login_required
@require_GET
def my_plan(request: HttpRequest) -> HttpResponse:
    """A learner's plan: the target skills their teachers set, with due dates."""
    if not access.access_is_learner(request.user):
        raise Http404("Plans are for learners.")
    plan = coaching_api.learner_plan(learner_id=request.user.pk)
    course_ids = [entry.course_id for entry in plan]
    packs = curriculum_api.course_packs(course_ids=course_ids)
    infos = curriculum_api.courses_info(course_ids=course_ids)
    rows = []
    for entry in plan:
        pack = packs.get(entry.course_id)
        names = {skill.id: skill.name for skill in pack.skills} if pack is not None else {}
        info = infos.get(entry.course_id)
        title = info.title if info is not None else "a course no longer offered"
        rows.append((entry, names.get(entry.skill_id, "a skill no longer in the course"), title))
    return render(request, "coaching/plan.html", {"rows": rows, "now": timezone.now()})


@login_required
@require_http_methods(["GET", "POST"])
def class_projects(request: HttpRequest, class_id: int) -> HttpResponse:
    """A teacher offers topics and formats of the course projects to the class (agency keeps the offers)."""
    klass = access.access_class_teacher(request.user, class_id)
    projects_by_key = {}
    packs = curriculum_api.course_packs(course_ids=selectors.class_course_ids(class_id=class_id))
    for course_id, pack in packs.items():
        for project in pack.projects:
            projects_by_key[f"{course_id}/{project.id}"] = (course_id, project)
    if request.method == "POST":
        key = request.POST.get("project", "")
        if key not in projects_by_key:
            raise Http404("No such project in this class's courses.")
        course_id, project = projects_by_key[key]
        topics = [t for t in request.POST.getlist("topic") if t in {o.id for o in project.topics}]
        formats = [f for f in request.POST.getlist("format") if f in {o.id for o in project.formats}]
        try:
            agency_api.project_offer_set(
                class_id=class_id,
                course_id=course_id,
                project_id=project.id,
                topic_ids=topics,
                format_ids=formats,
                actor=request.user,
            )
        except agency_api.AgencyError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, gettext("Learners can now choose for “%(title)s”.") % {"title": project.title}
            )
        return redirect(reverse("coaching:class-projects", kwargs={"class_id": class_id}))
    offers = {(o.course_id, o.project_id): o for o in agency_api.project_offers(class_id=class_id)}
    return render(
        request,
        "coaching/class_projects.html",
        {
            "klass": klass,
            "projects": [
                (key, course_id, project, offers.get((course_id, project.id)))
                for key, (course_id, project) in projects_by_key.items()
            ],
        },
    )
