"""The learner loop moves to the engine (decision 0040): each fact of a learner's state is stored once.

- ``LearnerCourse.model_state`` holds the served learner model's state; the Elo ability that lived in
  ``LearnerCourse.ability``/``ability_answers`` and ``SkillState.skill_ability``/``skill_answers`` moves
  into it (as the prior model's state document).
- ``SkillState.progress`` repeated the row's own columns as JSON: dropped.
- ``LearnerCourse.items`` (items shown, worked solutions seen) starts empty for existing learners;
  ``learnpath rebuild-state`` fills it from the event log.
"""

from django.db import migrations, models


def elo_into_model_state(apps, schema_editor):
    LearnerCourse = apps.get_model("learning", "LearnerCourse")
    SkillState = apps.get_model("learning", "SkillState")
    skills = {}
    for learner_id, course_id, skill_id, ability, answers in SkillState.objects.values_list(
        "learner_id", "course_id", "skill_id", "skill_ability", "skill_answers"
    ):
        skills.setdefault((learner_id, course_id), {})[skill_id] = (ability, answers)
    for row in LearnerCourse.objects.all():
        table = skills.get((row.learner_id, row.course_id), {})
        row.model_state = {
            "model": "prior",
            "elo": {
                "version": 1,
                "ability": row.ability,
                "answers": row.ability_answers,
                "skill_ability": {s: a for s, (a, _n) in table.items() if _n},
                "skill_answers": {s: n for s, (_a, n) in table.items() if n},
            },
        }
        row.save(update_fields=["model_state"])


class Migration(migrations.Migration):
    dependencies = [("learning", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="learnercourse",
            name="model_state",
            field=models.JSONField(
                blank=True, null=True, help_text="The served learner model's state (engine.served_model)."
            ),
        ),
        migrations.AddField(
            model_name="learnercourse",
            name="items",
            field=models.JSONField(
                default=dict,
                help_text="Items shown: {item: [times shown, last worked solution seen or null]}.",
            ),
        ),
        migrations.RunPython(elo_into_model_state, migrations.RunPython.noop),
        migrations.RemoveField(model_name="learnercourse", name="ability"),
        migrations.RemoveField(model_name="learnercourse", name="ability_answers"),
        migrations.RemoveField(model_name="skillstate", name="skill_ability"),
        migrations.RemoveField(model_name="skillstate", name="skill_answers"),
        migrations.RemoveField(model_name="skillstate", name="progress"),
        migrations.AlterField(
            model_name="learnercourse",
            name="attempt",
            field=models.JSONField(
                blank=True,
                null=True,
                help_text="The open (or last) question: engine.learner_loop.OpenQuestion.",
            ),
        ),
    ]
