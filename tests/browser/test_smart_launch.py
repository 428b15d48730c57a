"""Launch from the test EHR in a real browser: the physician logs in, confirms the chart's values and
reaches the plan without typing a lab value. axe on each page of the product, strict CSP throughout."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from dahguide.wizard.answers import STEP_CODES
from tests.browser.conftest import BROWSER_PASSWORD, check_page
from tests.fake_ehr import CLIENT_ID, FakeEHR

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ehr(settings):
    server = FakeEHR().start()
    settings.SMART_CLIENT_ID = CLIENT_ID
    settings.SMART_ALLOWED_ISS = [server.iss]
    yield server
    server.stop()


def test_launch_from_the_ehr_to_a_prefilled_plan(
    live_server, page, make_user, published_guideline, ehr, csp_violations, screenshot
):
    make_user("ward-physician", "physician")
    page.goto(ehr.launch_url(f"{live_server.url}/smart/launch", "anna"))

    # Not logged in yet: the login page first, then the launch goes on by itself.
    expect(page.locator("#id_username")).to_be_visible()
    page.fill("#id_username", "ward-physician")
    page.fill("#id_password", BROWSER_PASSWORD)
    page.click("button[type=submit]")

    expect(page.get_by_role("heading", level=1, name="Start an assessment with the chart's values")).to_be_visible()
    expect(page.locator("#smart-patient")).to_have_text("Anna Berg")
    expect(page.locator("#smart-values")).to_contain_text("Serum creatinine 342 µmol/L")
    check_page(page, "smart-confirm", csp_violations, screenshot)
    page.get_by_role("button", name="Start the assessment").click()

    for number, code in enumerate(STEP_CODES, start=1):
        expect(page.get_by_role("heading", level=1, name=re.compile(f"^Step {number} of"))).to_be_visible()
        if code == "kidney":  # the chart's creatinine, in the laboratory's unit, with nothing typed
            expect(page.locator("#id_creatinine_value")).to_have_value("342")
        # Nothing is typed, so the pointer rests where the last click was, over this step's Back button:
        # axe measures its hover colours too.
        check_page(page, f"smart-step-{number}-{code}", csp_violations, screenshot)
        last = number == len(STEP_CODES)
        page.get_by_role("button", name="Save and review" if last else "Save and continue").click()

    expect(page.get_by_role("heading", level=1, name="Review your answers")).to_be_visible()
    creatinine = page.locator("dd", has_text="342 µmol/L")
    expect(creatinine.locator(".origin-ehr")).to_have_text("from the EHR")
    expect(creatinine).to_contain_text("Serum creatinine 342 µmol/L")
    expect(page.locator("dd", has_text="calculated from PaO₂ 62 mmHg").locator(".origin-ehr")).to_be_visible()
    check_page(page, "smart-review", csp_violations, screenshot)
    page.get_by_role("button", name="See the plan").click()
    expect(page.get_by_role("heading", level=1, name="Plan")).to_be_visible()
    expect(page.locator("#decision-title")).to_contain_text("Plasma exchange")
    expect(page.locator(".plan-version")).to_contain_text(re.compile(r"\d+ answers from the EHR, \d+ entered"))
    check_page(page, "smart-plan", csp_violations, screenshot)
    assert ehr.issued_tokens()[0] not in page.content()


def test_unknown_ehr_gets_a_refusal_page(live_server, page, csp_violations, screenshot):
    page.goto(f"{live_server.url}/smart/launch?iss=https://ehr.example.org/fhir&launch=abc")
    expect(page.get_by_role("heading", level=1, name="This EHR is not registered with DAH Guide")).to_be_visible()
    check_page(page, "smart-refused", csp_violations, screenshot)
