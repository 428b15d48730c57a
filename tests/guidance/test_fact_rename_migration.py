"""Migration guidance.0006 renames three facts in content that may still change, never in published content."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from dahguide.engine import vocabulary
from dahguide.guidance.models import Dose, GoldenCase, RecommendationCondition
from dahguide.guidance.services import guideline_import

BEFORE = [("guidance", "0005_threshold_placeholders_help")]
AFTER = [("guidance", "0006_fact_names_for_their_meaning")]
OLD, NEW = set(vocabulary.RENAMED_FACTS), set(vocabulary.RENAMED_FACTS.values())


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _names(apps, version_id: int) -> set[str]:
    conditions = apps.get_model("guidance", "RecommendationCondition").objects
    facts = set(conditions.filter(recommendation__version_id=version_id).values_list("fact", flat=True))
    for alternatives in (
        apps.get_model("guidance", "Dose").objects.filter(version_id=version_id).values_list("alternatives", flat=True)
    ):
        facts |= {r["fact"] for a in alternatives for r in a.get("reductions", [])}
    return facts & (OLD | NEW)


@pytest.mark.django_db(transaction=True)
def test_drafts_and_golden_cases_take_the_new_names_and_published_content_keeps_its_own(
    published_guideline, guideline_document
):
    draft = guideline_import(document=guideline_document, publish=False)
    golden = GoldenCase.objects.create(
        name="older_patient", expected_decision="insufficient_data", expected_derived={"older_age_prognosis": True}
    )
    assert Dose.objects.filter(version=draft).exists() and RecommendationCondition.objects.exists()
    try:
        old = _migrate(BEFORE)  # a deployment's database before this release: drafts under the old names
        assert _names(old, draft.pk) == {"age_over_65", "egfr_below_30"}
        assert _names(old, published_guideline.pk) == {"older_age_prognosis", "egfr_low"}  # frozen: untouched
        assert old.get_model("guidance", "GoldenCase").objects.get(pk=golden.pk).expected_derived == {
            "age_over_65": True
        }

        new = _migrate(AFTER)
        assert _names(new, draft.pk) == {"older_age_prognosis", "egfr_low"}
        assert new.get_model("guidance", "GoldenCase").objects.get(pk=golden.pk).expected_derived == {
            "older_age_prognosis": True
        }
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
