# Gives the role groups the permissions of the review workflow's models (transitions, golden
# cases) and takes "change guideline version" from reviewers (they use the workflow steps).
from django.db import migrations

from dahguide.accounts.roles import migrate_roles


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_role_permissions"),
        ("guidance", "0002_workflow_golden_cases_locking"),
    ]

    operations = [migrations.RunPython(migrate_roles, migrations.RunPython.noop)]
