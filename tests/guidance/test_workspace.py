"""The editors' workspace, the submit gate (golden cases, change notes) and the reviewer's clinical words."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from dahguide.guidance.golden import golden_case_check, patient_summary
from dahguide.guidance.models import ChangeNote, GoldenCase, GuidelineVersion, Recommendation, Threshold
from dahguide.guidance.selectors import get_published_snapshot
from dahguide.guidance.workflow import submission_check, version_submit
from dahguide.guidance.workspace import workspace_for

pytestmark = pytest.mark.django_db

Status = GuidelineVersion.Status
WORKSPACE = reverse("admin:guidance_guidelineversion_workspace")
HSCT = "hsct_on_oxygen_not_indicated_with_hypoxemia_criterion_met"


@pytest.fixture
def failing_draft(editor_draft) -> GuidelineVersion:
    """The editor's draft with the platelet-transfusion threshold lowered to 10: the HSCT case fails."""
    Threshold.objects.filter(version=editor_draft, code="platelet_transfusion_10e9_per_l").update(value=10)
    return editor_draft


def _edit_recommendation(version: GuidelineVersion) -> None:
    Recommendation.objects.filter(version=version, code="platelet_transfusion").update(title="Platelets")


# --- clinical words ----------------------------------------------------------------------------


def test_a_patient_reads_as_a_clinician_says_it():
    intake = {"etiology": "mpa", "creatinine_value": 3.41, "creatinine_unit": "mg/dL"}
    assert patient_summary(intake) == "MPA, creatinine 3.41 mg/dL"


def test_micromoles_read_with_the_micro_sign():
    assert patient_summary({"creatinine_value": 301, "creatinine_unit": "umol/L"}) == "creatinine 301 µmol/L"


def test_a_decision_change_reads_in_clinical_words(golden_cases, published_guideline):
    case = GoldenCase.objects.get(name="creatinine_3_41_mg_dl_meets_criterion")
    case.expected_decision = "not_indicated"  # as if the content had moved the decision
    result = golden_case_check(case, get_published_snapshot())
    decision = next(c for c in result.checks if c.expectation == "decision")
    assert decision.clinical == "plasma exchange would change from not indicated to consider"
    assert result.clinical_failures[0] == (
        "GPA, creatinine 3.41 mg/dL, SpO₂ 96% on room air: plasma exchange would change from not indicated to consider"
    )


def test_a_lost_recommendation_is_named_by_its_title(failing_draft):
    from dahguide.engine.content import Snapshot
    from dahguide.guidance.documents import guideline_compile

    result = golden_case_check(
        GoldenCase.objects.get(name=HSCT), Snapshot.from_dict(guideline_compile(version=failing_draft))
    )
    assert "“Platelet transfusion” would no longer be in the plan" in result.changes


# --- the submit gate ---------------------------------------------------------------------------


def test_a_failing_draft_is_not_submitted_without_a_reason(failing_draft, content_editor):
    with pytest.raises(ValidationError) as exc:
        version_submit(version=failing_draft, user=content_editor, change_summary="Threshold 10.")
    assert any("Say why you submit it anyway" in m for m in exc.value.messages)
    assert any("would no longer be in the plan" in m for m in exc.value.messages)
    assert GuidelineVersion.objects.get(pk=failing_draft.pk).status == Status.DRAFT


def test_the_reason_and_the_failures_are_kept_in_the_log(failing_draft, content_editor):
    version = version_submit(
        version=failing_draft, user=content_editor, change_summary="Threshold 10.", golden_reason="Source says 10."
    )
    comment = version.transitions.last().comment
    assert "Submitted with 1 failing golden case(s)" in comment
    assert "Reason: Source says 10." in comment


def test_a_changed_recommendation_needs_a_change_note(editor_draft, content_editor):
    _edit_recommendation(editor_draft)
    with pytest.raises(ValidationError, match="change note for physicians .* platelet_transfusion"):
        version_submit(version=editor_draft, user=content_editor, change_summary="Title.")


def test_a_change_note_lets_the_draft_through(editor_draft, content_editor):
    _edit_recommendation(editor_draft)
    ChangeNote.objects.create(version=editor_draft, recommendation="platelet_transfusion", text="Shorter title.")
    version = version_submit(version=editor_draft, user=content_editor, change_summary="Title.")
    assert version.status == Status.SUBMITTED


def test_a_changed_stance_counts_as_a_changed_recommendation(editor_draft):
    from dahguide.guidance.models import Stance

    stance = Stance.objects.filter(version=editor_draft).first()
    Stance.objects.filter(pk=stance.pk).update(text="Reworded.")
    assert stance.recommendation in submission_check(version=editor_draft).changed


def test_an_unchanged_copy_needs_no_note(editor_draft):
    assert submission_check(version=editor_draft).missing_notes == ()


# --- the workspace -----------------------------------------------------------------------------


def test_the_editors_draft_is_theirs(editor_draft, content_editor):
    workspace = workspace_for(user=content_editor)
    assert [entry.version for entry in workspace.my_drafts] == [editor_draft]


def test_another_editor_sees_it_as_someone_elses(editor_draft, django_user_model):
    from django.contrib.auth.models import Group

    other = django_user_model.objects.create_user(username="editor2", password="x-x-x-x", is_staff=True)
    other.groups.add(Group.objects.get(name="content_editor"))
    workspace = workspace_for(user=other)
    assert (workspace.my_drafts, [e.version for e in workspace.other_drafts]) == ((), [editor_draft])


def test_a_submitted_version_waits_for_the_reviewer(editor_draft, move_to, clinical_reviewer):
    version = move_to(editor_draft, Status.SUBMITTED)
    assert [entry.version for entry in workspace_for(user=clinical_reviewer).waiting_for_review] == [version]


def test_the_published_version_is_listed_as_recently_published(published_guideline, content_editor):
    assert list(workspace_for(user=content_editor).recently_published) == [published_guideline]


def test_the_workspace_page_shows_the_drafts_failing_case(client, content_editor, failing_draft):
    client.force_login(content_editor)
    page = client.get(WORKSPACE).content.decode()
    assert "Golden cases: 1 fail" in page
    assert "DAH after HSCT, on supplemental oxygen, platelets 20 ×10⁹/L" in page


def test_the_workspace_page_offers_a_new_draft_when_none_is_open(client, content_editor, published_guideline):
    client.force_login(content_editor)
    assert "Start a new draft" in client.get(WORKSPACE).content.decode()


def test_the_admin_links_the_workspace(client, content_editor, published_guideline):
    client.force_login(content_editor)
    assert WORKSPACE in client.get(reverse("admin:index")).content.decode()


def test_the_workspace_page_has_bounded_queries(client, content_editor, failing_draft, django_assert_max_num_queries):
    client.force_login(content_editor)
    with django_assert_max_num_queries(80):
        assert client.get(WORKSPACE).status_code == 200


def test_the_review_page_shows_the_failure_and_asks_why_before_submit(client, content_editor, failing_draft):
    client.force_login(content_editor)
    page = client.get(reverse("admin:guidance_guidelineversion_review", args=[failing_draft.pk])).content.decode()
    assert 'id="submit-golden"' in page and 'name="reason"' in page
    assert "“Platelet transfusion” would no longer be in the plan" in page


def test_a_registered_workspace_panel_is_shown(client, content_editor, published_guideline):
    from django.utils.html import format_html

    from dahguide.guidance import extensions

    def panel(request):
        return format_html("<p>{}</p>", "Feedback counts here")

    extensions.register_workspace_panel(panel)
    try:
        client.force_login(content_editor)
        assert "Feedback counts here" in client.get(WORKSPACE).content.decode()
    finally:
        extensions._WORKSPACE_PANELS.remove(panel)


# --- what changed, for physicians --------------------------------------------------------------


@pytest.fixture
def noted_publication(editor_draft, move_to, clinical_reviewer) -> GuidelineVersion:
    from dahguide.guidance.workflow import version_publish

    _edit_recommendation(editor_draft)
    ChangeNote.objects.create(version=editor_draft, recommendation="platelet_transfusion", text="Shorter title.")
    return version_publish(version=move_to(editor_draft, Status.APPROVED), user=clinical_reviewer)


def test_what_changed_lists_the_notes_by_version(client, physician, noted_publication):
    client.force_login(physician)
    page = client.get(reverse("guidance:what_changed")).content.decode()
    assert "Version 2" in page and "<strong>Platelets</strong>: Shorter title." in page


def test_what_changed_has_bounded_queries(client, physician, noted_publication, django_assert_max_num_queries):
    client.force_login(physician)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("guidance:what_changed")).status_code == 200


def _plan_under_published(intake: dict) -> dict:
    from dahguide.engine.intake import parse_intake
    from dahguide.engine.plan import evaluate

    return evaluate(parse_intake(intake, implausible="unknown"), get_published_snapshot()).to_dict()


PLATELETS_LOW = {"etiology": "hsct", "oxygen_support": "supplemental_oxygen", "platelets_10e9_per_l": 20}


def test_a_plan_marks_a_recommendation_the_current_version_changed(noted_publication):
    from dahguide.plans.display import changed_marks, plan_view

    doc = _plan_under_published(PLATELETS_LOW)
    plan = plan_view(doc, changed=changed_marks(get_published_snapshot()))
    recommendation = next(r for s in plan.sections for r in s.recommendations if r.code == "platelet_transfusion")
    assert recommendation.changed == "Shorter title."


def test_the_mark_ends_after_the_configured_days(noted_publication, settings):
    from datetime import timedelta

    from django.db.models import QuerySet
    from django.utils import timezone

    from dahguide.plans.display import changed_marks

    settings.DAHGUIDE_CHANGED_MARK_DAYS = 30
    # Published 31 days ago (past the model's guard: the test moves time, not content).
    QuerySet(GuidelineVersion).filter(pk=noted_publication.pk).update(published_at=timezone.now() - timedelta(days=31))
    assert changed_marks(get_published_snapshot()) == {}


def test_no_marks_when_the_setting_is_zero(noted_publication, settings):
    from dahguide.plans.display import changed_marks

    settings.DAHGUIDE_CHANGED_MARK_DAYS = 0
    assert changed_marks(get_published_snapshot()) == {}


def test_a_marked_recommendation_says_what_changed(noted_publication):
    from django.template.loader import render_to_string

    from dahguide.plans.display import changed_marks, plan_view

    doc = _plan_under_published(PLATELETS_LOW)
    html = render_to_string(
        "plans/_plan.html", {"plan": plan_view(doc, changed=changed_marks(get_published_snapshot()))}
    )
    assert "Changed in this version" in html and "What changed:</span> Shorter title." in html


def test_the_guideline_line_links_what_changed(published_guideline):
    from django.template.loader import render_to_string

    from dahguide.plans.display import plan_view

    html = render_to_string("plans/_guideline.html", {"plan": plan_view(_plan_under_published({}))})
    assert f'href="{reverse("guidance:what_changed")}#version-1"' in html


def test_a_registered_recommendation_panel_is_shown_on_its_page(client, content_editor, editor_draft):
    from django.utils.html import format_html

    from dahguide.guidance import extensions

    def panel(request, recommendation):
        return format_html("<p>Not followed: {}</p>", recommendation.code)

    extensions.register_recommendation_panel(panel)
    try:
        client.force_login(content_editor)
        rec = Recommendation.objects.get(version=editor_draft, code="platelet_transfusion")
        page = client.get(reverse("admin:guidance_recommendation_change", args=[rec.pk])).content.decode()
        assert "Not followed: platelet_transfusion" in page
    finally:
        extensions._RECOMMENDATION_PANELS.remove(panel)


def test_a_versions_change_notes_are_read_once_per_process(noted_publication, django_assert_num_queries):
    from dahguide.plans.display import changed_marks

    snapshot = get_published_snapshot()
    assert changed_marks(snapshot) == {"platelet_transfusion": "Shorter title."}
    with django_assert_num_queries(0):
        assert changed_marks(snapshot) == {"platelet_transfusion": "Shorter title."}
