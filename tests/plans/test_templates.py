"""The plan's templates (templates/plans/) rendered from display objects, without a request."""

from __future__ import annotations

from django.template.loader import render_to_string

from dahguide.plans.display import plan_view

from .conftest import GOLDEN_CASES, GPA

LOW_PLATELETS = {"etiology": "gpa", "platelets_10e9_per_l": 30, "bleeding_controlled": True, "age_years": 50}


def _html(doc) -> str:
    return render_to_string("plans/_plan.html", {"plan": plan_view(doc)})


def _strip(html: str) -> str:
    return html[: html.index('id="detail-title"')]


def test_an_action_withheld_for_later_is_one_line_below_the_strip(plan_doc):
    html = _html(plan_doc(LOW_PLATELETS))
    detail = html[html.index('id="detail-title"') :]
    assert "Not suggested for this patient" not in _strip(html)
    assert '<p class="withheld-line mt-2"><strong>Not suggested for this patient:</strong> ' in detail
    assert "platelets 30 ×10⁹/L (&lt; 50)" in detail


def test_an_action_withheld_that_would_come_first_is_in_the_strip(plan_doc):
    doc = plan_doc(LOW_PLATELETS)
    doc["withheld"] = [{**w, "timing": "now"} for w in doc["withheld"]]
    assert "Not suggested for this patient" in _strip(_html(doc))


def test_without_a_critical_warning_the_page_has_no_alert(plan_doc):
    html = _html(plan_doc(GOLDEN_CASES["inactive_dah_is_not_indicated_and_nothing_is_evaluated"]))
    assert 'role="alert"' not in html


def test_the_plan_has_no_inline_script_or_style(plan_doc):
    html = _html(plan_doc(GPA))
    assert "<script" not in html and " style=" not in html and "<style" not in html


def test_folded_detail_is_in_the_page_for_readers_without_javascript(plan_doc):
    html = _html(plan_doc(GPA))
    assert html.count('<li class="rec" id="rec-') >= 8
    assert "<summary>" in html and "Why this applies:" in html
