"""Issue 4's "done when", in a real browser: a guideline change from the editor's draft to the
physician's next plan, while a case saved earlier keeps the plan it was decided under.

The content editor works in the admin with clicks and typing: a draft copy of version 1 and the
platelet-transfusion threshold set too low first; the workspace and the review page show the golden
case that breaks, in clinical words, and the draft goes to review only with a reason; the reviewer
reads the failure in the same words and returns it. The editor then sets the threshold to 30,
rewords the platelet-transfusion recommendation, writes its change note for physicians and
submits with a change summary. A second person, the clinical reviewer (two-person rule),
takes it under review, reads the changes, the golden cases and the impact on patients on the review
page, approves and publishes it; the published version's FHIR exports are linked there. The physician's
next plan is version 2 with the new wording; the saved case stays version 1 with the old.

Pages checked with axe and for CSP here are those the other browser tests do not visit: the admin's
login, the editor's workspace, What changed, the review page of a version under review (approval form and
changes), a saved case.

The edits (threshold 50 → 30 ×10⁹/L, the text's "default 50" made to match) are test data that
exercise the workflow; they are not clinical advice. 30 keeps every golden case passing (the lowest
count among them is 20), so the golden gate lets the draft through.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from dahguide.wizard.answers import STEP_CODES
from tests.browser.conftest import BROWSER_PASSWORD, check_page, login
from tests.wizard.conftest import VALID

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

THRESHOLD_CODE = "platelet_transfusion_10e9_per_l"
RECOMMENDATION_CODE = "platelet_transfusion"
OLD_WORDING = "default 50 × 10⁹/L"
NEW_WORDING = "default 30 × 10⁹/L"
CHANGE_SUMMARY = "Platelet-transfusion threshold lowered from 50 to 30 ×10⁹/L; its recommendation's text says so."
CHANGE_NOTE = "The threshold for transfusing platelets while bleeding is 30 ×10⁹/L (was 50)."
# Too low on purpose: the HSCT golden case (platelets 20) would lose its platelet transfusion.
TOO_LOW = 10
FAILURE_WORDS = "DAH after HSCT, on supplemental oxygen, platelets 20 ×10⁹/L"
REASON = "Testing the gate: the editor submits a failing draft with a reason."
# The GPA patient on high-flow oxygen, bleeding with platelets of 20 ×10⁹/L: below the threshold
# before and after the change, so both plans hold the platelet-transfusion recommendation.
ANSWERS = {**{name: value for step in VALID.values() for name, value in step.items()}, "platelets_10e9_per_l": "20"}


def _completed_draft(owner):
    from dahguide.wizard import services

    draft = services.draft_create(owner=owner, first_step=STEP_CODES[0])
    services.draft_save_answers(draft=draft, answers=ANSWERS, current_step=STEP_CODES[-1], complete=STEP_CODES)
    return services.draft_finish(draft=draft)


def _saved_case(owner):
    """What "Save this case" on the plan page does: the plan under the published version, pinned."""
    from dahguide.cases import services
    from dahguide.engine.plan import evaluate
    from dahguide.guidance.selectors import get_published_snapshot
    from dahguide.wizard.answers import parse_answers

    draft = _completed_draft(owner)
    snapshot = get_published_snapshot()
    plan = services.SavedPlan(evaluate(parse_answers(draft.answers), snapshot).to_dict(), snapshot.title)
    return services.case_create(
        author=owner, label="GPA, high-flow oxygen, low platelets", plan=plan, source_draft=draft
    )


def _admin_login(page, live_server, username: str, csp_violations) -> None:
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    check_page(page, "admin-login", csp_violations)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(BROWSER_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1, name="Site administration")).to_be_visible()


def _admin_logout(page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", level=1, name="Log in to DAH Guide")).to_be_visible()


def _message(page, text: str):
    return page.locator("ul.messagelist li", has_text=text)


def _platelet_recommendation(page):
    return page.locator(f"li.rec#rec-{RECOMMENDATION_CODE}")


def _open_version_review(page, live_server, number: int) -> None:
    page.goto(f"{live_server.url}/admin/guidance/guidelineversion/")
    row = page.locator("#result_list tbody tr", has=page.get_by_role("link", name=str(number), exact=True))
    row.get_by_role("link", name="Review page").click()
    expect(page.get_by_role("heading", level=1, name=f"Review version {number}")).to_be_visible()


def _threshold_value(page):
    """The platelet threshold's value box in its (stacked) inline: the code itself is read-only."""
    row = page.locator(".inline-related", has_text=THRESHOLD_CODE)
    return row.locator("input[name$='-value']")


def _editor_prepares_and_submits_version_2(page, live_server, csp_violations) -> None:
    """Clicks and typing only, from the admin's own "Add guideline version" to "Submit for review".

    First too low a threshold: the workspace and the review page show the golden case it breaks, in
    clinical words, and the draft goes to the reviewer only with a reason.
    """
    _admin_login(page, live_server, "editor", csp_violations)
    page.get_by_role("link", name="Guideline versions").first.click()
    page.get_by_role("link", name="Add guideline version").click()
    page.get_by_role("button", name="Create the draft").click()
    expect(_message(page, "Version 2 created as a draft copy")).to_be_visible()

    # The threshold, in its inline on the version's content page: shown as "50", not "50.0000".
    page.get_by_role("navigation", name="Version 2").get_by_role("link", name="Content").click()
    expect(_threshold_value(page)).to_have_value("50")
    _threshold_value(page).fill(str(TOO_LOW))
    page.get_by_role("button", name="Save and continue editing").click()
    expect(_message(page, "was changed successfully")).to_be_visible()

    # The workspace: my draft, and the golden case the change breaks, as a clinician reads it.
    page.get_by_role("link", name="Your workspace").click()
    mine = page.locator("#my-drafts")
    expect(mine).to_contain_text("Version 2")
    expect(mine).to_contain_text("Golden cases: 1 fail")
    expect(mine.locator(".golden-failure").first).to_contain_text(FAILURE_WORDS)
    check_page(page, "admin-workspace", csp_violations)

    # The review page shows it again before submitting, and asks why.
    mine.get_by_role("link", name=re.compile("^Version 2")).click()
    expect(page.locator("#submit-golden")).to_contain_text(FAILURE_WORDS)
    page.get_by_label("Change summary (required)").fill("Platelet-transfusion threshold lowered to 10 ×10⁹/L.")
    page.get_by_label("Why submit it anyway").fill(REASON)
    page.get_by_role("button", name="Submit for review").click()
    expect(_message(page, "Version 2 is now submitted for review.")).to_be_visible()
    expect(page.locator("#log")).to_contain_text(REASON)
    _admin_logout(page)


def _reviewer_reads_the_failure_and_returns_version_2(page, live_server) -> None:
    login(page, live_server, "reviewer", BROWSER_PASSWORD)
    _open_version_review(page, live_server, 2)
    page.get_by_role("button", name="Take under review").click()
    expect(page.locator("#golden .golden-failure").first).to_contain_text(FAILURE_WORDS)
    expect(page.locator("#golden").get_by_text("Derived fact")).to_be_hidden()  # the codes, one click away
    page.get_by_label("Comment (required)").fill("A golden case fails: keep the threshold at 30 as the source says.")
    page.get_by_role("button", name="Return to the editors").click()
    expect(_message(page, "Version 2 is now draft.")).to_be_visible()
    _admin_logout(page)


def _editor_corrects_and_resubmits_version_2(page, live_server, csp_violations) -> None:
    _admin_login(page, live_server, "editor", csp_violations)
    page.goto(f"{live_server.url}/admin/guidance/guidelineversion/workspace/")
    page.locator("#my-drafts").get_by_role("link", name="Edit its content").click()
    _threshold_value(page).fill("30")
    # The recommendation's wording changes too: physicians get a change note for it.
    page.get_by_text("Add another Change note").click()
    page.locator("[name='changenotes-0-recommendation']").fill(RECOMMENDATION_CODE)
    page.locator("[name='changenotes-0-text']").fill(CHANGE_NOTE)
    page.get_by_role("button", name="Save and continue editing").click()
    expect(_message(page, "was changed successfully")).to_be_visible()

    # The wording, on the recommendation's own page (the version page lists recommendations as links).
    index = page.locator("table.guidance-recommendation-index")
    index.get_by_role("link", name=RECOMMENDATION_CODE, exact=True).click()
    text = page.get_by_label("Text:")
    old_text = text.input_value()
    assert OLD_WORDING in old_text
    text.fill(old_text.replace(OLD_WORDING, NEW_WORDING))
    page.get_by_role("button", name="Save", exact=True).click()
    expect(_message(page, "was changed successfully")).to_be_visible()

    _open_version_review(page, live_server, 2)
    expect(page.locator("#submit-golden")).to_have_count(0)  # every golden case passes again
    page.get_by_label("Change summary (required)").fill(CHANGE_SUMMARY)
    page.get_by_role("button", name="Submit for review").click()
    expect(_message(page, "Version 2 is now submitted for review.")).to_be_visible()
    expect(page.locator("#log")).to_contain_text(CHANGE_SUMMARY)
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)  # never by the one who edited
    _admin_logout(page)


def _reviewer_approves_and_publishes_version_2(
    page, live_server, csp_violations, screenshot, golden_count: int
) -> None:
    login(page, live_server, "reviewer", BROWSER_PASSWORD)  # the product's own login page this time
    _open_version_review(page, live_server, 2)
    page.get_by_role("button", name="Take under review").click()
    expect(_message(page, "Version 2 is now under review.")).to_be_visible()

    # What is to be approved: the change summary, the changes, the golden gate, the impact.
    expect(page.locator(".guidance-facts")).to_contain_text(CHANGE_SUMMARY)
    threshold = page.locator("#diff-thresholds .guidance-diff-item", has_text=THRESHOLD_CODE)
    expect(threshold.locator(".diff-number")).to_have_text(re.compile(r"value\s+50 → 30 ×10⁹/L"))
    wording = page.locator("#diff-recommendations .guidance-diff-item", has_text=RECOMMENDATION_CODE)
    expect(wording.locator("del")).to_have_text("50")
    expect(wording.locator("ins")).to_have_text("30")
    expect(page.locator("#golden")).to_contain_text(f"{golden_count} active cases; 0 fail")
    # Every golden case and the physician's saved case were compared; none gets another plan.
    expect(page.locator("#impact")).to_contain_text(
        f"0 of {golden_count + 1} patients compared would get a different plan than under version 1"
    )
    check_page(page, "admin-review-under-review", csp_violations, screenshot)

    page.get_by_label("Comment (optional)").fill("Checked against the source.")
    page.get_by_role("button", name="Approve").click()
    expect(_message(page, "Version 2 is now approved.")).to_be_visible()
    page.get_by_role("button", name="Publish").click()
    expect(_message(page, "Version 2 is now published.")).to_be_visible()
    expect(page.locator(".guidance-facts .status-published")).to_have_text("Published")

    # The published version's FHIR exports, linked from its review page, download as FHIR JSON.
    for name, resource in (("FHIR Questionnaire", "Questionnaire"), ("FHIR PlanDefinition", "PlanDefinition")):
        response = page.request.get(page.get_by_role("link", name=name).evaluate("link => link.href"))
        assert (response.status, response.json()["resourceType"]) == (200, resource)
    _admin_logout(page)


def test_a_reviewed_guideline_change_reaches_the_next_plan_but_not_a_saved_case(
    live_server, page, make_user, published_guideline, csp_violations, screenshot
):
    from dahguide.guidance.golden import golden_cases_load, golden_cases_read
    from dahguide.guidance.models import GoldenCase

    physician = make_user("ward-physician", "physician")
    make_user("editor", "content_editor")
    make_user("reviewer", "clinical_reviewer")
    golden_cases_load(cases=golden_cases_read())
    golden_count = GoldenCase.objects.filter(active=True).count()
    case = _saved_case(physician)

    _editor_prepares_and_submits_version_2(page, live_server, csp_violations)
    _reviewer_reads_the_failure_and_returns_version_2(page, live_server)
    _editor_corrects_and_resubmits_version_2(page, live_server, csp_violations)
    _reviewer_approves_and_publishes_version_2(page, live_server, csp_violations, screenshot, golden_count)

    login(page, live_server, "ward-physician", BROWSER_PASSWORD)
    draft = _completed_draft(physician)  # the next patient's answers, as the wizard would save them
    page.goto(f"{live_server.url}/assessments/{draft.pk}/plan/")
    expect(page.get_by_role("heading", level=1, name="Plan")).to_be_visible()
    expect(page.locator(".guideline-line").first).to_contain_text("Guideline version 2")
    recommendation = _platelet_recommendation(page)
    expect(recommendation.locator(".rec-body")).to_contain_text(NEW_WORDING)
    expect(recommendation.locator(".why")).to_contain_text("(< 30)")
    expect(recommendation.locator(".rec-changed")).to_have_text("Changed in this version")

    # What changed, from the plan's guideline line: the editor's change note, by version.
    page.locator(".guideline-line").first.get_by_role("link", name="What changed").click()
    expect(page.get_by_role("heading", level=1, name="What changed in the guideline")).to_be_visible()
    expect(page.locator("#version-2")).to_contain_text(CHANGE_NOTE)
    check_page(page, "what-changed", csp_violations)

    page.goto(f"{live_server.url}/cases/{case.pk}/")
    expect(page.get_by_role("heading", name="Plan as decided")).to_be_visible()
    expect(page.locator(".guideline-line").first).to_contain_text("Guideline version 1")
    recommendation = _platelet_recommendation(page)
    expect(recommendation.locator(".rec-body")).to_contain_text(OLD_WORDING)
    expect(recommendation.locator(".why")).to_contain_text("(< 50)")
    check_page(page, "case-detail-older-version", csp_violations)
