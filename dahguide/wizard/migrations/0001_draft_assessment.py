import uuid

import django.db.models.deletion
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

from dahguide.accounts.roles import PHYSICIAN, sync_role_permissions


def grant_role_permissions(apps, schema_editor):
    # The roles migration ran before this model existed: give physicians its permissions now.
    app_config = apps.get_app_config("wizard")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0)
    app_config.models_module = None
    sync_role_permissions(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"), roles=(PHYSICIAN,))


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("accounts", "0001_roles"),
    ]

    operations = [
        migrations.CreateModel(
            name="DraftAssessment",
            fields=[
                ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ("answers", models.JSONField(blank=True, default=dict)),
                ("current_step", models.CharField(max_length=32)),
                ("completed_steps", models.JSONField(blank=True, default=list)),
                ("guideline_version", models.CharField(blank=True, max_length=64)),
                ("finished", models.BooleanField(default=False)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "owner",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="draft_assessments",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-updated_at"],
                "indexes": [models.Index(fields=["owner", "updated_at"], name="wizard_draft_owner_updated")],
            },
        ),
        migrations.RunPython(grant_role_permissions, migrations.RunPython.noop),
    ]
