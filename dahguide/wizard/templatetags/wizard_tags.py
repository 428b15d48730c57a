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

    Built in one call rather than an ``{% include %}`` per source: a plan page shows about 55 of
    them, and an include each cost about a tenth of the page's rendering time.
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


@register.simple_tag
def citations_block(citations: Iterable[Mapping[str, Any]]) -> SafeString:
    """A recommendation's (or the plasma-exchange check's) sources: the linked short labels, then
    the full references folded open on demand (no script needed); nothing without sources.

    Built in one call rather than a partial included per recommendation: with its loop over the
    references it was about a sixth of the plan page's own template nodes.
    """
    citations = list(citations or ())
    if not citations:
        return mark_safe("")  # noqa: S308 - empty
    references = "".join(
        format_html("<li>{}: {}</li>", c.get("label", ""), c.get("reference", "")) for c in citations
    )
    return format_html(
        '<p class="small mb-1 mt-2"><span class="fw-semibold">Sources:</span>\n  {}\n</p>\n'
        '<details class="small mb-2 references">\n  <summary>Full references</summary>\n'
        '  <ul class="citations mb-0">\n    {}\n  </ul>\n</details>',
        citation_links(citations),
        mark_safe(references),  # noqa: S308 - every part escaped by format_html above
    )
