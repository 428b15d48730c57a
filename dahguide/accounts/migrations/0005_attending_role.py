# The attending role: it alone signs off cases; physicians keep reading sign-offs (issue 15).
# Existing physicians who sign off must be added to the "attending" group after this migration.
from django.db import migrations

from dahguide.accounts.roles import migrate_roles


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_case_permissions"),
        ("cases", "0004_signoff_by_attending"),
    ]

    operations = [migrations.RunPython(migrate_roles, migrations.RunPython.noop)]
