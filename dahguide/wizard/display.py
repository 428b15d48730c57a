"""The wizard's answers as a clinician reads them (review page, printed plan), with where each came from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.text import capfirst

from dahguide.engine.intake import FIELDS, FieldSpec, Step
from dahguide.wizard.answers import ASKED_WHEN, NONE_OF_THESE, is_asked, raw_text
from dahguide.wizard.helpers import lab_conversion_text


@dataclass(frozen=True)
class AnswerRow:
    name: str
    label: str
    display: str
    asked: bool = True
    origin: str = ""  # FROM_EHR, ENTERED, or "" (a draft not prefilled from the EHR, or no answer)
    source: str = ""  # for FROM_EHR: what the chart said, and when


FROM_EHR = "ehr"
ENTERED = "entered"


def answer_rows(
    step: Step, answers: Mapping[str, Any], sources: Mapping[str, Mapping[str, Any]] | None = None
) -> list[AnswerRow]:
    rows = []
    for name in step.fields:
        spec = FIELDS[name]
        if not is_asked(name, answers):
            rows.append(AnswerRow(name, spec.label, ASKED_WHEN[name].not_asked, asked=False))
            continue
        origin, source = answer_origin(spec, answers, sources or {})
        rows.append(AnswerRow(name, spec.label, display_answer(spec, answers), origin=origin, source=source))
    return rows


def answer_origin(
    spec: FieldSpec, answers: Mapping[str, Any], sources: Mapping[str, Mapping[str, Any]]
) -> tuple[str, str]:
    """Where an answer of a draft prefilled from the EHR came from: (FROM_EHR, its source) while every
    prefilled input still holds the chart's value, (ENTERED, "") once the physician typed or changed
    it, ("", "") for a draft not prefilled from the EHR or an answer left empty."""
    if not sources:
        return "", ""
    prefilled = [name for name in spec.input_names if name in sources]
    if prefilled and all(answers.get(name) == sources[name].get("value") for name in prefilled):
        said = dict.fromkeys(str(sources[name].get("source") or "") for name in prefilled)
        return FROM_EHR, "; ".join(text for text in said if text)
    value = answers.get(spec.name)
    answered = bool(value) if isinstance(value, list) else bool(str(value or "").strip())
    return (ENTERED, "") if answered else ("", "")


def display_answer(spec: FieldSpec, answers: Mapping[str, Any]) -> str:
    if spec.kind == "multi_choice":
        items = answers.get(spec.name)
        if not isinstance(items, list) or not items:
            return "Unknown"
        labels = dict((*spec.choices, (NONE_OF_THESE, "none of these")))
        return capfirst(", ".join(labels[v] if v in labels else v for v in items))
    value = raw_text(answers, spec.name).strip()
    if not value or value.lower() == "unknown":
        if spec.kind == "choice" and "unknown" in dict(spec.choices):
            return capfirst(spec.choice_label("unknown"))
        return "Unknown" + (" (assumed yes)" if spec.default is True else "")
    if spec.kind == "boolean":
        return {"true": "Yes", "yes": "Yes", "false": "No", "no": "No"}.get(value.lower(), value)
    if spec.kind == "choice":
        return capfirst(spec.choice_label(value.lower()))
    if spec.kind == "lab":
        return lab_conversion_text(spec, value, raw_text(answers, spec.unit_field)) or value
    return f"{value} {spec.unit_label}".strip()
