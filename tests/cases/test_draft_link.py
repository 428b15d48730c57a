"""What a wizard draft is to the saved cases, as the plan page's save form reads it: new, saved
(and as which revision), or an amendment in progress. One query, and the same answer as the save."""

from __future__ import annotations

import pytest

from dahguide.cases import services
from dahguide.cases.selectors import DraftCaseLink, draft_case_link, draft_for_saving

from .conftest import INTAKE, finished_draft, saved_plan

pytestmark = pytest.mark.django_db


def _amending(case, physician):
    return services.case_amend_start(case=case, user=physician, inputs=INTAKE, guideline_version=1)


def test_a_new_draft_is_neither_saved_nor_amending(physician, published_guideline):
    assert draft_case_link(draft=finished_draft(physician)) == DraftCaseLink()


def test_a_saved_draft_links_to_its_case_and_first_revision(physician, published_guideline):
    draft = finished_draft(physician)
    case = services.case_create(author=physician, label="GPA on high flow", plan=saved_plan(), source_draft=draft)
    link = draft_case_link(draft=draft)
    assert (link.saved_case_id, link.saved_number, link.amend_case) == (case.pk, 1, None)


def test_an_amendment_draft_carries_the_case_it_amends(physician, case):
    link = draft_case_link(draft=_amending(case, physician))
    amended = link.amend_case
    assert link.saved_case_id is None
    assert (amended.pk, amended.label, amended.author_id, amended.revision_count) == (
        case.pk,
        case.label,
        physician.pk,
        1,
    )
    assert not amended._state.adding  # the save updates this case, never inserts one


def test_a_saved_amendment_links_to_its_revision_and_amends_no_more(physician, case):
    draft = _amending(case, physician)
    services.case_revision_add(case=case, user=physician, reason="Checked again", plan=saved_plan(), source_draft=draft)
    link = draft_case_link(draft=draft)
    assert (link.saved_case_id, link.saved_number, link.amend_case) == (case.pk, 2, None)


@pytest.mark.parametrize("state", ["new", "saved", "amending"])
def test_the_plan_page_and_the_save_read_the_same_link(physician, case, state):
    draft = _amending(case, physician) if state == "amending" else finished_draft(physician)
    if state == "saved":
        services.case_create(author=physician, label="Saved", plan=saved_plan(), source_draft=draft)
    _draft, on_save = draft_for_saving(owner=physician, pk=draft.pk)
    on_plan = draft_case_link(draft=draft)
    assert (on_plan.saved_case_id, on_plan.saved_number) == (on_save.saved_case_id, on_save.saved_number)
    assert getattr(on_plan.amend_case, "pk", None) == getattr(on_save.amend_case, "pk", None)


def test_the_link_is_one_query(physician, case, django_assert_num_queries):
    draft = _amending(case, physician)
    with django_assert_num_queries(1):
        draft_case_link(draft=draft)


def test_the_plan_pages_panels_share_one_read_of_the_link(physician, case, django_assert_num_queries):
    draft = _amending(case, physician)
    with django_assert_num_queries(1):
        first = draft_case_link(draft=draft)
        assert draft_case_link(draft=draft) is first


def test_a_draft_read_again_reads_its_link_again(physician, published_guideline):
    draft = finished_draft(physician)
    assert draft_case_link(draft=draft).saved_case_id is None
    case = services.case_create(author=physician, label="Saved", plan=saved_plan(), source_draft=draft)
    again = type(draft).objects.get(pk=draft.pk)  # the next request's draft
    assert draft_case_link(draft=again).saved_case_id == case.pk
