"""Feedback next to the content editors edit: the workspace's link and each recommendation's counts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dahguide.guidance.models import GuidelineVersion, Recommendation

from .conftest import login, mark_data, mark_url

pytestmark = pytest.mark.django_db


def test_the_workspace_links_the_feedback_counts(client, content_editor, published_guideline):
    login(client, content_editor)
    html = client.get(reverse("admin:guidance_guidelineversion_workspace")).content.decode()
    assert 'id="from-other-apps"' in html
    assert reverse("feedback:overview") in html


def test_a_recommendations_admin_page_shows_how_often_it_was_not_followed(
    client, physician, content_editor, revision, code, django_assert_max_num_queries
):
    login(client, physician)
    assert client.post(mark_url(revision.case), mark_data(revision, code, "patient_preference")).status_code == 302
    version = GuidelineVersion.objects.get(number=revision.guideline_version)
    recommendation = Recommendation.objects.get(version=version, code=code)
    login(client, content_editor)
    url = reverse("admin:guidance_recommendation_change", args=[recommendation.pk])
    with django_assert_max_num_queries(60):
        html = client.get(url).content.decode()
    assert 'id="recommendation-panels"' in html
    assert f"How often it was not followed (version {version.number})" in html
    assert "Patient or family preference: 1" in html
    assert reverse("feedback:version", args=[version.number]) + f"#rec-{code}" in html
    panel = html[html.index('id="recommendation-panels"') :]
    panel = panel[: panel.index("</section>")]
    assert physician.username not in panel  # counts only, never who


def test_a_recommendation_never_shown_reads_zero(content_editor, published_guideline, rf):
    from dahguide.feedback import panels

    recommendation = Recommendation.objects.filter(version__status="published").first()
    request = rf.get("/")
    request.user = content_editor
    html = panels.recommendation_panel(request, recommendation)
    assert "How often it was not followed" in html
    assert html.count('<td class="text-end">0</td>') == 6  # shown, followed, not followed; both sources
