# Gives physicians and residents the permissions of the saved-case models (none can change them).
from django.db import migrations

from dahguide.accounts.roles import migrate_roles


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_review_workflow_permissions"),
        ("cases", "0001_initial"),
    ]

    operations = [migrations.RunPython(migrate_roles, migrations.RunPython.noop)]
