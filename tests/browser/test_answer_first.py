"""Answer first (issue 13) in a real browser.

- The GPA patient on high-flow oxygen reaches the plan in at most 10 clicks plus the keystrokes of
  the values, and by keyboard alone in at most 45 key presses: the first field has the focus on
  every step, Enter saves, yes/no/unknown are buttons, a creatinine typed alone takes the site's
  unit, and "See the plan now" comes as soon as the steps that decide plasma exchange are saved.
- For every golden case (fixtures/golden_cases.json), the plan's decision strip ends within the
  first screen at 1366×768 (and at 768 px wide) with the decision and a dosed first action in it;
  the page prints on at most two A4 pages; axe finds nothing; and with JavaScript off the plan reads
  the same. Cases the wizard refuses as typed (implausible on purpose) are saved as cases and
  checked on the case's print view. One page per JavaScript setting serves every case.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import BROWSER_PASSWORD, assert_no_axe_violations, htmx_settled, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GOLDEN_CASES = json.loads(
    (Path(__file__).resolve().parents[2] / "fixtures" / "golden_cases.json").read_text(encoding="utf-8")
)
WARD_SCREEN = {"width": 1366, "height": 768}
TABLET = {"width": 768, "height": 1024}
MAX_CLICKS = 10
MAX_KEY_PRESSES = 45
MAX_PRINTED_PAGES = 2
STRIP_BOTTOM = (
    "(() => { const s = document.querySelector('.strip-body'); "
    "return s.getBoundingClientRect().bottom + window.scrollY; })()"
)


def _heading(page, number: int):
    return page.get_by_role("heading", level=1, name=re.compile(f"^Step {number} of "))


def _assert_gpa_plan(page) -> None:
    expect(page.locator("#decision-title")).to_have_text("Plasma exchange: consider")
    expect(page.locator(".strip-head .chip-met")).to_have_text(re.compile("Hypoxemia: met"))
    # The creatinine was typed as a number alone: read in the site's unit (mg/dL).
    expect(page.locator("#section-plasma_exchange")).to_contain_text("1.8 mg/dL (159 µmol/L)")
    expect(page.locator(".strip-body")).to_contain_text("Methylprednisolone 500–1000 mg IV once daily for 3 days")


# -- The GPA high-flow journey ------------------------------------------------------------------


class Mouse:
    """A physician with a mouse: every click counted; typing is the values' own keystrokes."""

    def __init__(self, page) -> None:
        self.page = page
        self.clicks = 0
        self.typed = 0

    def click(self, locator) -> None:
        locator.click()
        self.clicks += 1

    def choose(self, name: str, value: str) -> None:
        self.click(self.page.locator(f"label[for='id_{name}_{value}']"))

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)
        self.typed += len(text)


def test_gpa_high_flow_journey_takes_at_most_ten_clicks(
    live_server, page, make_user, published_guideline, csp_violations
):
    make_user("ward-physician", "physician")
    login(page, live_server, "ward-physician", BROWSER_PASSWORD)
    mouse = Mouse(page)
    mouse.click(page.get_by_role("button", name="New assessment"))

    expect(_heading(page, 1)).to_be_visible()
    expect(page.locator("#id_age_years")).to_be_focused()  # the first field: type at once
    mouse.type("54")
    mouse.choose("etiology", "gpa")
    mouse.choose("anca_type", "pr3")
    mouse.choose("anti_gbm_positive", "false")
    mouse.click(page.get_by_role("button", name="Save and continue"))

    expect(_heading(page, 2)).to_be_visible()
    mouse.choose("oxygen_support", "high_flow")
    mouse.click(page.locator("#id_spo2_percent"))
    mouse.type("92")
    mouse.click(page.get_by_role("button", name="Save and continue"))

    expect(_heading(page, 3)).to_be_visible()
    expect(page.locator("#id_creatinine_value")).to_be_focused()
    mouse.type("1.8")  # no unit chosen: the site's default
    mouse.choose("on_dialysis", "false")
    mouse.click(page.get_by_role("button", name="See the plan now"))

    _assert_gpa_plan(page)
    expect(page.locator(".missing-answers").last).to_contain_text("Steps not answered yet")
    assert mouse.clicks <= MAX_CLICKS, f"{mouse.clicks} clicks"
    assert mouse.typed == len("54" + "92" + "1.8")
    assert csp_violations == []


class Keyboard:
    """A physician without a mouse: every key press counted, the values' characters included."""

    def __init__(self, page) -> None:
        self.page = page
        self.presses = 0

    def press(self, key: str, times: int = 1) -> None:
        for _ in range(times):
            self.page.keyboard.press(key)
            self.presses += 1

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)
        self.presses += len(text)

    def focused(self) -> str:
        return self.page.evaluate(
            "document.activeElement ? (document.activeElement.id || document.activeElement.textContent.trim()) : ''"
        )

    def tab_to(self, target: str, limit: int = 20) -> None:
        """Tab until the element with this id (or button text) has the focus."""
        for _ in range(limit):
            self.press("Tab")
            if self.focused() == target:
                return
        raise AssertionError(f"{target!r} not reached with Tab")

    def choose(self, name: str, value: str) -> None:
        """Tab into a radio group (it lands on its checked button), then arrow to the answer."""
        ids = self.page.evaluate(f"[...document.getElementsByName('{name}')].map(e => e.id)")
        checked = self.page.evaluate(f"[...document.getElementsByName('{name}')].findIndex(e => e.checked)")
        if self.focused() not in ids:
            self.tab_to(ids[checked])
        steps = ids.index(f"id_{name}_{value}") - checked
        self.press("ArrowRight" if steps > 0 else "ArrowLeft", abs(steps))
        assert self.page.evaluate(f"document.getElementById('id_{name}_{value}').checked")


def test_gpa_high_flow_journey_by_keyboard_alone_in_at_most_45_key_presses(
    live_server, page, make_user, published_guideline, csp_violations
):
    make_user("kb-physician", "physician")
    login(page, live_server, "kb-physician", BROWSER_PASSWORD)
    keys = Keyboard(page)
    expect(page.get_by_role("button", name="New assessment")).to_be_focused()
    keys.press("Enter")

    expect(_heading(page, 1)).to_be_visible()
    expect(page.locator("#id_age_years")).to_be_focused()
    keys.type("54")
    keys.choose("etiology", "gpa")
    keys.choose("anca_type", "pr3")
    keys.choose("anti_gbm_positive", "false")
    keys.press("Enter")  # Enter saves from a radio button too

    expect(_heading(page, 2)).to_be_visible()
    expect(page.locator("#id_oxygen_support_unknown")).to_be_focused()
    keys.choose("oxygen_support", "high_flow")
    keys.tab_to("id_spo2_percent")
    keys.type("92")
    keys.press("Enter")

    expect(_heading(page, 3)).to_be_visible()
    expect(page.locator("#id_creatinine_value")).to_be_focused()
    keys.type("1.8")
    keys.choose("on_dialysis", "false")
    keys.tab_to("see-plan")
    keys.press("Enter")

    _assert_gpa_plan(page)
    assert keys.presses <= MAX_KEY_PRESSES, f"{keys.presses} key presses"
    assert csp_violations == []


def test_a_link_from_the_strip_opens_the_disclosure_it_points_into(live_server, page, make_user, published_guideline):
    from tests.cases.conftest import ANSWERS, finished_draft

    draft = finished_draft(make_user("ward-physician", "physician"), ANSWERS)
    login(page, live_server, "ward-physician", BROWSER_PASSWORD)
    page.goto(f"{live_server.url}/assessments/{draft.pk}/plan/")
    page.get_by_role("link", name="Guidelines disagree: read the positions").click()
    expect(page.locator("#positions-plasma_exchange .position").first).to_be_visible()
    page.locator(".first-actions").get_by_role("link", name="Pulse intravenous methylprednisolone").click()
    expect(page.locator("#rec-glucocorticoid_pulse .calc").first).to_be_visible()  # the dose's calculation


def test_focus_is_visible_on_a_ward_monitor(live_server, page, make_user, published_guideline):
    """WCAG 2.2 focus appearance: a solid outline of at least 2 px on the focused answer button."""
    make_user("ward-physician", "physician")
    login(page, live_server, "ward-physician", BROWSER_PASSWORD)
    expect(page.get_by_role("button", name="New assessment")).to_be_focused()
    page.keyboard.press("Enter")
    expect(_heading(page, 1)).to_be_visible()
    page.keyboard.press("Tab")  # from age to the next question's radio group
    label = page.evaluate("""(() => { const el = document.activeElement;
        const label = document.querySelector(`label[for='${el.id}']`); const s = getComputedStyle(label);
        return [el.type, s.outlineStyle, parseFloat(s.outlineWidth)]; })()""")
    assert label[0] == "radio" and label[1] == "solid" and label[2] >= 2


def test_a_stale_error_clears_when_the_answer_changes_and_a_unit_mismatch_is_a_warning(
    live_server, page, make_user, published_guideline
):
    make_user("ward-physician", "physician")
    login(page, live_server, "ward-physician", BROWSER_PASSWORD)
    page.get_by_role("button", name="New assessment").click()
    page.locator("#id_age_years").fill("fifty")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator("#age_years-error")).to_be_visible()
    page.locator("#id_age_years").fill("50")
    expect(page.locator("#age_years-error")).to_be_hidden()
    expect(page.locator("#id_age_years")).not_to_have_attribute("aria-invalid", "true")
    page.get_by_role("button", name="Save and continue").click()
    expect(_heading(page, 2)).to_be_visible()
    page.get_by_role("button", name="Save and continue").click()
    expect(_heading(page, 3)).to_be_visible()
    htmx_settled(page)  # a value typed before the settle would send no live conversion
    page.locator("#id_creatinine_value").fill("300")  # read in mg/dL: implausible, looks like µmol/L
    converted = page.locator("#creatinine_value-converted")
    expect(converted).to_contain_text("µmol/L")
    expect(converted).to_have_class(re.compile("converted-warning"))


# -- Every golden case --------------------------------------------------------------------------


def _prepare(owner) -> list[tuple[str, str, object]]:
    """(name, path, plan view) per golden case: a finished draft's plan page, or a saved case's print view."""
    from dahguide.cases import services as case_services
    from dahguide.engine.intake import STEPS, parse_intake
    from dahguide.engine.plan import evaluate
    from dahguide.guidance.selectors import get_published_snapshot
    from dahguide.plans.display import plan_view
    from dahguide.wizard import services
    from dahguide.wizard.answers import STEP_CODES, answers_from_inputs, parse_answers, step_errors

    snapshot = get_published_snapshot()
    prepared = []
    for case in GOLDEN_CASES:
        answers = answers_from_inputs(case["intake"])
        if any(step_errors(step, answers) for step in STEPS):
            doc = evaluate(parse_intake(case["intake"], implausible="unknown"), snapshot).to_dict()
            saved = case_services.case_create(
                author=owner, label=f"Golden {len(prepared) + 1}", plan=case_services.SavedPlan(doc, snapshot.title)
            )
            path = f"/cases/{saved.pk}/print/"
        else:
            draft = services.draft_create(owner=owner, first_step=STEP_CODES[0])
            services.draft_save_answers(draft=draft, answers=answers, current_step="review", complete=STEP_CODES)
            doc = evaluate(parse_answers(answers), snapshot).to_dict()
            path = f"/assessments/{draft.pk}/plan/"
        prepared.append((case["name"], path, plan_view(doc)))
    return prepared


def _first_dose(view) -> str:
    """The text of the first dose with an amount among the first actions, "" when none has one."""
    for group in view.first_actions:
        for action in group.actions:
            for dose in action.ready_doses:
                if dose.amount:
                    return " ".join(f"{dose.drug} {dose.amount} {dose.per}".split())
    return ""


def _printed_pages(page) -> int:
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", print_background=True)
    page.emulate_media(media="screen")
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


@pytest.mark.render_sweep
def test_every_golden_case_answers_first_prints_on_two_pages_and_reads_the_same_without_javascript(
    live_server, browser, make_user, published_guideline
):
    owner = make_user("ward-physician", "physician")
    cases = _prepare(owner)
    with_js = browser.new_context(viewport=WARD_SCREEN)
    without_js = browser.new_context(viewport=WARD_SCREEN, java_script_enabled=False)
    problems: list[str] = []
    try:
        page, plain = with_js.new_page(), without_js.new_page()
        login(page, live_server, "ward-physician", BROWSER_PASSWORD)
        login(plain, live_server, "ward-physician", BROWSER_PASSWORD)
        for name, path, view in cases:
            page.set_viewport_size(WARD_SCREEN)
            assert page.goto(f"{live_server.url}{path}").status == 200, name
            strip = page.locator(".strip-head, .strip-body")
            text = " ".join(strip.all_inner_texts())
            dose = _first_dose(view)
            if view.decision.label not in text:
                problems.append(f"{name}: decision not in the strip")
            if dose and dose not in " ".join(text.split()):
                problems.append(f"{name}: no dosed first action ({dose}) in the strip")
            if (bottom := page.evaluate(STRIP_BOTTOM)) > WARD_SCREEN["height"]:
                problems.append(f"{name}: strip ends at {bottom:.0f} px at 1366×768")
            page.set_viewport_size(TABLET)
            if (bottom := page.evaluate(STRIP_BOTTOM)) > TABLET["height"]:
                problems.append(f"{name}: strip ends at {bottom:.0f} px at 768 px wide")
            if (pages := _printed_pages(page)) > MAX_PRINTED_PAGES:
                problems.append(f"{name}: prints on {pages} pages")
            try:
                assert_no_axe_violations(page)
            except AssertionError as exc:
                problems.append(f"{name}: {str(exc).splitlines()[0]}")
            plain.goto(f"{live_server.url}{path}")
            if plain.locator("#plan").inner_text() != page.locator("#plan").inner_text():
                problems.append(f"{name}: the plan reads differently without JavaScript")
    finally:
        with_js.close()
        without_js.close()
    assert problems == [], "\n".join(problems)
