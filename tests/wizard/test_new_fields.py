"""Sex (step 1), anticoagulant and fibrinogen (step 4) in the wizard: asked with the same partials as
their neighbours, kept when saved, unknown unless answered, and refused with a message beside the field."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dahguide.wizard.answers import STEP_CODES, parse_answers

from .conftest import VALID, complete_steps, post_step, step_url

pytestmark = pytest.mark.django_db

FIBRINOGEN_ERROR = "Fibrinogen must be from 0 to 20 g/L; 25 is outside that range."


def _step_html(client, draft, code: str) -> str:
    return client.get(step_url(draft, code)).content.decode()


def _complete_steps_after(client, draft, code: str) -> None:
    for later in STEP_CODES[STEP_CODES.index(code) + 1 :]:
        assert post_step(client, draft, later).status_code == 302


# -- Rendered with the partials of their kind -------------------------------------------------------


def test_sex_is_a_row_of_buttons_with_an_explicit_unknown(physician_client, draft, published_guideline):
    html = _step_html(physician_client, draft, "patient")
    assert '<fieldset class="mb-3 question" id="q-sex" aria-describedby="sex-help">' in html
    assert 'name="sex" id="id_sex_unknown" value="" checked>' in html
    assert '<label class="btn btn-choice" for="id_sex_female">Female</label>' in html
    assert '<label class="btn btn-choice" for="id_sex_male">Male</label>' in html


def test_sex_is_asked_between_age_and_weight(physician_client, draft, published_guideline):
    html = _step_html(physician_client, draft, "patient")
    assert html.index('name="age_years"') < html.index('name="sex"') < html.index('name="weight_kg"')


def test_sex_help_names_predicted_body_weight(physician_client, draft, published_guideline):
    assert "predicted body weight in ventilation" in _step_html(physician_client, draft, "patient")


def test_anticoagulant_is_a_row_of_buttons_with_readable_drug_names(physician_client, draft, published_guideline):
    complete_steps(physician_client, draft, upto="haematology")
    html = _step_html(physician_client, draft, "haematology")
    assert 'name="anticoagulant" id="id_anticoagulant_unknown" value="" checked>' in html
    assert '<label class="btn btn-choice" for="id_anticoagulant_none">None</label>' in html
    assert (
        '<label class="btn btn-choice" for="id_anticoagulant_factor_xa_inhibitor">Apixaban, rivaroxaban or '
        "edoxaban</label>" in html
    )
    assert 'for="id_anticoagulant_vitamin_k_antagonist">Vitamin K antagonist (warfarin' in html


def test_anticoagulant_help_says_it_decides_the_reversal(physician_client, draft, published_guideline):
    complete_steps(physician_client, draft, upto="haematology")
    html = _step_html(physician_client, draft, "haematology")
    assert '<div class="form-text" id="anticoagulant-help">Taken or recently given. It decides the reversal' in html


def test_fibrinogen_is_a_number_input_in_g_per_l(physician_client, draft, published_guideline):
    complete_steps(physician_client, draft, upto="haematology")
    html = _step_html(physician_client, draft, "haematology")
    assert '<label class="form-label fw-semibold" for="id_fibrinogen_g_per_l">Fibrinogen (g/L)</label>' in html
    assert 'inputmode="decimal" autocomplete="off" class="form-control input-number" name="fibrinogen_g_per_l"' in html
    assert "prompts replacement. Allowed: 0–20. Leave empty if unknown." in html


def test_inr_anticoagulant_and_fibrinogen_are_asked_together(physician_client, draft, published_guideline):
    complete_steps(physician_client, draft, upto="haematology")
    html = _step_html(physician_client, draft, "haematology")
    positions = [
        html.index(f'name="{name}"') for name in ("inr", "anticoagulant", "fibrinogen_g_per_l", "infection_status")
    ]
    assert positions == sorted(positions)


# -- Accepted and kept ------------------------------------------------------------------------------


def test_patient_step_accepts_and_keeps_sex(physician_client, draft, published_guideline):
    response = post_step(physician_client, draft, "patient", {**VALID["patient"], "sex": "male"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.answers["sex"] == "male"
    assert 'id="id_sex_male" value="male" checked>' in _step_html(physician_client, draft, "patient")


def test_haematology_step_accepts_and_keeps_anticoagulant_and_fibrinogen(physician_client, draft, published_guideline):
    complete_steps(physician_client, draft, upto="haematology")
    answers = {
        **VALID["haematology"],
        "inr": "3.2",
        "anticoagulant": "vitamin_k_antagonist",
        "fibrinogen_g_per_l": "1.2",
    }
    response = post_step(physician_client, draft, "haematology", answers)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert "haematology" in draft.completed_steps
    assert (draft.answers["anticoagulant"], draft.answers["fibrinogen_g_per_l"]) == ("vitamin_k_antagonist", "1.2")
    html = _step_html(physician_client, draft, "haematology")
    assert 'id="id_anticoagulant_vitamin_k_antagonist" value="vitamin_k_antagonist" checked>' in html
    assert 'value="1.2"' in html


def test_saved_answers_reach_the_engine(physician_client, draft, published_guideline):
    complete_steps(physician_client, draft, upto="haematology")
    post_step(physician_client, draft, "patient", {**VALID["patient"], "sex": "female"})
    post_step(
        physician_client,
        draft,
        "haematology",
        {**VALID["haematology"], "anticoagulant": "lmwh", "fibrinogen_g_per_l": "0.9"},
    )
    draft.refresh_from_db()
    intake = parse_answers(draft.answers).intake
    assert (intake.sex, intake.anticoagulant, str(intake.fibrinogen_g_per_l)) == ("female", "lmwh", "0.9")


def test_review_shows_the_drug_and_the_value(physician_client, draft, published_guideline):
    complete_steps(physician_client, draft, upto="haematology")
    post_step(
        physician_client,
        draft,
        "haematology",
        {**VALID["haematology"], "anticoagulant": "factor_xa_inhibitor", "fibrinogen_g_per_l": "1.2"},
    )
    _complete_steps_after(physician_client, draft, "haematology")
    html = physician_client.get(reverse("wizard:review", args=[draft.pk])).content.decode()
    assert "Apixaban, rivaroxaban or edoxaban" in html
    assert "1.2 g/L" in html


# -- Unknown stays unknown --------------------------------------------------------------------------


def test_unanswered_new_fields_are_unknown(physician_client, draft, published_guideline):
    complete_steps(physician_client, draft, upto="course")
    draft.refresh_from_db()
    intake = parse_answers(draft.answers).intake
    assert (intake.sex, intake.anticoagulant, intake.fibrinogen_g_per_l) == (None, None, None)


def test_unknown_anticoagulant_is_not_shown_as_none_on_review(physician_client, draft, published_guideline):
    complete_steps(physician_client, draft)
    html = physician_client.get(reverse("wizard:review", args=[draft.pk])).content.decode()
    row = html.split(">Anticoagulant or antiplatelet drug</dt>")[1].split("</dd>")[0]
    assert row.endswith(">Unknown")


def test_choosing_unknown_again_clears_a_saved_sex(physician_client, draft, published_guideline):
    post_step(physician_client, draft, "patient", {**VALID["patient"], "sex": "female"})
    post_step(physician_client, draft, "patient", {**VALID["patient"], "sex": ""})
    draft.refresh_from_db()
    assert parse_answers(draft.answers).intake.sex is None


# -- Bad values give a message -----------------------------------------------------------------------


def test_fibrinogen_outside_its_range_is_refused_beside_the_field(physician_client, draft, published_guideline):
    complete_steps(physician_client, draft, upto="haematology")
    response = post_step(
        physician_client,
        draft,
        "haematology",
        {**VALID["haematology"], "anticoagulant": "dabigatran", "fibrinogen_g_per_l": "25"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<div class="invalid-feedback d-block" id="fibrinogen_g_per_l-error">{FIBRINOGEN_ERROR}</div>' in html
    assert 'value="25"' in html
    assert 'id="id_anticoagulant_dabigatran" value="dabigatran" checked>' in html  # every other answer kept
    draft.refresh_from_db()
    assert "haematology" not in draft.completed_steps


def test_fibrinogen_that_is_not_a_number_is_refused(physician_client, draft, published_guideline):
    complete_steps(physician_client, draft, upto="haematology")
    html = post_step(
        physician_client, draft, "haematology", {**VALID["haematology"], "fibrinogen_g_per_l": "1,5"}
    ).content.decode()
    assert "Fibrinogen: enter a number from 0 to 20 g/L. Use a dot for decimals." in html


@pytest.mark.parametrize(
    ("code", "name", "value"),
    [
        ("patient", "sex", "other"),
        ("haematology", "anticoagulant", "warfarin"),
    ],
)
def test_tampered_choice_is_refused_with_a_message(physician_client, draft, published_guideline, code, name, value):
    complete_steps(physician_client, draft, upto=code)
    response = post_step(physician_client, draft, code, {**VALID[code], name: value})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="{name}-error"' in html
    assert f"&#x27;{value}&#x27; is not one of the answers" in html
