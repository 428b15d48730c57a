"""A draft's guideline version becomes the number it is everywhere else (NULL: none was published).

Old code writes "" into this column, so this release's migration runs with the servers stopped
(README, Upgrades).
"""

from django.db import migrations, models


def _checks_now(schema_editor):
    # PostgreSQL refuses to ALTER a table with deferred foreign-key checks still pending from an UPDATE
    # in the same transaction: run them as each row is written.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def text_to_number(apps, schema_editor):
    _checks_now(schema_editor)
    draft = apps.get_model("wizard", "DraftAssessment")
    # "" (no version was published) and anything that is not a number become NULL; "3" stays 3.
    draft.objects.exclude(guideline_version__regex=r"^[0-9]+$").update(guideline_version=None)


def number_to_text(apps, schema_editor):
    _checks_now(schema_editor)
    apps.get_model("wizard", "DraftAssessment").objects.filter(guideline_version=None).update(guideline_version="")


class Migration(migrations.Migration):
    dependencies = [
        ("wizard", "0002_draft_sources"),
    ]

    operations = [
        migrations.AlterField(
            model_name="draftassessment",
            name="guideline_version",
            field=models.CharField(blank=True, max_length=64, null=True),
        ),
        migrations.RunPython(text_to_number, number_to_text),
        migrations.AlterField(
            model_name="draftassessment",
            name="guideline_version",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
    ]
