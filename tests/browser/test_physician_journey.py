"""The physician's bedside journey in a real browser: log in, a new assessment, the five steps,
the review and the plan; with JavaScript (htmx), without it, and with the keyboard alone.

The patient is the issue's: GPA on high-flow oxygen with creatinine 1.8 mg/dL, for whom plasma
exchange is "consider", with its reasons and the guidelines' disagreement shown.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from dahguide.wizard.answers import STEP_CODES
from tests.browser.conftest import BROWSER_PASSWORD, check_page, fill_answers, login, tab_to
from tests.wizard.conftest import VALID

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STEP_COUNT = len(STEP_CODES)
DISAGREEMENT_HEADING = "Guidelines disagree on plasma exchange"


def _heading(page, number: int):
    return page.get_by_role("heading", level=1, name=re.compile(f"^Step {number} of {STEP_COUNT}:"))


def _assert_plan_for_the_issue_patient(page) -> None:
    expect(page.get_by_role("heading", level=1, name="Plan")).to_be_visible()
    expect(page.locator("#decision-title")).to_have_text("Plasma exchange: consider")  # answer first
    expect(page.locator(".strip-head .chip")).to_have_count(4)
    plex = page.locator("#section-plasma_exchange")
    expect(plex.locator("p.why").first).to_be_visible()  # the reasons
    expect(plex.locator(".criterion")).to_have_count(4)  # every criterion with its status
    # Where guidelines disagree: one disclosure away, reached from the strip's link.
    expect(page.get_by_text(DISAGREEMENT_HEADING)).to_be_visible()
    page.get_by_text(DISAGREEMENT_HEADING).click()  # the disclosure opens, with or without JavaScript
    expect(page.locator("#positions-plasma_exchange .position").first).to_be_visible()


def _start(page, live_server, make_user) -> None:
    make_user("ward-physician", "physician")
    login(page, live_server, "ward-physician", BROWSER_PASSWORD)
    page.get_by_role("button", name="New assessment").click()
    expect(_heading(page, 1)).to_be_visible()


def test_physician_journey_with_javascript(
    live_server, page, make_user, published_guideline, csp_violations, screenshot
):
    make_user("ward-physician", "physician")
    login(page, live_server, "ward-physician", BROWSER_PASSWORD)
    check_page(page, "home-physician", csp_violations, screenshot)
    page.get_by_role("button", name="New assessment").click()

    for number, code in enumerate(STEP_CODES, start=1):
        expect(_heading(page, number)).to_be_visible()
        fill_answers(page, VALID[code])
        page.wait_for_load_state("networkidle")  # the "plan so far" panel has caught up
        check_page(page, f"step-{number}-{code}", csp_violations, screenshot)
        last = number == STEP_COUNT
        page.get_by_role("button", name="Save and review" if last else "Save and continue").click()

    expect(page.get_by_role("heading", level=1, name="Review your answers")).to_be_visible()
    check_page(page, "review", csp_violations, screenshot)
    page.get_by_role("button", name="See the plan").click()
    _assert_plan_for_the_issue_patient(page)
    check_page(page, "plan", csp_violations, screenshot)


def test_physician_journey_without_javascript(live_server, browser, make_user, published_guideline):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        _start(page, live_server, make_user)
        for number, code in enumerate(STEP_CODES, start=1):
            expect(_heading(page, number)).to_be_visible()
            fill_answers(page, VALID[code])
            last = number == STEP_COUNT
            page.get_by_role("button", name="Save and review" if last else "Save and continue").click()
            if not last:  # a page of its own per step (post, redirect, get)
                expect(page).to_have_url(re.compile(f"/step/{STEP_CODES[number]}/$"))
        expect(page.get_by_role("heading", level=1, name="Review your answers")).to_be_visible()
        page.get_by_role("button", name="See the plan").click()
        _assert_plan_for_the_issue_patient(page)
    finally:
        context.close()


def test_physician_journey_with_javascript_off_shows_a_refused_answer(
    live_server, browser, make_user, published_guideline
):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        _start(page, live_server, make_user)
        fill_answers(page, {**VALID["patient"], "age_years": "fifty"})
        page.get_by_role("button", name="Save and continue").click()
        expect(page.locator("#error-summary")).to_contain_text("Age")
        expect(page.locator("#id_age_years")).to_have_value("fifty")
        expect(page.locator("#id_etiology_gpa")).to_be_checked()  # the other answers are kept
    finally:
        context.close()


# -- The keyboard alone -------------------------------------------------------------------------


def _focused_id(page) -> str:
    return page.evaluate("document.activeElement ? document.activeElement.id : ''")


def _choose_in_select(page, select_id: str, value: str) -> None:
    tab_to(page, select_id, max_presses=80)
    options = page.evaluate(f"[...document.getElementById('{select_id}').options].map(o => o.value)")
    current = page.evaluate(f"document.getElementById('{select_id}').selectedIndex")
    for _ in range(options.index(value) - current):
        page.keyboard.press("ArrowDown")
    assert page.evaluate(f"document.getElementById('{select_id}').value") == value


def _choose_radio(page, name: str, value: str) -> None:
    ids = page.evaluate(f"[...document.getElementsByName('{name}')].map(e => e.id)")
    checked = page.evaluate(f"[...document.getElementsByName('{name}')].findIndex(e => e.checked)")
    tab_to(page, ids[max(checked, 0)], max_presses=80)
    target = ids.index(f"id_{name}_{value or 'unknown'}")
    start = max(checked, 0)
    key = "ArrowRight" if target > start else "ArrowLeft"
    for _ in range(abs(target - start)):
        page.keyboard.press(key)
    if checked < 0:
        page.keyboard.press("Space")
    assert page.evaluate(f"document.getElementById('id_{name}_{value or 'unknown'}').checked")


def _type_into(page, input_id: str, text: str) -> None:
    tab_to(page, input_id, max_presses=80)
    page.keyboard.press("Control+a")
    page.keyboard.type(text)


def _answer_with_keyboard(page, answers: dict) -> None:
    for name, value in answers.items():
        if page.locator(f"[id='id_{name}_{value or 'unknown'}']").count():
            _choose_radio(page, name, value)
        elif page.evaluate(f"document.getElementById('id_{name}').tagName") == "SELECT":
            _choose_in_select(page, f"id_{name}", value)
        else:
            _type_into(page, f"id_{name}", value)


def _press_button(page, text: str) -> None:
    """Tab until the button with this text has focus, then press Enter."""
    for _ in range(120):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.textContent.trim()") == text:
            page.keyboard.press("Enter")
            return
    raise AssertionError(f"button {text!r} not reachable with Tab")


def test_physician_completes_the_wizard_with_the_keyboard_alone(
    live_server, page, make_user, published_guideline, csp_violations
):
    make_user("kb-physician", "physician")
    page.goto(f"{live_server.url}/accounts/login/")
    tab_to(page, "id_username")
    page.keyboard.type("kb-physician")
    page.keyboard.press("Tab")
    page.keyboard.type(BROWSER_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")
    _press_button(page, "New assessment")

    for number, code in enumerate(STEP_CODES, start=1):
        expect(_heading(page, number)).to_be_visible()
        page.wait_for_load_state("networkidle")
        _answer_with_keyboard(page, VALID[code])
        _press_button(page, "Save and review" if number == STEP_COUNT else "Save and continue")

    expect(page.get_by_role("heading", level=1, name="Review your answers")).to_be_visible()
    _press_button(page, "See the plan")
    _assert_plan_for_the_issue_patient(page)
    assert csp_violations == []
