"""The optional fields of REFERENCE §8.3–8.4: sex, anticoagulant and fibrinogen (CONTRACT.md)."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from dahguide.engine.intake import FIELDS, STEPS, Intake, parse_intake
from dahguide.engine.vocabulary import ANTICOAGULANTS, SEXES


def parsed(data: dict[str, Any]) -> Intake:
    result = parse_intake(data)
    assert result.errors == {}
    assert result.intake is not None
    return result.intake


def errors(data: dict[str, Any]) -> dict[str, list[str]]:
    result = parse_intake(data)
    assert result.intake is None
    return dict(result.errors)


def _step(code: str) -> tuple[str, ...]:
    return next(s.fields for s in STEPS if s.code == code)


def test_sex_is_asked_in_step_1_right_after_age() -> None:
    fields = _step("patient")
    assert fields[fields.index("age_years") + 1] == "sex"


def test_inr_anticoagulant_and_fibrinogen_are_asked_together_in_step_4() -> None:
    fields = _step("haematology")
    start = fields.index("inr")
    assert fields[start : start + 3] == ("inr", "anticoagulant", "fibrinogen_g_per_l")


def test_sex_choices_are_the_vocabulary() -> None:
    assert tuple(v for v, _ in FIELDS["sex"].choices) == SEXES


def test_anticoagulant_choices_are_the_vocabulary() -> None:
    assert tuple(v for v, _ in FIELDS["anticoagulant"].choices) == ANTICOAGULANTS


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("vitamin_k_antagonist", "warfarin"),
        ("factor_xa_inhibitor", "apixaban, rivaroxaban or edoxaban"),
        ("lmwh", "low-molecular-weight heparin"),
        ("antiplatelet", "aspirin"),
    ],
)
def test_anticoagulant_choices_read_as_drugs_a_clinician_knows(value: str, words: str) -> None:
    assert words in FIELDS["anticoagulant"].choice_label(value)


def test_anticoagulant_help_says_it_decides_the_reversal() -> None:
    assert "reversal" in FIELDS["anticoagulant"].help_text


def test_fibrinogen_help_gives_the_replacement_threshold() -> None:
    help_text = FIELDS["fibrinogen_g_per_l"].help_text
    assert "< 1.5 g/L" in help_text and "prompts replacement" in help_text


def test_sex_help_says_it_is_for_predicted_body_weight() -> None:
    assert "predicted body weight" in FIELDS["sex"].help_text


@pytest.mark.parametrize("name", ["weight_kg", "height_cm", "egfr"])
def test_dose_inputs_say_the_doses_are_display_only(name: str) -> None:
    assert "display only; confirm before prescribing" in FIELDS[name].help_text


def test_new_fields_are_unknown_when_absent() -> None:
    intake = parsed({})
    assert (intake.sex, intake.anticoagulant, intake.fibrinogen_g_per_l) == (None, None, None)


@pytest.mark.parametrize("unknown", [None, "", "unknown"])
def test_unknown_anticoagulant_is_not_none(unknown: Any) -> None:
    assert parsed({"anticoagulant": unknown}).anticoagulant is None


def test_anticoagulant_none_is_kept_as_a_known_answer() -> None:
    assert parsed({"anticoagulant": "none"}).anticoagulant == "none"


@pytest.mark.parametrize("sex", SEXES)
def test_sex_is_parsed(sex: str) -> None:
    assert parsed({"sex": sex.upper()}).sex == sex


@pytest.mark.parametrize("raw", ["other", "f", True])
def test_sex_outside_the_vocabulary_is_refused(raw: Any) -> None:
    assert errors({"sex": raw})["sex"][0].startswith("Sex: ")


def test_unknown_anticoagulant_choice_is_refused_with_the_answers() -> None:
    message = errors({"anticoagulant": "warfarin"})["anticoagulant"][0]
    assert "'warfarin' is not one of the answers" in message
    assert "vitamin_k_antagonist" in message


def test_fibrinogen_is_an_exact_number_in_g_per_l() -> None:
    assert parsed({"fibrinogen_g_per_l": "1.45"}).fibrinogen_g_per_l == D("1.45")


@pytest.mark.parametrize("raw", ["-0.1", "20.1", "150"])
def test_fibrinogen_outside_0_to_20_is_refused(raw: str) -> None:
    assert errors({"fibrinogen_g_per_l": raw})["fibrinogen_g_per_l"] == [
        f"Fibrinogen must be from 0 to 20 g/L; {raw} is outside that range."
    ]


def test_new_fields_round_trip_through_the_plan_inputs() -> None:
    data = {"sex": "female", "anticoagulant": "factor_xa_inhibitor", "fibrinogen_g_per_l": 1.2}
    inputs = parsed(data).to_dict()
    assert {k: inputs[k] for k in data} == data
    assert parsed(inputs) == parsed(data)
