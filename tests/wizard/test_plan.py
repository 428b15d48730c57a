"""The plan page: sections in order, the plasma-exchange check, provenance, and only published content."""

from __future__ import annotations

import copy

import pytest
from django.urls import reverse

from dahguide.guidance.models import GuidelineVersion
from dahguide.guidance.services import guideline_import
from dahguide.wizard.answers import STEP_CODES

from .conftest import HTMX, VALID, complete_steps, post_step

pytestmark = pytest.mark.django_db


def _plan_html(client, draft) -> str:
    response = client.get(reverse("wizard:plan", args=[draft.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_gpa_on_high_flow_with_creatinine_1_8_shows_consider(physician_client, completed_draft):
    assert "Plasma exchange: consider" in _plan_html(physician_client, completed_draft)


def test_plan_shows_every_criterion_with_its_status_in_words(physician_client, completed_draft, guideline_document):
    html = _plan_html(physician_client, completed_draft)
    for code in (
        "creatinine_over_3_4_mg_dl",
        "dialysis_or_rapidly_rising_creatinine",
        "dah_with_hypoxemia",
        "anti_gbm_disease",
    ):
        assert guideline_document["texts"][f"criterion_{code}"] in html
    assert html.count('class="criterion-status"') == 4
    for status in ("Met", "Not met", "Unknown"):
        assert f"</span>{status}</span>" in html


def test_the_strip_shows_each_criterion_as_a_chip_with_its_status_in_words(physician_client, completed_draft):
    html = _plan_html(physician_client, completed_draft)
    strip = html[html.index('class="strip-head"') : html.index('class="strip-body"')]
    assert strip.count('<li class="chip chip-') == 4
    assert "Hypoxemia: <strong>met</strong>" in strip
    assert "Creatinine above 3.4 mg/dL: <strong>not met</strong>" in strip
    assert "Dialysis or rising creatinine: <strong>unknown</strong>" in strip


def test_the_strip_lists_first_actions_with_their_doses_by_timing(physician_client, completed_draft):
    html = _plan_html(physician_client, completed_draft)
    strip = html[html.index('class="strip-body"') : html.index('id="detail-title"')]
    assert '<h3 class="timing-title">Now</h3>' in strip
    assert "<strong>Methylprednisolone</strong> 500–1000 mg IV once daily for 3 days" in strip
    assert "weight</a> needed" in strip  # a dose waiting for the weight links to its question


def test_plan_shows_observed_creatinine_and_threshold_in_both_units(physician_client, completed_draft):
    html = _plan_html(physician_client, completed_draft)
    assert "1.8 mg/dL" in html
    assert "µmol/L" in html


def test_plan_shows_the_disagreement_panel_when_plasma_exchange_is_suggested(physician_client, completed_draft):
    html = _plan_html(physician_client, completed_draft)
    assert "Guidelines disagree on plasma exchange" in html
    assert "KDIGO 2024" in html


def test_no_disagreement_panel_when_plasma_exchange_is_not_indicated(physician_client, draft, published_guideline):
    post_step(physician_client, draft, "patient", {**VALID["patient"], "etiology": "infection"})
    for code in STEP_CODES[1:]:
        post_step(physician_client, draft, code)
    html = _plan_html(physician_client, draft)
    assert "Plasma exchange: not indicated" in html
    assert "Guidelines disagree on plasma exchange" not in html


def test_plan_sections_follow_the_contract_order(physician_client, completed_draft):
    html = _plan_html(physician_client, completed_draft)
    ids = [
        "section-initial_management",
        "section-immunosuppression",
        "section-plasma_exchange",
        "section-adjunctive",
        "section-etiology_specific",
        "section-monitoring",
        "section-prognosis",
        "section-special_considerations",
    ]
    positions = [html.index(f'id="{i}"') for i in ids if f'id="{i}"' in html]
    assert len(positions) >= 5
    assert positions == sorted(positions)


def test_only_sections_with_something_in_them_are_shown(physician_client, completed_draft):
    html = _plan_html(physician_client, completed_draft)
    assert 'id="section-adjunctive"' not in html  # nothing adjunctive applies to this patient
    assert "Nothing in this section applies" not in html


def test_critical_warnings_come_first_as_alerts(physician_client, completed_draft):
    # Bleeding control was not answered: "no anticoagulation while bleeding" is critical.
    html = _plan_html(physician_client, completed_draft)
    alert = html.index('<div class="strip-alerts" role="alert">')
    assert alert < html.index('id="first-title"') < html.index('id="section-initial_management"')
    assert html.count('role="alert"') == 1  # cautions are not alerts


def test_cautions_are_folded_by_subject_and_not_repeated_as_missing_data(physician_client, completed_draft):
    html = _plan_html(physician_client, completed_draft)
    assert '<details class="caution-group"><summary>Rituximab (2)</summary>' in html
    assert "Some inputs are missing" not in html  # the missing answers are listed once, with links


def test_recommendations_show_why_grade_sources_and_review_date(physician_client, completed_draft):
    html = _plan_html(physician_client, completed_draft)
    assert "Why this applies" in html
    assert "Grade:" in html or "Ungraded" in html
    assert 'rel="noopener noreferrer"' in html
    assert "Content last reviewed" in html


def test_secondary_sources_carry_a_marker_explained_once(physician_client, completed_draft):
    html = _plan_html(physician_client, completed_draft)
    assert '<abbr class="vm vm-secondary" title="secondary source: verify against the original">S</abbr>' in html
    assert html.count('<p class="legend">') == 1


def test_graded_and_ungraded_recommendations_look_different(physician_client, completed_draft):
    html = _plan_html(physician_client, completed_draft)
    assert '<span class="grade gr">Grade: KDIGO 1B' in html
    assert '<span class="grade ug">KDIGO practice point (ungraded)</span>' in html


def test_plan_wording_is_clinical_not_internal(physician_client, completed_draft):
    html = _plan_html(physician_client, completed_draft)
    for internal in ("REFERENCE §", "the comparison is strict", "product's definition", "300.56"):
        assert internal not in html
    assert "more than 3.4 mg/dL (300 µmol/L)" in html
    assert "1.8 mg/dL (159 µmol/L)" in html


def test_plan_shows_guideline_version_date_and_disclaimer(
    physician_client, completed_draft, published_guideline, guideline_document
):
    html = _plan_html(physician_client, completed_draft)
    assert f"Guideline version {published_guideline.number}" in html
    assert "published " in html
    assert guideline_document["texts"]["disclaimer"].replace("'", "&#x27;") in html


def test_plan_page_has_a_print_button_and_a_print_view_link(physician_client, completed_draft):
    html = _plan_html(physician_client, completed_draft)
    assert '<button type="button" class="btn btn-sm btn-outline-primary" data-print-page hidden>Print</button>' in html
    assert f'href="{reverse("wizard:plan_print", args=[completed_draft.pk])}"' in html
    assert "Answers used for this plan" not in html  # an appendix of the print view, on request


def test_print_view_prints_the_answers_and_full_references_as_an_appendix(physician_client, completed_draft):
    url = reverse("wizard:plan_print", args=[completed_draft.pk])
    plain = physician_client.get(url).content.decode()
    with_appendix = physician_client.get(url, {"appendix": "1"}).content.decode()
    assert "Answers used for this plan" not in plain
    assert "Answers used for this plan" in with_appendix
    assert '<details class="references plan-appendix" open>' in with_appendix
    assert "Printed " in plain and "by physician" in plain
    assert 'id="save-case"' not in plain


def test_missing_answers_link_to_the_step_that_asks_them(physician_client, completed_draft):
    html = _plan_html(physician_client, completed_draft)
    kidney = reverse("wizard:step", args=[completed_draft.pk, "kidney"])
    assert f'href="{kidney}?return_to=review#q-creatinine_rising_rapidly"' in html


def test_monitoring_checklist_is_shown(physician_client, completed_draft):
    assert 'class="monitoring-checklist' in _plan_html(physician_client, completed_draft)


def test_unpublished_content_never_appears(physician_client, completed_draft, guideline_document):
    document = copy.deepcopy(guideline_document)
    for rec in document["recommendations"]:
        rec["title"] = "UNPUBLISHED DRAFT TITLE"
    guideline_import(document=document, publish=False)
    assert GuidelineVersion.objects.filter(status="draft").exists()
    assert "UNPUBLISHED DRAFT TITLE" not in _plan_html(physician_client, completed_draft)


def test_unpublished_content_never_appears_in_the_plan_so_far(physician_client, completed_draft, guideline_document):
    document = copy.deepcopy(guideline_document)
    document["texts"]["plex_decision_consider"] = "UNPUBLISHED DECISION TEXT"
    guideline_import(document=document, publish=False)
    response = physician_client.get(reverse("wizard:preview", args=[completed_draft.pk]), headers=HTMX)
    assert "UNPUBLISHED" not in response.content.decode()


def test_no_published_guideline_gives_a_clear_page(physician_client, draft):
    complete_steps(physician_client, draft)
    response = physician_client.get(reverse("wizard:plan", args=[draft.pk]))
    assert response.status_code == 200
    assert "No guideline is published" in response.content.decode()


def test_draft_started_under_an_older_version_says_so(physician_client, completed_draft):
    completed_draft.guideline_version = 0
    completed_draft.save()
    assert "Started under guideline version 0" in _plan_html(physician_client, completed_draft)


def test_recommendation_markdown_is_sanitised(physician_client, completed_draft, guideline_document):
    from dahguide.guidance.services import guideline_publish

    document = copy.deepcopy(guideline_document)
    document["recommendations"][0]["text"] = "**Bold** <script>alert(1)</script> [x](javascript:alert(1))"
    version = guideline_import(document=document, publish=False)
    guideline_publish(version=version)
    html = _plan_html(physician_client, completed_draft)
    assert "<strong>Bold</strong>" in html
    assert "<script>alert(1)" not in html
    assert "javascript:" not in html


def test_plan_so_far_shows_the_decision_and_criteria(physician_client, completed_draft):
    response = physician_client.get(reverse("wizard:preview", args=[completed_draft.pk]), headers=HTMX)
    html = response.content.decode()
    assert "<html" not in html
    assert "Plasma exchange: consider" in html
    assert html.count('<li class="chip chip-') == 4
    assert "HX-Request" in response["Vary"]


def test_plan_so_far_uses_unsaved_answers_from_the_form(physician_client, completed_draft):
    url = reverse("wizard:preview", args=[completed_draft.pk])
    response = physician_client.get(url, {"etiology": "infection"}, headers=HTMX)
    assert "Plasma exchange: not indicated" in response.content.decode()
    completed_draft.refresh_from_db()
    assert completed_draft.answers["etiology"] == "gpa"


def test_plan_so_far_ignores_invalid_unsaved_text(physician_client, completed_draft):
    url = reverse("wizard:preview", args=[completed_draft.pk])
    response = physician_client.get(url, {"creatinine_value": "abc"}, headers=HTMX)
    assert response.status_code == 200
    assert "Plasma exchange:" in response.content.decode()


def test_review_lists_answers_with_edit_links(physician_client, completed_draft):
    html = physician_client.get(reverse("wizard:review", args=[completed_draft.pk])).content.decode()
    assert "1.8 mg/dL = 159.12 µmol/L" in html
    assert "High-flow oxygen" in html
    assert html.count(">Edit<") == 5


def test_see_the_plan_posts_then_redirects_to_the_plan(physician_client, completed_draft):
    response = physician_client.post(reverse("wizard:review", args=[completed_draft.pk]))
    assert response.url == reverse("wizard:plan", args=[completed_draft.pk])
