from __future__ import annotations

import pytest

from dahguide.guidance.selectors import get_published_snapshot, get_published_version, get_snapshot_for_version
from dahguide.guidance.services import guideline_import

pytestmark = pytest.mark.django_db


def test_no_snapshot_before_anything_is_published():
    assert get_published_snapshot() is None


def test_published_snapshot_is_the_published_version(published_guideline):
    snapshot = get_published_snapshot()
    assert (snapshot.version, snapshot.content_hash) == (1, published_guideline.content_hash)


def test_published_snapshot_costs_at_most_one_query_when_warm(published_guideline, django_assert_max_num_queries):
    get_published_snapshot()
    with django_assert_max_num_queries(1):
        get_published_snapshot()


def test_warm_snapshot_is_the_same_object(published_guideline):
    assert get_published_snapshot() is get_published_snapshot()


def test_published_snapshot_picks_up_a_newly_published_version(published_guideline, guideline_document):
    get_published_snapshot()
    guideline_import(document=guideline_document, publish=True)
    assert get_published_snapshot().version == 2


def test_published_version_is_the_one_physicians_see(published_guideline):
    assert get_published_version().pk == published_guideline.pk


def test_snapshot_of_a_retired_version_stays_available(published_guideline, guideline_document):
    guideline_import(document=guideline_document, publish=True)
    assert get_snapshot_for_version(1).content_hash == published_guideline.content_hash


def test_no_snapshot_for_a_draft(guideline_document):
    draft = guideline_import(document=guideline_document, publish=False)
    assert get_snapshot_for_version(draft.number) is None
