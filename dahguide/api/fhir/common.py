"""Identifiers and small pieces shared by the FHIR builders (FHIR R4B, https://hl7.org/fhir/R4B/)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.conf import settings

from dahguide.engine.content import Citation, Rule, Snapshot
from dahguide.engine.intake import FieldSpec
from dahguide.guidance.diff import describe_rule

FHIR_VERSION = "4.3.0"  # R4B
UCUM = "http://unitsofmeasure.org"
QUESTIONNAIRE_ID = "dah-intake"
PLANDEFINITION_ID = "dah-treatment"
# The engine's rules are code the EHR cannot run; they travel as data, labelled with this media type.
RULE_LANGUAGE = "application/vnd.dahguide.rule+json"
# UCUM codes of the intake's display units (FieldSpec.unit_label); a unit without one is text only.
UCUM_UNITS = {
    "years": "a",
    "months": "mo",
    "kg": "kg",
    "cm": "cm",
    "%": "%",
    "mmHg": "mm[Hg]",
    "×10⁹/L": "10*9/L",
    "mL/min/1.73 m²": "mL/min/{1.73_m2}",
    "g/L": "g/L",
}
NONE_OF_THESE = ("none", "None of these")  # a multi-choice answered with no factor present (not unknown)


def canonical(kind: str, resource_id: str) -> str:
    return f"{settings.FHIR_CANONICAL_BASE}/{kind}/{resource_id}"


def questionnaire_url() -> str:
    return canonical("Questionnaire", QUESTIONNAIRE_ID)


def plandefinition_url() -> str:
    return canonical("PlanDefinition", PLANDEFINITION_ID)


def code_system(name: str) -> str:
    """The code system of one intake field's answers, or of a plan vocabulary (``decision``, ``warning``)."""
    return canonical("CodeSystem", f"dahguide-{name.replace('_', '-')}")


def answer_coding(spec: FieldSpec, value: str) -> dict[str, str]:
    if spec.kind == "lab":  # the lab units are UCUM codes already ("mg/dL", "umol/L", "mmol/L")
        return {"system": UCUM, "code": value, "display": spec.choice_label(value)}
    display = NONE_OF_THESE[1] if value == NONE_OF_THESE[0] else spec.choice_label(value)
    return {"system": code_system(spec.name), "code": value, "display": display}


def item_text(spec: FieldSpec, name: str) -> str:
    """The question's text, the same in the Questionnaire and in every QuestionnaireResponse."""
    if name == spec.unit_field:
        return f"{spec.label}: unit"
    return spec.label + (f" ({spec.unit_label})" if spec.unit_label else "")


def unit_coding(unit_label: str) -> dict[str, str] | None:
    code = UCUM_UNITS.get(unit_label)
    return {"system": UCUM, "code": code, "display": unit_label} if code else None


def fhir_status(status: str) -> str:
    """PublicationStatus of a guideline version: published is active; retired stays retired."""
    return {"published": "active", "retired": "retired"}.get(status, "draft")


def related_artifact(citation: Citation, kind: str = "citation") -> dict[str, Any]:
    artifact: dict[str, Any] = {"type": kind, "label": citation.label, "display": citation.label}
    if citation.reference:
        artifact["citation"] = citation.reference
    if citation.url:
        artifact["url"] = citation.url
    return artifact


def citations(snapshot: Snapshot, keys: tuple[str, ...]) -> list[dict[str, Any]]:
    return [related_artifact(snapshot.citations[k]) for k in keys if k in snapshot.citations]


def rule_document(rule: Rule) -> list[list[dict[str, Any]]]:
    return [[{"fact": c.fact, "op": c.op, "values": list(c.values)} for c in group] for group in rule]


def applicability(rule: Rule) -> list[dict[str, Any]]:
    """An action's applicability: the rule in words and as data (groups OR-ed, conditions AND-ed)."""
    if not rule:
        return []
    document = rule_document(rule)
    return [
        {
            "kind": "applicability",
            "expression": {
                "description": "Applies when " + " — or — ".join(describe_rule(document)),
                "language": RULE_LANGUAGE,
                "expression": json.dumps(document, separators=(",", ":")),
            },
        }
    ]


def strength_extension(strength: str) -> list[dict[str, Any]]:
    if not strength:
        return []
    return [
        {
            "url": "http://hl7.org/fhir/StructureDefinition/cqf-strengthOfRecommendation",
            "valueCodeableConcept": {"text": strength},
        }
    ]


def stable_uuid(*parts: object) -> str:
    """The same resource gets the same id in every export (a Bundle's urn:uuid references)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join([settings.FHIR_CANONICAL_BASE, *map(str, parts)])))
