"""The print view: answers, plan, checklist state, guideline version and dates."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dahguide.cases import services

pytestmark = pytest.mark.django_db


def _print(client, case, **query) -> str:
    response = client.get(reverse("cases:print", args=[case.pk]), query)
    assert response.status_code == 200
    return response.content.decode()


def test_print_view_is_headed_with_case_label_dates_author_and_guideline_version(resident_client, case):
    html = _print(resident_client, case)
    header = html[html.index('<div class="print-header">') : html.index('class="plan"')]
    assert f"DAH Guide plan: {case.label}" in header
    assert "Saved by physician on " in header and case.created_at.strftime("%Y") in header
    assert "Printed " in header and "by resident" in header
    assert "Guideline version 1" in header


def test_print_view_has_the_plan_its_criteria_and_doses(resident_client, case):
    html = _print(resident_client, case)
    assert "Plasma exchange: consider" in html
    assert "1.8 mg/dL" in html
    assert "<strong>Methylprednisolone</strong> 500–1000 mg" in html
    assert "Guideline version 1</strong>" in html


def test_answers_and_full_references_are_an_optional_appendix(resident_client, case):
    assert "Answers used for this plan" not in _print(resident_client, case)
    html = _print(resident_client, case, appendix="1")
    assert "Answers used for this plan" in html
    assert '<details class="references plan-appendix" open>' in html


def test_print_view_shows_the_checklist_state_without_forms(resident_client, physician, case):
    services.checklist_item_set(case=case, code="monitor_oxygenation", user=physician, ticked=True, note="stable")
    html = _print(resident_client, case)
    assert "ticked by physician" in html
    assert "Note: stable" in html
    assert "Tick as done" not in html


def test_print_view_uses_the_print_stylesheet(resident_client, case):
    assert 'href="/static/css/print.css" media="print"' in _print(resident_client, case)


def test_print_view_has_no_inline_script_or_style(resident_client, case):
    html = _print(resident_client, case)
    assert "<script>" not in html
    assert " style=" not in html
