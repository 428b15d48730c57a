"""Cross-site scripting payloads for every free-text field, and a check that a page neutralised them.

Each payload carries an ``xss-`` marker so a page that runs or builds markup from it is caught.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

XSS_PAYLOADS: tuple[str, ...] = (
    "<script>alert('xss-script')</script>",
    "\"><img src=x onerror=alert('xss-img')>",
    "'><svg onload=alert('xss-svg')>",
    "<svg/onload=alert('xss-svg2')>",
    "javascript:alert('xss-js')",
    "[click me](javascript:alert('xss-md'))",
    "![x](x\" onerror=\"alert('xss-mdimg'))",
    "<a href=\"javascript:alert('xss-a')\">link</a>",
    "<iframe src=\"javascript:alert('xss-if')\"></iframe>",
    "<details open ontoggle=alert('xss-dt')>",
    "</textarea></title><script>alert('xss-break')</script>",
    "&lt;script&gt;alert('xss-ent')&lt;/script&gt;",
    "\u202e<script>alert('xss-rtl')</script>",
    "{{7*7}}xss-tpl {% debug %}",
    "data:text/html,<script>alert('xss-data')</script>",
)

_URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background"}
_DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "base"}  # an <svg> runs script only through on* attributes


class _Markup(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DANGEROUS_TAGS and not (tag == "script" and dict(attrs).get("src")):
            if tag != "script" or dict(attrs).get("type") != "application/json":
                self._in_script = tag == "script"
                self.problems.append(f"<{tag}> element")
        for name, value in attrs:
            value = (value or "").strip().lower()
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...> event handler")
            if name in _URL_ATTRIBUTES and re.match(r"^\s*(javascript|vbscript|data:text/html)", value):
                self.problems.append(f"<{tag} {name}={value[:40]!r}> script URL")
            if tag == "img" and name == "src" and value == "x":
                self.problems.append("<img src=x> from a payload")

    def handle_data(self, data: str) -> None:
        if "xss-tpl" in data and re.search(r"\b49xss-tpl", data):
            self.problems.append("template expression evaluated")


def executable_markup(html: str) -> list[str]:
    """Markup in a page that would run script (empty when every payload was neutralised)."""
    parser = _Markup()
    parser.feed(html)
    return parser.problems
