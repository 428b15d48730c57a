"""The engine's plan document (``Plan.to_dict()``, CONTRACT) arranged for the plan templates.

The page reads the same document the API returns, so the screen and the JSON cannot disagree.
This module only groups it by section, puts words beside codes and resolves links to the steps.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format

from dahguide.engine.content import Snapshot
from dahguide.engine.intake import FIELDS, IntakeResult
from dahguide.engine.plan import evaluate
from dahguide.engine.vocabulary import SECTIONS

SECTION_TITLES = {
    "initial_management": "Initial management",
    "immunosuppression": "Immunosuppression",
    "plasma_exchange": "Plasma exchange",
    "adjunctive": "Adjunctive therapy",
    "etiology_specific": "Etiology-specific treatment",
    "monitoring": "Monitoring",
    "prognosis": "Prognosis: risk factors present",
    "special_considerations": "Special considerations",
}
# One partial per section kind (templates/wizard/plan/); the rest share the generic one.
SECTION_TEMPLATES = {
    "plasma_exchange": "wizard/plan/_plasma_exchange.html",
    "monitoring": "wizard/plan/_monitoring.html",
}
GENERIC_SECTION_TEMPLATE = "wizard/plan/_section.html"

DECISION_LABELS = {
    "recommended": "Plasma exchange: recommended",
    "consider": "Plasma exchange: consider",
    "not_indicated": "Plasma exchange: not indicated",
    "insufficient_data": "Plasma exchange: not enough data to decide",
}
STATUS_LABELS = {"met": "Met", "not_met": "Not met", "unknown": "Unknown", "not_applicable": "Not applicable"}
VERIFICATION_CAVEATS = {"secondary": "Secondary source — verify", "unverified": "Unverified"}


SEVERITY_LABELS = {"critical": "Critical", "warning": "Warning", "info": "Note"}


def _safe_url(url: str) -> str:
    """Only web links reach an href: content cannot smuggle in ``javascript:``."""
    return url if url.lower().startswith(("https://", "http://")) else ""


def _caveat(item: dict[str, Any]) -> dict[str, Any]:
    """Add the words the templates show beside codes: verification caveat, safe link, severity."""
    item["caveat"] = VERIFICATION_CAVEATS.get(item.get("verification", "primary"), "")
    if "severity" in item:
        item["severity_label"] = SEVERITY_LABELS.get(item["severity"], item["severity"].capitalize())
    for citation in item.get("citations", ()):
        citation["caveat"] = VERIFICATION_CAVEATS.get(citation.get("verification", "primary"), "")
        citation["safe_url"] = _safe_url(citation.get("url", ""))
    for position in item.get("disagreements", ()):
        _caveat(position)
    return item


def _plasma_exchange(doc: dict[str, Any]) -> dict[str, Any]:
    plex = _caveat(doc["plasma_exchange"])
    plex["decision_label"] = DECISION_LABELS.get(plex["decision"], plex["decision"])
    for criterion in plex["criteria"]:
        criterion["status_label"] = STATUS_LABELS.get(criterion["status"], criterion["status"])
    return plex


def _date_display(value: str) -> str:
    """An ISO date or date-time from content as "25 November 2026" (the raw text if unparsable)."""
    if not value:
        return ""
    try:
        parsed: date = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    except ValueError:
        return value
    if isinstance(parsed, datetime):
        parsed = timezone.localtime(parsed) if timezone.is_aware(parsed) else parsed
    return date_format(parsed, "j F Y")


def _missing_url(name: str, step_url: Callable[[str], str] | None) -> str:
    if name not in FIELDS or step_url is None:
        return ""
    return f"{step_url(FIELDS[name].step)}?return_to=review#q-{name}"


def full_plan(result: IntakeResult, snapshot: Snapshot, *, step_url: Callable[[str], str]) -> dict[str, Any]:
    return arrange(evaluate(result, snapshot).to_dict(), title=snapshot.title, step_url=step_url)


def arrange(doc: dict[str, Any], *, title: str = "", step_url: Callable[[str], str] | None = None) -> dict[str, Any]:
    """A plan document (evaluated now, or stored with a saved case) arranged for the plan templates.

    Without ``step_url`` the missing answers are listed without links (a saved plan has no steps).
    Adds display keys to the items of ``doc`` in place: pass a copy to keep the document clean.
    """
    recommendations = [_caveat(r) for r in doc["recommendations"]]
    for r in recommendations:
        r["last_reviewed_display"] = _date_display(r.get("last_reviewed", ""))
    sections = []
    for code in SECTIONS:
        sections.append({
            "code": code,
            "title": SECTION_TITLES.get(code, code.replace("_", " ").capitalize()),
            "template": SECTION_TEMPLATES.get(code, GENERIC_SECTION_TEMPLATE),
            "recommendations": [r for r in recommendations if r["section"] == code],
        })
    warnings = [_caveat(w) for w in doc["warnings"]]
    return {
        "guideline": {
            **doc["guideline"],
            "published_display": _date_display(doc["guideline"].get("published_at", "")),
            "title": title,
        },
        "disclaimer": doc["disclaimer"],
        "critical_warnings": [w for w in warnings if w["severity"] == "critical"],
        "other_warnings": [w for w in warnings if w["severity"] != "critical"],
        "plasma_exchange": _plasma_exchange(doc),
        "sections": sections,
        "monitoring": [_caveat(m) for m in doc["monitoring"]],
        "missing": [
            {
                "name": name,
                "label": FIELDS[name].label if name in FIELDS else name,
                "url": _missing_url(name, step_url),
            }
            for name in doc["missing_data"]
        ],
        "derived": doc["derived"],
    }


def preview(result: IntakeResult, snapshot: Snapshot | None) -> dict[str, Any] | None:
    """The "plan so far": the plasma-exchange decision and its criteria, critical warnings, a count."""
    if snapshot is None or result.intake is None:
        return None
    try:
        doc = evaluate(result, snapshot).to_dict()
    except ValueError:  # a content defect (a threshold missing): the full plan page will say so
        return None
    return {
        "plasma_exchange": _plasma_exchange(doc),
        "critical_warnings": [w for w in doc["warnings"] if w["severity"] == "critical"],
        "recommendation_count": len(doc["recommendations"]),
    }
