"""The wizard's step order: which step is open, which comes next, when the plan can be seen.

Pure functions of a draft (no request, no database): the views and ``services.draft_submit_step``
decide with them, so the order lives in one place. Steps are answered in order and none can be
skipped; the steps that decide plasma exchange (``answers.REQUIRED_STEP_CODES``) unlock the plan.
"""

from __future__ import annotations

from dahguide.wizard.answers import REQUIRED_STEP_CODES, STEP_CODES, STEPS_BY_CODE
from dahguide.wizard.models import DraftAssessment

REVIEW = "review"  # the review page, after the last step
PLAN = "plan"  # the plan page ("See the plan now" once the required steps are saved)
BACK = "back"  # the step form's Back button
RETURN_TARGETS = frozenset({REVIEW})  # where "Edit" from a page other than the step returns


def first_incomplete(draft: DraftAssessment) -> str | None:
    return next((code for code in STEP_CODES if code not in draft.completed_steps), None)


def required_done(draft: DraftAssessment, also: str = "") -> bool:
    """The steps that decide plasma exchange are saved (``also``: counting a step being saved now)."""
    done = {*draft.completed_steps, also}
    return all(code in done for code in REQUIRED_STEP_CODES)


def can_open(draft: DraftAssessment, code: str) -> bool:
    """A step is open when it is complete or the first incomplete one: nothing can be skipped."""
    return code in draft.completed_steps or code == first_incomplete(draft)


def previous_step(code: str) -> str | None:
    index = STEP_CODES.index(code)
    return STEP_CODES[index - 1] if index > 0 else None


def following_step(draft: DraftAssessment, code: str, return_to: str = "") -> str:
    """Where saving step ``code`` leads: the next step, or the review after the last one (or when
    the physician came from the review to edit and every step is answered)."""
    index = STEP_CODES.index(code)
    following = STEP_CODES[index + 1] if index + 1 < len(STEP_CODES) else REVIEW
    if return_to == REVIEW and {*draft.completed_steps, code}.issuperset(STEP_CODES):
        return REVIEW
    return following


def resume_step(draft: DraftAssessment) -> str:
    """Where an assessment resumes: the step last worked on if still open, else the first
    incomplete one, or the review when every step is done (or it was finished)."""
    first = first_incomplete(draft)
    if first is None or (draft.finished and required_done(draft)):
        return REVIEW
    current = draft.current_step
    return current if current in STEPS_BY_CODE and can_open(draft, current) else first
