"""Real-browser tests: Playwright driving Debian's chromium against pytest-django's live_server.

Run separately from the rest of the suite (bin/test does): Playwright's sync API runs an asyncio
loop in the main thread, so Django's async-safety check must be off for this process only.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
# Screenshots of each main page; CI keeps this folder (SCREENSHOT_DIR overrides it).
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", ROOT / "test-artifacts" / "screenshots"))

pytestmark = pytest.mark.browser


def pytest_collection_modifyitems(config, items):
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        skip = pytest.mark.skip(reason=f"chromium not found at {CHROMIUM} (apt-get install chromium)")
        for item in items:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, browser_name):
    # Playwright cannot download its own browsers here: point chromium at Debian's package.
    if browser_name != "chromium":
        return browser_type_launch_args
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "timeout": 30_000}


@pytest.fixture
def csp_violations(page):
    """Console messages about Content-Security-Policy violations seen during the test."""
    seen: list[str] = []
    page.on("console", lambda msg: seen.append(msg.text) if "Content Security Policy" in msg.text else None)
    return seen


@pytest.fixture
def screenshot(page):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def assert_no_axe_violations(page) -> None:
    """axe-core (bundled with axe-playwright-python, no network) with WCAG 2.x A/AA rules."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={
            "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
            # Details for violations only: the passing nodes are not collected (much quicker).
            "resultTypes": ["violations"],
        },
    )
    violations = results.response["violations"]
    summary = [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:6]}" for v in violations]
    assert results.violations_count == 0, "\n".join(summary) + "\n" + json.dumps(violations, indent=1)[:3000]


def login(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def htmx_settled(page) -> None:
    """Wait until htmx has settled what it swapped in: it binds the new content's triggers (hx-get on
    input, for example) at the settle, about 20 ms after the content is visible."""
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")


def tab_to(page, element_id: str, *, max_presses: int = 30) -> None:
    """Press Tab until the element has focus: proves it is reachable by keyboard alone."""
    for _ in range(max_presses):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
    raise AssertionError(f"#{element_id} not reachable with Tab within {max_presses} presses")


# -- Journeys ----------------------------------------------------------------------------------

BROWSER_PASSWORD = "browser-test-password-1"


@pytest.fixture(autouse=True)
def _fresh_snapshot_cache():
    # The live server shares this process's caches; every test starts from its own database.
    from django.core.cache import cache

    from dahguide.guidance.selectors import clear_snapshot_cache

    cache.clear()
    clear_snapshot_cache()
    yield
    clear_snapshot_cache()


@pytest.fixture
def make_user(django_user_model):
    """A user with one role (None: the superuser) who logs in with ``BROWSER_PASSWORD``."""
    from django.contrib.auth.models import Group, Permission

    from dahguide.accounts.roles import sync_role_permissions

    # Transactional tests flush the database, role groups (a data migration) included.
    sync_role_permissions(Group, Permission)

    def make(username: str, role: str | None) -> object:
        staff = role in {"content_editor", "clinical_reviewer", None}
        user = django_user_model.objects.create_user(
            username, password=BROWSER_PASSWORD, is_staff=staff, is_superuser=role is None
        )
        if role:
            user.groups.add(Group.objects.get(name=role))
        return user

    return make


def check_page(page, name: str, csp_violations: list[str], screenshot=None, *, wait: str = "networkidle") -> None:
    """A page of the product: zero axe violations (WCAG 2.x A/AA), no CSP violation, a screenshot.

    ``wait="load"`` for pages that send no request of their own after loading (the admin's): it saves
    the half second of network silence "networkidle" waits for. Pages with htmx keep "networkidle":
    a delayed htmx request arriving while the test writes to SQLite finds the table locked.
    """
    page.wait_for_load_state(wait)
    assert csp_violations == [], f"{name}: {csp_violations}"
    assert_no_axe_violations(page)
    # axe itself sets inline styles while it measures (its script reports them as CSP violations
    # on some admin pages): what it caused is not the page's.
    csp_violations.clear()
    if screenshot is not None:
        screenshot(name)


def fill_answers(page, answers: dict) -> None:
    """Answer a step with the mouse and typing: text inputs, selects, radios and checkboxes by id.

    Yes/no/unknown and short choices are radio inputs shown as buttons: their label is what a
    physician clicks.
    """
    for name, value in answers.items():
        if isinstance(value, list):
            for item in value:
                page.locator(f"#id_{name}_{item}").check()
            continue
        radio = page.locator(f"[id='id_{name}_{value or 'unknown'}']")
        if radio.count():
            page.locator(f"label[for='id_{name}_{value or 'unknown'}']").click()
            continue
        field = page.locator(f"#id_{name}")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
