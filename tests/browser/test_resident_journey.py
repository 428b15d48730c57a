"""Saved cases in a real browser (issue 5's "done when", issue 6 on the case pages).

A physician saves two cases from their plan pages; a guideline version 2 is published; a resident
filters the list, opens a case, re-evaluates it under version 2 and comments; the physician ticks
and unticks a checklist item with the keyboard; an attending (never the case's author) signs the
case off ("disagree", with a reason code and a comment); the physician opens an amendment. Every
case page, and each of its forms with an error showing, passes axe (WCAG 2.x A/AA) with no CSP
violation (``check_page``).

The wizard itself is covered by test_physician_journey.py: the drafts are prepared through the
wizard's services, and the browser starts on their plan pages.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from dahguide.accounts.roles import ATTENDING
from tests.browser.conftest import BROWSER_PASSWORD, check_page, login
from tests.cases.conftest import ANSWERS, finished_draft

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# ANSWERS: the patient, GPA on high-flow oxygen with creatinine 1.8 mg/dL (plasma exchange:
# consider). MPA on room air with a normal creatinine: another etiology, another decision.
MPA_ANSWERS = {
    **ANSWERS,
    "etiology": "mpa",
    "anca_type": "mpo",
    "oxygen_support": "room_air",
    "spo2_percent": "96",
    "creatinine_value": "0.9",
}
GPA_LABEL = "GPA on high flow, day 1"
MPA_LABEL = "MPA on room air, day 2"
REFUSED_LABEL = "MRN 12345678"  # an identifier word and a run of digits: refused
# Version 2 of the test's guideline lacks this red flag: a test edit to make the comparison show a
# change, not a clinical claim.
REMOVED_WARNING = "hbv_screening"
CHECK_ITEM = "monitor_oxygenation"
WHEN = r"\d{1,2} \w{3} \d{4}, \d{2}:\d{2}"  # "5 Jun 2026, 09:41"


def _audit(verb: str) -> re.Pattern[str]:
    """Who ticked or unticked a checklist item, and when, as the item shows it."""
    return re.compile(f"^— {verb} by ward-physician on {WHEN}$")


def _check(page, name: str, csp_violations: list[str], screenshot) -> None:
    """``check_page`` once htmx has settled: it settles a swapped element's classes after the swap,
    so Bootstrap's colour transitions run briefly and axe must measure the colours they end on."""
    page.wait_for_load_state("networkidle")
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
        " && document.getAnimations().length === 0"
    )
    check_page(page, name, csp_violations, screenshot)


def _publish_version_without_warning(*, editor, reviewer, code: str) -> None:
    """Version 2 through the review workflow: the editor's draft copy, one warning fewer, published."""
    from dahguide.guidance.models import WarningContent
    from dahguide.guidance.workflow import (
        version_approve,
        version_create_draft,
        version_publish,
        version_submit,
        version_take_for_review,
    )

    draft = version_create_draft(user=editor)
    assert WarningContent.objects.filter(version=draft, code=code).delete()[0]
    version_submit(version=draft, user=editor, change_summary=f"Test version without the warning {code}.")
    version_take_for_review(version=draft, user=reviewer)
    version_approve(version=draft, user=reviewer)
    version_publish(version=draft, user=reviewer)


def _log_out_and_in(page, live_server, username: str) -> None:
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    login(page, live_server, username, BROWSER_PASSWORD)


def _case_id(page) -> int:
    return int(re.search(r"/cases/(\d+)/", page.url).group(1))


def _save_with_javascript(page, live_server, draft, csp_violations, screenshot) -> int:
    """The plan page's save form (htmx): a label that looks like an identifier is refused, then saved."""
    page.goto(f"{live_server.url}/assessments/{draft.pk}/plan/")
    save = page.locator("#save-case")
    save.get_by_label("Label", exact=True).fill(REFUSED_LABEL)
    save.get_by_role("button", name="Save this case").click()
    expect(save.locator(".invalid-feedback").first).to_contain_text("look like a record")
    expect(save.get_by_label("Label", exact=True)).to_have_value(REFUSED_LABEL)
    # A screen reader reads the reason with the field.
    expect(save.get_by_label("Label", exact=True)).to_have_accessible_description(re.compile("look like a record"))
    _check(page, "case-save-refused-label", csp_violations, screenshot)
    save.get_by_label("Label", exact=True).fill(GPA_LABEL)
    save.get_by_role("button", name="Save this case").click()
    page.wait_for_url(re.compile(r"/cases/\d+/$"))
    expect(page.get_by_role("heading", level=1, name=GPA_LABEL)).to_be_visible()
    return _case_id(page)


def _save_as_without_javascript(page, live_server, draft, csp_violations, screenshot) -> int:
    """The same form submitted natively (``form.submit()`` skips htmx, as a browser without JavaScript
    does): the refusal comes back on a page of its own, whose form then saves the case."""
    page.goto(f"{live_server.url}/assessments/{draft.pk}/plan/")
    page.locator("#save-case").get_by_label("Label", exact=True).fill(REFUSED_LABEL)
    page.locator("#save-case form").evaluate("form => form.submit()")
    expect(page.get_by_role("heading", level=1, name="Save the case")).to_be_visible()
    expect(page.locator(".invalid-feedback").first).to_contain_text("look like a record")
    _check(page, "case-save-page-refused-label", csp_violations, screenshot)
    page.get_by_label("Label", exact=True).fill(MPA_LABEL)
    page.get_by_role("button", name="Save this case").click()
    page.wait_for_url(re.compile(r"/cases/\d+/$"))
    expect(page.get_by_role("heading", level=1, name=MPA_LABEL)).to_be_visible()
    return _case_id(page)


def _tick_with_keyboard(page, *, note: str) -> None:
    """Type a note and press Enter on the item's button (htmx swaps the item's state in place)."""
    page.locator(f"#note-{CHECK_ITEM}").focus()
    if note:
        page.keyboard.type(note)
    page.keyboard.press("Tab")
    expect(page.locator(f"#toggle-{CHECK_ITEM}")).to_be_focused()
    page.keyboard.press("Enter")


def test_resident_reviews_and_attending_signs_off_saved_cases(
    live_server, page, make_user, published_guideline, guideline_document, csp_violations, screenshot
):
    physician = make_user("ward-physician", "physician")
    attending = make_user("ward-attending", "physician")  # an attending is a physician who also signs off
    attending.groups.add(Group.objects.get(name=ATTENDING))
    make_user("ward-resident", "resident")
    editor = make_user("guideline-editor", "content_editor")
    reviewer = make_user("guideline-reviewer", "clinical_reviewer")
    gpa_draft = finished_draft(physician)
    mpa_draft = finished_draft(physician, MPA_ANSWERS)
    base = live_server.url

    # The physician saves both plans as cases: with htmx, and as without JavaScript.
    login(page, live_server, "ward-physician", BROWSER_PASSWORD)
    gpa_case = _save_with_javascript(page, live_server, gpa_draft, csp_violations, screenshot)
    mpa_case = _save_as_without_javascript(page, live_server, mpa_draft, csp_violations, screenshot)
    assert mpa_case != gpa_case

    # The checklist with the keyboard alone: tick, then untick; each shows who and when.
    page.goto(f"{base}/cases/{gpa_case}/")
    state = page.locator(f"#state-{CHECK_ITEM}")
    _tick_with_keyboard(page, note="Reviewed at the bedside")
    expect(state.locator(".check-done")).to_be_visible()
    expect(state.locator(".check-who")).to_have_text(_audit("ticked"))
    expect(state.locator(".check-note")).to_have_text("Note: Reviewed at the bedside")
    expect(state.get_by_role("button")).to_have_text("Untick")
    _tick_with_keyboard(page, note="")
    expect(state.locator(".check-open")).to_be_visible()
    expect(state.locator(".check-who")).to_have_text(_audit("unticked"))
    expect(state.get_by_role("button")).to_have_text("Tick as done")
    _check(page, "case-detail-physician", csp_violations, screenshot)

    # Meanwhile the guideline moves on to version 2.
    _publish_version_without_warning(editor=editor, reviewer=reviewer, code=REMOVED_WARNING)
    removed_text = next(w["text"] for w in guideline_document["warnings"] if w["code"] == REMOVED_WARNING)

    # The resident finds the GPA case by its filters.
    _log_out_and_in(page, live_server, "ward-resident")
    page.goto(f"{base}/cases/")
    rows = page.locator("#case-results tbody tr")
    expect(rows).to_have_count(2)
    _check(page, "case-list", csp_violations, screenshot)
    page.get_by_label("Etiology", exact=True).select_option("gpa")
    page.get_by_label("Plasma exchange", exact=True).select_option("consider")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"etiology=gpa"))
    expect(rows).to_have_count(1)
    expect(rows.first.get_by_role("link")).to_have_text(GPA_LABEL)
    expect(page.locator("#case-results-title")).to_have_text("1 case")
    _check(page, "case-list-filtered", csp_violations, screenshot)
    page.get_by_label("Etiology", exact=True).select_option("mpa")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_text("No saved case matches these filters.")).to_be_visible()
    expect(rows).to_have_count(0)
    _check(page, "case-list-empty", csp_violations, screenshot)
    page.get_by_label("Etiology", exact=True).select_option("gpa")
    page.get_by_role("button", name="Apply filters").click()
    page.get_by_role("link", name=GPA_LABEL).click()
    page.wait_for_url(f"{base}/cases/{gpa_case}/")
    expect(page.get_by_role("heading", level=1, name=GPA_LABEL)).to_be_visible()
    expect(page.locator(f"#state-{CHECK_ITEM} .check-who")).to_have_text(_audit("unticked"))
    expect(page.get_by_role("button", name="Tick as done")).to_have_count(0)  # residents read the checklist

    # The case as a FHIR Bundle, with the resident's session.
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as FHIR Bundle (JSON)").click()
    assert json.loads(Path(download.value.path()).read_text())["resourceType"] == "Bundle"

    # Re-evaluated under version 2: the removed warning shows; the saved plan does not change.
    page.get_by_role("link", name="Re-evaluate under the current guideline").click()
    panel = page.locator("#reevaluation")
    expect(panel).to_contain_text("Saved under version 1; the same answers evaluated now under version 2.")
    expect(panel).to_be_focused()
    removed = panel.locator("dt", has_text="Warnings removed").locator("xpath=following-sibling::dd[1]")
    expect(removed).to_contain_text(removed_text)
    expect(
        panel.locator("dt", has_text="Plasma-exchange decision").locator("xpath=following-sibling::dd[1]")
    ).to_have_text("Unchanged: Plasma exchange: consider")
    expect(page.locator(".cautions")).to_contain_text(removed_text)  # the plan as decided
    _check(page, "case-detail-reevaluated", csp_violations, screenshot)
    page.goto(f"{base}/cases/{gpa_case}/reevaluate/")
    expect(page.locator("#reevaluation")).to_contain_text(removed_text)
    _check(page, "case-reevaluate", csp_violations, screenshot)
    page.goto(f"{base}/cases/{gpa_case}/print/")
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    _check(page, "case-print", csp_violations, screenshot)

    # A review comment: refused when empty, then added.
    page.goto(f"{base}/cases/{gpa_case}/")
    comments = page.locator("#comments")
    comments.get_by_role("button", name="Add comment").click()
    expect(comments.locator(".invalid-feedback")).to_have_text("This field is required.")
    expect(comments.get_by_label("Comment")).to_have_accessible_description(re.compile("This field is required."))
    _check(page, "case-comment-error", csp_violations, screenshot)
    comments.get_by_label("Comment").fill("Why consider rather than recommended here?")
    comments.get_by_role("button", name="Add comment").click()
    page.wait_for_url(re.compile(r"#comments$"))
    expect(comments.locator(".review-comment")).to_have_count(1)
    # The header says where the review stands, with jump links; the question comes before the sign-off form.
    status = page.locator(".case-review-status")
    expect(status).to_contain_text("Sign-off: not signed off yet.")
    expect(status).to_contain_text("Open questions: 1, latest from ward-resident: “Why consider rather than")
    status.get_by_role("link", name="Go to sign-off").click()
    expect(page).to_have_url(re.compile(r"#signoffs$"))
    expect(comments.locator(".review-comment")).to_contain_text("ward-resident")
    expect(comments.locator(".review-comment")).to_contain_text("Why consider rather than recommended here?")

    # An attending signs off (the author may not): a disagreement without reason and comment is
    # refused, then recorded.
    _log_out_and_in(page, live_server, "ward-attending")
    page.goto(f"{base}/cases/{gpa_case}/")
    signoffs = page.locator("#signoffs")
    # The attending reads the resident's open question before reaching the sign-off form.
    assert (
        page.locator("#comments .review-comment").bounding_box()["y"]
        < signoffs.locator(".signoff-form").bounding_box()["y"]
    )
    signoffs.get_by_role("radio", name="Disagree").check()
    signoffs.get_by_role("button", name="Sign off").click()
    expect(signoffs.locator(".invalid-feedback")).to_have_count(2)
    expect(signoffs).to_contain_text("Choose why you disagree.")
    _check(page, "case-signoff-error", csp_violations, screenshot)
    signoffs.get_by_role("radio", name="Disagree").check()
    signoffs.get_by_label("Reason for disagreeing").select_option("guidance_outdated")
    signoffs.get_by_label("Comment").fill("The team chose otherwise after the morning discussion.")
    signoffs.get_by_role("button", name="Sign off").click()
    page.wait_for_url(re.compile(r"#signoffs$"))
    signoff = signoffs.locator(".signoff-disagree")
    expect(signoff).to_contain_text("Disagree — Guidance outdated")
    expect(signoff).to_contain_text("Attending sign-off:")
    expect(signoff).to_contain_text("ward-attending")
    expect(signoff).to_contain_text("revision 1")
    expect(signoff).to_contain_text("The team chose otherwise after the morning discussion.")
    expect(signoffs.get_by_role("button", name="Sign off")).to_have_count(0)  # once per revision
    expect(page.locator("#comments .review-comment")).to_contain_text("ward-resident")
    status = page.locator(".case-review-status")
    expect(status).to_contain_text("Sign-off: Disagree (Guidance outdated), ward-attending")
    expect(status).to_contain_text("Open questions: none.")

    # The author amends: back to the physician.
    _log_out_and_in(page, live_server, "ward-physician")
    page.goto(f"{base}/cases/{gpa_case}/")
    # Amending: the plan page's form asks for the reason of revision 2.
    page.get_by_role("button", name="Amend: new revision from changed answers").click()
    expect(page.get_by_role("heading", level=1, name="Review your answers")).to_be_visible()
    page.get_by_role("button", name="See the plan").click()
    save = page.locator("#save-case")
    expect(save.get_by_role("heading", name="Save as revision 2 of the case")).to_be_visible()
    save.get_by_role("button", name="Save revision 2").click()
    expect(save.locator(".invalid-feedback")).to_have_text("This field is required.")
    _check(page, "case-amend-form-error", csp_violations, screenshot)
