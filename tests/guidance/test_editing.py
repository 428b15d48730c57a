"""The editing services every write path calls: locking, review invalidation, nothing referenced deleted."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from dahguide.guidance.editing import CONFLICT_MESSAGE, content_delete, content_delete_problems, content_save
from dahguide.guidance.models import Citation, Dose, GuidelineVersion, Recommendation, Threshold

pytestmark = pytest.mark.django_db

Status = GuidelineVersion.Status


@pytest.fixture
def platelet_rec(editor_draft) -> Recommendation:
    return Recommendation.objects.get(version=editor_draft, code="platelet_transfusion")


def test_a_save_opened_before_another_is_refused(platelet_rec, content_editor):
    opened = platelet_rec.lock_version
    content_save(instance=Recommendation.objects.get(pk=platelet_rec.pk), user=content_editor, lock_version=opened)
    platelet_rec.title = "Late"
    with pytest.raises(ValidationError, match="changed by someone else"):
        content_save(instance=platelet_rec, user=content_editor, lock_version=opened)
    assert CONFLICT_MESSAGE.startswith("This item was changed")


def test_a_save_bumps_the_lock_version(platelet_rec, content_editor):
    before = platelet_rec.lock_version
    content_save(instance=platelet_rec, user=content_editor, lock_version=before)
    assert Recommendation.objects.get(pk=platelet_rec.pk).lock_version == before + 1


def test_a_save_runs_the_models_rules(platelet_rec, content_editor):
    threshold = Threshold.objects.get(version=platelet_rec.version, code="platelet_transfusion_10e9_per_l")
    threshold.value = threshold.plausible_max + 1
    with pytest.raises(ValidationError, match="outside the plausible range"):
        content_save(instance=threshold, user=content_editor)


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.UNDER_REVIEW, Status.APPROVED])
def test_a_service_save_returns_a_reviewed_version_to_draft(platelet_rec, content_editor, move_to, status):
    version = move_to(platelet_rec.version, status)
    platelet_rec.refresh_from_db()
    platelet_rec.title = "Reworded"
    content_save(instance=platelet_rec, user=content_editor)
    assert GuidelineVersion.objects.get(pk=version.pk).status == Status.DRAFT


def test_a_save_that_changed_nothing_keeps_the_review(platelet_rec, content_editor, move_to):
    version = move_to(platelet_rec.version, Status.UNDER_REVIEW)
    platelet_rec.refresh_from_db()
    content_save(instance=platelet_rec, user=content_editor, edited=False)
    assert GuidelineVersion.objects.get(pk=version.pk).status == Status.UNDER_REVIEW


def test_a_recommendation_golden_cases_expect_is_not_deleted(platelet_rec, content_editor):
    with pytest.raises(ValidationError, match="Golden case.* expect.* 'platelet_transfusion'"):
        content_delete(instance=platelet_rec, user=content_editor)
    assert Recommendation.objects.filter(pk=platelet_rec.pk).exists()


def test_a_recommendation_its_stances_name_is_not_deleted(platelet_rec):
    assert any("stances of this version name" in p for p in content_delete_problems(platelet_rec))


def test_a_threshold_the_engine_reads_is_not_deleted(editor_draft):
    threshold = Threshold.objects.get(version=editor_draft, code="plex_creatinine_mg_dl")
    assert content_delete_problems(threshold) == [
        "The engine reads the threshold 'plex_creatinine_mg_dl': a version without it cannot be published. "
        "Change it instead."
    ]


def test_a_cited_citation_is_not_deleted(editor_draft):
    citation = Citation.objects.filter(version=editor_draft, recommendations__isnull=False).first()
    assert "is cited by" in content_delete_problems(citation)[0]


def test_a_dose_a_golden_case_expects_is_not_deleted(editor_draft):
    from dahguide.guidance.models import GoldenCase

    dose = Dose.objects.filter(version=editor_draft).first()
    GoldenCase.objects.filter(pk=GoldenCase.objects.first().pk).update(expected_doses={dose.code: None})
    assert f"the dose '{dose.code}'" in content_delete_problems(dose)[0]


def test_an_unreferenced_item_is_deleted_and_the_review_lapses(editor_draft, content_editor, move_to):
    citation = Citation.objects.create(version=editor_draft, key="uncited", label="Uncited", reference="Test only.")
    version = move_to(editor_draft, Status.SUBMITTED)
    content_delete(instance=citation, user=content_editor)
    assert not Citation.objects.filter(pk=citation.pk).exists()
    assert GuidelineVersion.objects.get(pk=version.pk).status == Status.DRAFT


def test_the_admin_offers_no_delete_for_a_referenced_item(client, content_editor, platelet_rec):
    client.force_login(content_editor)
    page = client.get(reverse("admin:guidance_recommendation_change", args=[platelet_rec.pk])).content.decode()
    assert reverse("admin:guidance_recommendation_delete", args=[platelet_rec.pk]) not in page


def test_the_admin_refuses_to_delete_a_referenced_item(client, content_editor, platelet_rec):
    client.force_login(content_editor)
    response = client.post(reverse("admin:guidance_recommendation_delete", args=[platelet_rec.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert Recommendation.objects.filter(pk=platelet_rec.pk).exists()


def test_the_admin_lists_offer_no_bulk_delete(client, content_editor, editor_draft):
    client.force_login(content_editor)
    response = client.get(reverse("admin:guidance_citation_changelist"))
    assert "delete_selected" not in response.content.decode()


# --- editing in clinical terms -----------------------------------------------------------------


def test_a_threshold_value_is_shown_without_trailing_zeros(client, content_editor, editor_draft):
    threshold = Threshold.objects.get(version=editor_draft, code="plex_creatinine_mg_dl")
    client.force_login(content_editor)
    page = client.get(reverse("admin:guidance_threshold_change", args=[threshold.pk])).content.decode()
    assert 'name="value" value="3.4"' in page


def test_the_threshold_list_shows_creatinine_in_both_units(client, content_editor, editor_draft):
    client.force_login(content_editor)
    page = client.get(reverse("admin:guidance_threshold_changelist") + "?q=plex_creatinine").content.decode()
    assert "3.4 mg/dL (300 µmol/L)" in page and "3.4000" not in page


def test_an_editor_cannot_change_a_thresholds_code_or_unit(client, content_editor, editor_draft):
    threshold = Threshold.objects.get(version=editor_draft, code="plex_creatinine_mg_dl")
    client.force_login(content_editor)
    page = client.get(reverse("admin:guidance_threshold_change", args=[threshold.pk])).content.decode()
    assert 'name="code"' not in page and 'name="unit"' not in page


def test_wording_that_names_a_threshold_follows_it(editor_draft):
    from dahguide.guidance.documents import guideline_compile
    from dahguide.guidance.models import GuidanceText

    GuidanceText.objects.filter(version=editor_draft, code="criterion_creatinine_over_3_4_mg_dl").update(
        text="Serum creatinine above {threshold:plex_creatinine_mg_dl}"
    )
    Threshold.objects.filter(version=editor_draft, code="plex_creatinine_mg_dl").update(value="3.5")
    texts = guideline_compile(version=editor_draft)["texts"]
    assert texts["criterion_creatinine_over_3_4_mg_dl"] == "Serum creatinine above 3.5 mg/dL (310 µmol/L)"


def test_a_placeholder_naming_no_threshold_is_refused(editor_draft):
    from dahguide.guidance.models import GuidanceText

    text = GuidanceText.objects.get(version=editor_draft, code="criterion_creatinine_over_3_4_mg_dl")
    text.text = "Creatinine above {threshold:no_such_threshold}"
    with pytest.raises(ValidationError, match="names no threshold of this version"):
        text.full_clean()


def test_a_new_draft_keeps_the_placeholder(editor_draft, content_editor, move_to, clinical_reviewer):
    from dahguide.guidance.models import GuidanceText
    from dahguide.guidance.workflow import version_create_draft, version_publish

    GuidanceText.objects.filter(version=editor_draft, code="criterion_creatinine_over_3_4_mg_dl").update(
        text="Serum creatinine above {threshold:plex_creatinine_mg_dl}"
    )
    published = version_publish(version=move_to(editor_draft, Status.APPROVED), user=clinical_reviewer)
    assert published.snapshot["texts"]["criterion_creatinine_over_3_4_mg_dl"].endswith("3.4 mg/dL (300 µmol/L)")
    draft = version_create_draft(user=content_editor)
    assert GuidanceText.objects.get(version=draft, code="criterion_creatinine_over_3_4_mg_dl").text.endswith(
        "{threshold:plex_creatinine_mg_dl}"
    )
