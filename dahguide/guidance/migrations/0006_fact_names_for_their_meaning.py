"""Three facts renamed for their meaning, in the content that may still change (vocabulary.RENAMED_FACTS).

Drafts and versions in review, and the golden cases, take the new names. Published and retired
versions keep theirs: what physicians saw is never edited, and the engine reads an old name as the
new one. The next version copied from a published one carries the new names through review.
"""

from django.db import migrations, models

# Written out, not imported: a migration keeps meaning what it meant when it was written.
RENAMED = {
    "age_over_65": "older_age_prognosis",
    "egfr_below_30": "egfr_low",
    "in_complete_remission_6_months": "remission_long_enough_for_transplant",
}
FROZEN = ("published", "retired")
CONDITIONS = (
    ("RecommendationCondition", "recommendation"),
    ("MonitoringCondition", "monitoring_item"),
    ("WarningCondition", "warning"),
    ("DisagreementCondition", "disagreement"),
)


def _rename(apps, names):
    for model_name, item in CONDITIONS:
        conditions = apps.get_model("guidance", model_name).objects.exclude(**{f"{item}__version__status__in": FROZEN})
        for old, new in names.items():
            conditions.filter(fact=old).update(fact=new)
    dose_model = apps.get_model("guidance", "Dose")
    for dose in dose_model.objects.exclude(version__status__in=FROZEN).exclude(alternatives=[]):
        alternatives = [
            {**a, "reductions": [{**r, "fact": names.get(r.get("fact"), r.get("fact"))} for r in a["reductions"]]}
            if isinstance(a, dict) and isinstance(a.get("reductions"), list)
            else a
            for a in dose.alternatives
        ]
        if alternatives != dose.alternatives:
            dose_model.objects.filter(pk=dose.pk).update(alternatives=alternatives)
    golden_model = apps.get_model("guidance", "GoldenCase")
    for case in golden_model.objects.all():
        if isinstance(case.expected_derived, dict) and set(case.expected_derived) & set(names):
            derived = {names.get(k, k): v for k, v in case.expected_derived.items()}
            golden_model.objects.filter(pk=case.pk).update(expected_derived=derived)


def forward(apps, schema_editor):
    _rename(apps, RENAMED)


def backward(apps, schema_editor):
    _rename(apps, {new: old for old, new in RENAMED.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("guidance", "0005_threshold_placeholders_help"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
        migrations.AlterField(
            model_name="dose",
            name="alternatives",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text='Where sources band the amount: [{"label": "KDIGO 2024 Fig 10", "band_on": "age_years", "bands": [{"if_above": "70", "amount": "10"}, {"otherwise": true, "amount": "15"}], "reductions": [{"fact": "egfr_low", "minus": "2.5", "text": "eGFR below 30"}]}]. Bands are read top-down; the lowest candidate is shown.',
            ),
        ),
        migrations.AlterField(
            model_name="historicaldose",
            name="alternatives",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text='Where sources band the amount: [{"label": "KDIGO 2024 Fig 10", "band_on": "age_years", "bands": [{"if_above": "70", "amount": "10"}, {"otherwise": true, "amount": "15"}], "reductions": [{"fact": "egfr_low", "minus": "2.5", "text": "eGFR below 30"}]}]. Bands are read top-down; the lowest candidate is shown.',
            ),
        ),
    ]
