"""The reviewers' pages in the admin: review, transition forms, golden cases, impact, diff, new draft."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dahguide.guidance.impact import register_impact_source
from dahguide.guidance.models import Dose, GuidelineVersion, Recommendation, Stance, Threshold
from dahguide.guidance.services import guideline_import
from dahguide.guidance.workflow import version_create_draft
from tests.guidance.helpers import PAEDIATRIC_PULSE, as_action

pytestmark = pytest.mark.django_db

Status = GuidelineVersion.Status


def review_url(version) -> str:
    return reverse("admin:guidance_guidelineversion_review", args=[version.pk])


def transition_url(version, action: str) -> str:
    return reverse("admin:guidance_guidelineversion_transition", args=[version.pk, action])


def lower_platelet_threshold(version, value: int) -> None:
    Threshold.objects.filter(version=version, code="platelet_transfusion_10e9_per_l").update(value=value)


# --- creating a draft --------------------------------------------------------------------------


def test_add_version_page_offers_a_copy_of_the_published_version(client, content_editor, published_guideline):
    client.force_login(content_editor)
    response = client.get(reverse("admin:guidance_guidelineversion_add"))
    assert "exact copy of version 1" in response.content.decode()


def test_editor_creates_a_draft_copy_and_lands_on_its_review_page(
    client, content_editor, published_guideline, golden_cases
):
    client.force_login(content_editor)
    response = client.post(reverse("admin:guidance_guidelineversion_add"), {"title": "Spring update"})
    draft = GuidelineVersion.objects.get(number=2)
    assert response.url == review_url(draft)
    assert (draft.title, Recommendation.objects.filter(version=draft).count()) == (
        "Spring update",
        Recommendation.objects.filter(version=published_guideline).count(),
    )


def test_reviewer_cannot_create_a_draft(client, clinical_reviewer, published_guideline):
    client.force_login(clinical_reviewer)
    assert client.post(reverse("admin:guidance_guidelineversion_add"), {"title": "X"}).status_code == 403


def test_second_draft_is_refused_with_a_message(client, content_editor, editor_draft):
    client.force_login(content_editor)
    response = client.post(reverse("admin:guidance_guidelineversion_add"), {"title": "Another"}, follow=True)
    assert "Version 2 is already being prepared" in response.content.decode()
    assert not GuidelineVersion.objects.filter(number=3).exists()


# --- review page and transition forms ----------------------------------------------------------


def test_review_page_shows_status_and_the_workflow_log(client, clinical_reviewer, editor_draft, move_to):
    move_to(editor_draft, Status.SUBMITTED)
    client.force_login(clinical_reviewer)
    html = client.get(review_url(editor_draft)).content.decode()
    assert "Submitted for review" in html
    assert "Copy of version 1." in html


def test_review_page_offers_the_reviewer_take_under_review(client, clinical_reviewer, editor_draft, move_to):
    move_to(editor_draft, Status.SUBMITTED)
    client.force_login(clinical_reviewer)
    html = client.get(review_url(editor_draft)).content.decode()
    assert f'action="{transition_url(editor_draft, "take")}"' in html


def test_review_page_offers_the_editor_no_review_step(client, content_editor, editor_draft, move_to):
    move_to(editor_draft, Status.SUBMITTED)
    client.force_login(content_editor)
    html = client.get(review_url(editor_draft)).content.decode()
    assert transition_url(editor_draft, "take") not in html


def test_review_page_forms_carry_a_csrf_token(client, content_editor, editor_draft):
    client.force_login(content_editor)
    html = client.get(review_url(editor_draft)).content.decode()
    assert html.count('name="csrfmiddlewaretoken"') >= 2  # the submit form and the logout form


def test_editor_submits_through_the_form(client, content_editor, editor_draft):
    client.force_login(content_editor)
    response = client.post(transition_url(editor_draft, "submit"), {"text": "Platelet threshold lowered to 30."})
    editor_draft.refresh_from_db()
    assert response.status_code == 302
    assert (editor_draft.status, editor_draft.change_summary) == (Status.SUBMITTED, "Platelet threshold lowered to 30.")


def test_submit_without_summary_shows_why(client, content_editor, editor_draft):
    client.force_login(content_editor)
    response = client.post(transition_url(editor_draft, "submit"), {"text": ""}, follow=True)
    assert "Describe what changed" in response.content.decode()


def test_transition_refused_by_role_is_403(client, content_editor, editor_draft, move_to):
    move_to(editor_draft, Status.SUBMITTED)
    client.force_login(content_editor)
    assert client.post(transition_url(editor_draft, "take")).status_code == 403


def test_transition_needs_post(client, clinical_reviewer, editor_draft):
    client.force_login(clinical_reviewer)
    assert client.get(transition_url(editor_draft, "take")).status_code == 405


def test_transition_without_csrf_token_is_refused(content_editor, editor_draft):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(content_editor)
    assert client.post(transition_url(editor_draft, "submit"), {"text": "x"}).status_code == 403


def test_failed_approval_lists_the_failing_golden_cases(client, clinical_reviewer, editor_draft, move_to):
    lower_platelet_threshold(editor_draft, 10)
    move_to(editor_draft, Status.UNDER_REVIEW)
    client.force_login(clinical_reviewer)
    response = client.post(transition_url(editor_draft, "approve"), follow=True)
    assert "hsct_on_oxygen_not_indicated_with_hypoxemia_criterion_met" in response.content.decode()
    editor_draft.refresh_from_db()
    assert editor_draft.status == Status.UNDER_REVIEW


def test_review_page_warns_the_submitter_of_the_two_person_rule(
    client, editor_reviewer, clinical_reviewer, editor_draft
):
    from dahguide.guidance.workflow import version_submit, version_take_for_review

    version_submit(version=editor_draft, user=editor_reviewer, change_summary="Wording.")
    version_take_for_review(version=editor_draft, user=clinical_reviewer)
    client.force_login(editor_reviewer)
    assert "two-person rule" in client.get(review_url(editor_draft)).content.decode()


def test_reviewer_publishes_and_the_previous_version_is_retired(
    client, clinical_reviewer, editor_draft, move_to, published_guideline
):
    move_to(editor_draft, Status.APPROVED)
    client.force_login(clinical_reviewer)
    client.post(transition_url(editor_draft, "publish"))
    statuses = dict(GuidelineVersion.objects.values_list("number", "status"))
    assert statuses == {1: Status.RETIRED, 2: Status.PUBLISHED}


def test_version_change_page_shows_the_workflow_log(client, content_editor, editor_draft):
    client.force_login(content_editor)
    html = client.get(reverse("admin:guidance_guidelineversion_change", args=[editor_draft.pk])).content.decode()
    assert "Workflow log" in html and "Copy of version 1." in html


def test_review_page_shows_every_change_the_reviewer_approves(client, clinical_reviewer, editor_draft):
    lower_platelet_threshold(editor_draft, 30)
    Recommendation.objects.filter(version=editor_draft, code="platelet_transfusion").update(title="Transfuse platelets")
    client.force_login(clinical_reviewer)
    html = client.get(review_url(editor_draft)).content.decode()
    changes = html.split('id="changes"', 1)[1]
    assert "50 → 30 ×10⁹/L" in changes
    assert "<del>Platelet transfusion</del> <ins>Transfuse platelets</ins>" in changes


@pytest.fixture
def draft_of_an_action(published_guideline, guideline_document, content_editor) -> GuidelineVersion:
    """A draft copy of a published version in which the glucocorticoid pulse is an action with a dose."""
    document = as_action(guideline_document, "glucocorticoid_pulse", doses=(PAEDIATRIC_PULSE,))
    guideline_import(document=document, publish=True)
    return version_create_draft(user=content_editor)


@pytest.mark.parametrize("page", ["review", "diff"])
def test_stance_and_dose_changes_read_in_clinical_words(client, clinical_reviewer, draft_of_an_action, page):
    Stance.objects.filter(version=draft_of_an_action, code="glucocorticoid_pulse__low_platelets").update(
        stance="withheld", text="Not below the platelet limit."
    )
    Dose.objects.filter(version=draft_of_an_action, code=PAEDIATRIC_PULSE["code"]).update(amount=25)
    client.force_login(clinical_reviewer)
    url = review_url(draft_of_an_action) if page == "review" else reverse("admin:guidance_guidelineversion_diff")
    html = client.get(url).content.decode()
    assert '<span class="diff-field">Low platelets:</span> unchanged → <strong>withheld</strong>' in html
    assert '<span class="diff-field">amount</span> 30 → 25 mg/kg' in html


# --- FHIR exports of a version -----------------------------------------------------------------


def version_change_url(version) -> str:
    return reverse("admin:guidance_guidelineversion_change", args=[version.pk])


def export_urls(version) -> list[str]:
    return [reverse(f"api:version_{name}", args=[version.number]) for name in ("questionnaire", "plandefinition")]


@pytest.mark.parametrize("page", [version_change_url, review_url], ids=["change", "review"])
def test_published_version_pages_link_its_fhir_exports(client, content_editor, published_guideline, page):
    client.force_login(content_editor)
    html = client.get(page(published_guideline)).content.decode()
    assert all(f'href="{url}"' in html for url in export_urls(published_guideline))


def test_fhir_export_links_of_a_version_download_its_resources(client, content_editor, published_guideline):
    client.force_login(content_editor)  # the admin's session is enough for the API
    responses = [client.get(url) for url in export_urls(published_guideline)]
    assert [(r.status_code, r.json()["resourceType"]) for r in responses] == [
        (200, "Questionnaire"),
        (200, "PlanDefinition"),
    ]


@pytest.mark.parametrize("page", [version_change_url, review_url], ids=["change", "review"])
def test_draft_pages_say_the_fhir_exports_come_with_publication(client, content_editor, editor_draft, page):
    client.force_login(content_editor)
    html = client.get(page(editor_draft)).content.decode()
    assert "Available once this version is published" in html
    assert not any(url in html for url in export_urls(editor_draft))  # the API serves frozen versions only


# --- golden cases, impact and diff pages -------------------------------------------------------


def test_golden_page_lists_every_case_passing_against_the_copy(client, clinical_reviewer, editor_draft, golden_cases):
    client.force_login(clinical_reviewer)
    html = client.get(reverse("admin:guidance_guidelineversion_golden", args=[editor_draft.pk])).content.decode()
    assert f"{golden_cases} active golden cases" in html
    assert "FAILS" not in html


def test_golden_page_shows_the_failing_expectation(client, clinical_reviewer, editor_draft):
    lower_platelet_threshold(editor_draft, 10)
    client.force_login(clinical_reviewer)
    html = client.get(reverse("admin:guidance_guidelineversion_golden", args=[editor_draft.pk])).content.decode()
    assert "The recommendation platelet_transfusion is not in the plan but was expected." in html


def test_impact_page_shows_the_affected_golden_case_side_by_side(client, clinical_reviewer, editor_draft):
    lower_platelet_threshold(editor_draft, 10)
    client.force_login(clinical_reviewer)
    html = client.get(reverse("admin:guidance_guidelineversion_impact", args=[editor_draft.pk])).content.decode()
    assert "hsct_on_oxygen_not_indicated_with_hypoxemia_criterion_met" in html
    assert "Recommendation removed</td><td>platelet_transfusion" in html


def test_impact_page_shows_a_dose_change_side_by_side(client, clinical_reviewer, editor_draft):
    Dose.objects.filter(version=editor_draft, code="methylprednisolone_pulse_paediatric").update(amount=20)
    register_impact_source("Ward", lambda: [("child", "", {"etiology": "mpa", "age_years": 10, "weight_kg": 25})])
    client.force_login(clinical_reviewer)
    html = client.get(reverse("admin:guidance_guidelineversion_impact", args=[editor_draft.pk])).content.decode()
    assert "<td>Dose methylprednisolone_pulse_paediatric</td><td>750 mg</td><td><strong>500 mg</strong></td>" in html


def test_impact_page_lists_registered_sources(client, clinical_reviewer, editor_draft):
    register_impact_source(
        "Test patients", lambda: [("Case 17", "/cases/17/", {"etiology": "hsct", "platelets_10e9_per_l": 20})]
    )
    lower_platelet_threshold(editor_draft, 10)
    client.force_login(clinical_reviewer)
    html = client.get(reverse("admin:guidance_guidelineversion_impact", args=[editor_draft.pk])).content.decode()
    assert '<a href="/cases/17/">Case 17</a>' in html


def test_impact_page_says_when_nothing_changes(client, clinical_reviewer, editor_draft):
    client.force_login(clinical_reviewer)
    html = client.get(reverse("admin:guidance_guidelineversion_impact", args=[editor_draft.pk])).content.decode()
    assert "No patient&#x27;s plan changes." in html or "No patient's plan changes." in html


def test_diff_page_compares_the_draft_with_the_published_version_by_default(client, clinical_reviewer, editor_draft):
    Threshold.objects.filter(version=editor_draft, code="platelet_transfusion_10e9_per_l").update(value=30)
    client.force_login(clinical_reviewer)
    html = client.get(reverse("admin:guidance_guidelineversion_diff")).content.decode()
    assert "Version 1 (published) → version 2 (draft)" in html
    assert "50 → 30 ×10⁹/L" in html


def test_diff_page_marks_changed_words(client, clinical_reviewer, editor_draft):
    Recommendation.objects.filter(version=editor_draft, code="platelet_transfusion").update(title="Transfuse platelets")
    client.force_login(clinical_reviewer)
    html = client.get(reverse("admin:guidance_guidelineversion_diff")).content.decode()
    assert "<del>Platelet transfusion</del> <ins>Transfuse platelets</ins>" in html


def test_diff_page_compares_any_two_versions_chosen(client, clinical_reviewer, published_guideline, guideline_document):
    guideline_import(document=guideline_document, publish=True)  # version 2, same content
    client.force_login(clinical_reviewer)
    html = client.get(reverse("admin:guidance_guidelineversion_diff") + "?old=2&new=1").content.decode()
    assert "Version 2 (published) → version 1 (retired)" in html
    assert "No content changed." in html


def test_diff_page_ignores_an_unknown_version_number(client, clinical_reviewer, editor_draft):
    client.force_login(clinical_reviewer)
    response = client.get(reverse("admin:guidance_guidelineversion_diff") + "?old=99&new=abc")
    assert response.status_code == 200


# --- markdown preview --------------------------------------------------------------------------


def test_recommendation_page_previews_the_saved_text_sanitised(client, content_editor, editor_draft):
    recommendation = Recommendation.objects.get(version=editor_draft, code="platelet_transfusion")
    recommendation.text = "**Give** platelets <script>alert(1)</script> [x](javascript:alert(1))"
    recommendation.save()
    client.force_login(content_editor)
    html = client.get(reverse("admin:guidance_recommendation_change", args=[recommendation.pk])).content.decode()
    preview = html.split('class="guidance-markdown-preview">', 1)[1].split("</div>", 1)[0]
    assert preview == (
        "<p><strong>Give</strong> platelets &lt;script&gt;alert(1)&lt;/script&gt; "
        '<a rel="noopener noreferrer">x</a></p>'
    )


# --- query counts ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["review", "golden", "impact"])
def test_version_pages_use_a_bounded_number_of_queries(
    client, clinical_reviewer, editor_draft, django_assert_max_num_queries, name
):
    client.force_login(clinical_reviewer)
    url = reverse(f"admin:guidance_guidelineversion_{name}", args=[editor_draft.pk])
    client.get(url)  # warm the published snapshot cache and the session
    with django_assert_max_num_queries(60):
        assert client.get(url).status_code == 200


def test_diff_page_uses_a_bounded_number_of_queries(
    client, clinical_reviewer, editor_draft, django_assert_max_num_queries
):
    client.force_login(clinical_reviewer)
    with django_assert_max_num_queries(40):
        assert client.get(reverse("admin:guidance_guidelineversion_diff")).status_code == 200


def test_review_page_queries_do_not_grow_with_the_content(
    client, clinical_reviewer, editor_draft, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(clinical_reviewer)
    url = review_url(editor_draft)
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    source = Recommendation.objects.filter(version=editor_draft).first()
    for n in range(10):
        copy = Recommendation.objects.create(
            version=editor_draft, code=f"extra_{n}", section=source.section, title="Extra", text="Extra."
        )
        copy.citations.set(source.citations.all())
        copy.conditions.create(group=1, fact="active_dah", op="is_true")
    with CaptureQueriesContext(connection) as after:
        client.get(url)
    assert len(after.captured_queries) == len(before.captured_queries)
