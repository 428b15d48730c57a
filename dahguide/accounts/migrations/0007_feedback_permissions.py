# Physicians record, residents read, the recommendations not followed (issue 17, "Close the loop").
from django.db import migrations

from dahguide.accounts.roles import migrate_roles


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_stance_dose_permissions"),
        ("feedback", "0001_initial"),
    ]

    operations = [migrations.RunPython(migrate_roles, migrations.RunPython.noop)]
