"""PostgreSQL only: a trigram index behind the label search.

The case list searches labels with ``icontains`` (``UPPER(label) LIKE UPPER('%q%')``); without this
index a rare label means a sequential scan over every case (293 ms at 100,000 cases in bench/,
0.15 ms with it). SQLite has no trigram index and does not need one at bedside scale.
pg_trgm is a trusted extension (PostgreSQL 13+), so the database owner may create it.
"""

from django.db import migrations


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS cases_case_label_upper_trgm "
        "ON cases_case USING gin (UPPER(label::text) gin_trgm_ops)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS cases_case_label_upper_trgm")


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index)]
