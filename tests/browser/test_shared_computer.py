"""Shared ward computers in a real browser: the idle warning and logout, and Back after logout.

The idle timeout is shortened for the test (4 s, warning 2 s before); the server-side behaviour
(session lifetime, no-store) is in tests/security/test_shared_computer.py.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from dahguide.wizard import services
from dahguide.wizard.answers import STEP_CODES
from tests.browser.conftest import BROWSER_PASSWORD, login
from tests.wizard.conftest import VALID

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def short_idle_timeout(settings):
    settings.SESSION_IDLE_TIMEOUT = 4
    settings.SESSION_IDLE_WARNING = 2
    settings.SESSION_ACTIVITY_INTERVAL = 1


def test_idle_warning_counts_down_without_taking_focus_and_typing_keeps_the_session(
    live_server, page, make_user, short_idle_timeout, published_guideline, csp_violations
):
    physician = make_user("ward-physician", "physician")
    draft = services.draft_create(owner=physician, first_step=STEP_CODES[0])
    login(page, live_server, "ward-physician", BROWSER_PASSWORD)
    page.goto(f"{live_server.url}/assessments/{draft.pk}/step/{STEP_CODES[0]}/")
    age = page.locator("#id_age_years")
    age.click()
    age.type("5")
    warning = page.locator("#idle-warning")
    expect(warning).to_be_visible(timeout=4_000)  # 2 s before the 4 s timeout
    expect(page.locator("#idle-warning-text")).to_contain_text("You will be logged out in")
    expect(page.locator("#idle-countdown")).to_have_text(re.compile(r"^0:0[0-2]$"))
    expect(age).to_be_focused()  # the warning leaves the physician where they were typing

    age.press("4")  # typing is activity: the session is kept and the warning goes
    expect(warning).to_be_hidden()
    expect(age).to_have_value("54")
    expect(age).to_be_focused()
    expect(page.get_by_text("Signed in as")).to_be_visible()

    # Left alone: the answer being typed goes with the logout and comes back after logging in.
    expect(warning).to_be_visible(timeout=4_000)
    page.wait_for_url(re.compile(r"/accounts/login/\?next="), timeout=10_000)
    expect(page.get_by_text("What you were typing is kept")).to_be_visible()
    page.fill("#id_username", "ward-physician")
    page.fill("#id_password", BROWSER_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(rf"/assessments/{draft.pk}/step/{STEP_CODES[0]}/$"))
    expect(page.locator("#id_age_years")).to_have_value("54")
    expect(page.get_by_text("before the idle logout is back")).to_be_visible()
    draft.refresh_from_db()
    assert "age_years" not in draft.answers  # shown again, saved only when the physician saves
    assert csp_violations == []


def test_stay_logged_in_keeps_the_session_and_an_untouched_page_goes_to_the_login(
    live_server, page, make_user, short_idle_timeout, csp_violations
):
    make_user("ward-physician", "physician")
    login(page, live_server, "ward-physician", BROWSER_PASSWORD)
    warning = page.locator("#idle-warning")
    expect(warning).to_be_hidden()
    expect(warning).to_be_visible(timeout=4_000)
    page.get_by_role("button", name="Stay logged in").click()
    expect(warning).to_be_hidden()
    expect(page.get_by_text("Signed in as")).to_be_visible()

    expect(warning).to_be_visible(timeout=4_000)
    page.wait_for_url(re.compile(r"/accounts/login/\?next="), timeout=10_000)
    expect(page.get_by_role("heading", name="Log in to DAH Guide")).to_be_visible()
    expect(page.get_by_text("without activity on this computer")).to_be_visible()
    expect(page.get_by_text("Signed in as")).to_have_count(0)
    assert csp_violations == []


def test_back_after_logout_shows_no_clinical_content(live_server, page, make_user, published_guideline):
    physician = make_user("ward-physician", "physician")
    draft = services.draft_create(owner=physician, first_step=STEP_CODES[0])
    answers = {k: v for code in STEP_CODES for k, v in VALID[code].items()}
    services.draft_save_answers(draft=draft, answers=answers, current_step="review", complete=STEP_CODES)
    login(page, live_server, "ward-physician", BROWSER_PASSWORD)
    page.goto(f"{live_server.url}/assessments/{draft.pk}/plan/")
    expect(page.locator("#decision-title")).to_have_text("Plasma exchange: consider")

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/accounts/login/$"))
    page.go_back()
    page.wait_for_load_state()
    assert "/accounts/login/" in page.url
    body = page.locator("body").inner_text()
    assert "Plasma exchange" not in body
    assert "GPA" not in body
    expect(page.get_by_role("heading", name="Log in to DAH Guide")).to_be_visible()


def test_admin_warns_an_editor_before_the_idle_logout(live_server, page, make_user, short_idle_timeout, csp_violations):
    make_user("editor", "content_editor")
    login(page, live_server, "editor", BROWSER_PASSWORD)
    page.goto(f"{live_server.url}/admin/")
    warning = page.locator("#idle-warning")
    expect(warning).to_be_visible(timeout=4_000)
    expect(warning).to_contain_text("unsaved edits are lost at logout")
    page.get_by_role("button", name="Stay logged in").click()
    expect(warning).to_be_hidden()
    assert csp_violations == []
