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
from typing import Any

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


# -- The plan's lists: each loop of the plan's partials as one tag (the loops' variable lookups were
# most of the partials' cost). The same HTML, byte for byte, as the loops they replace; the
# whitespace in them is the partials' own.


def _safe(html: str) -> SafeString:
    return mark_safe(html)  # noqa: S308 - built here from esc'd values and other tags' safe HTML


def _sources_in_brackets(sources: tuple[Source, ...]) -> str:
    return f' <span class="src">({source_links(sources)})</span>' if sources else ""


@register.simple_tag
def criteria_chips(criteria: Iterable[Any], css: str = "") -> SafeString:
    """The decision's criteria as chips: the status in words and a symbol, not colour alone."""
    extra = f" {esc(css)}" if css else ""
    return _join(
        f'\n    <li class="chip chip-{esc(c.status)}{extra}"><span class="chip-sym" aria-hidden="true">'
        f"{esc(c.symbol)}</span> {esc(c.chip)}: <strong>{esc(str(c.status_label).lower())}</strong></li>"
        for c in criteria
    )


@register.simple_tag
def criteria_rows(criteria: Iterable[Any]) -> SafeString:
    """The plasma-exchange table's rows: each criterion, its status, this patient, the threshold."""
    return _join(
        f'\n      <tr class="criterion criterion-{esc(c.status)}"><th scope="row">{esc(c.label)}'
        f'<span class="expl">{esc(c.explanation)}</span></th><td><span class="criterion-status">'
        f'<span aria-hidden="true">{esc(c.symbol)} </span>{esc(c.status_label)}</span></td>'
        f"<td>{esc(c.observed)}</td><td>{esc(c.threshold)}</td></tr>"
        for c in criteria
    )


@register.simple_tag
def strip_alerts(alerts: Iterable[Any]) -> SafeString:
    """The critical alerts of the strip."""
    return _join(
        f"\n    <p><strong>{esc(a.severity_label)}:</strong> {esc(a.text)}"
        f"{' (' + esc(a.detail) + ')' if a.detail else ''}{_sources_in_brackets(a.sources)}</p>"
        for a in alerts
    )


@register.simple_tag
def first_action_groups(groups: Iterable[Any]) -> SafeString:
    """The strip's first actions by timing, each linked to its line with its doses."""
    return _join(
        f'\n    <div class="timing"><h3 class="timing-title">{esc(g.label)}</h3>\n      <ul>'
        + "".join(f'<li><a href="#rec-{esc(a.code)}">{esc(a.title)}</a>{strip_doses(a)}</li>' for a in g.actions)
        + "</ul>\n    </div>"
        for g in groups
    )


def _caution(a: Any) -> str:
    detail = f' <span class="warning-detail">({esc(a.detail)})</span>' if a.detail else ""
    return f"<li>{esc(a.text)}{detail}{verification_mark(a.marker)}{_sources_in_brackets(a.sources)}</li>"


@register.simple_tag
def caution_groups(groups: Iterable[Any]) -> SafeString:
    """The cautions that are not critical, folded by what they are about."""
    return _join(
        f'\n    <details class="caution-group"><summary>{esc(g.title)} ({len(g.alerts)})</summary>\n      <ul>'
        + "".join(_caution(a) for a in g.alerts)
        + "</ul>\n    </details>"
        for g in groups
    )


def _joined(items: Iterable[str]) -> str:
    """A list filtered by ``join:"; "`` under autoescape: each item escaped."""
    return "; ".join(esc(i) for i in items)


@register.simple_tag
def monitoring_items(items: Iterable[Any]) -> SafeString:
    """The monitoring checklist: a printable box, the item, why and its sources."""
    out = []
    for m in items:
        why = f"Why: {_joined(m.why)}." if m.why else ""
        sources = f" {source_links(m.sources)}" if m.sources else ""
        detail = f' <span class="src">{why}{sources}</span>' if m.why or m.sources else ""
        out.append(
            '\n    <li class="checklist-item"><span class="check-box" aria-hidden="true">☐</span>'
            f"<span>{esc(m.text)}{verification_mark(m.marker)}{detail}</span></li>"
        )
    return _join(out)


@register.simple_tag
def reference_items(references: Iterable[Source]) -> SafeString:
    return _join(f"<li>{esc(s.label)}: {esc(s.reference)}</li>" for s in references)


def _withheld(w: Any, strip: bool) -> str:
    sources = f' <span class="src">{source_links(w.sources)}</span>' if w.sources and not strip else ""
    return f"{esc(w.title)}{verification_mark(w.marker)} ({_joined(w.why_not)}){sources}"


@register.simple_tag
def withheld_items(withheld: Iterable[Any], strip: bool = False) -> SafeString:
    """Each withheld action with why not (and, below the strip, its sources), separated by "; "."""
    return _safe("; ".join(_withheld(w, strip) for w in withheld))


@register.simple_tag
def missing_items(missing: Iterable[MissingAnswer]) -> SafeString:
    """The missing answers, each linked to its question where the plan has steps."""
    return _safe(" · ".join(f'<a href="{esc(m.url)}">{esc(m.label)}</a>' if m.url else esc(m.label) for m in missing))


@register.simple_tag
def legend_items(markers: Iterable[Marker]) -> SafeString:
    """What each verification letter the plan uses means, "; " between, ". " after the last."""
    items = [
        f'<abbr class="vm vm-{esc(m.code)}" title="{esc(m.meaning)}">{esc(m.letter)}</abbr> {esc(m.meaning)}'
        for m in markers
    ]
    return _safe("; ".join(items) + ". " if items else "")
