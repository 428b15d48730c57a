"""axe (WCAG 2.0–2.2 A/AA rules) and the console's CSP report on every page of the product, with a
screenshot of each (SCREENSHOT_DIR). The wizard's steps, review and plan are checked along the
physician's journey (test_physician_journey.py); here: home per role, each step with a refused
answer showing, the error pages, and the content administration with its review pages.

To add a page: add it to the list of the test for its role, or a test of its own with ``check_page``.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dahguide.wizard import services
from dahguide.wizard.answers import STEP_CODES
from tests.browser.conftest import BROWSER_PASSWORD, check_page, fill_answers, login
from tests.wizard.conftest import INVALID, VALID

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    "role",
    ["resident", "content_editor", "clinical_reviewer", None],
    ids=["resident", "content_editor", "clinical_reviewer", "admin"],
)
def test_home_of_each_role(live_server, page, make_user, published_guideline, csp_violations, screenshot, role):
    make_user("someone", role)
    login(page, live_server, "someone", BROWSER_PASSWORD)
    check_page(page, f"home-{role or 'admin'}", csp_violations, screenshot)


def test_each_step_with_a_refused_answer_showing(
    live_server, page, make_user, published_guideline, csp_violations, screenshot
):
    physician = make_user("ward-physician", "physician")
    login(page, live_server, "ward-physician", BROWSER_PASSWORD)
    for number, code in enumerate(STEP_CODES, start=1):
        draft = services.draft_create(owner=physician, first_step=code)
        before = STEP_CODES[: number - 1]
        answers = {k: v for c in before for k, v in VALID[c].items()}
        services.draft_save_answers(draft=draft, answers=answers, current_step=code, complete=before)
        page.goto(f"{live_server.url}/assessments/{draft.pk}/step/{code}/")
        data, field, _kept = INVALID[code]
        fill_answers(page, data)
        page.get_by_role("button", name="Save and review" if code == STEP_CODES[-1] else "Save and continue").click()
        expect(page.locator("#error-summary")).to_be_focused()  # announced, and the first thing read
        expect(page.locator(f"[id='{field}-error']")).to_be_visible()
        check_page(page, f"step-{number}-{code}-error", csp_violations, screenshot)


def test_error_pages(live_server, page, make_user, published_guideline, csp_violations, screenshot):
    physician = make_user("ward-physician", "physician")
    draft = services.draft_create(owner=physician, first_step="patient")
    make_user("ward-resident", "resident")
    login(page, live_server, "ward-resident", BROWSER_PASSWORD)
    response = page.goto(f"{live_server.url}/assessments/{draft.pk}/step/patient/")
    assert response.status == 403
    expect(page.get_by_role("heading", name="This page is not available to your account")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()  # a shared computer: always a way out
    check_page(page, "error-403", csp_violations, screenshot)
    response = page.goto(f"{live_server.url}/no-such-page/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    check_page(page, "error-404", csp_violations, screenshot)


def test_lockout_page(live_server, page, make_user, csp_violations, screenshot):
    from django.conf import settings

    make_user("ward-physician", "physician")
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", "ward-physician")
        page.fill("#id_password", "not-the-password")
        page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Too many failed log-in attempts")).to_be_visible()
    check_page(page, "locked-out", csp_violations, screenshot)


def _admin_pages(draft) -> list[tuple[str, str]]:
    from dahguide.guidance.models import Recommendation

    recommendation = Recommendation.objects.filter(version=draft).order_by("pk").first()
    return [
        ("admin-index", "/admin/"),
        ("admin-versions", "/admin/guidance/guidelineversion/"),
        ("admin-version-draft", f"/admin/guidance/guidelineversion/{draft.pk}/change/"),
        ("admin-recommendations", "/admin/guidance/recommendation/"),
        ("admin-recommendation", f"/admin/guidance/recommendation/{recommendation.pk}/change/"),
        ("admin-recommendation-history", f"/admin/guidance/recommendation/{recommendation.pk}/history/"),
        ("admin-review", f"/admin/guidance/guidelineversion/{draft.pk}/review/"),
        ("admin-golden", f"/admin/guidance/guidelineversion/{draft.pk}/golden/"),
        ("admin-impact", f"/admin/guidance/guidelineversion/{draft.pk}/impact/"),
        ("admin-diff", "/admin/guidance/guidelineversion/diff/"),
        ("admin-add-version", "/admin/guidance/guidelineversion/add/"),
    ]


# A reviewer sees the draft read-only: the same templates as a published version's pages.
REVIEWER_PAGES = {"admin-index", "admin-version-draft", "admin-recommendation", "admin-review"}
SCREENSHOT_PAGES = {
    "admin-index",
    "admin-versions",
    "admin-version-draft",
    "admin-recommendation",
    "admin-review",
    "admin-diff",
    "admin-recommendation-history",
}


@pytest.mark.parametrize("role", ["content_editor", "clinical_reviewer"])
def test_content_administration_pages(
    live_server, page, make_user, published_guideline, csp_violations, screenshot, role
):
    from dahguide.guidance.golden import golden_cases_load, golden_cases_read
    from dahguide.guidance.workflow import version_create_draft

    editor = make_user("editor", "content_editor")
    golden_cases_load(cases=golden_cases_read())
    draft = version_create_draft(user=editor)
    if role == "clinical_reviewer":
        make_user("reviewer", role)
    login(page, live_server, "editor" if role == "content_editor" else "reviewer", BROWSER_PASSWORD)
    problems = []
    pages = _admin_pages(draft)
    if role == "clinical_reviewer":  # the pages that render differently for a reviewer (read-only, actions)
        pages = [(n, p) for n, p in pages if n in REVIEWER_PAGES]
    for name, path in pages:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        try:
            check_page(
                page,
                name if role == "content_editor" else f"{name}-reviewer",
                csp_violations,
                screenshot if name in SCREENSHOT_PAGES else None,
                wait="load",
            )  # admin: no htmx
        except AssertionError as exc:  # report every page at once
            problems.append(f"{path}: {str(exc).splitlines()[0]}")
            csp_violations.clear()
    assert problems == [], "\n".join(problems)


@pytest.mark.render_sweep
def test_every_admin_list_and_form(live_server, page, make_user, published_guideline, csp_violations):
    """The administrator's view of every registered model: its list, and the form of one of its objects."""
    from django.contrib import admin

    from dahguide.guidance.golden import golden_cases_load, golden_cases_read
    from dahguide.guidance.models import GuidelineVersion
    from dahguide.guidance.workflow import version_create_draft

    editor = make_user("editor", "content_editor")
    golden_cases_load(cases=golden_cases_read())
    version_create_draft(user=editor)  # a draft: its content forms are editable, with every inline
    make_user("administrator", None)
    login(page, live_server, "administrator", BROWSER_PASSWORD)
    problems = []
    for model in admin.site._registry:
        opts = model._meta
        paths = [f"/admin/{opts.app_label}/{opts.model_name}/"]
        obj = model._default_manager.order_by("-pk").first()  # the draft's copy where there is one
        # The draft version's own page, the longest, is checked in test_content_administration_pages.
        if obj is not None and model is not GuidelineVersion:
            paths.append(f"/admin/{opts.app_label}/{opts.model_name}/{obj.pk}/change/")
        for path in paths:
            response = page.goto(f"{live_server.url}{path}")
            try:
                assert response.status == 200, f"status {response.status}"
                check_page(page, path, csp_violations, wait="load")
            except AssertionError as exc:  # report every page at once
                problems.append(f"{path}: {str(exc).splitlines()[0]}")
                csp_violations.clear()
    assert problems == [], "\n".join(problems)
