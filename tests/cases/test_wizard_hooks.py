"""The small wizard hooks the saved cases use: answers from a saved intake, a stored plan arranged
for the plan partials, and the plan page's save form."""

from __future__ import annotations

import pytest

from dahguide.engine.intake import parse_intake
from dahguide.wizard import forms as wizard_forms
from dahguide.wizard import plan_display

from .conftest import INTAKE, saved_plan

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("intake", [
    INTAKE,
    {**INTAKE, "steroid_toxicity_factors": [], "creatinine_value": 300, "creatinine_unit": "umol/L"},
    {**INTAKE, "steroid_toxicity_factors": ["diabetes", "frailty"], "active_dah": False, "spo2_percent": 91.5},
    {},
])
def test_answers_from_inputs_give_the_same_intake_back(intake):
    original = parse_intake(intake).intake
    answers = wizard_forms.answers_from_inputs(original.to_dict())
    assert wizard_forms.parse_answers(answers).intake == original


def test_unknown_inputs_stay_unanswered():
    answers = wizard_forms.answers_from_inputs(parse_intake({"etiology": "gpa"}).intake.to_dict())
    assert "egfr" not in answers
    assert answers["etiology"] == "gpa"


def test_arranging_a_stored_plan_lists_missing_answers_without_links(published_guideline):
    doc = saved_plan({**INTAKE, "spo2_percent": None, "oxygen_support": None}).doc
    plan = plan_display.arrange(doc, title="Stored")
    assert plan["missing"]
    assert all(m["url"] == "" for m in plan["missing"])
    assert plan["guideline"]["title"] == "Stored"
