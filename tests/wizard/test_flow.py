"""The step order (dahguide/wizard/flow.py) and saving a step (services.draft_submit_step)."""

from __future__ import annotations

import pytest

from dahguide.wizard import flow, services
from dahguide.wizard.answers import REQUIRED_STEP_CODES, STEP_CODES
from tests.wizard.conftest import VALID

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(physician):
    return services.draft_create(owner=physician, first_step=STEP_CODES[0])


def _complete(draft, *codes):
    answers = {k: v for code in codes for k, v in VALID[code].items()}
    return services.draft_save_answers(draft=draft, answers=answers, current_step=codes[-1], complete=codes)


def test_only_the_first_incomplete_step_or_a_complete_one_opens(draft):
    assert [c for c in STEP_CODES if flow.can_open(draft, c)] == [STEP_CODES[0]]
    draft = _complete(draft, STEP_CODES[0])
    assert [c for c in STEP_CODES if flow.can_open(draft, c)] == list(STEP_CODES[:2])


def test_a_valid_step_leads_to_the_next_and_the_last_to_the_review(draft):
    outcome = services.draft_submit_step(draft=draft, step=STEP_CODES[0], raw=VALID[STEP_CODES[0]], action="next")
    assert (outcome.errors, outcome.go_to) == ({}, STEP_CODES[1])
    assert STEP_CODES[0] in outcome.draft.completed_steps
    draft = _complete(outcome.draft, *STEP_CODES[:-1])
    last = services.draft_submit_step(draft=draft, step=STEP_CODES[-1], raw=VALID[STEP_CODES[-1]], action="next")
    assert last.go_to == flow.REVIEW


def test_a_step_with_errors_is_kept_as_typed_and_stays_incomplete(draft):
    outcome = services.draft_submit_step(
        draft=draft, step="patient", raw={**VALID["patient"], "age_years": "fifty"}, action="next"
    )
    assert "age_years" in outcome.errors and outcome.go_to == "patient"
    assert outcome.draft.answers["age_years"] == "fifty"
    assert "patient" not in outcome.draft.completed_steps


def test_back_saves_without_checking(draft):
    draft = _complete(draft, STEP_CODES[0])
    outcome = services.draft_submit_step(draft=draft, step=STEP_CODES[1], raw={"spo2_percent": "150"}, action="back")
    assert (outcome.errors, outcome.go_to) == ({}, STEP_CODES[0])
    assert outcome.draft.answers["spo2_percent"] == "150"


def test_see_the_plan_finishes_the_draft_once_the_deciding_steps_are_saved(draft):
    last_required = max(REQUIRED_STEP_CODES, key=STEP_CODES.index)
    before = STEP_CODES[: STEP_CODES.index(last_required)]
    draft = _complete(draft, *before)
    outcome = services.draft_submit_step(draft=draft, step=last_required, raw=VALID[last_required], action=flow.PLAN)
    assert outcome.go_to == flow.PLAN and outcome.draft.finished


def test_see_the_plan_before_the_deciding_steps_are_saved_goes_on_to_the_next_step(physician):
    first_two = _complete(services.draft_create(owner=physician, first_step="patient"), STEP_CODES[0])
    assert not set(REQUIRED_STEP_CODES) <= set(STEP_CODES[:2])
    early = services.draft_submit_step(draft=first_two, step=STEP_CODES[1], raw=VALID[STEP_CODES[1]], action=flow.PLAN)
    assert early.go_to == STEP_CODES[2] and not early.draft.finished


def test_editing_from_the_review_returns_to_it(draft):
    draft = _complete(draft, *STEP_CODES)
    assert flow.following_step(draft, STEP_CODES[0], return_to=flow.REVIEW) == flow.REVIEW
    assert flow.following_step(draft, STEP_CODES[0]) == STEP_CODES[1]


def test_an_assessment_resumes_where_it_was_left(draft):
    assert flow.resume_step(draft) == STEP_CODES[0]
    draft = _complete(draft, *STEP_CODES[:2])
    assert flow.resume_step(draft) == STEP_CODES[1]  # the step last worked on, still open
    assert flow.resume_step(_complete(draft, *STEP_CODES)) == flow.REVIEW
