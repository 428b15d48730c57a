"""Security headers and the strict CSP, on the pages a physician sees.

Every URL for every role is also checked by the access matrix (tests/test_access_matrix.py) with
``security_header_problems``; these tests state the policy itself, page by page.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.urls import reverse

from tests.security.headers import csp_directives, security_header_problems

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_login_page_has_every_security_header(client):
    assert security_header_problems(client.get(reverse("login")), authenticated=False) == []


def test_login_page_csp_is_self_only_without_unsafe_inline(client):
    directives = csp_directives(client.get(reverse("login")))
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert "'unsafe-inline'" not in json.dumps(directives)


def test_plan_page_has_every_security_header_and_is_not_stored(client, physician, published_guideline):
    from dahguide.wizard import services
    from tests.wizard.conftest import complete_steps

    client.force_login(physician)
    draft = services.draft_create(owner=physician, first_step="patient")
    complete_steps(client, draft)
    response = client.get(reverse("wizard:plan", args=[draft.pk]))
    assert response.status_code == 200
    assert security_header_problems(response, authenticated=True) == []
    assert "no-store" in response["Cache-Control"]


def test_framing_is_refused(client):
    response = client.get(reverse("login"))
    assert response["X-Frame-Options"] == "DENY"
    assert csp_directives(response)["frame-ancestors"] == ["'none'"]


def test_htmx_is_configured_not_to_inject_inline_styles(client, physician):
    client.force_login(physician)
    html = client.get(reverse("home")).content.decode()
    config = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", html)
    assert config, "no htmx-config meta in the base layout"
    settings = json.loads(config.group(1))
    assert settings["includeIndicatorStyles"] is False


class _InlineCode(HTMLParser):
    """Inline scripts, inline styles and event-handler attributes: all blocked by our CSP."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._script = False

    def handle_starttag(self, tag, attrs):
        names = {name for name, _ in attrs}
        values = dict(attrs)
        if tag == "script" and "src" not in names and values.get("type") not in {"application/json"}:
            self._script = True
        if tag == "style":
            self.found.append("<style> element")
        for name in names:
            if name == "style" or name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")

    def handle_data(self, data):
        if self._script and data.strip() and "{%" not in data:
            self.found.append(f"inline <script>: {data.strip()[:60]}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = False


def _project_templates() -> list[Path]:
    return sorted(
        p for p in [*ROOT.glob("templates/**/*.html"), *ROOT.glob("dahguide/*/templates/**/*.html")] if p.is_file()
    )


@pytest.mark.parametrize("path", _project_templates(), ids=lambda p: str(p.relative_to(ROOT)))
def test_template_has_no_inline_script_style_or_handler(path):
    parser = _InlineCode()
    text = re.sub(r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}", "", path.read_text(encoding="utf-8"), flags=re.S)
    parser.feed(text)
    assert parser.found == [], f"{path.relative_to(ROOT)} has code the CSP blocks: {parser.found}"
