"""dahguide.prepared: the pages' fixed reads give the objects the ORM gives, in one query."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dahguide import prepared
from dahguide.guidance.models import GuidelineVersion
from dahguide.wizard import services
from dahguide.wizard.models import DraftAssessment

pytestmark = pytest.mark.django_db

FIELDS = [f.attname for f in DraftAssessment._meta.concrete_fields]


def _draft(owner, **changes) -> DraftAssessment:
    draft = services.draft_create(owner=owner, first_step="patient", guideline_version=1)
    DraftAssessment.objects.filter(pk=draft.pk).update(**changes)
    return DraftAssessment.objects.get(pk=draft.pk)


def _values(obj) -> dict:
    return {name: getattr(obj, name) for name in FIELDS}


def test_a_row_read_by_its_key_and_owner_is_the_orms_row_in_one_query(physician):
    draft = _draft(physician, answers={"age_years": "54", "etiology": ["gpa"]}, completed_steps=["patient"])
    with CaptureQueriesContext(connection) as queries:
        (found,) = prepared.rows(DraftAssessment, where={"pk": draft.pk, "owner": physician})
    assert len(queries) == 1
    assert _values(found) == _values(draft)  # UUID, JSON, booleans and datetimes converted as the ORM does
    assert found._state.adding is False and found._state.db == "default"


def test_no_matching_row_is_an_empty_list(physician, resident):
    draft = _draft(physician)
    assert prepared.rows(DraftAssessment, where={"pk": draft.pk, "owner": resident}) == []
    assert prepared.rows(DraftAssessment, where={"pk": uuid.uuid4(), "owner": physician}) == []


def test_order_and_limit_are_the_querysets(physician):
    for _ in range(4):
        _draft(physician)
    _draft(physician, finished=True)
    expected = list(DraftAssessment.objects.filter(owner=physician, finished=False).order_by("-updated_at", "id")[:3])
    got = prepared.rows(
        DraftAssessment, where={"owner": physician, "finished": False}, order_by=("-updated_at", "id"), limit=3
    )
    assert [d.pk for d in got] == [d.pk for d in expected]


def test_only_the_asked_fields_are_read(published_guideline):
    (version,) = prepared.rows(
        GuidelineVersion, where={"status": GuidelineVersion.Status.PUBLISHED}, fields=("content_hash",), limit=1
    )
    assert version.get_deferred_fields() >= {"snapshot", "status"}
    assert version.content_hash == GuidelineVersion.objects.get(pk=version.pk).content_hash
