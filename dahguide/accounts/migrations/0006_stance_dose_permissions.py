# Editors edit, reviewers read the patient-modifier stances and doses (issue "Safe for every patient").
from django.db import migrations

from dahguide.accounts.roles import migrate_roles


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_attending_role"),
        ("guidance", "0003_patient_modifiers"),
    ]

    operations = [migrations.RunPython(migrate_roles, migrations.RunPython.noop)]
