"""The plan as CDS Hooks 2.0 cards.

- One decision card, always: the plasma-exchange decision with every criterion and its status,
  what the EHR data were (values, dates, what was stale or unusable) and what is missing.
- One card per critical warning of the plan.
- One data card when the EHR sent less than the service needs (missing prefetch, stale or
  unusable values), so the clinician sees why the answer may be "not enough data".

Indicators: plasma exchange recommended -> critical (anti-GBM disease: start now); consider ->
warning; not indicated and insufficient data -> info; a critical warning -> critical; the data
card -> warning. Each card has a ``source`` and an ``absolute`` link to the wizard, prefilled.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from dahguide.api.cds.mapping import MappingResult
from dahguide.engine.intake import FIELDS

SUMMARY_LIMIT = 140  # CDS Hooks: "<140-character summary"
DECISION_INDICATOR = {"recommended": "critical", "consider": "warning", "not_indicated": "info",
                      "insufficient_data": "info"}
_DECISION_SUMMARY = {
    "recommended": "Plasma exchange recommended",
    "consider": "Consider plasma exchange",
    "not_indicated": "Plasma exchange not indicated by the DAH Guide check",
    "insufficient_data": "Not enough data to decide on plasma exchange",
}
_STATUS_WORDS = {"met": "Met", "not_met": "Not met", "unknown": "Unknown", "not_applicable": "Not applicable"}
_PREFETCH_WORDS = {"patient": "the patient (age, sex)", "observations": "the laboratory and SpO₂ results",
                   "conditions": "the problem list (cause of the DAH)",
                   "medications": "the medication orders (anticoagulant or antiplatelet drug)"}


def summary(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) < SUMMARY_LIMIT else text[: SUMMARY_LIMIT - 2] + "…"


def _card(summary_text: str, indicator: str, detail: str, source: Mapping[str, str], link: Mapping[str, str]):
    return {
        "uuid": str(uuid.uuid4()),
        "summary": summary(summary_text),
        "indicator": indicator,
        "detail": detail,
        "source": dict(source),
        "links": [dict(link)],
    }


def _bullets(lines: list[str]) -> str:
    return "\n".join(f"- {line}" for line in lines)


def _citations(citations: list[Mapping[str, Any]]) -> str:
    shown = [f"[{c['label']}]({c['url']})" if c.get("url") else c.get("label", "") for c in citations]
    return ", ".join(s for s in shown if s)


def _ehr_sections(mapped: MappingResult, *, with_used: bool = True) -> list[str]:
    parts = []
    if with_used and mapped.used:
        parts.append("**From the EHR**\n\n" + _bullets(mapped.used))
    if mapped.stale:
        parts.append("**Stale, not used as current**\n\n" + _bullets(mapped.stale))
    if mapped.problems:
        parts.append("**Could not be used**\n\n" + _bullets(mapped.problems))
    if mapped.missing:
        parts.append("**Not sent by the EHR**\n\n" + _bullets([_PREFETCH_WORDS.get(k, k) for k in mapped.missing]))
    return parts


def decision_card(plan: Mapping[str, Any], mapped: MappingResult, source: Mapping[str, str],
                  link: Mapping[str, str]) -> dict[str, Any]:
    plex = plan["plasma_exchange"]
    decision = plex["decision"]
    met = [c.get("label") or c["code"] for c in plex["criteria"] if c["status"] == "met"]
    title = _DECISION_SUMMARY[decision] + (f": {', '.join(met)}" if met else "")
    criteria = []
    for c in plex["criteria"]:
        line = f"**{_STATUS_WORDS.get(c['status'], c['status'])}**: {c.get('label') or c['code']}"
        facts = "; ".join(p for p in (
            f"observed {c['observed']}" if c.get("observed") else "",
            f"threshold {c['threshold']}" if c.get("threshold") else "",
        ) if p)
        criteria.append(line + (f" ({facts})" if facts else ""))
    parts = [plex["text"], "**Criteria**\n\n" + _bullets(criteria)]
    if plex.get("why"):
        parts.append("**Why**: " + "; ".join(plex["why"]) + ".")
    parts += _ehr_sections(mapped)
    if plan.get("missing_data"):
        parts.append("**Missing**: " + ", ".join(FIELDS[n].label if n in FIELDS else n
                                                   for n in plan["missing_data"]) + ".")
    if sources := _citations(plex.get("citations", [])):
        parts.append(f"Sources: {sources}.")
    parts.append(f"_{plan.get('disclaimer', '')}_")
    return _card(title, DECISION_INDICATOR[decision], "\n\n".join(parts), source, link)


def warning_cards(plan: Mapping[str, Any], source: Mapping[str, str], link: Mapping[str, str]) -> list[dict[str, Any]]:
    cards = []
    for w in plan.get("warnings", []):
        if w.get("severity") != "critical":
            continue
        parts = [w["text"]]
        if w.get("detail"):
            parts.append(w["detail"])
        if w.get("why"):
            parts.append("**Why**: " + "; ".join(w["why"]) + ".")
        if sources := _citations(w.get("citations", [])):
            parts.append(f"Sources: {sources}.")
        cards.append(_card(w["text"], "critical", "\n\n".join(parts), source, link))
    return cards


def data_card(mapped: MappingResult, fhir_server: bool, source: Mapping[str, str],
              link: Mapping[str, str]) -> dict[str, Any] | None:
    if not (mapped.missing or mapped.stale or mapped.problems):
        return None
    if mapped.missing:
        what = ", ".join(_PREFETCH_WORDS.get(k, k) for k in mapped.missing)
        title = f"DAH Guide did not receive {what}"
    else:
        title = "Some EHR data could not be used by DAH Guide"
    parts = _ehr_sections(mapped, with_used=False)
    if mapped.missing:
        parts.append(
            "DAH Guide answers from prefetched data only"
            + (" and does not query the EHR's FHIR server" if fhir_server else "")
            + ": configure the EHR to send the service's prefetch, or enter the values in the wizard."
        )
    return _card(title, "warning", "\n\n".join(parts), source, link)


def build_cards(plan: Mapping[str, Any], mapped: MappingResult, *, fhir_server: bool,
                source: Mapping[str, str], link: Mapping[str, str]) -> list[dict[str, Any]]:
    cards = [decision_card(plan, mapped, source, link), *warning_cards(plan, source, link)]
    if card := data_card(mapped, fhir_server, source, link):
        cards.append(card)
    return cards
