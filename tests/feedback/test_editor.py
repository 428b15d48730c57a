"""In front of the editors: counts per version and recommendation from the app and the EHR, by
reason, a server-drawn chart, the CSV export; aggregates only, never a case or a user."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse

from dahguide.feedback import services
from dahguide.feedback.services import CardOutcome, IssuedCard
from dahguide.feedback.views import EXPORT_HEADER
from tests.cases.conftest import save_case

from .conftest import login

pytestmark = pytest.mark.django_db

CODE = "respiratory_support"  # an action of the saved case's plan (tests/cases/conftest.INTAKE)


@pytest.fixture
def feedback(physician, case, revision):
    """The case marked once at the bedside; one EHR card with the same recommendation overridden."""
    services.not_followed_record(
        revision=revision,
        user=physician,
        recommendation_code=CODE,
        reason_code="other",
        comment="A confidential bedside comment.",
    )
    card = "8c1f0a53-76fa-4d8e-9a43-0f0a4f1bd0a1"
    services.cds_cards_record(cards=[IssuedCard(card, "give_now", (CODE,))], guideline_version=1, issuer="ehr")
    services.cds_feedback_record(issuer="ehr", items=[CardOutcome(card, "overridden", "not_available")])


def version_page(client):
    return client.get(reverse("feedback:version", args=[1]))


def row_of(response, code):
    return next(r for r in response.context["version"].recommendations if r.code == code)


@pytest.mark.parametrize("role", ["content_editor", "clinical_reviewer"])
def test_content_roles_see_both_sources_by_reason(request, client, feedback, role):
    row = row_of(version_page(login(client, request.getfixturevalue(role))), CODE)
    assert (row.app.shown, row.app.followed, row.app.by_reason) == (1, 0, {"other": 1})
    assert (row.ehr.shown, row.ehr.accepted, row.ehr.by_reason) == (1, 0, {"not_available": 1})


def test_a_recommendation_shown_and_not_marked_counts_as_followed(client, content_editor, physician, feedback):
    save_case(physician, label="Second case")
    row = row_of(version_page(login(client, content_editor)), CODE)
    assert (row.app.shown, row.app.followed, row.app.not_followed) == (2, 1, 1)


def test_an_ehr_card_without_feedback_counts_as_no_feedback(client, content_editor, published_guideline):
    services.cds_cards_record(
        cards=[IssuedCard("0f7f7d6b-39a5-4c52-9d51-3f1bd1a9a111", "give_now", (CODE,))],
        guideline_version=1,
        issuer="ehr",
    )
    row = row_of(version_page(login(client, content_editor)), CODE)
    assert (row.ehr.shown, row.ehr.no_feedback) == (1, 1)


def test_the_page_shows_the_reasons_in_words(client, content_editor, feedback):
    html = version_page(login(client, content_editor)).content.decode()
    assert "Other: 1" in html and "Not available here (for example apheresis or ECMO): 1" in html


def test_the_page_never_shows_a_case_a_user_or_a_comment(client, content_editor, case, feedback):
    html = version_page(login(client, content_editor)).content.decode()
    assert case.label not in html
    assert "A confidential bedside comment." not in html
    assert reverse("cases:detail", args=[case.pk]) not in html
    assert ">physician<" not in html and "(physician," not in html


def test_the_chart_is_inline_svg_without_style_or_script(client, content_editor, feedback):
    html = version_page(login(client, content_editor)).content.decode()
    assert '<svg class="feedback-bar"' in html and 'class="seg seg-reason-other"' in html
    assert " style=" not in html and "<script>" not in html


def test_each_bar_says_its_numbers_in_words(client, content_editor, feedback):
    html = version_page(login(client, content_editor)).content.decode()
    assert 'aria-label="In DAH Guide: shown 1; other 1"' in html
    assert 'aria-label="From the EHR: shown 1; not available here (for example apheresis or ecmo) 1"' in html


def test_segments_are_shares_of_the_times_shown(client, content_editor, physician, feedback):
    save_case(physician, label="Second case")
    html = version_page(login(client, content_editor)).content.decode()
    assert re.search(r'class="seg seg-followed" x="0.0" y="0" width="50.0"', html)


@pytest.mark.parametrize("role", ["physician", "attending", "resident"])
def test_clinical_roles_do_not_see_the_aggregates(request, client, role, published_guideline):
    assert version_page(login(client, request.getfixturevalue(role))).status_code == 403


def test_an_unknown_version_is_404(client, content_editor, published_guideline):
    assert login(client, content_editor).get(reverse("feedback:version", args=[99])).status_code == 404


def test_the_overview_lists_each_version_with_its_totals(client, content_editor, feedback):
    response = login(client, content_editor).get(reverse("feedback:overview"))
    totals = response.context["versions"][0].totals
    assert (totals.app.not_followed, totals.ehr.not_followed) == (1, 1)
    assert reverse("feedback:version", args=[1]) in response.content.decode()


def export_rows(client):
    response = client.get(reverse("feedback:export"))
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_export_has_a_row_per_version_recommendation_and_source(client, content_editor, feedback):
    rows = export_rows(login(client, content_editor))
    app = next(r for r in rows if r["recommendation_code"] == CODE and r["source"] == "app")
    ehr = next(r for r in rows if r["recommendation_code"] == CODE and r["source"] == "ehr")
    assert (app["shown"], app["not_followed"], app["reason_other"]) == ("1", "1", "1")
    assert (ehr["shown"], ehr["not_followed"], ehr["reason_not_available"]) == ("1", "1", "1")


def test_the_export_holds_codes_and_numbers_only(client, content_editor, case, feedback):
    text = ",".join(",".join(r.values()) for r in export_rows(login(client, content_editor)))
    assert case.label not in text and "confidential" not in text and "physician" not in text
    assert tuple(export_rows(client)[0].keys()) == EXPORT_HEADER


@pytest.mark.parametrize("role", ["physician", "resident"])
def test_clinical_roles_cannot_export(request, client, role, published_guideline):
    assert login(client, request.getfixturevalue(role)).get(reverse("feedback:export")).status_code == 403


def _many(physician, n):
    for i in range(n):
        case = save_case(physician, label=f"Case {i}")
        revision = case.revisions.get()
        services.not_followed_record(
            revision=revision, user=physician, recommendation_code=CODE, reason_code="patient_preference"
        )
        card = f"8c1f0a53-76fa-4d8e-9a43-0f0a4f1b{i:04d}"
        services.cds_cards_record(cards=[IssuedCard(card, "give_now", (CODE,))], guideline_version=1, issuer="e")
        services.cds_feedback_record(issuer="e", items=[CardOutcome(card, "accepted")])


@pytest.mark.parametrize("n", [1, 6])
def test_the_pages_run_a_fixed_number_of_queries(
    client, content_editor, physician, published_guideline, n, django_assert_max_num_queries
):
    _many(physician, n)
    login(client, content_editor)
    for url in (reverse("feedback:overview"), reverse("feedback:version", args=[1])):
        with django_assert_max_num_queries(8):
            assert client.get(url).status_code == 200
    with django_assert_max_num_queries(8):
        assert len(export_rows(client)) > 0
