from __future__ import annotations

import json
import re
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest

from dahguide.engine.intake import FIELDS, INPUT_NAMES, STEPS, DataQualityIssue, Intake, parse_intake

REPO = Path(__file__).resolve().parents[2]
CONTRACT = next(
    (p for p in (REPO / "docs" / "contract.md", REPO.parent / "shared" / "clinical" / "CONTRACT.md") if p.exists()),
    REPO / "docs" / "contract.md",
)


def parsed(data: dict[str, Any], implausible: str = "unknown") -> Intake:
    result = parse_intake(data, implausible=implausible)  # type: ignore[arg-type]
    assert result.errors == {}
    assert result.intake is not None
    return result.intake


def errors(data: Any, implausible: str = "unknown") -> dict[str, list[str]]:
    result = parse_intake(data, implausible=implausible)  # type: ignore[arg-type]
    assert result.intake is None
    return dict(result.errors)


# -- FIELDS and STEPS ------------------------------------------------------------------------------

CONTRACT_ORDER = (
    "age_years",
    "sex",
    "weight_kg",
    "height_cm",
    "pregnancy_status",
    "fertility_preservation_desired",
    "etiology",
    "anca_type",
    "anti_gbm_positive",
    "active_dah",
    "oxygen_support",
    "spo2_percent",
    "pao2_fio2_ratio",
    "hemoptysis_rate",
    "lung_involvement_over_50_percent",
    "bleeding_controlled",
    "creatinine_value",
    "creatinine_unit",
    "on_dialysis",
    "dialysis_chronic_preexisting",
    "creatinine_rising_rapidly",
    "egfr",
    "biopsy_crescents_percent",
    "platelets_10e9_per_l",
    "inr",
    "anticoagulant",
    "fibrinogen_g_per_l",
    "infection_status",
    "steroid_toxicity_factors",
    "high_steroid_toxicity_risk",
    "refractory_to_initial_therapy",
    "prior_induction_agent",
    "months_in_complete_remission",
    "kidney_transplant_candidate",
)


def test_input_names_are_the_contract_fields_in_contract_order() -> None:
    assert INPUT_NAMES == CONTRACT_ORDER


@pytest.mark.skipif(not CONTRACT.exists(), reason="CONTRACT.md not present")
def test_every_field_of_the_contract_document_is_an_input() -> None:
    named = set(re.findall(r"^\| `([a-z0-9_]+)`", CONTRACT.read_text(), flags=re.MULTILINE))
    assert named <= set(INPUT_NAMES)


def test_steps_are_the_five_contract_steps_covering_every_field_once() -> None:
    assert [s.code for s in STEPS] == ["patient", "respiratory", "kidney", "haematology", "course"]
    assert tuple(name for step in STEPS for name in step.input_names) == INPUT_NAMES
    assert all(step.title for step in STEPS)


def test_creatinine_is_one_lab_field_with_its_unit_input() -> None:
    spec = FIELDS["creatinine_value"]
    assert spec.kind == "lab"
    assert spec.input_names == ("creatinine_value", "creatinine_unit")
    assert [value for value, _ in spec.choices] == ["mg/dL", "umol/L", "mmol/L"]
    assert set(spec.plausible) == {"mg/dL", "umol/L", "mmol/L"}


def test_every_field_has_a_label_and_a_step() -> None:
    for spec in FIELDS.values():
        assert spec.label
        assert spec.step in {s.code for s in STEPS}
        if spec.kind == "boolean":
            assert spec.yes_text and spec.no_text
        if spec.kind in {"integer", "number", "lab"}:
            assert spec.hard_range is not None


# -- Unknown -------------------------------------------------------------------------------------


@pytest.mark.parametrize("unknown", [None, "", "unknown", " Unknown "])
def test_unknown_tokens_are_unknown(unknown: Any) -> None:
    intake = parsed({"etiology": unknown, "spo2_percent": unknown, "on_dialysis": unknown})
    assert (intake.etiology, intake.spo2_percent, intake.on_dialysis) == (None, None, None)


def test_absent_fields_are_unknown_not_false() -> None:
    intake = parsed({})
    assert intake.on_dialysis is None
    assert intake.steroid_toxicity_factors is None
    assert intake.creatinine_value is None


@pytest.mark.parametrize("absent", [{}, {"active_dah": None}, {"active_dah": "unknown"}])
def test_active_dah_defaults_to_true(absent: dict[str, Any]) -> None:
    assert parsed(absent).active_dah is True


def test_active_dah_false_is_kept() -> None:
    assert parsed({"active_dah": "no"}).active_dah is False


# -- Booleans, choices, numbers ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (True, True),
        (False, False),
        ("yes", True),
        ("no", False),
        ("true", True),
        ("FALSE", False),
        (" Yes ", True),
    ],
)
def test_booleans_accept_json_and_words(raw: Any, expected: bool) -> None:
    assert parsed({"on_dialysis": raw}).on_dialysis is expected


@pytest.mark.parametrize("raw", [1, 0, "y", "maybe", [True], {"a": 1}, 1.0])
def test_boolean_refuses_anything_else(raw: Any) -> None:
    assert errors({"on_dialysis": raw})["on_dialysis"] == ["Dialysis for this episode: answer yes, no or unknown."]


def test_choice_is_normalised_to_lower_case() -> None:
    assert parsed({"etiology": " GPA "}).etiology == "gpa"


def test_unknown_choice_names_the_field_and_the_answers() -> None:
    (message,) = errors({"oxygen_support": "cpap"})["oxygen_support"]
    assert message.startswith("Oxygen support: 'cpap' is not one of the answers.")
    assert "room_air" in message and "ecmo" in message


def test_choice_of_wrong_type_is_refused() -> None:
    assert "Cause of the DAH" in errors({"etiology": ["gpa"]})["etiology"][0]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(86, D("86")), (86.5, D("86.5")), ("86.5", D("86.5")), (" 90 ", D("90")), (D("91.0"), D("91.0"))],
)
def test_numbers_accept_json_numbers_strings_and_decimals(raw: Any, expected: D) -> None:
    assert parsed({"spo2_percent": raw}).spo2_percent == expected


def test_float_is_read_as_its_shortest_decimal() -> None:
    assert parsed({"creatinine_value": 3.39, "creatinine_unit": "mg/dL"}).creatinine_value == D("3.39")


@pytest.mark.parametrize("raw", ["abc", "86%", [86], {"v": 86}, True, "1_000", "0x10"])
def test_number_of_wrong_type_is_refused_with_the_range(raw: Any) -> None:
    (message,) = errors({"spo2_percent": raw})["spo2_percent"]
    assert message.startswith("SpO₂: enter a number from 0 to 100 %")


def test_decimal_comma_is_refused_with_a_hint() -> None:
    assert "Use a dot for decimals." in errors({"inr": "1,5"})["inr"][0]


@pytest.mark.parametrize(
    "raw", [float("nan"), float("inf"), float("-inf"), "NaN", "Infinity", "-inf", "sNaN", D("NaN")]
)
def test_nan_and_infinity_are_refused(raw: Any) -> None:
    assert "inr" in errors({"inr": raw})


@pytest.mark.parametrize(
    ("field", "raw", "text"),
    [
        ("age_years", 121, "Age must be from 0 to 120 years"),
        ("age_years", -1, "Age must be from 0 to 120 years"),
        ("spo2_percent", 101, "SpO₂ must be from 0 to 100 %"),
        ("pao2_fio2_ratio", 0.5, "PaO₂/FiO₂ ratio must be from 1 to 800 mmHg"),
        ("egfr", 0, "eGFR must be from 1 to 200"),
        ("inr", 30, "INR must be from 0.5 to 25"),
        ("months_in_complete_remission", 601, "from 0 to 600 months"),
        ("weight_kg", 0, "from 1 to 400 kg"),
        ("height_cm", 300, "from 45 to 250 cm"),
        ("biopsy_crescents_percent", 120, "Enter a percentage"),
    ],
)
def test_value_outside_the_hard_range_is_refused_with_the_range(field: str, raw: Any, text: str) -> None:
    assert text in errors({field: raw})[field][0]


def test_platelets_per_microlitre_beyond_the_hard_range_explain_the_unit() -> None:
    (message,) = errors({"platelets_10e9_per_l": 50000})["platelets_10e9_per_l"]
    assert "50,000/µL is 50 ×10⁹/L" in message


def test_integer_field_refuses_a_fraction_but_accepts_a_whole_decimal() -> None:
    assert errors({"age_years": 40.5})["age_years"] == ["Age: enter a whole number of years."]
    assert parsed({"age_years": "40.0"}).age_years == 40


def test_unknown_field_name_is_an_error_naming_it() -> None:
    assert errors({"spo2": 90}) == {"spo2": ["'spo2' is not a field of the DAH intake."]}


def test_every_error_is_collected_not_only_the_first() -> None:
    assert set(errors({"age_years": "old", "etiology": "lupus", "on_dialysis": "perhaps"})) == {
        "age_years",
        "etiology",
        "on_dialysis",
    }


def test_data_that_is_not_an_object_is_refused() -> None:
    assert set(errors(["age_years", 40])) == {"__all__"}


def test_implausible_must_be_error_or_unknown() -> None:
    with pytest.raises(ValueError):
        parse_intake({}, implausible="ignore")  # type: ignore[arg-type]


# -- Creatinine: value and unit ------------------------------------------------------------------


def test_creatinine_keeps_value_and_unit() -> None:
    intake = parsed({"creatinine_value": "300", "creatinine_unit": "µmol/L"})
    assert (intake.creatinine_value, intake.creatinine_unit) == (D("300"), "umol/L")


def test_creatinine_value_without_unit_is_an_error_on_the_unit() -> None:
    assert errors({"creatinine_value": 300}) == {
        "creatinine_unit": ["Creatinine unit: choose the unit of the creatinine value 300."]
    }


def test_unrecognised_creatinine_unit_is_an_error_on_the_unit() -> None:
    assert "creatinine_unit" in errors({"creatinine_value": 3, "creatinine_unit": "mg%"})


def test_creatinine_unit_without_value_is_unknown_creatinine() -> None:
    intake = parsed({"creatinine_unit": "mg/dL"})
    assert (intake.creatinine_value, intake.creatinine_unit) == (None, None)


def test_negative_creatinine_is_refused() -> None:
    assert (
        "Serum creatinine must be from 0 to 100000"
        in errors({"creatinine_value": -1, "creatinine_unit": "mg/dL"})["creatinine_value"][0]
    )


# -- Implausible-for-unit values (CONTRACT) ------------------------------------------------------


def test_implausible_creatinine_in_wizard_mode_names_the_likely_unit() -> None:
    (message,) = errors({"creatinine_value": 300, "creatinine_unit": "mg/dL"}, "error")["creatinine_value"]
    assert message == (
        "Creatinine 300 mg/dL is outside the plausible range for mg/dL (0.1–30 mg/dL). "
        "It looks like µmol/L: check the unit."
    )


def test_implausible_creatinine_in_api_mode_becomes_unknown_with_a_data_quality_issue() -> None:
    result = parse_intake({"creatinine_value": 300, "creatinine_unit": "mg/dL"}, implausible="unknown")
    assert result.intake is not None
    assert result.intake.creatinine_value is None
    (issue,) = result.data_quality
    assert (issue.code, issue.field) == ("creatinine_unit_implausible", "creatinine_value")
    assert "looks like µmol/L" in issue.detail and "treated as unknown" in issue.detail


def test_ambiguous_implausible_creatinine_names_every_likely_unit() -> None:
    (message,) = errors({"creatinine_value": 0.3, "creatinine_unit": "umol/L"}, "error")["creatinine_value"]
    assert "It looks like mg/dL or mmol/L" in message


@pytest.mark.parametrize(
    ("field", "raw", "code", "text"),
    [
        ("spo2_percent", 0.86, "spo2_implausible", "looks like a fraction"),
        ("pao2_fio2_ratio", 3, "pao2_fio2_ratio_implausible", "FiO₂ was a percentage"),
        ("pao2_fio2_ratio", 750, "pao2_fio2_ratio_implausible", "plausible range 20–700 mmHg"),
        ("platelets_10e9_per_l", 3000, "platelets_unit_implausible", "3000/µL is 3 ×10⁹/L"),
    ],
)
def test_implausible_values_are_errors_or_unknown_by_mode(field: str, raw: Any, code: str, text: str) -> None:
    assert text in errors({field: raw}, "error")[field][0]
    result = parse_intake({field: raw}, implausible="unknown")
    assert getattr(result.intake, field) is None
    assert result.data_quality == (DataQualityIssue(code, field, result.data_quality[0].detail),)
    assert text in result.data_quality[0].detail


@pytest.mark.parametrize("implausible", ["error", "unknown"])
def test_spo2_below_the_plausible_range_is_kept_as_hypoxaemia_with_a_warning(implausible: str) -> None:
    result = parse_intake({"spo2_percent": 40}, implausible=implausible)  # type: ignore[arg-type]
    assert result.intake is not None and result.intake.spo2_percent == 40
    assert [issue.code for issue in result.data_quality] == ["spo2_below_plausible"]
    assert "plausible range 50–100 %" in result.data_quality[0].detail


def test_plausible_boundaries_are_accepted() -> None:
    intake = parsed({"spo2_percent": 50, "pao2_fio2_ratio": 700, "platelets_10e9_per_l": 2000}, "error")
    assert (intake.spo2_percent, intake.pao2_fio2_ratio, intake.platelets_10e9_per_l) == (50, 700, 2000)


# -- Steroid-toxicity checklist ------------------------------------------------------------------


def test_steroid_factors_are_deduplicated_in_canonical_order() -> None:
    intake = parsed({"steroid_toxicity_factors": ["frailty", "Diabetes", "frailty"]})
    assert intake.steroid_toxicity_factors == ("diabetes", "frailty")


def test_empty_steroid_checklist_is_kept_apart_from_unknown() -> None:
    assert parsed({"steroid_toxicity_factors": []}).steroid_toxicity_factors == ()
    assert parsed({"steroid_toxicity_factors": None}).steroid_toxicity_factors is None


def test_single_steroid_factor_as_text_is_accepted() -> None:
    assert parsed({"steroid_toxicity_factors": "obesity"}).steroid_toxicity_factors == ("obesity",)


@pytest.mark.parametrize("raw", [["smoking"], [1], 5, {"diabetes": True}, [["diabetes"]]])
def test_unknown_steroid_factor_is_refused(raw: Any) -> None:
    assert "Steroid-toxicity risk factors" in errors({"steroid_toxicity_factors": raw})["steroid_toxicity_factors"][0]


def test_high_steroid_toxicity_risk_given_directly_is_kept() -> None:
    assert parsed({"high_steroid_toxicity_risk": "yes"}).high_steroid_toxicity_risk is True


# -- Hostile input never raises --------------------------------------------------------------------

HOSTILE: list[Any] = [
    None,
    True,
    0,
    -1,
    10**400,
    -(10**5000),
    1e308,
    float("nan"),
    "",
    " ",
    "x" * 100_000,
    "٣",
    "🩸",
    "\x00",
    "1e999999999",
    "-0",
    [],
    [None],
    {},
    {"nested": {"deeper": [1, 2, {"x": None}]}},
    ["diabetes", {"a": 1}],
    D("1e-999999"),
    D("-sNaN"),
    b"bytes",
    object(),
]


@pytest.mark.parametrize("name", INPUT_NAMES)
def test_no_hostile_value_makes_the_parser_raise(name: str) -> None:
    for value in HOSTILE:
        for mode in ("error", "unknown"):
            result = parse_intake({name: value}, implausible=mode)  # type: ignore[arg-type]
            assert (result.intake is None) == bool(result.errors)
            for messages in result.errors.values():
                assert all(len(m) < 400 for m in messages)  # nothing huge is echoed back


@pytest.mark.parametrize("data", [None, 42, "text", [1, 2], {1: "a", None: "b"}, {"x" * 10_000: 1}])
def test_hostile_documents_never_raise(data: Any) -> None:
    result = parse_intake(data)
    assert result.intake is None
    assert all(len(key) <= 80 for key in result.errors)


def test_unicode_digits_are_not_rejected_as_crashes() -> None:
    # Decimal reads Unicode digits; the value is then checked like any other.
    assert parsed({"age_years": "٤٠"}).age_years == 40


# -- Text nobody types: lone surrogates, controls, bidi overrides ----------------------------------

UNSHOWABLE = ["\ud800", "\udfff", "\x00", "\x1b", "\x7f", "\u202e", "\u200b", "\ufeff", "\U000e0001", "\uf8ff"]


def _encodable(errors_: dict[str, list[str]]) -> bool:
    return all(text.encode("utf-8") for key, messages in errors_.items() for text in (key, *messages))


def test_lone_surrogate_answer_is_refused_naming_the_field_and_shown_escaped() -> None:
    assert errors({"etiology": "\ud800"}) == {
        "etiology": ["Cause of the DAH: remove the control or invalid character (\\ud800) from the answer."],
    }


def test_lone_surrogate_field_name_is_refused_shown_escaped() -> None:
    assert errors({"\ud800": 1}) == {"\\ud800": ["'\\ud800' is not a field of the DAH intake."]}


def test_lone_surrogate_in_a_list_is_refused_naming_the_field() -> None:
    assert errors({"steroid_toxicity_factors": ["diabetes", "\udc00"]}) == {
        "steroid_toxicity_factors": [
            "Steroid-toxicity risk factors: remove the control or invalid character (\\udc00) from the answer."
        ],
    }


@pytest.mark.parametrize(
    ("answer", "escape"),
    [
        ({"etiology": "gpa\x00"}, "\\u0000"),
        ({"sex": "\u202efemale"}, "\\u202e"),
        ({"on_dialysis": "yes\u200b"}, "\\u200b"),
        ({"age_years": "4\x000"}, "\\u0000"),
        ({"inr": "1.5\x1b"}, "\\u001b"),
        ({"creatinine_value": "1.2\x00", "creatinine_unit": "mg/dL"}, "\\u0000"),
    ],
)
def test_control_character_inside_an_answer_is_refused_not_cleaned(answer: dict[str, Any], escape: str) -> None:
    name = next(iter(answer))
    assert errors(answer) == {
        name: [f"{FIELDS[name].label}: remove the control or invalid character ({escape}) from the answer."],
    }


def test_control_character_in_the_creatinine_unit_is_refused_on_the_unit() -> None:
    assert errors({"creatinine_value": 1.2, "creatinine_unit": "mg/dL\x00"}) == {
        "creatinine_unit": ["Creatinine unit: remove the control or invalid character (\\u0000) from the answer."],
    }


def test_whitespace_around_an_answer_is_still_trimmed() -> None:
    intake = parsed({"etiology": "\tgpa\n", "age_years": "\r\n54 ", "on_dialysis": " no\u2028"})
    assert (intake.etiology, intake.age_years, intake.on_dialysis) == ("gpa", 54, False)


def test_message_names_at_most_three_unshowable_characters() -> None:
    message = errors({"etiology": "\x01\x02\x03\x04gpa"})["etiology"][0]
    assert "(\\u0001, \\u0002, \\u0003, …)" in message


def test_long_unknown_field_name_of_escapes_stays_within_80_characters() -> None:
    (key,) = errors({"\ud800" * 50: 1})
    assert len(key) <= 80
    assert key.endswith("…")


@pytest.mark.parametrize("name", INPUT_NAMES)
@pytest.mark.parametrize("text", UNSHOWABLE)
def test_unshowable_text_anywhere_gives_messages_that_encode_and_show_it_escaped(name: str, text: str) -> None:
    for data in ({name: text}, {name: f"a{text}b"}, {name: [text]}, {f"{name}{text}": 1}):
        found = errors(data)
        assert _encodable(found)
        assert not any(text in message for key, messages in found.items() for message in (key, *messages))


# -- Normalised JSON -------------------------------------------------------------------------------


def test_to_dict_has_every_field_with_units_explicit() -> None:
    document = parsed(
        {
            "creatinine_value": "300",
            "creatinine_unit": "umol/l",
            "spo2_percent": "86.5",
            "steroid_toxicity_factors": ["frailty"],
        }
    ).to_dict()
    assert tuple(document) == INPUT_NAMES
    assert document["creatinine_value"] == 300
    assert document["creatinine_unit"] == "umol/L"
    assert document["spo2_percent"] == 86.5
    assert document["steroid_toxicity_factors"] == ["frailty"]
    assert document["active_dah"] is True
    json.dumps(document, allow_nan=False)


def test_to_dict_parses_back_to_the_same_intake() -> None:
    intake = parsed(
        {
            "age_years": 70,
            "etiology": "gpa",
            "creatinine_value": 3.41,
            "creatinine_unit": "mg/dL",
            "on_dialysis": False,
            "steroid_toxicity_factors": [],
            "inr": "1.20",
        }
    )
    assert parsed(intake.to_dict()) == intake
