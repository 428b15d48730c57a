"""A saved revision shown as decided: exactly the stored plan document, never re-evaluated."""

from __future__ import annotations

from typing import Any

from dahguide.cases.models import DUE_CODES, CaseRevision
from dahguide.cases.selectors import ChecklistState
from dahguide.engine.intake import STEPS
from dahguide.plans.display import PlanView, plan_view
from dahguide.wizard.answers import answers_from_inputs
from dahguide.wizard.display import answer_rows

CHECKLIST_TEMPLATE = "cases/_checklist_section.html"


def saved_plan(revision: CaseRevision, *, checklist: ChecklistState | None = None) -> PlanView:
    """The plan as decided. With ``checklist``, the monitoring items carry the case's checklist state."""
    if checklist is None:
        return plan_view(revision.plan, title=revision.guideline_title)
    return plan_view(revision.plan, title=revision.guideline_title, checklist=checklist.latest, due=DUE_CODES)


def answer_groups(inputs: dict[str, Any]) -> list[dict[str, Any]]:
    """The answers behind a saved plan, grouped by step as on the wizard's review page."""
    answers = answers_from_inputs(inputs)
    return [
        {
            "step": {"code": step.code, "title": step.title, "number": number},
            "rows": answer_rows(step, answers),
        }
        for number, step in enumerate(STEPS, start=1)
    ]
