"""The small wizard hooks the saved cases use: answers from a saved intake, and the plan page's save
form, offered through the wizard's plan-panel registry (the wizard never loads the cases' tags)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dahguide.cases.views import save_case_panel
from dahguide.engine.intake import parse_intake
from dahguide.wizard import extensions
from dahguide.wizard.answers import answers_from_inputs, parse_answers

from .conftest import INTAKE

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "intake",
    [
        INTAKE,
        {**INTAKE, "steroid_toxicity_factors": [], "creatinine_value": 300, "creatinine_unit": "umol/L"},
        {**INTAKE, "steroid_toxicity_factors": ["diabetes", "frailty"], "active_dah": False, "spo2_percent": 91.5},
        {},
    ],
)
def test_answers_from_inputs_give_the_same_intake_back(intake):
    original = parse_intake(intake).intake
    answers = answers_from_inputs(original.to_dict())
    assert parse_answers(answers).intake == original


def test_unknown_inputs_stay_unanswered():
    answers = answers_from_inputs(parse_intake({"etiology": "gpa"}).intake.to_dict())
    assert "egfr" not in answers
    assert answers["etiology"] == "gpa"


def test_the_save_form_is_a_plan_panel_of_the_wizard():
    assert save_case_panel in extensions._PLAN_PANELS


def test_wizard_and_plan_templates_load_no_tags_of_the_cases_app():
    for folder in ("wizard", "plans"):
        for template in (TEMPLATES / folder).rglob("*.html"):
            assert "case_tags" not in template.read_text(encoding="utf-8"), template
