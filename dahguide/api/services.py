"""State changes made through the API app. Keyword-only arguments, one transaction each."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction

from dahguide.wizard import services as wizard_services
from dahguide.wizard.answers import STEP_CODES
from dahguide.wizard.models import DraftAssessment


@transaction.atomic
def draft_create_from_ehr(
    *, owner, answers: Mapping[str, str], guideline_version: int | None, sources: Mapping[str, str], read_at: str = ""
) -> DraftAssessment:
    """A wizard draft prefilled with what the EHR sent. No step is marked complete: the physician
    walks through every step and confirms (or corrects) each prefilled answer. ``sources`` says
    where each answer came from ("Serum creatinine 3.9 mg/dL, 03:12 (Observation/…)"), kept with
    the draft so its review and plan can mark each answer "from the EHR" or "entered"."""
    recorded = {
        name: {"value": value, "source": sources.get(name, ""), "read_at": read_at} for name, value in answers.items()
    }
    draft = wizard_services.draft_create(
        owner=owner, first_step=STEP_CODES[0], guideline_version=guideline_version, sources=recorded
    )
    return wizard_services.draft_save_answers(draft=draft, answers=dict(answers), current_step=STEP_CODES[0])
