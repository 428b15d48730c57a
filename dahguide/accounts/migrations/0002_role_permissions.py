# Gives the role groups the permissions of the models added after 0001 (guidance, wizard).
from django.db import migrations

from dahguide.accounts.roles import migrate_roles


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_roles"),
        ("guidance", "0001_initial"),
        ("wizard", "0001_draft_assessment"),
    ]

    operations = [migrations.RunPython(migrate_roles, migrations.RunPython.noop)]
