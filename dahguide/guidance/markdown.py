"""Guideline text is markdown written by content editors: render it, then sanitise it.

Two layers. Python-Markdown is told not to pass raw HTML through (an editor's ``<b>`` is shown
as typed), and nh3, an allow-list sanitiser, has the last word on whatever markdown produced:
only the tags, attributes and URL schemes below reach a page, and every link gets
``rel="noopener noreferrer"``.
"""

from __future__ import annotations

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = frozenset(
    {"p", "br", "em", "strong", "ul", "ol", "li", "a", "code", "blockquote", "h3", "h4", "h5", "h6"}
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer"


def _markdown() -> markdown_lib.Markdown:
    md = markdown_lib.Markdown(output_format="html")
    # Raw HTML blocks and inline tags become escaped text instead of markup.
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    return md


def render_markdown(text: str) -> SafeString:
    """Safe HTML for an editor's markdown (an empty string for empty text)."""
    html = _markdown().convert(text or "")
    clean = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    )
    return mark_safe(clean)  # noqa: S308 - sanitised by nh3 just above
