"""Courses as imported from content packs (docs/content-packs.md).

Rows are matched to the pack by slug. Skills, items, resources and projects that leave the pack are
retired, never deleted, because learner history elsewhere points at them. Every imported version keeps
its full documents (``CourseVersion.documents``) so export reproduces it exactly.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from learnpath.web.curriculum.fields import OrderedJSONField


class Course(models.Model):
    """One course: the current version of one content pack."""

    slug = models.SlugField(max_length=80, unique=True, help_text="The pack's id.")
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="courses",
        help_text="Empty: a global course every signed-in person sees. Set: only its organisation's members.",
    )
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    language = models.CharField(max_length=35, default="en")
    license = models.CharField(max_length=100, blank=True)
    version = models.CharField(max_length=80, help_text="The current version (the pack's version).")
    checksum = models.CharField(max_length=64, help_text="SHA-256 of the current version's documents.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class CourseVersion(models.Model):
    """One imported version of a course, with its documents exactly as imported."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="versions")
    version = models.CharField(max_length=80)
    checksum = models.CharField(max_length=64)
    documents = OrderedJSONField(
        help_text="The version's documents: course, skills, items by file, resources, projects, media."
    )
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["course", "-imported_at"]
        constraints = [
            models.UniqueConstraint(fields=["course", "version"], name="course_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.course.slug} {self.version}"


class CourseContent(models.Model):
    """What skills, items, resources and projects share: a slug in a course, a document, retirement.

    Each subclass adds its own ``course`` foreign key (with its own reverse name).
    """

    slug = models.CharField(max_length=80)
    position = models.PositiveIntegerField(default=0, help_text="Order in the current version.")
    document = OrderedJSONField(default=dict)
    retired = models.BooleanField(default=False, help_text="Gone from the current version; kept for history.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering = ["position"]

    def __str__(self) -> str:
        return self.slug


class Skill(CourseContent):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="skills")
    name = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    standards = models.JSONField(default=list, blank=True)
    prerequisites = models.ManyToManyField(
        "self", through="Prerequisite", symmetrical=False, related_name="unlocks", blank=True
    )

    class Meta(CourseContent.Meta):
        constraints = [models.UniqueConstraint(fields=["course", "slug"], name="skill_slug_unique_in_course")]

    def __str__(self) -> str:
        return self.name


class Prerequisite(models.Model):
    """``skill`` needs ``prerequisite`` first. Edges mirror the current version."""

    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="prerequisite_edges")
    prerequisite = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="unlock_edges")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["skill", "prerequisite"], name="prerequisite_edge_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.prerequisite_id} → {self.skill_id}"


class Item(CourseContent):
    """A practice or assessment item (possibly a parametric template)."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="items")
    type = models.CharField(max_length=32)
    prompt = models.TextField(blank=True)
    difficulty = models.FloatField(null=True, blank=True)
    is_template = models.BooleanField(default=False)
    skills = models.ManyToManyField(Skill, through="ItemSkill", related_name="items")

    class Meta(CourseContent.Meta):
        constraints = [models.UniqueConstraint(fields=["course", "slug"], name="item_slug_unique_in_course")]


class ItemSkill(models.Model):
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="skill_links")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="item_links")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "skill"], name="item_skill_unique")]

    def __str__(self) -> str:
        return f"{self.item_id} → skill {self.skill_id}"


class Resource(CourseContent):
    """Something to read, watch or use: text, video, interactive or project."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="resources")
    title = models.CharField(max_length=300)
    modality = models.CharField(max_length=16)
    skills = models.ManyToManyField(Skill, through="ResourceSkill", related_name="resources")

    class Meta(CourseContent.Meta):
        constraints = [
            models.UniqueConstraint(fields=["course", "slug"], name="resource_slug_unique_in_course")
        ]

    def __str__(self) -> str:
        return self.title


class ResourceSkill(models.Model):
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="skill_links")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="resource_links")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["resource", "skill"], name="resource_skill_unique")]

    def __str__(self) -> str:
        return f"{self.resource_id} → skill {self.skill_id}"


class Project(CourseContent):
    """A project learners choose among, with topics, formats and a rubric."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="projects")
    title = models.CharField(max_length=300)
    skills = models.ManyToManyField(Skill, through="ProjectSkill", related_name="projects")

    class Meta(CourseContent.Meta):
        constraints = [
            models.UniqueConstraint(fields=["course", "slug"], name="project_slug_unique_in_course")
        ]

    def __str__(self) -> str:
        return self.title


class ProjectSkill(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="skill_links")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="project_links")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "skill"], name="project_skill_unique")]

    def __str__(self) -> str:
        return f"{self.project_id} → skill {self.skill_id}"


class MediaFile(models.Model):
    """A file of the current version's media/ folder (video, image, interactive HTML), served by the app.

    Media rows mirror the current version (no learner history points at them); the version's checksum
    covers their bytes.
    """

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="media_files")
    path = models.CharField(
        max_length=300, help_text="Name under the pack's media/ folder, e.g. fractions.mp4"
    )
    content_type = models.CharField(max_length=120)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    data = models.BinaryField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["course", "path"]
        constraints = [models.UniqueConstraint(fields=["course", "path"], name="media_path_unique_in_course")]

    def __str__(self) -> str:
        return f"{self.course_id}:{self.path}"


class ClassCourse(models.Model):
    """A course a class uses: its learners practise it (and see only their classes' courses, decision
    0079) and its teachers' cockpit shows it.

    It joins an accounts ``Class`` to a course by the course's pack id, as learner history does. It moved
    here from coaching (decision 0079) and keeps coaching's table, so no row moved.
    """

    klass = models.ForeignKey("accounts.Class", on_delete=models.CASCADE, related_name="attached_courses")
    course_id = models.CharField(max_length=80)
    attached_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "coaching_classcourse"
        ordering = ["attached_at", "id"]
        constraints = [models.UniqueConstraint(fields=["klass", "course_id"], name="class_course_unique")]

    def __str__(self) -> str:
        return f"{self.klass_id}: {self.course_id}"


class StandardsFramework(models.Model):
    """A framework of standards imported from a CASE package (``content.importers.case``): the statements
    a course's skills are aligned to, shown to teachers and in exports. Reference data: updated in place
    when the same framework (by CASE identifier) is imported again."""

    identifier = models.CharField(max_length=500, unique=True, help_text="The CFDocument's identifier.")
    title = models.CharField(max_length=300)
    creator = models.CharField(max_length=300, blank=True)
    version = models.CharField(max_length=100, blank=True)
    items = models.JSONField(
        default=list, help_text="The CFItems as read: identifier, code, statement, type, levels, parent."
    )
    imported_at = models.DateTimeField(auto_now=True)
    courses = models.ManyToManyField(Course, related_name="frameworks", blank=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title
