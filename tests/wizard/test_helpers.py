"""Units and helpers: live conversion, implausible units, the P/F calculator, the KDIGO AKI helper."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from dahguide.wizard import services

from .conftest import HTMX, VALID, complete_steps, post_step, step_url

pytestmark = pytest.mark.django_db


def _convert(client, draft, **params):
    return client.get(reverse("wizard:convert", args=[draft.pk]), params, headers=HTMX)


def test_live_conversion_of_umol_to_mg_dl(physician_client, draft):
    response = _convert(
        physician_client, draft, **{"for": "creatinine_value", "creatinine_value": "300", "creatinine_unit": "umol/L"}
    )
    assert response.content.decode() == "300 µmol/L = 3.39 mg/dL"


def test_live_conversion_of_mg_dl_to_umol(physician_client, draft):
    response = _convert(
        physician_client, draft, **{"for": "creatinine_value", "creatinine_value": "1.8", "creatinine_unit": "mg/dL"}
    )
    assert "159.12 µmol/L" in response.content.decode()


def test_live_conversion_names_the_likely_unit_for_an_implausible_value(physician_client, draft):
    response = _convert(
        physician_client, draft, **{"for": "creatinine_value", "creatinine_value": "300", "creatinine_unit": "mg/dL"}
    )
    assert "µmol/L" in response.content.decode()
    assert "outside the plausible range" in response.content.decode()


def test_convert_rejects_an_unknown_target(physician_client, draft):
    assert _convert(physician_client, draft, **{"for": "nonsense"}).status_code == 400


def test_convert_varies_on_hx_request(physician_client, draft):
    assert "HX-Request" in _convert(physician_client, draft, **{"for": "creatinine_value"})["Vary"]


def test_converted_value_shows_after_saving_without_javascript(physician_client, draft, published_guideline):
    complete_steps(physician_client, draft, upto="kidney")
    post_step(
        physician_client,
        draft,
        "kidney",
        {**VALID["kidney"], "creatinine_value": "300", "creatinine_unit": "umol/L"},
        action="back",
    )
    html = physician_client.get(step_url(draft, "kidney")).content.decode()
    assert "300 µmol/L = 3.39 mg/dL" in html


def test_implausible_creatinine_is_refused_naming_umol(physician_client, draft, published_guideline):
    complete_steps(physician_client, draft, upto="kidney")
    response = post_step(physician_client, draft, "kidney", {"creatinine_value": "300", "creatinine_unit": "mg/dL"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "It looks like µmol/L" in html


def test_out_of_range_value_shows_the_allowed_range(physician_client, draft, published_guideline):
    response = post_step(physician_client, draft, "patient", {"age_years": "130"})
    assert "from 0 to 120 years" in response.content.decode()


def test_a_creatinine_typed_alone_takes_the_sites_default_unit(physician_client, draft, published_guideline):
    complete_steps(physician_client, draft, upto="kidney")
    html = physician_client.get(step_url(draft, "kidney")).content.decode()
    assert '<option value="mg/dL" selected>mg/dL</option>' in html  # shown preselected
    assert post_step(physician_client, draft, "kidney", {"creatinine_value": "1.8"}).status_code == 302
    draft.refresh_from_db()
    assert draft.answers["creatinine_unit"] == "mg/dL"


def test_a_unit_chosen_is_remembered_for_the_next_assessment(physician_client, physician, draft, published_guideline):
    complete_steps(physician_client, draft, upto="kidney")
    post_step(physician_client, draft, "kidney", {"creatinine_value": "160", "creatinine_unit": "umol/L"})
    second = services.draft_create(owner=physician, first_step="patient")
    complete_steps(physician_client, second, upto="kidney")
    html = physician_client.get(step_url(second, "kidney")).content.decode()
    assert '<option value="umol/L" selected>µmol/L</option>' in html
    post_step(physician_client, second, "kidney", {"creatinine_value": "160"})
    second.refresh_from_db()
    assert second.answers["creatinine_unit"] == "umol/L"


@override_settings(DAHGUIDE_DEFAULT_CREATININE_UNIT="")
def test_without_a_default_unit_a_creatinine_typed_alone_asks_for_the_unit(
    physician_client, draft, published_guideline
):
    complete_steps(physician_client, draft, upto="kidney")
    response = post_step(physician_client, draft, "kidney", {"creatinine_value": "1.8"})
    assert "choose the unit" in response.content.decode()


def test_a_value_that_does_not_fit_its_unit_is_shown_as_a_warning(physician_client, draft, published_guideline):
    response = _convert(
        physician_client, draft, **{"for": "creatinine_value", "creatinine_value": "300", "creatinine_unit": "mg/dL"}
    )
    assert response["X-Conversion"] == "warning"
    fine = _convert(physician_client, draft, **{"for": "creatinine_value", "creatinine_value": "3"})
    assert fine["X-Conversion"] == "ok" and fine.content.decode().startswith("3 mg/dL = ")
    complete_steps(physician_client, draft, upto="kidney")
    post_step(physician_client, draft, "kidney", {"creatinine_value": "300", "creatinine_unit": "mg/dL"}, action="back")
    html = physician_client.get(step_url(draft, "kidney")).content.decode()
    assert 'class="converted mt-1 mb-1 converted-warning"' in html


def test_pf_calculator_without_javascript_fills_the_ratio(physician_client, draft, published_guideline):
    complete_steps(physician_client, draft, upto="respiratory")
    data = {"oxygen_support": "high_flow", "pao2": "60", "pao2_unit": "mmHg", "fio2": "40", "fio2_unit": "percent"}
    response = post_step(physician_client, draft, "respiratory", data, action="calculate_pf")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="pao2_fio2_ratio" id="id_pao2_fio2_ratio" value="150"' in html
    assert 'value="high_flow" checked' in html


def test_pf_calculator_converts_kpa(physician_client, draft, published_guideline):
    complete_steps(physician_client, draft, upto="respiratory")
    data = {"pao2": "8", "pao2_unit": "kPa", "fio2": "0.5", "fio2_unit": "fraction"}
    post_step(physician_client, draft, "respiratory", data, action="calculate_pf")
    draft.refresh_from_db()
    assert draft.answers["pao2_fio2_ratio"] == "120"


def test_pf_calculator_refuses_fio2_percent_given_as_fraction(physician_client, draft, published_guideline):
    complete_steps(physician_client, draft, upto="respiratory")
    data = {"pao2": "60", "pao2_unit": "mmHg", "fio2": "40", "fio2_unit": "fraction"}
    html = post_step(physician_client, draft, "respiratory", data, action="calculate_pf").content.decode()
    assert "looks like a percentage" in html
    draft.refresh_from_db()
    assert draft.answers["pao2_fio2_ratio"] == ""


def test_pf_calculator_with_htmx_swaps_the_step_in_place(physician_client, draft, published_guideline):
    complete_steps(physician_client, draft, upto="respiratory")
    data = {"pao2": "60", "pao2_unit": "mmHg", "fio2": "0.4", "fio2_unit": "fraction"}
    response = post_step(physician_client, draft, "respiratory", data, action="calculate_pf", headers=HTMX)
    assert "<html" not in response.content.decode()
    assert 'value="150"' in response.content.decode()


def test_live_pf_result(physician_client, draft):
    response = _convert(
        physician_client,
        draft,
        **{"for": "pao2_fio2_ratio", "pao2": "60", "pao2_unit": "mmHg", "fio2": "0.4", "fio2_unit": "fraction"},
    )
    assert response.content.decode() == "P/F = 150 mmHg"


def test_rising_helper_suggests_yes_from_kdigo_rule(physician_client, draft, published_guideline):
    complete_steps(physician_client, draft, upto="kidney")
    data = {
        **VALID["kidney"],
        "baseline_creatinine_value": "1.2",
        "baseline_creatinine_unit": "mg/dL",
        "hours_since_baseline": "24",
    }
    html = post_step(physician_client, draft, "kidney", data, action="suggest_rising").content.decode()
    draft.refresh_from_db()
    assert draft.answers["creatinine_rising_rapidly"] == "true"
    assert "KDIGO" in html


def test_rising_helper_suggests_no_for_a_stable_value(physician_client, draft, published_guideline):
    complete_steps(physician_client, draft, upto="kidney")
    data = {
        **VALID["kidney"],
        "baseline_creatinine_value": "1.8",
        "baseline_creatinine_unit": "mg/dL",
        "hours_since_baseline": "24",
    }
    post_step(physician_client, draft, "kidney", data, action="suggest_rising")
    draft.refresh_from_db()
    assert draft.answers["creatinine_rising_rapidly"] == "false"


def test_rising_suggestion_can_be_overridden(physician_client, draft, published_guideline):
    complete_steps(physician_client, draft, upto="kidney")
    data = {
        **VALID["kidney"],
        "baseline_creatinine_value": "1.2",
        "baseline_creatinine_unit": "mg/dL",
        "hours_since_baseline": "24",
    }
    post_step(physician_client, draft, "kidney", data, action="suggest_rising")
    post_step(physician_client, draft, "kidney", {**data, "creatinine_rising_rapidly": "false"})
    draft.refresh_from_db()
    assert draft.answers["creatinine_rising_rapidly"] == "false"
    assert "kidney" in draft.completed_steps


def test_rising_helper_gives_no_suggestion_beyond_seven_days(physician_client, draft, published_guideline):
    complete_steps(physician_client, draft, upto="kidney")
    data = {
        **VALID["kidney"],
        "baseline_creatinine_value": "0.8",
        "baseline_creatinine_unit": "mg/dL",
        "hours_since_baseline": "400",
    }
    html = post_step(physician_client, draft, "kidney", data, action="suggest_rising").content.decode()
    draft.refresh_from_db()
    assert draft.answers.get("creatinine_rising_rapidly", "") == ""
    assert "No suggestion" in html


def test_steroid_toxicity_factors_are_a_checkbox_list(physician_client, draft, published_guideline):
    complete_steps(physician_client, draft, upto="haematology")
    html = physician_client.get(step_url(draft, "haematology")).content.decode()
    assert html.count('type="checkbox" name="steroid_toxicity_factors"') == 7  # six factors and "none of these"


def test_ticked_steroid_factors_are_kept(physician_client, draft, published_guideline):
    complete_steps(physician_client, draft, upto="haematology")
    post_step(physician_client, draft, "haematology", {"steroid_toxicity_factors": ["diabetes", "frailty"]})
    draft.refresh_from_db()
    assert draft.answers["steroid_toxicity_factors"] == ["diabetes", "frailty"]
    assert "haematology" in draft.completed_steps


def test_none_of_these_with_a_factor_is_refused(physician_client, draft, published_guideline):
    complete_steps(physician_client, draft, upto="haematology")
    response = post_step(physician_client, draft, "haematology", {"steroid_toxicity_factors": ["none", "diabetes"]})
    assert "not both" in response.content.decode()
