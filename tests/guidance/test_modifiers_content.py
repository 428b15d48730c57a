"""Stances and doses as content: import, compile, validation and the publication rule."""

from __future__ import annotations

import copy

import pytest
from django.core.exceptions import ValidationError

from dahguide.guidance import labels
from dahguide.guidance.documents import (
    DOCUMENT_KEYS,
    canonical_document,
    content_hash,
    guideline_compile,
    publication_problems,
)
from dahguide.guidance.models import Dose, GuidelineVersion, Recommendation, Stance
from dahguide.guidance.services import guideline_import
from tests.guidance.helpers import CYCLOPHOSPHAMIDE_BANDS, PAEDIATRIC_PULSE, as_action, edited, without_stance

pytestmark = pytest.mark.django_db

PULSE = "glucocorticoid_pulse"
PLATELETS = "platelet_transfusion"


@pytest.fixture
def document(guideline_document) -> dict:
    """The fixture with the glucocorticoid pulse an action with every stance and the paediatric dose."""
    return as_action(guideline_document, PULSE, doses=(PAEDIATRIC_PULSE,))


def compiled(document: dict) -> dict:
    return guideline_compile(version=guideline_import(document=document, publish=False))


def stance_problems(document: dict) -> list[str]:
    return [p for p in publication_problems(document) if "stance" in p or "dose" in p]


# --- the document -------------------------------------------------------------------------------


def test_stances_and_doses_are_the_last_top_level_keys():
    assert DOCUMENT_KEYS[-3:] == ("disagreements", "stances", "doses")


def test_compile_round_trip_keeps_stances_and_doses(document):
    assert canonical_document(compiled(document)) == canonical_document(document)


def test_compiled_stance_has_the_design_shape(document):
    stance = next(s for s in compiled(document)["stances"] if s["code"] == f"{PULSE}__low_platelets")
    assert stance == {
        "code": f"{PULSE}__low_platelets",
        "recommendation": PULSE,
        "modifier": "low_platelets",
        "stance": "unchanged",
        "text": "",
        "citations": [],
        "verification": "unverified",
    }


def test_compiled_dose_has_the_design_shape(document):
    dose = next(d for d in compiled(document)["doses"] if d["code"] == PAEDIATRIC_PULSE["code"])
    assert dose == PAEDIATRIC_PULSE


def test_dose_numbers_are_exact_strings_and_absent_ones_null(document):
    doc = edited(document, "doses", PAEDIATRIC_PULSE["code"], amount=30.0, max_amount="1000.000")
    dose = next(d for d in compiled(doc)["doses"] if d["code"] == PAEDIATRIC_PULSE["code"])
    assert (dose["amount"], dose["max_amount"], dose["amount_high"]) == ("30", "1000", None)


def test_compiled_recommendation_carries_kind_and_timing(document):
    recommendation = next(r for r in compiled(document)["recommendations"] if r["code"] == PULSE)
    assert (recommendation["kind"], recommendation["timing"]) == ("action", "now")


def test_recommendation_without_kind_is_a_statement_without_timing(guideline_document):
    doc = copy.deepcopy(guideline_document)
    for recommendation in doc["recommendations"]:
        recommendation.pop("kind", None)
        recommendation.pop("timing", None)
    doc["stances"], doc["doses"] = [], []
    recommendation = next(r for r in compiled(doc)["recommendations"] if r["code"] == PLATELETS)
    assert (recommendation["kind"], recommendation["timing"]) == ("statement", "")


def test_content_hash_changes_with_a_stance(document):
    changed = as_action(
        document, PULSE, stances={"low_platelets": ("caveat", "Transfuse first.")}, doses=(PAEDIATRIC_PULSE,)
    )
    assert content_hash(changed) != content_hash(document)


# --- the publication rule ---------------------------------------------------------------------------


def test_content_with_every_stance_of_every_action_can_be_published(document):
    assert stance_problems(document) == []


def test_publication_is_refused_when_an_action_lacks_a_stance(document):
    with pytest.raises(ValidationError) as exc:
        guideline_import(document=without_stance(document, PULSE, "low_platelets"), publish=True)
    assert any(f"'{PULSE}'" in m and "Low platelets (low_platelets)" in m for m in exc.value.messages)


def test_refused_publication_leaves_nothing_behind(document):
    with pytest.raises(ValidationError):
        guideline_import(document=without_stance(document, PULSE, "low_platelets"), publish=True)
    assert not GuidelineVersion.objects.exists()


def test_every_missing_stance_of_an_action_is_named_in_one_message(document):
    problems = stance_problems(without_stance(document, PULSE, "pregnant", "on_ecmo"))
    assert problems == [
        f"Cannot publish: the action '{PULSE}' has no stance for these patient modifiers: "
        "Pregnancy (pregnant), On ECMO (on_ecmo)."
    ]


def test_an_action_without_any_stance_names_every_modifier(document):
    problems = stance_problems(without_stance(document, PULSE, *labels.MODIFIERS.values))
    assert all(f"({modifier})" in problems[0] for modifier in labels.MODIFIERS.values)


def test_a_statement_needs_no_stance(document):
    doc = without_stance(document, PULSE, *labels.MODIFIERS.values)
    next(r for r in doc["recommendations"] if r["code"] == PULSE)["kind"] = "statement"
    assert stance_problems(doc) == []


def test_publication_is_refused_for_a_stance_of_a_recommendation_that_is_gone(document):
    doc = copy.deepcopy(document)
    doc["stances"].append({**doc["stances"][0], "code": "gone__pregnant", "recommendation": "gone"})
    assert stance_problems(doc) == [
        "Cannot publish: the stance 'gone__pregnant' belongs to the recommendation 'gone', which this version lacks."
    ]


def test_publication_is_refused_for_a_dose_of_a_recommendation_that_is_gone(document):
    doc = edited(document, "doses", PAEDIATRIC_PULSE["code"], recommendation="gone")
    assert stance_problems(doc) == [
        f"Cannot publish: the dose '{PAEDIATRIC_PULSE['code']}' belongs to the recommendation 'gone', "
        "which this version lacks."
    ]


@pytest.mark.parametrize("stance", ["withheld", "caveat", "dose_adjusted"])
def test_publication_is_refused_for_a_stance_that_changes_the_action_without_text(document, stance):
    doc = as_action(document, PULSE, stances={"active_bleeding": (stance, "  ")})
    assert len(stance_problems(doc)) == 1
    assert f"'{PULSE}__active_bleeding'" in stance_problems(doc)[0]


# --- validation on import -----------------------------------------------------------------------------


def import_errors(document: dict) -> list[str]:
    with pytest.raises(ValidationError) as exc:
        guideline_import(document=document, publish=False)
    return exc.value.messages


def test_import_refuses_a_withheld_stance_without_text(document):
    doc = as_action(document, PULSE, stances={"low_platelets": ("withheld", "")})
    number = next(i for i, s in enumerate(doc["stances"], start=1) if s["code"] == f"{PULSE}__low_platelets")
    assert import_errors(doc) == [
        f"Stance {number} '{PULSE}__low_platelets': text: A stance of “withheld” needs a text: "
        "say what the physician should know or do instead."
    ]


def test_unchanged_stance_needs_no_text(document):
    version = guideline_import(document=document, publish=False)
    assert Stance.objects.filter(version=version, recommendation=PULSE, text="").count() == len(labels.MODIFIERS.values)


def test_a_refused_action_is_reported_once_not_once_per_stance(document):
    doc = edited(document, "recommendations", PULSE, citations=["no_such_citation"])
    assert import_errors(doc) == [
        f"Recommendation {next(i for i, r in enumerate(doc['recommendations'], 1) if r['code'] == PULSE)} '{PULSE}': "
        "citations: no citation with key no_such_citation in this document."
    ]


def test_import_explains_a_dose_number_that_is_not_one(document):
    doc = edited(document, "doses", PAEDIATRIC_PULSE["code"], amount_high="a lot")
    assert any("amount_high" in m and "must be a decimal number" in m for m in import_errors(doc))


def test_import_refuses_a_stance_of_an_unknown_recommendation(document):
    doc = copy.deepcopy(document)
    doc["stances"].append({**doc["stances"][-1], "code": "nowhere__pregnant", "recommendation": "nowhere"})
    assert any("No recommendation of this version has the code 'nowhere'" in m for m in import_errors(doc))


def test_import_refuses_an_unknown_modifier(document):
    doc = copy.deepcopy(document)
    doc["stances"].append({**doc["stances"][-1], "code": f"{PULSE}__left_handed", "modifier": "left_handed"})
    assert any("'left_handed' is not a valid choice" in m for m in import_errors(doc))


def test_import_refuses_two_stances_for_one_modifier(document):
    doc = copy.deepcopy(document)
    doc["stances"].append({**doc["stances"][-1], "code": "second_stance"})
    assert any("second_stance" in m and "already exists" in m for m in import_errors(doc))


@pytest.fixture
def pulse_dose(published_guideline):
    """A dose of the published glucocorticoid pulse, not saved: each test breaks one rule."""

    def build(**changes) -> Dose:
        fields = {k: v for k, v in PAEDIATRIC_PULSE.items() if k != "citations"}
        dose = Dose(version=published_guideline, **{**fields, **changes})
        for field in Dose._meta.concrete_fields:  # as clean_fields() leaves them for clean()
            setattr(dose, field.attname, field.to_python(getattr(dose, field.attname)))
        return dose

    return build


def clean_errors(item) -> list[str]:
    with pytest.raises(ValidationError) as exc:
        item.clean()
    return [m for messages in exc.value.message_dict.values() for m in messages]


def test_a_valid_dose_passes(pulse_dose):
    pulse_dose().clean()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"amount_high": "20"}, "The upper amount must be above the amount."),
        ({"amount": None}, "Give the amount, or alternatives that give it."),
        ({"alternatives": [CYCLOPHOSPHAMIDE_BANDS]}, "The alternatives give the amount, so this one would never"),
        ({"round_to": "0"}, "Must be more than 0."),
        ({"basis": "fixed", "weight_cap_kg": "100"}, "A weight cap applies only to a dose per kg body weight."),
        ({"basis": "per_kg_predicted_body_weight"}, "Predicted body weight is defined for adults only"),
        ({"recommendation": "nowhere"}, "No recommendation of this version has the code 'nowhere'."),
    ],
    ids=[
        "range_reversed",
        "no_amount",
        "amount_and_alternatives",
        "zero_rounding",
        "weight_cap_on_fixed",
        "pbw_for_children",
        "unknown_recommendation",
    ],
)
def test_dose_rules(pulse_dose, changes, message):
    assert any(m.startswith(message) for m in clean_errors(pulse_dose(**changes)))


def test_dose_amount_given_by_alternatives_passes(pulse_dose):
    pulse_dose(amount=None, alternatives=[CYCLOPHOSPHAMIDE_BANDS]).clean()


def banded(**changes) -> list[dict]:
    return [{**copy.deepcopy(CYCLOPHOSPHAMIDE_BANDS), **changes}]


@pytest.mark.parametrize(
    ("alternatives", "message"),
    [
        ({"label": "x"}, "Must be a list of alternatives, e.g. []."),
        (banded(label=""), 'Alternative 1: needs a label naming its source, e.g. "KDIGO 2024 Fig 10".'),
        (banded(band_on="height_cm"), "Alternative 1 (KDIGO 2024 Fig 10): band_on must be one of age_years, inr,"),
        (banded(bands=[]), "Alternative 1 (KDIGO 2024 Fig 10): bands must be a non-empty list"),
        (
            banded(bands=[{"otherwise": True, "amount": "15"}, {"if_above": "70", "amount": "10"}]),
            "Alternative 1 (KDIGO 2024 Fig 10), band 1: bands after “otherwise” are never reached",
        ),
        (
            banded(bands=[{"if_above": "70", "if_at_least": "60", "amount": "10"}]),
            "Alternative 1 (KDIGO 2024 Fig 10), band 1: needs exactly one of if_above, if_at_least, otherwise.",
        ),
        (
            banded(bands=[{"if_above": "seventy", "amount": "10"}]),
            "Alternative 1 (KDIGO 2024 Fig 10), band 1: if_above must be a number",
        ),
        (banded(bands=[{"otherwise": True}]), "Alternative 1 (KDIGO 2024 Fig 10), band 1: amount must be a number"),
        (
            banded(reductions=[{"fact": "moon_phase", "minus": "2.5", "text": "Full moon"}]),
            "Alternative 1 (KDIGO 2024 Fig 10), reduction 1: 'moon_phase' is not a fact the engine knows.",
        ),
        (
            banded(reductions=[{"fact": "egfr_below_30", "minus": "2.5", "text": "eGFR below 30"}]),
            "Alternative 1 (KDIGO 2024 Fig 10), reduction 1: 'egfr_below_30' was renamed; use 'egfr_low'.",
        ),
        (
            banded(reductions=[{"fact": "egfr_low", "minus": "-1", "text": "eGFR below 30"}]),
            "Alternative 1 (KDIGO 2024 Fig 10), reduction 1: minus must be a number above 0",
        ),
        (
            banded(reductions=[{"fact": "egfr_low", "minus": "2.5"}]),
            "Alternative 1 (KDIGO 2024 Fig 10), reduction 1: needs a text saying why",
        ),
        (banded(source="KDIGO"), "Alternative 1 (KDIGO 2024 Fig 10): unknown key(s) source."),
    ],
    ids=[
        "not_a_list",
        "no_label",
        "unknown_band_input",
        "no_bands",
        "otherwise_not_last",
        "two_tests",
        "limit_not_a_number",
        "band_without_amount",
        "unknown_fact",
        "renamed_fact",
        "negative_reduction",
        "reduction_without_text",
        "unknown_key",
    ],
)
def test_dose_alternatives_are_checked_band_by_band(pulse_dose, alternatives, message):
    errors = clean_errors(pulse_dose(amount=None, alternatives=alternatives))
    assert any(m.startswith(message) for m in errors), errors


def test_every_problem_of_a_dose_is_reported_at_once(pulse_dose):
    errors = clean_errors(pulse_dose(amount_high="20", round_to="0", recommendation="nowhere"))
    assert len(errors) == 3


def test_stance_choices_follow_the_engine_vocabulary():
    field = Stance._meta.get_field("modifier")
    assert [value for value, _ in field.choices] == list(labels.MODIFIERS.values)


def test_recommendation_kind_defaults_to_statement():
    assert Recommendation().kind == "statement"
