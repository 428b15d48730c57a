"""State changes made through the API app. Keyword-only arguments, one transaction each."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction

from dahguide.wizard import services as wizard_services
from dahguide.wizard.forms import STEP_CODES
from dahguide.wizard.models import DraftAssessment


@transaction.atomic
def draft_create_from_ehr(*, owner, answers: Mapping[str, str], guideline_version: str) -> DraftAssessment:
    """A wizard draft prefilled with what the EHR sent. No step is marked complete: the physician
    walks through every step and confirms (or corrects) each prefilled answer."""
    draft = wizard_services.draft_create(owner=owner, first_step=STEP_CODES[0], guideline_version=guideline_version)
    return wizard_services.draft_save_answers(draft=draft, answers=dict(answers), current_step=STEP_CODES[0])
