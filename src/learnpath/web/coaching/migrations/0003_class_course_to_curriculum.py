# ClassCourse now belongs to curriculum (decision 0079): coaching forgets the model, the table stays
# (curriculum.ClassCourse uses it under its old name, coaching_classcourse).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('coaching', '0002_enrolment_request'),
        ('curriculum', '0003_class_course'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='ClassCourse')],
            database_operations=[],
        ),
    ]
