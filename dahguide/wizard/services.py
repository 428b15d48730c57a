"""State changes of draft assessments. Keyword-only arguments, one transaction each."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import transaction

from dahguide.wizard import flow
from dahguide.wizard.answers import STEPS_BY_CODE, step_errors
from dahguide.wizard.models import DraftAssessment


# One write each: inside a caller's transaction no savepoint of their own is needed.
@transaction.atomic(savepoint=False)
def draft_create(
    *, owner, first_step: str, guideline_version: int | None = None, sources: Mapping[str, dict[str, str]] | None = None
) -> DraftAssessment:
    """A new draft; ``sources`` records the answers prefilled from the EHR (DraftAssessment.sources)."""
    draft = DraftAssessment(
        owner=owner, current_step=first_step, guideline_version=guideline_version, sources=dict(sources or {})
    )
    # The owner is the logged-in user and the id a fresh UUID: skip their existence queries.
    draft.full_clean(exclude=["owner", "id"])
    draft.save(force_insert=True)
    return draft


@transaction.atomic(savepoint=False)
def draft_save_answers(
    *,
    draft: DraftAssessment,
    answers: Mapping[str, object],
    current_step: str,
    complete: Iterable[str] = (),
    incomplete: Iterable[str] = (),
) -> DraftAssessment:
    """Merge raw answers into the draft (only the given keys change) and record progress.

    Any change reopens a finished draft. The merge is onto the row read at the start of the
    request: two tabs on *different* drafts never meet; two tabs saving the *same* draft in the
    same instant keep the later save.
    """
    draft.answers = {**draft.answers, **answers}
    done = [s for s in draft.completed_steps if s not in set(incomplete)]
    done.extend(s for s in complete if s not in done)
    draft.completed_steps = done
    draft.current_step = current_step
    draft.finished = False
    draft.full_clean(exclude=["owner"])  # the owner never changes here; skip its existence query
    draft.save(update_fields=["answers", "completed_steps", "current_step", "finished", "updated_at"])
    return draft


@transaction.atomic(savepoint=False)
def draft_finish(*, draft: DraftAssessment) -> DraftAssessment:
    draft.finished = True
    draft.full_clean(exclude=["owner"])
    draft.save(update_fields=["finished", "updated_at"])
    return draft


@dataclass(frozen=True)
class StepOutcome:
    """What saving a step led to: the draft as saved, the step's errors (then ``go_to`` is the
    step itself), and where to go (a step code, ``flow.REVIEW`` or ``flow.PLAN``)."""

    draft: DraftAssessment
    errors: Mapping[str, list[str]]
    go_to: str


def draft_submit_step(
    *, draft: DraftAssessment, step: str, raw: Mapping[str, object], action: str, return_to: str = ""
) -> StepOutcome:
    """Save what the physician typed on ``step`` and decide where they go next.

    Every answer is kept, invalid text included (Back and a refresh lose nothing); a step with
    errors stays incomplete and is shown again. Back saves without checking. "See the plan now"
    (``flow.PLAN``) finishes the draft once the steps that decide plasma exchange are saved.
    """
    errors = step_errors(STEPS_BY_CODE[step], {**draft.answers, **raw})
    previous = flow.previous_step(step)
    if action == flow.BACK and previous is not None:
        draft = draft_save_answers(draft=draft, answers=raw, current_step=previous, incomplete=[step] if errors else [])
        return StepOutcome(draft, {}, previous)
    if errors:
        draft = draft_save_answers(draft=draft, answers=raw, current_step=step, incomplete=[step])
        return StepOutcome(draft, errors, step)
    if action == flow.PLAN and flow.required_done(draft, also=step):
        draft = draft_save_answers(draft=draft, answers=raw, current_step=step, complete=[step])
        draft_finish(draft=draft)
        return StepOutcome(draft, {}, flow.PLAN)
    following = flow.following_step(draft, step, return_to)
    draft = draft_save_answers(draft=draft, answers=raw, current_step=following, complete=[step])
    return StepOutcome(draft, {}, following)
