from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from dahguide.guidance.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    """Guideline markdown as safe HTML (the shared helper: markdown without raw HTML, then nh3)."""
    return _rendered_markdown(text or "")


# The same guideline texts appear on every plan page and change only with a publication, so each
# is rendered once per process (about 0.5 ms each, a dozen per plan page; see bench/report.md).
# The result depends on the text alone and is an immutable string; the bound keeps memory flat.
@lru_cache(maxsize=2048)
def _rendered_markdown(text: str) -> SafeString:
    return render_markdown(text)


@register.simple_tag
def citation_links(citations: Iterable[Mapping[str, Any]]) -> SafeString:
    """The sources as short labels, linked when they have a safe URL, separated by "; ".

    The same markup as ``wizard/plan/_citation_link.html`` (which the saved-case pages include),
    built in one call: a plan page shows about 55 of them, and an ``{% include %}`` each cost
    about a tenth of the page's rendering time (bench/report.md).
    """
    return mark_safe("; ".join(_citation_link(c) for c in citations))  # noqa: S308 - every part escaped below


def _citation_link(c: Mapping[str, Any]) -> str:
    label = c.get("label", "")
    url = c.get("safe_url", "")
    if url:
        html = format_html('<a href="{}" rel="noopener noreferrer">{}</a>', url, label)
    else:
        html = conditional_escape(label)
    caveat = c.get("caveat", "")
    return html + format_html(' <span class="caveat">({})</span>', caveat) if caveat else html
