"""Feedback test helpers: a saved case, its recommendations, and clients per role.

``published_guideline`` and the role users come from tests/conftest.py; saved cases from tests/cases.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from dahguide.feedback.models import Reason
from tests.cases.conftest import _fresh_snapshot_cache, other_physician, save_case  # noqa: F401  (fixtures)

# Every reason with a comment where it needs one.
REASONS = [
    (code, "Our unit has no apheresis machine." if code in ("clinical_judgement", "other") else "")
    for code in Reason.values
]


@pytest.fixture
def case(physician, published_guideline):
    return save_case(physician)


@pytest.fixture
def revision(case):
    return case.revisions.get(number=1)


@pytest.fixture
def code(revision):
    """The plan's first recommendation."""
    return revision.summary["recommendations"][0]


def login(client, user):
    client.force_login(user)
    return client


def mark_url(case) -> str:
    return reverse("feedback:not_followed", args=[case.pk])


def mark_data(revision, code: str, reason: str = "not_available", comment: str = "") -> dict[str, str]:
    return {"revision": str(revision.number), "recommendation_code": code, "reason_code": reason, "comment": comment}
