# Revisions saved before this app existed count as shown too: one impression per recommendation.
from django.db import migrations

BATCH = 1000


def backfill(apps, schema_editor):
    CaseRevision = apps.get_model("cases", "CaseRevision")
    Impression = apps.get_model("feedback", "Impression")
    rows = CaseRevision.objects.order_by("pk").values_list("pk", "guideline_version", "summary", "created_at")
    batch = []
    for pk, version, summary, at in rows.iterator(chunk_size=BATCH):
        for code in dict.fromkeys((summary or {}).get("recommendations", [])):
            batch.append(
                Impression(source="app", guideline_version=version, recommendation_code=code, revision_id=pk, at=at)
            )
        if len(batch) >= BATCH:
            Impression.objects.bulk_create(batch)
            batch = []
    Impression.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [("feedback", "0001_initial")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
