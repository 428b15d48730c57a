"""Close the loop (issue 17) in a real browser: a physician marks a recommendation not followed on a
saved case (first without the comment its reason needs, then with it), an EHR overrides the "Give
now" card through the CDS Hooks feedback endpoint (over HTTP, inside the test), and a content editor
sees both in the counts for the guideline version. Every new page passes axe with no CSP violation."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from tests.api.conftest import CDS_ISSUER, CDS_SECRET, HOOK_TIME, cds_auth, example, post_json
from tests.browser.conftest import BROWSER_PASSWORD, check_page, login
from tests.cases.conftest import save_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CODE = "respiratory_support"  # "Support oxygenation now": an action for now, on the Give now card
TITLE = "Support oxygenation now"


def _ehr_overrides_give_now(settings, monkeypatch) -> None:
    from dahguide.api.cds import views

    settings.CDS_HOOKS_CLIENTS = {CDS_ISSUER: CDS_SECRET}
    settings.CDS_HOOKS_REQUIRE_AUTH = True
    monkeypatch.setattr(views, "hook_time", lambda: HOOK_TIME)
    ehr = Client()
    service = reverse("api:cds_service")
    response = post_json(ehr, service, example("gpa_on_oxygen"), **cds_auth())
    assert response.status_code == 200
    card = next(c for c in response.json()["cards"] if c["source"]["topic"]["code"] == "give_now")
    reason = next(r for r in card["overrideReasons"] if r["code"] == "not_available")
    feedback = {
        "feedback": [
            {
                "card": card["uuid"],
                "outcome": "overridden",
                "outcomeTimestamp": "2026-03-10T12:05:00Z",
                "overrideReason": {"reason": reason, "userComment": "No high-flow device free"},
            }
        ]
    }
    response = post_json(ehr, reverse("api:cds_feedback"), feedback, **cds_auth())
    assert response.status_code == 200, response.content


def test_bedside_and_ehr_feedback_reach_the_editor(
    live_server, page, make_user, published_guideline, settings, monkeypatch, csp_violations, screenshot
):
    physician = make_user("ward-physician", "physician")
    make_user("content-editor", "content_editor")
    case = save_case(physician)

    login(page, live_server, "ward-physician", BROWSER_PASSWORD)
    page.goto(f"{live_server.url}{reverse('cases:detail', args=[case.pk])}")
    check_page(page, "feedback-case-panel", csp_violations, screenshot)
    panel = page.locator("#not-followed")
    panel.get_by_label("Recommendation").select_option(CODE)
    panel.get_by_label("Clinical judgement differs").check()
    panel.get_by_role("button", name="Record as not followed").click()
    # Refused without the comment: its own page, the choices kept, the error beside the field.
    expect(page.get_by_text("needs one")).to_be_visible()
    expect(page.get_by_label("Clinical judgement differs")).to_be_checked()
    check_page(page, "feedback-not-followed-error", csp_violations, screenshot)
    page.get_by_label("Comment").fill("Oxygen weaned already")
    page.get_by_role("button", name="Record as not followed").click()
    page.wait_for_url(f"**{reverse('cases:detail', args=[case.pk])}#not-followed")
    expect(page.locator(".not-followed-list")).to_contain_text(f"{TITLE} — not followed: Clinical judgement differs")
    expect(page.locator(".not-followed-list")).to_contain_text("Oxygen weaned already")

    _ehr_overrides_give_now(settings, monkeypatch)

    page.context.clear_cookies()
    login(page, live_server, "content-editor", BROWSER_PASSWORD)
    page.goto(f"{live_server.url}{reverse('feedback:overview')}")
    check_page(page, "feedback-overview", csp_violations, screenshot)
    page.get_by_role("link", name="Version 1").click()
    check_page(page, "feedback-version", csp_violations, screenshot)
    row = page.locator("tr", has=page.locator(f"#rec-{CODE}"))
    expect(row).to_contain_text("Clinical judgement differs: 1")
    ehr_row = row.locator("xpath=following-sibling::tr[1]")
    expect(ehr_row).to_contain_text("From the EHR")
    expect(ehr_row).to_contain_text("Not available here (for example apheresis or ECMO): 1")
    expect(page.locator("body")).not_to_contain_text("Oxygen weaned already")
