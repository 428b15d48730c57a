"""Template tags of the plan's presentation (templates/plans/): markdown, sources, verification
markers, and the recommendation line with its disclosure.

The recommendation line, its doses, the disagreement panel, source lists and verification marks
are built in Python rather than as a template partial each: as partials (about 120 includes a plan
page, the same HTML byte for byte, tests/plans/test_plan_html_snapshot.py) the plan page is more than
10% slower, the most a move to templates was allowed to cost. Measured 2026-12-03 on the bench's
plan page (6 recommendations) with ``python -m bench.profile --page "plan GET" --requests 300``
(SQLite, 2 cores shared with other work), the two versions run interleaved:

- the markup built here takes about a tenth of the page: 2.0-2.8 ms of 21-28 ms (the outermost tags
  timed); 10-11% under cProfile (recommendation_line, strip_doses and the plasma-exchange panel);
- as partials: 54,900 Python calls a request instead of 41,100; p50 15% higher (27.5 -> 31.7 ms,
  mean of 3 runs each); mean and median 30-35% higher in two runs that alternated the versions every
  20 requests (600 requests each);
- partials with the marks and source lists left in Python: 9-15% higher (the same alternating runs).

Every value is escaped by ``format_html`` or ``esc`` (dahguide.markup: Django's rules, without the
lazy-string checks that were most of their cost here); guideline markdown is the shared sanitised
rendering.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from dahguide.guidance.markdown import render_markdown
from dahguide.markup import esc, format_html
from dahguide.plans.display import DoseLine, Marker, MissingAnswer, Position, Recommendation, Source

register = template.Library()
EMPTY = mark_safe("")  # noqa: S308 - empty


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    """Guideline markdown as safe HTML (the shared helper: markdown without raw HTML, then nh3)."""
    return _rendered_markdown(text or "")


# The same guideline texts appear on every plan page and change only with a publication, so each
# is rendered once per process (about 0.5 ms each, a dozen per plan page; see bench/report.md).
@lru_cache(maxsize=2048)
def _rendered_markdown(text: str) -> SafeString:
    return render_markdown(text)


@register.simple_tag(name="vmark")
def verification_mark(mark: Marker | None) -> SafeString:
    """The verification letter of an item ("S", "U"), explained by the legend and its title."""
    if mark is None:
        return EMPTY
    return format_html(' <abbr class="vm vm-{}" title="{}">{}</abbr>', mark.code, mark.meaning, mark.letter)


def _source(s: Source) -> str:
    if s.url:
        mark = verification_mark(s.marker)
        return format_html('<a href="{}" rel="noopener noreferrer">{}</a>{}', s.url, s.label, mark)
    return esc(s.label) + verification_mark(s.marker)


@register.simple_tag
def source_links(sources: Iterable[Source]) -> SafeString:
    """The sources as short labels, linked when they have a safe URL, separated by "; "."""
    return mark_safe("; ".join(_source(s) for s in sources))  # noqa: S308 - every part escaped in _source


def _sources_line(sources: tuple[Source, ...]) -> SafeString:
    if not sources:
        return EMPTY
    return format_html('<p class="src">Sources: {}</p>', source_links(sources))


def _join(parts: Iterable[str]) -> SafeString:
    return mark_safe("".join(parts))  # noqa: S308 - every part built by format_html / esc


@register.simple_tag
def positions_panel(positions: Iterable[Position], heading: str, panel_id: str) -> SafeString:
    """Where guidelines differ: each source's position, strength, marker and sources."""
    items = _join(
        format_html(
            '<li class="position"><strong>{}</strong>{}{}: {}{}</li>',
            p.source,
            format_html(' <span class="grade ug">{}</span>', p.strength) if p.strength else "",
            verification_mark(p.marker),
            p.position,
            format_html(' <span class="src">({})</span>', source_links(p.sources)) if p.sources else "",
        )
        for p in positions
    )
    return format_html(
        '<div class="disagreement-panel" id="positions-{}"><p class="fw-semibold mb-1">{}</p><ul>{}</ul></div>',
        panel_id,
        heading,
        items,
    )


def strength_badge(rec: Recommendation) -> SafeString:
    """A graded recommendation and an ungraded statement look different (solid and outlined)."""
    if rec.graded:
        return format_html('<span class="grade gr">Grade: {}</span>', rec.strength)
    return format_html('<span class="grade ug">{}</span>', rec.strength or "Ungraded")


def dose_text(d: DoseLine) -> SafeString:
    """ "Methylprednisolone 750 mg IV once daily for 3 days", or what the dose is waiting for."""
    who = format_html("{}: ", d.population) if d.population else ""
    if d.amount:
        return format_html("{}<strong>{}</strong> {} {}", who, d.drug, d.amount, d.per)
    if d.missing:
        return format_html("{}<strong>{}</strong> {}", who, d.drug, _needed(d.missing))
    return format_html("{}<strong>{}</strong> {}", who, d.drug, d.per)


@register.simple_tag(name="dose_text")
def dose_text_tag(dose: DoseLine) -> SafeString:
    return dose_text(dose)


def _needed(missing: Iterable[MissingAnswer]) -> SafeString:
    """ "weight and height needed", each answer linked to its question where the plan has steps."""
    return format_html(
        '<span class="needed">{} needed</span>',
        mark_safe(  # noqa: S308 - escaped parts
            " and ".join(
                format_html('<a href="{}">{}</a>', m.url, m.label.lower()) if m.url else esc(m.label.lower())
                for m in missing
            )
        ),
    )


@register.simple_tag
def strip_doses(rec: Recommendation) -> SafeString:
    """An action's doses in the strip: each ready dose on its line, then one line per set of answers
    the other doses wait for."""
    ready = (format_html('<span class="dose">{}</span>', dose_text(d)) for d in rec.ready_doses)
    waiting = (
        format_html(
            '<span class="dose">{}{}: {}</span>',
            format_html("{}: ", w.population) if w.population else "",
            ", ".join(w.drugs),
            _needed(w.missing),
        )
        for w in rec.waiting
    )
    return _join([*ready, *waiting])


def _dose_detail(d: DoseLine) -> str:
    extra = [d.calculation, *d.adjustments]
    if d.sources_differ:
        extra.append("sources differ: the lowest is shown")
    if d.note:
        extra.append(d.note)
    return format_html(
        "<li>{}{}{}</li>",
        dose_text(d),
        verification_mark(d.marker),
        format_html('<span class="calc">{}</span>', "; ".join(e for e in extra if e)) if any(extra) else "",
    )


@register.simple_tag
def recommendation_line(rec: Recommendation) -> SafeString:
    """One recommendation: its title, strength and marker on one line; one disclosure for the text,
    this patient's doses with their calculation, caveats, why it applies, where guidelines differ,
    the sources and the review date."""
    doses = (
        format_html(
            '<p class="h6 mb-1">Dose for this patient</p><ul class="doses">{}</ul>',
            _join(_dose_detail(d) for d in rec.doses),
        )
        if rec.doses
        else ""
    )
    caveats = (
        format_html(
            '<ul class="caveats">{}</ul>',
            _join(
                format_html(
                    "<li><strong>{}{}:</strong> {}{}</li>",
                    c.modifier,
                    " (not recorded)" if c.pending else "",
                    c.text,
                    verification_mark(c.marker),
                )
                for c in rec.caveats
            ),
        )
        if rec.caveats
        else ""
    )
    why = (
        format_html('<p class="why"><span class="fw-semibold">Why this applies:</span> {}</p>', "; ".join(rec.why))
        if rec.why
        else ""
    )
    positions = positions_panel(rec.positions, "Where guidelines differ", rec.code) if rec.positions else ""
    reviewed = format_html('<p class="reviewed">Content last reviewed {}.</p>', rec.reviewed) if rec.reviewed else ""
    mark, change = "", ""
    if rec.changed:  # changed in the current guideline version, recently (DAHGUIDE_CHANGED_MARK_DAYS)
        mark = mark_safe(' <span class="badge text-bg-light border rec-changed">Changed in this version</span>')  # noqa: S308 - constant
        change = format_html(
            '<p class="rec-change"><span class="fw-semibold">What changed:</span> {} <a href="{}">All changes</a></p>',
            rec.changed,
            reverse("guidance:what_changed"),
        )
    return format_html(
        '<li class="rec" id="rec-{}"><details><summary><span class="rec-title">{}</span> {}{}{}</summary>'
        '<div class="rec-body">{}{}{}{}{}{}{}{}</div></details></li>\n',
        rec.code,
        rec.title,
        strength_badge(rec),
        verification_mark(rec.marker),
        mark,
        change,
        _rendered_markdown(rec.text),
        doses,
        caveats,
        why,
        positions,
        _sources_line(rec.sources),
        reviewed,
    )
