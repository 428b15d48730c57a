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


def _join_safe(parts: Iterable[str]) -> SafeString:
    return mark_safe("".join(parts))  # noqa: S308 - every part built by format_html / conditional_escape


@register.simple_tag
def positions_panel(positions: Iterable[Mapping[str, Any]], heading: str, panel_id: Any) -> SafeString:
    """A disagreement panel: each source's position, its strength, caveat and citations.

    Built in one call (it was the partial ``wizard/plan/_positions.html``): see ``recommendation_card``.
    """
    items = []
    for d in positions or ():
        badges = _join_safe((
            format_html(' <span class="badge text-bg-light border">{}</span>', d["strength"])
            if d.get("strength") else "",
            format_html(' <span class="badge text-bg-warning caveat">{}</span>', d["caveat"])
            if d.get("caveat") else "",
        ))
        sources = (
            format_html('<p class="small mb-0">Sources: {}</p>', citation_links(d["citations"]))
            if d.get("citations") else ""
        )
        items.append(format_html(
            '\n    <div class="position mb-2">\n      <p class="mb-1"><strong>{}</strong>{}</p>\n'
            '      <p class="mb-1">{}</p>\n      {}\n    </div>\n',
            d.get("source", ""), badges, d.get("position", ""), sources,
        ))
    return format_html(
        '<aside class="card disagreement-panel mb-3" aria-labelledby="positions-{}">\n  <div class="card-body">\n'
        '    <p class="h6 card-title" id="positions-{}">{}</p>{}  </div>\n</aside>',
        panel_id, panel_id, heading, _join_safe(items),
    )


@register.simple_tag
def recommendation_card(rec: Mapping[str, Any]) -> SafeString:
    """One recommendation of the plan (and of a saved case's monitoring section): title, grade,
    caveat, the text (sanitised markdown), why it applies, where guidelines differ, the sources
    and the review date.

    Built in one call rather than the partial ``wizard/plan/_recommendation.html`` included per
    recommendation (with its disagreement partial): the includes cost about a fifth of the plan
    page's rendering. Every value is escaped by ``format_html``/``conditional_escape``; the
    markdown is the shared sanitised rendering.
    """
    code = rec.get("code", "")
    strength = rec.get("strength", "")
    grade = (
        format_html('<span class="badge text-bg-dark grade">Grade: {}</span>', strength)
        if strength else mark_safe('<span class="badge text-bg-light border grade">Ungraded</span>')  # noqa: S308
    )
    caveat = rec.get("caveat", "")
    caveat_html = format_html('<span class="badge text-bg-warning caveat">{}</span>', caveat) if caveat else ""
    why = rec.get("why")
    why_html = (
        format_html(
            '\n    <p class="h6 mb-1">Why this applies</p>\n    <ul class="why-list">{}</ul>\n    ',
            _join_safe(format_html("<li>{}</li>", reason) for reason in why),
        )
        if why else ""
    )
    disagreements = rec.get("disagreements")
    positions_html = positions_panel(disagreements, "Where guidelines differ", code) if disagreements else ""
    reviewed = rec.get("last_reviewed_display", "")
    reviewed_html = (
        format_html('<p class="small text-body-secondary mb-0">Content last reviewed {}.</p>', reviewed)
        if reviewed else ""
    )
    return format_html(
        '<article class="card recommendation mb-3" aria-labelledby="rec-{}">\n  <div class="card-body">\n'
        '    <h3 class="h5 card-title" id="rec-{}">{}</h3>\n    <p class="mb-2">\n      {}\n      {}\n    </p>\n'
        '    <div class="rec-text">{}</div>\n    {}\n    {}\n    {}\n    {}\n  </div>\n</article>\n',
        code, code, rec.get("title", ""), grade, caveat_html, _rendered_markdown(rec.get("text", "") or ""),
        why_html, positions_html, citations_block(rec.get("citations")), reviewed_html,
    )
