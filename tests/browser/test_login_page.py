from __future__ import annotations

import pytest

from tests.browser.conftest import assert_no_axe_violations, login, tab_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_page_has_no_accessibility_violations(live_server, page, csp_violations, screenshot):
    page.goto(f"{live_server.url}/accounts/login/")
    assert_no_axe_violations(page)
    screenshot("login")
    assert csp_violations == []


def test_physician_logs_in_with_the_keyboard(live_server, page, django_user_model):
    django_user_model.objects.create_user("kb-doc", password="keyboard-only-pass")
    page.goto(f"{live_server.url}/accounts/login/")
    tab_to(page, "id_username")
    page.keyboard.type("kb-doc")
    page.keyboard.press("Tab")
    page.keyboard.type("keyboard-only-pass")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_text("Signed in as").is_visible()


def test_login_helper_reaches_home(live_server, page, django_user_model):
    django_user_model.objects.create_user("helper-doc", password="helper-doc-pass")
    login(page, live_server, "helper-doc", "helper-doc-pass")
    assert page.url == f"{live_server.url}/"
