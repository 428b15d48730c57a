"""The plan page's HTML does not grow: every golden case's page is at most its size before issue 13."""

from __future__ import annotations

import pytest

from bench import plan_weight
from dahguide.guidance.selectors import clear_snapshot_cache

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_snapshot_cache():
    clear_snapshot_cache()
    yield
    clear_snapshot_cache()


def test_no_golden_case_plan_page_is_larger_than_before(physician, published_guideline):
    weight = plan_weight.measure(physician)
    assert len(weight.pages) > 40
    assert weight.grown(plan_weight.before()) == {}
