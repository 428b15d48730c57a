"""The plan as CDS Hooks 2.0 cards.

- One decision card, always: the plasma-exchange decision with every criterion and its status,
  what the EHR data were (values, dates, what was stale or unusable) and what is missing.
- One "Give now" card when the plan has actions for now: each with this patient's doses (or what
  a dose is waiting for) and the caveats of this patient's modifiers, "check first" ones included.
- One "Not suggested for this patient" card when the patient's modifiers withhold an action, with
  the reasons (the engine decides what is withheld; the card only shows it).
- One card per critical warning of the plan.
- One data card when the EHR sent less than the service needs (missing prefetch, stale or
  unusable values), so the clinician sees why the answer may be "not enough data".

Indicators: plasma exchange recommended -> critical (anti-GBM disease: start now); consider ->
warning; not indicated and insufficient data -> info; "Give now" -> warning, critical when a
critical red flag or an anticoagulant reversal applies; "Not suggested" -> warning; a critical
warning -> critical; the data card -> warning. Each card has a ``source`` (with a ``topic`` naming
the kind of card) and an ``absolute`` link to the wizard, prefilled.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from dahguide.api import plan_text
from dahguide.api.cds.mapping import MappingResult
from dahguide.api.fhir.common import code_system
from dahguide.api.plan_text import MARKDOWN
from dahguide.engine.intake import FIELDS
from dahguide.feedback.models import Reason

SUMMARY_LIMIT = 140  # CDS Hooks: "<140-character summary"
DECISION_INDICATOR = {
    "recommended": "critical",
    "consider": "warning",
    "not_indicated": "info",
    "insufficient_data": "info",
}
_DECISION_SUMMARY = {
    "recommended": "Plasma exchange recommended",
    "consider": "Consider plasma exchange",
    "not_indicated": "Plasma exchange not indicated by the DAH Guide check",
    "insufficient_data": "Not enough data to decide on plasma exchange",
}
_STATUS_WORDS = {"met": "Met", "not_met": "Not met", "unknown": "Unknown", "not_applicable": "Not applicable"}
_PREFETCH_WORDS = {
    "patient": "the patient (age, sex)",
    "observations": "the laboratory and SpO₂ results",
    "conditions": "the problem list (cause of the DAH)",
    "medications": "the medication orders (anticoagulant or antiplatelet drug)",
}


# The content's reversal actions (REFERENCE §8.3: reversal_vitamin_k_antagonist, reversal_dabigatran, …):
# a bleeding patient's anticoagulation is reversed before anything else, so their card is critical.
REVERSAL_PREFIX = "reversal_"
# source.topic of each card (CDS Hooks 2.0), so an EHR (and a test) can tell the cards apart.
TOPICS = {
    "decision": "Plasma-exchange decision",
    "give_now": "Give now",
    "withheld": "Not suggested for this patient",
    "warning": "Critical warning",
    "data": "EHR data",
}


def override_reasons() -> list[dict[str, str]]:
    """CDS Hooks 2.0 ``overrideReasons``: the bedside's code list of why a recommendation was not followed."""
    system = code_system("override_reason")
    return [{"system": system, "code": code, "display": label} for code, label in Reason.choices]


# The plasma-exchange decision card stands for the plasma-exchange recommendations when exchange is
# recommended or to consider; "Give now" for the other actions for now. Each recommendation of a
# response is thus counted (shown, accepted, overridden) on one card only.
PLEX_SECTION = "plasma_exchange"
_PLEX_DECISIONS_ADVISED = frozenset({"recommended", "consider"})


def card_recommendations(card: Mapping[str, Any], plan: Mapping[str, Any]) -> tuple[str, ...]:
    """The recommendation codes of the plan that a card stands for (its feedback counts for them)."""
    topic = card["source"]["topic"]["code"]
    recs = plan.get("recommendations", [])
    if topic == "decision" and plan["plasma_exchange"]["decision"] in _PLEX_DECISIONS_ADVISED:
        return tuple(r["code"] for r in recs if r.get("section") == PLEX_SECTION)
    if topic == "give_now":
        return tuple(
            r["code"]
            for r in recs
            if r.get("kind") == "action" and r.get("timing") == "now" and r.get("section") != PLEX_SECTION
        )
    return ()


def summary(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) < SUMMARY_LIMIT else text[: SUMMARY_LIMIT - 2] + "…"


def fitted(prefix: str, items: list[str]) -> str:
    """ "Give now: A; B (+2 more)": as many items as fit a summary, and how many did not."""
    for shown in range(len(items), 0, -1):
        rest = len(items) - shown
        text = f"{prefix}: {'; '.join(items[:shown])}" + (f" (+{rest} more)" if rest else "")
        if len(text) < SUMMARY_LIMIT:
            return text
    return summary(f"{prefix}: {items[0]}" + (f" (+{len(items) - 1} more)" if len(items) > 1 else ""))


def _card(
    summary_text: str, indicator: str, detail: str, source: Mapping[str, str], link: Mapping[str, str], *, topic: str
) -> dict[str, Any]:
    return {
        "uuid": str(uuid.uuid4()),
        "summary": summary(summary_text),
        "indicator": indicator,
        "detail": detail,
        "source": {**source, "topic": {"system": code_system("cds_card"), "code": topic, "display": TOPICS[topic]}},
        "links": [dict(link)],
        "overrideReasons": override_reasons(),
    }


def _bullets(lines: list[str]) -> str:
    return "\n".join(f"- {line}" for line in lines)


def _citations(citations: list[Mapping[str, Any]]) -> str:
    shown = [f"[{c['label']}]({c['url']})" if c.get("url") else c.get("label", "") for c in citations]
    return ", ".join(dict.fromkeys(s for s in shown if s))


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


def decision_card(
    plan: Mapping[str, Any], mapped: MappingResult, source: Mapping[str, str], link: Mapping[str, str]
) -> dict[str, Any]:
    plex = plan["plasma_exchange"]
    decision = plex["decision"]
    met = [c.get("label") or c["code"] for c in plex["criteria"] if c["status"] == "met"]
    title = _DECISION_SUMMARY[decision] + (f": {', '.join(met)}" if met else "")
    criteria = []
    for c in plex["criteria"]:
        line = f"**{_STATUS_WORDS.get(c['status'], c['status'])}**: {c.get('label') or c['code']}"
        facts = "; ".join(
            p
            for p in (
                f"observed {c['observed']}" if c.get("observed") else "",
                f"threshold {c['threshold']}" if c.get("threshold") else "",
            )
            if p
        )
        criteria.append(line + (f" ({facts})" if facts else ""))
    parts = [plex["text"], "**Criteria**\n\n" + _bullets(criteria)]
    if plex.get("why"):
        parts.append("**Why**: " + "; ".join(plex["why"]) + ".")
    parts += _ehr_sections(mapped)
    if plan.get("missing_data"):
        parts.append(
            "**Missing**: " + ", ".join(FIELDS[n].label if n in FIELDS else n for n in plan["missing_data"]) + "."
        )
    if sources := _citations(plex.get("citations", [])):
        parts.append(f"Sources: {sources}.")
    parts.append(f"_{plan.get('disclaimer', '')}_")
    return _card(title, DECISION_INDICATOR[decision], "\n\n".join(parts), source, link, topic="decision")


def _action_block(number: int, r: Mapping[str, Any]) -> str:
    doses = r.get("doses", [])
    lines = plan_text.dose_lines(doses, style=MARKDOWN)
    lines += [plan_text.caveat_line(c, style=MARKDOWN) for c in r.get("caveats", [])]
    block = plan_text.verified(f"**{number}. {r.get('title') or r['code']}**", r.get("verification"), style=MARKDOWN)
    if lines:
        block += "\n\n" + _bullets(lines)
    cites = [*r.get("citations", []), *(c for d in doses for c in d.get("citations", []))]
    if sources := _citations(cites):
        block += f"\n\nSources: {sources}."
    return block


def give_now_card(plan: Mapping[str, Any], source: Mapping[str, str], link: Mapping[str, str]) -> dict[str, Any] | None:
    """The actions for now, in the plan's order, each with this patient's doses and caveats."""
    actions = [r for r in plan.get("recommendations", []) if r.get("kind") == "action" and r.get("timing") == "now"]
    if not actions:
        return None
    reversals = [r for r in actions if r["code"].startswith(REVERSAL_PREFIX)]
    flags = [w for w in plan.get("warnings", []) if w.get("severity") == "critical" and w.get("kind") == "red_flag"]
    parts = []
    if reversals:
        parts.append("**Reverse the anticoagulation first**: " + "; ".join(r["title"] for r in reversals) + ".")
    if flags:
        parts.append("**Critical** (each has its own card): " + "; ".join(summary(w["text"]) for w in flags))
    parts += [_action_block(n, r) for n, r in enumerate(actions, start=1)]
    if withheld := plan.get("withheld"):
        parts.append(
            "**Not suggested for this patient** (see its card): " + "; ".join(w["title"] for w in withheld) + "."
        )
    if any(r.get("doses") for r in actions):
        parts.append(
            "Doses are computed from the recorded values and are display only: confirm every figure before prescribing."
        )
    titles = [r.get("title") or r["code"] for r in actions]
    indicator = "critical" if reversals or flags else "warning"
    return _card(fitted("Give now", titles), indicator, "\n\n".join(parts), source, link, topic="give_now")


def withheld_card(plan: Mapping[str, Any], source: Mapping[str, str], link: Mapping[str, str]) -> dict[str, Any] | None:
    """The actions this patient's modifiers withhold, each with every reason."""
    withheld = plan.get("withheld", [])
    if not withheld:
        return None
    parts = []
    for w in withheld:
        modifiers = plan_text.modifier_words(list(w.get("modifiers", [])))
        block = plan_text.verified(f"**{w.get('title') or w['code']}**", w.get("verification"), style=MARKDOWN)
        block += f" — not suggested because of: {modifiers}" if modifiers else ""
        block += "\n\n" + _bullets(list(w.get("why_not", [])))
        if sources := _citations(w.get("citations", [])):
            block += f"\n\nSources: {sources}."
        parts.append(block)
    titles = [w.get("title") or w["code"] for w in withheld]
    return _card(
        fitted("Not suggested for this patient", titles), "warning", "\n\n".join(parts), source, link, topic="withheld"
    )


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
        cards.append(_card(w["text"], "critical", "\n\n".join(parts), source, link, topic="warning"))
    return cards


def data_card(
    mapped: MappingResult, fhir_server: bool, source: Mapping[str, str], link: Mapping[str, str]
) -> dict[str, Any] | None:
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
    return _card(title, "warning", "\n\n".join(parts), source, link, topic="data")


def build_cards(
    plan: Mapping[str, Any],
    mapped: MappingResult,
    *,
    fhir_server: bool,
    source: Mapping[str, str],
    link: Mapping[str, str],
) -> list[dict[str, Any]]:
    cards = [decision_card(plan, mapped, source, link)]
    cards += [c for c in (give_now_card(plan, source, link), withheld_card(plan, source, link)) if c]
    cards += warning_cards(plan, source, link)
    if card := data_card(mapped, fhir_server, source, link):
        cards.append(card)
    return cards
