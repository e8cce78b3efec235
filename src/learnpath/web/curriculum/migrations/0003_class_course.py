# Which courses a class uses moves from coaching to curriculum (decision 0079). The table
# (coaching_classcourse) and its rows stay where they are: only Django's model state moves, so this
# migration and coaching's 0003 change no schema.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_class_archived_at'),
        # The table was created by coaching's first migration; its model state leaves coaching after this.
        ('coaching', '0002_enrolment_request'),
        ('curriculum', '0002_ordered_json_documents'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ClassCourse',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('course_id', models.CharField(max_length=80)),
                        ('attached_at', models.DateTimeField(auto_now_add=True)),
                        ('klass', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='attached_courses', to='accounts.class')),
                    ],
                    options={
                        'db_table': 'coaching_classcourse',
                        'ordering': ['attached_at', 'id'],
                        'constraints': [models.UniqueConstraint(fields=('klass', 'course_id'), name='class_course_unique')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
