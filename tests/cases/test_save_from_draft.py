"""Saving a finished draft (the wizard's "Save this case"): the service behind the view."""

from __future__ import annotations

import pytest

from dahguide.cases import services
from dahguide.cases.models import Case
from dahguide.guidance.selectors import get_published_snapshot
from tests.cases.conftest import finished_draft

pytestmark = pytest.mark.django_db


def test_saving_a_draft_refuses_a_plan_shown_under_other_content(physician, published_guideline):
    with pytest.raises(services.GuidelineChanged):
        services.case_save_from_draft(
            draft=finished_draft(physician),
            user=physician,
            shown_content_hash="not-what-was-shown",
            snapshot=get_published_snapshot(),
            label="GPA day 1",
        )
    assert not Case.objects.exists()


def test_saving_a_draft_refuses_when_no_guideline_is_published(physician, published_guideline):
    with pytest.raises(services.GuidelineChanged):
        services.case_save_from_draft(
            draft=finished_draft(physician),
            user=physician,
            shown_content_hash=get_published_snapshot().content_hash,
            snapshot=None,
            label="GPA day 1",
        )


def test_saving_a_draft_whose_answers_no_longer_parse_is_refused(physician, published_guideline):
    draft = finished_draft(physician, answers={"age_years": "fifty"})
    snapshot = get_published_snapshot()
    with pytest.raises(services.AnswersNeedChecking):
        services.case_save_from_draft(
            draft=draft, user=physician, shown_content_hash=snapshot.content_hash, snapshot=snapshot, label="GPA day 1"
        )


def test_saving_a_draft_creates_the_case_then_amends_it(physician, published_guideline):
    snapshot = get_published_snapshot()
    saved = services.case_save_from_draft(
        draft=finished_draft(physician),
        user=physician,
        shown_content_hash=snapshot.content_hash,
        snapshot=snapshot,
        label="GPA day 1",
    )
    assert (saved.amended, saved.revision_number) == (False, 1)
    case = Case.objects.get(pk=saved.case_id)
    amended = services.case_save_from_draft(
        draft=finished_draft(physician),
        user=physician,
        shown_content_hash=snapshot.content_hash,
        snapshot=snapshot,
        amending=case,
        reason="Creatinine repeated",
    )
    assert (amended.case_id, amended.amended, amended.revision_number) == (case.pk, True, 2)
    assert case.revisions.count() == 2
