"""Small edits of the real guideline document, and a browser's view of an admin form."""

from __future__ import annotations

import copy
from html.parser import HTMLParser
from typing import Any

from dahguide.guidance import labels

# The design's example (docs/design/patient-modifiers.md, "Doses"), for the glucocorticoid pulse.
PAEDIATRIC_PULSE = {
    "code": "methylprednisolone_pulse_paediatric",
    "recommendation": "glucocorticoid_pulse",
    "drug": "Methylprednisolone",
    "order": 20,
    "population": "paediatric",
    "basis": "per_kg",
    "amount": "30",
    "amount_high": None,
    "unit": "mg",
    "per": "IV once daily for 3 days",
    "max_amount": "1000",
    "weight_cap_kg": None,
    "round_to": "10",
    "alternatives": [],
    "note": "",
    "citations": ["acr_vf_2021"],
    "verification": "secondary",
}
CYCLOPHOSPHAMIDE_BANDS = {
    "label": "KDIGO 2024 Fig 10",
    "band_on": "age_years",
    "bands": [
        {"if_above": "70", "amount": "10"},
        {"if_at_least": "60", "amount": "12.5"},
        {"otherwise": True, "amount": "15"},
    ],
    "reductions": [{"fact": "egfr_low", "minus": "2.5", "text": "eGFR below 30"}],
}


def edited(document: dict, kind: str, code: str, **changes: Any) -> dict:
    """A deep copy of ``document`` with one item of ``kind`` (by code or key) changed."""
    doc = copy.deepcopy(document)
    item = next(i for i in doc[kind] if i.get("code", i.get("key")) == code)
    item.update(changes)
    return doc


def as_action(
    document: dict,
    code: str,
    *,
    stances: dict[str, tuple[str, str]] | None = None,
    doses: tuple[dict, ...] = (),
    timing: str = "now",
) -> dict:
    """A deep copy of ``document`` in which recommendation ``code`` is an action with one stance per modifier.

    Each stance is unchanged unless ``stances`` gives ``{modifier: (stance, text)}``; the action's
    doses are ``doses``. Whatever stances and doses the content had for it are replaced.
    """
    doc = copy.deepcopy(document)
    next(r for r in doc["recommendations"] if r["code"] == code).update(kind="action", timing=timing)
    doc["stances"] = [s for s in doc.get("stances", []) if s["recommendation"] != code]
    for modifier in labels.MODIFIERS.values:
        stance, text = (stances or {}).get(modifier, ("unchanged", ""))
        doc["stances"].append(
            {
                "code": f"{code}__{modifier}",
                "recommendation": code,
                "modifier": modifier,
                "stance": stance,
                "text": text,
                "citations": [],
                "verification": "unverified",
            }
        )
    doc["doses"] = [d for d in doc.get("doses", []) if d["recommendation"] != code]
    doc["doses"] += [{**copy.deepcopy(dose), "recommendation": code} for dose in doses]
    return doc


def without_stance(document: dict, code: str, *modifiers: str) -> dict:
    """A deep copy of ``document`` without the stances of recommendation ``code`` for ``modifiers``."""
    doc = copy.deepcopy(document)
    doc["stances"] = [s for s in doc["stances"] if not (s["recommendation"] == code and s["modifier"] in modifiers)]
    return doc


class _FormParser(HTMLParser):
    """The values a browser would submit from one ``<form>`` of a page (no JavaScript run)."""

    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.in_form = False
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.in_form = a.get("id") == self.form_id
        if not self.in_form:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in {"submit", "button", "file", "image", "reset"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in a:
                return
            self.data.setdefault(name, []).append(a.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select].append(a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.in_form = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            text = "".join(self._text)
            self.data.setdefault(self._textarea, []).append(text[1:] if text.startswith("\n") else text)
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self._text.append(data)


def form_data(response, form_id: str) -> dict[str, list[str]]:
    """What submitting the form ``form_id`` of ``response`` would post, for ``client.post``."""
    parser = _FormParser(form_id)
    parser.feed(response.content.decode())
    assert parser.data, f"no form #{form_id} with fields on the page"
    return {name: values for name, values in parser.data.items() if "__prefix__" not in name}
