"""The draft's guideline version, once text, is migrated to the number it names."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("wizard", "0002_draft_sources")]
AFTER = [("wizard", "0003_draft_guideline_version_number")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_drafts_keep_their_guideline_version_as_a_number_and_none_stays_none(django_user_model):
    owner = django_user_model.objects.create_user("migrating-physician")
    old = _migrate(BEFORE)
    try:
        draft = old.get_model("wizard", "DraftAssessment")
        started = {
            text: draft.objects.create(owner_id=owner.pk, current_step="patient", guideline_version=text).pk
            for text in ("3", "", "12")
        }
        new = _migrate(AFTER)
        found = dict(new.get_model("wizard", "DraftAssessment").objects.values_list("pk", "guideline_version"))
        assert {text: found[pk] for text, pk in started.items()} == {"3": 3, "": None, "12": 12}

        back = _migrate(BEFORE)  # and back again, for a release that is rolled back
        found = dict(back.get_model("wizard", "DraftAssessment").objects.values_list("pk", "guideline_version"))
        assert {text: found[pk] for text, pk in started.items()} == {"3": "3", "": "", "12": "12"}
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
