"""The saved case page answers first too: where the review stands in the header, with jump links;
the resident's question before the attending's form; the plan as decided in the answer-first layout."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dahguide.cases import services

pytestmark = pytest.mark.django_db


def _page(client, case) -> str:
    response = client.get(reverse("cases:detail", args=[case.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _header(html: str) -> str:
    return html[html.index('<header class="case-header') : html.index("</header>", html.index('class="case-header'))]


def test_header_says_not_signed_off_and_no_open_question(resident_client, case):
    header = _header(_page(resident_client, case))
    assert "<strong>Sign-off:</strong> not signed off yet." in header
    assert "<strong>Open questions:</strong> none." in header


def test_header_jumps_to_the_sign_off_and_the_comments(resident_client, case):
    header = _header(_page(resident_client, case))
    assert '<a href="#signoffs">Go to sign-off</a>' in header
    assert '<a href="#comments">Go to comments (0)</a>' in header


def test_a_residents_comment_is_an_open_question_in_the_header(resident_client, resident, case):
    services.comment_add(case=case, author=resident, text="Why consider rather than recommended?")
    header = _header(_page(resident_client, case))
    assert "<strong>Open questions:</strong> 1, latest from resident: “Why consider rather than recommended?”" in header


def test_a_sign_off_answers_the_questions_before_it(client, attending, resident, case):
    services.comment_add(case=case, author=resident, text="Steroid dose?")
    services.signoff_add(revision=case.revisions.get(), attending=attending, decision="agree")
    client.force_login(attending)
    header = _header(_page(client, case))
    assert "Agree with the plan" in header and "attending" in header
    assert "<strong>Open questions:</strong> none." in header


def test_the_question_comes_before_the_attending_sign_off_form(client, attending, resident, case):
    services.comment_add(case=case, author=resident, text="Steroid dose?")
    client.force_login(attending)
    html = _page(client, case)
    assert html.index('id="comments"') < html.index('class="card card-body signoff-form')


def test_the_plan_as_decided_starts_with_the_decision_strip(resident_client, case):
    html = _page(resident_client, case)
    assert html.index('id="decision-title"') < html.index('id="detail-title"') < html.index('id="section-monitoring"')
    assert "<strong>Methylprednisolone</strong> 500–1000 mg IV once daily for 3 days" in html
