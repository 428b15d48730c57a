"""Every step: valid, invalid, back, skip-ahead tampering, htmx and plain responses, history restore."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from dahguide.wizard.answers import REQUIRED_STEP_CODES, STEP_CODES
from dahguide.wizard.models import DraftAssessment

from .conftest import HTMX, INVALID, VALID, complete_steps, post_step, step_url

pytestmark = pytest.mark.django_db

LATER_STEPS = STEP_CODES[1:]


@pytest.mark.parametrize("code", STEP_CODES)
def test_valid_post_marks_step_complete_and_advances(physician_client, draft, published_guideline, code):
    complete_steps(physician_client, draft, upto=code)
    response = post_step(physician_client, draft, code)
    index = STEP_CODES.index(code)
    expected = (
        step_url(draft, STEP_CODES[index + 1])
        if index + 1 < len(STEP_CODES)
        else reverse("wizard:review", args=[draft.pk])
    )
    assert response.status_code == 302
    assert response.url == expected
    draft.refresh_from_db()
    assert code in draft.completed_steps


@pytest.mark.parametrize("code", STEP_CODES)
def test_valid_post_saves_answers_as_typed(physician_client, draft, published_guideline, code):
    complete_steps(physician_client, draft, upto=code)
    post_step(physician_client, draft, code)
    draft.refresh_from_db()
    for name, value in VALID[code].items():
        assert draft.answers[name] == value


@pytest.mark.parametrize("code", STEP_CODES)
def test_invalid_post_shows_message_beside_field(physician_client, draft, published_guideline, code):
    complete_steps(physician_client, draft, upto=code)
    data, bad_field, _ = INVALID[code]
    response = post_step(physician_client, draft, code, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="{bad_field}-error"' in html
    assert "is-invalid" in html
    assert 'role="alert"' in html


@pytest.mark.parametrize("code", STEP_CODES)
def test_invalid_post_keeps_every_other_answer_and_the_bad_text(physician_client, draft, published_guideline, code):
    complete_steps(physician_client, draft, upto=code)
    data, bad_field, kept = INVALID[code]
    html = post_step(physician_client, draft, code, data).content.decode()
    assert f'value="{data[bad_field]}"' in html
    assert kept in html
    draft.refresh_from_db()
    assert draft.answers[bad_field] == data[bad_field]
    assert code not in draft.completed_steps


@pytest.mark.parametrize("code", STEP_CODES)
def test_invalid_post_does_not_advance(physician_client, draft, published_guideline, code):
    complete_steps(physician_client, draft, upto=code)
    post_step(physician_client, draft, code, INVALID[code][0])
    later_urls = [step_url(draft, c) for c in STEP_CODES[STEP_CODES.index(code) + 1 :]]
    if code in REQUIRED_STEP_CODES:  # the review (and the plan) wait for the steps that decide plasma exchange
        later_urls.append(reverse("wizard:review", args=[draft.pk]))
    for url in later_urls:
        assert physician_client.get(url).status_code == 302
    draft.refresh_from_db()
    assert code not in draft.completed_steps


def test_the_plan_can_be_seen_once_the_steps_that_decide_plasma_exchange_are_saved(
    physician_client, draft, published_guideline
):
    complete_steps(physician_client, draft, upto="kidney")
    html = physician_client.get(step_url(draft, "kidney")).content.decode()
    assert '<button type="submit" name="action" value="plan" class="btn btn-outline-primary" id="see-plan">' in html
    response = post_step(physician_client, draft, "kidney", action="plan")
    assert response.url == reverse("wizard:plan", args=[draft.pk])
    plan = physician_client.get(response.url).content.decode()
    assert "Steps not answered yet" in plan
    assert f'<a href="{step_url(draft, "haematology")}">Haematology, infection and drug safety</a>' in plan


def test_see_the_plan_is_not_offered_before_the_deciding_steps(physician_client, draft, published_guideline):
    complete_steps(physician_client, draft, upto="respiratory")
    assert 'value="plan"' not in physician_client.get(step_url(draft, "respiratory")).content.decode()
    response = post_step(physician_client, draft, "respiratory", action="plan")
    assert response.url == step_url(draft, "kidney")  # an early "plan" is an ordinary save


def test_the_plan_waits_for_the_deciding_steps(physician_client, draft, published_guideline):
    complete_steps(physician_client, draft, upto="kidney")
    assert physician_client.get(reverse("wizard:plan", args=[draft.pk])).url == step_url(draft, "kidney")


def test_the_first_question_has_the_focus_and_an_error_summary_takes_it(physician_client, draft, published_guideline):
    html = physician_client.get(step_url(draft, "patient")).content.decode()
    assert html.count(" autofocus") == 1
    assert re.search(r'<input[^>]* id="id_age_years"[^>]* autofocus>', html)
    html = post_step(physician_client, draft, "patient", {"age_years": "fifty"}).content.decode()
    assert html.count(" autofocus") == 1
    assert 'id="error-summary" tabindex="-1" autofocus>' in html


def test_a_radio_question_first_focuses_its_checked_button(physician_client, draft, published_guideline):
    complete_steps(physician_client, draft, upto="respiratory")
    html = physician_client.get(step_url(draft, "respiratory")).content.decode()
    assert 'id="id_oxygen_support_unknown" value="" checked autofocus>' in html


def test_yes_no_unknown_are_radio_buttons_shown_as_buttons(physician_client, draft, published_guideline):
    html = physician_client.get(step_url(draft, "patient")).content.decode()
    assert (
        '<input class="btn-check" type="radio" name="anti_gbm_positive" id="id_anti_gbm_positive_true" '
        'value="true">' in html
    )
    assert '<label class="btn btn-choice" for="id_anti_gbm_positive_unknown">Unknown</label>' in html


@pytest.mark.parametrize("code", LATER_STEPS)
def test_back_keeps_unvalidated_text_and_goes_back(physician_client, draft, published_guideline, code):
    complete_steps(physician_client, draft, upto=code)
    data, bad_field, _ = INVALID[code]
    response = post_step(physician_client, draft, code, data, action="back")
    previous = STEP_CODES[STEP_CODES.index(code) - 1]
    assert response.status_code == 302
    assert response.url == step_url(draft, previous)
    html = physician_client.get(step_url(draft, code)).content.decode()
    assert f'value="{data[bad_field]}"' in html


@pytest.mark.parametrize("code", LATER_STEPS)
def test_back_shows_no_error_message(physician_client, draft, published_guideline, code):
    complete_steps(physician_client, draft, upto=code)
    post_step(physician_client, draft, code, INVALID[code][0], action="back")
    html = physician_client.get(step_url(draft, code)).content.decode()
    assert "error-summary" not in html


@pytest.mark.parametrize("code", LATER_STEPS)
def test_skip_ahead_by_editing_the_url_is_refused(physician_client, draft, published_guideline, code):
    first_incomplete = STEP_CODES[0]
    response = physician_client.get(step_url(draft, code), follow=True)
    assert response.redirect_chain[-1][0] == step_url(draft, first_incomplete)
    assert "Steps are answered in order" in response.content.decode()


@pytest.mark.parametrize("code", LATER_STEPS)
def test_skip_ahead_post_saves_nothing(physician_client, draft, published_guideline, code):
    response = post_step(physician_client, draft, code)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.answers == {}
    assert draft.completed_steps == []


def test_review_before_every_step_is_complete_redirects_to_first_incomplete(physician_client, draft):
    complete_steps(physician_client, draft, upto="kidney")
    response = physician_client.get(reverse("wizard:review", args=[draft.pk]))
    assert response.url == step_url(draft, "kidney")


def test_plan_before_every_step_is_complete_redirects(physician_client, draft):
    response = physician_client.get(reverse("wizard:plan", args=[draft.pk]))
    assert response.url == step_url(draft, "patient")


def test_unknown_step_is_404(physician_client, draft):
    assert physician_client.get(step_url(draft, "nonsense")).status_code == 404


@pytest.mark.parametrize("code", STEP_CODES)
def test_plain_get_returns_the_full_page(physician_client, draft, published_guideline, code):
    complete_steps(physician_client, draft, upto=code)
    response = physician_client.get(step_url(draft, code))
    html = response.content.decode()
    assert "<html" in html
    assert 'id="step-container"' in html
    assert "Plan so far" in html


@pytest.mark.parametrize("code", STEP_CODES)
def test_htmx_get_returns_the_step_partial(physician_client, draft, published_guideline, code):
    complete_steps(physician_client, draft, upto=code)
    response = physician_client.get(step_url(draft, code), headers=HTMX)
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="step-form"' in html


@pytest.mark.parametrize("code", STEP_CODES)
def test_step_responses_vary_on_hx_request(physician_client, draft, published_guideline, code):
    complete_steps(physician_client, draft, upto=code)
    for headers in ({}, HTMX):
        response = physician_client.get(step_url(draft, code), headers=headers)
        assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize("code", STEP_CODES)
def test_history_restore_request_gets_the_full_page(physician_client, draft, published_guideline, code):
    complete_steps(physician_client, draft, upto=code)
    response = physician_client.get(step_url(draft, code), headers={**HTMX, "HX-History-Restore-Request": "true"})
    assert "<html" in response.content.decode()


@pytest.mark.parametrize("code", STEP_CODES[:-1])
def test_htmx_valid_post_returns_next_step_partial_and_pushes_its_url(
    physician_client, draft, published_guideline, code
):
    complete_steps(physician_client, draft, upto=code)
    response = post_step(physician_client, draft, code, headers=HTMX)
    following = STEP_CODES[STEP_CODES.index(code) + 1]
    assert response.status_code == 200
    assert response["HX-Push-Url"] == step_url(draft, following)
    assert "<html" not in response.content.decode()
    assert "HX-Request" in response["Vary"]


def test_htmx_post_of_last_step_redirects_the_browser_to_review(physician_client, draft, published_guideline):
    complete_steps(physician_client, draft, upto="course")
    response = post_step(physician_client, draft, "course", headers=HTMX)
    assert response["HX-Redirect"] == reverse("wizard:review", args=[draft.pk])


@pytest.mark.parametrize("code", STEP_CODES)
def test_htmx_invalid_post_returns_partial_with_message(physician_client, draft, published_guideline, code):
    complete_steps(physician_client, draft, upto=code)
    data, bad_field, kept = INVALID[code]
    response = post_step(physician_client, draft, code, data, headers=HTMX)
    html = response.content.decode()
    assert "<html" not in html
    assert f'id="{bad_field}-error"' in html
    assert kept in html
    assert response["HX-Push-Url"] == "false"


def test_htmx_back_returns_previous_step_partial(physician_client, draft, published_guideline):
    complete_steps(physician_client, draft, upto="respiratory")
    response = post_step(physician_client, draft, "respiratory", {"spo2_percent": "9x"}, action="back", headers=HTMX)
    assert response["HX-Push-Url"] == step_url(draft, "patient")
    assert "Step 1 of 5" in response.content.decode()


def test_htmx_step_response_asks_the_plan_so_far_panel_to_refresh(physician_client, draft, published_guideline):
    response = post_step(physician_client, draft, "patient", headers=HTMX)
    assert "stepChanged" in response["HX-Trigger-After-Settle"]


def test_every_question_has_an_explicit_unknown(physician_client, draft, published_guideline):
    html = physician_client.get(step_url(draft, "patient")).content.decode()
    assert 'id="id_anti_gbm_positive_unknown"' in html
    assert 'id="id_etiology_unknown" value="" checked' in html
    assert "Leave empty if unknown." in html


def test_boolean_questions_are_fieldsets_with_legends(physician_client, draft, published_guideline):
    html = physician_client.get(step_url(draft, "patient")).content.decode()
    assert '<legend class="form-label fs-6 fw-semibold mb-1">Active DAH episode</legend>' in html


def test_error_field_is_described_by_its_message(physician_client, draft, published_guideline):
    html = post_step(physician_client, draft, "patient", {"age_years": "fifty"}).content.decode()
    assert 'aria-describedby="age_years-help age_years-error"' in html


def test_step_indicator_marks_current_step_and_links_only_completed_steps(physician_client, draft, published_guideline):
    complete_steps(physician_client, draft, upto="kidney")
    html = physician_client.get(step_url(draft, "kidney")).content.decode()
    assert 'aria-current="step"' in html
    assert f'href="{step_url(draft, "patient")}"' in html
    assert f'href="{step_url(draft, "haematology")}"' not in html


def test_a_completed_step_made_invalid_by_back_is_no_longer_complete(physician_client, draft, published_guideline):
    complete_steps(physician_client, draft)
    post_step(physician_client, draft, "respiratory", {"spo2_percent": "abc"}, action="back")
    draft.refresh_from_db()
    assert "respiratory" not in draft.completed_steps


def test_editing_from_review_returns_to_review(physician_client, draft, published_guideline):
    complete_steps(physician_client, draft)
    response = post_step(physician_client, draft, "patient", {**VALID["patient"], "return_to": "review"})
    assert response.url == reverse("wizard:review", args=[draft.pk])


def test_biopsy_crescents_asked_only_in_anti_gbm_disease(physician_client, draft, published_guideline):
    complete_steps(physician_client, draft, upto="kidney")
    assert 'name="biopsy_crescents_percent"' not in physician_client.get(step_url(draft, "kidney")).content.decode()
    post_step(physician_client, draft, "patient", {**VALID["patient"], "etiology": "anti_gbm"})
    assert 'name="biopsy_crescents_percent"' in physician_client.get(step_url(draft, "kidney")).content.decode()


def test_draft_rows_are_not_created_by_step_posts(physician_client, draft, published_guideline):
    complete_steps(physician_client, draft)
    assert DraftAssessment.objects.count() == 1
