"""The engine's one entry point: an intake's errors, or its plan as the contract's document."""

from __future__ import annotations

import pytest

from dahguide.engine.evaluation import evaluate_intake, evaluate_parsed
from dahguide.engine.intake import parse_intake
from dahguide.engine.plan import evaluate
from tests.engine.golden_cases import NEGATIVE


def test_an_intake_without_errors_has_the_plan_that_evaluate_makes(snapshot):
    evaluation = evaluate_intake(NEGATIVE, snapshot)
    assert evaluation.errors == {}
    assert evaluation.document == evaluate(parse_intake(NEGATIVE), snapshot).to_dict()


def test_an_intake_with_errors_has_its_messages_and_no_plan(snapshot):
    evaluation = evaluate_intake({**NEGATIVE, "age_years": "fifty"}, snapshot)
    assert "age_years" in evaluation.errors
    assert evaluation.plan is None
    with pytest.raises(ValueError, match="an intake with errors has no plan"):
        _ = evaluation.document


def test_implausible_values_follow_the_chosen_rule(snapshot):
    implausible = {**NEGATIVE, "creatinine_value": 300, "creatinine_unit": "mg/dL"}
    assert "creatinine_value" in evaluate_intake(implausible, snapshot, implausible="error").errors
    lenient = evaluate_intake(implausible, snapshot)
    assert lenient.errors == {}
    assert lenient.intake.data_quality  # the value became unknown, with a data-quality warning
    assert lenient.document == evaluate(parse_intake(implausible, implausible="unknown"), snapshot).to_dict()


def test_a_parsed_intake_gives_the_same_evaluation(snapshot):
    parsed = evaluate_parsed(parse_intake(NEGATIVE), snapshot)
    assert parsed.document == evaluate_intake(NEGATIVE, snapshot).document
