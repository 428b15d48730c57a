"""The editors' chart: one stacked bar per recommendation and source, drawn on the server as SVG.

No script and no style attribute (the CSP allows neither): each segment's colour comes from a
class in static/css/feedback.css, and its position from SVG geometry attributes.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import template

from dahguide.feedback.models import Source
from dahguide.feedback.selectors import SourceCounts

register = template.Library()
SOURCE_LABELS: dict[str, str] = {Source.APP: "In DAH Guide", Source.EHR: "From the EHR"}


@dataclass(frozen=True)
class Segment:
    css: str
    label: str
    count: int
    x: float  # percent of the bar
    width: float


def segments(counts: SourceCounts) -> list[Segment]:
    """Followed, then each reason not followed, then (EHR) no feedback, as shares of the times shown."""
    parts = [("followed", "Accepted" if counts.source == Source.EHR else "Followed", counts.followed)]
    parts += [(f"reason-{code or 'none'}", label, n) for code, label, n in counts.reasons]
    if counts.source == Source.EHR:
        parts.append(("no-feedback", "No feedback", counts.no_feedback))
    out, x = [], 0.0
    for css, label, n in parts:
        if n <= 0 or counts.shown <= 0:
            continue
        width = round(100 * n / counts.shown, 2)
        out.append(Segment(css, label, n, round(x, 2), width))
        x += width
    return out


def summary(counts: SourceCounts) -> str:
    if not counts.shown:
        return f"{SOURCE_LABELS[counts.source]}: not shown yet"
    parts = "; ".join(f"{s.label.lower()} {s.count}" for s in segments(counts))
    return f"{SOURCE_LABELS[counts.source]}: shown {counts.shown}; {parts}"


@register.inclusion_tag("feedback/_bar.html")
def feedback_bar(counts: SourceCounts) -> dict:
    return {
        "counts": counts,
        "segments": segments(counts),
        "summary": summary(counts),
        "source_label": SOURCE_LABELS[counts.source],
    }
