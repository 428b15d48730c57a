"""A saved revision arranged for the wizard's plan partials: exactly the stored document, never re-evaluated."""

from __future__ import annotations

import copy
from typing import Any

from dahguide.cases.models import DUE_CODES, CaseRevision
from dahguide.cases.selectors import ChecklistState
from dahguide.engine.intake import STEPS
from dahguide.wizard import forms as wizard_forms
from dahguide.wizard import plan_display

CHECKLIST_SECTION_TEMPLATE = "cases/_checklist_section.html"


def saved_plan(revision: CaseRevision, *, checklist: ChecklistState | None = None) -> dict[str, Any]:
    """The plan as decided. With ``checklist``, the monitoring section becomes the case's checklist."""
    plan = plan_display.arrange(copy.deepcopy(revision.plan), title=revision.guideline_title)
    if checklist is not None:
        for section in plan["sections"]:
            if section["code"] == "monitoring":
                section["template"] = CHECKLIST_SECTION_TEMPLATE
        for item in plan["monitoring"]:
            item["due"] = item["code"] in DUE_CODES
            item["state"] = checklist.latest.get(item["code"])
    return plan


def answer_groups(inputs: dict[str, Any]) -> list[dict[str, Any]]:
    """The answers behind a saved plan, grouped by step as on the wizard's review page."""
    answers = wizard_forms.answers_from_inputs(inputs)
    return [
        {
            "step": {"code": step.code, "title": step.title, "number": number},
            "rows": wizard_forms.answer_rows(step, answers),
        }
        for number, step in enumerate(STEPS, start=1)
    ]
