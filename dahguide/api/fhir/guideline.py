"""The guideline as FHIR R4B: the intake as a ``Questionnaire`` (from ``FIELDS``/``STEPS``) and the
content as a ``PlanDefinition`` (one action per recommendation, with its applicability and citations).

Following CPG-on-FHIR, the plasma-exchange check is one action whose criteria are sub-actions: the
decision logic is code (dahguide/engine/plasma_exchange.py), its criteria and sources are shown.
"""

from __future__ import annotations

from typing import Any

from dahguide.api.fhir import common
from dahguide.engine import units
from dahguide.engine.content import Snapshot, version_text
from dahguide.engine.intake import FIELDS, STEPS, FieldSpec, json_number
from dahguide.engine.vocabulary import PLEX_CRITERIA, SECTIONS

_ITEM_TYPES = {
    "integer": "integer",
    "number": "decimal",
    "boolean": "boolean",
    "choice": "choice",
    "multi_choice": "choice",
}
_MIN_MAX = {"integer": "valueInteger", "number": "valueDecimal", "lab": "valueDecimal"}
_PLEX_TITLE = "Plasma-exchange check"


def _metadata(snapshot: Snapshot, status: str) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "version": version_text(snapshot.version),
        "status": common.fhir_status(status),
        "publisher": "DAH Guide",
    }
    if snapshot.published_at:
        meta["date"] = snapshot.published_at
    return meta


def _range_extensions(spec: FieldSpec) -> list[dict[str, Any]]:
    if spec.hard_range is None:
        return []
    key = _MIN_MAX[spec.kind]
    low, high = (json_number(v) for v in spec.hard_range)
    if key == "valueInteger":
        low, high = int(low), int(high)
    return [
        {"url": "http://hl7.org/fhir/StructureDefinition/minValue", key: low},
        {"url": "http://hl7.org/fhir/StructureDefinition/maxValue", key: high},
    ]


def _help(spec: FieldSpec, link_id: str) -> list[dict[str, Any]]:
    if not spec.help_text:
        return []
    return [
        {
            "linkId": f"{link_id}.help",
            "type": "display",
            "text": spec.help_text,
            "extension": [
                {
                    "url": "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl",
                    "valueCodeableConcept": {
                        "coding": [
                            {
                                "system": "http://hl7.org/fhir/questionnaire-item-control",
                                "code": "help",
                                "display": "Help-Button",
                            }
                        ]
                    },
                }
            ],
        }
    ]


def _question_items(spec: FieldSpec) -> list[dict[str, Any]]:
    """One item per input name: a lab field is its value (decimal) and its unit (UCUM choice)."""
    if spec.kind == "lab":
        value: dict[str, Any] = {
            "linkId": spec.name,
            "text": common.item_text(spec, spec.name),
            "type": "decimal",
            "required": False,
        }
        if extensions := _range_extensions(spec):
            value["extension"] = extensions
        if help_items := _help(spec, spec.name):
            value["item"] = help_items
        unit = {
            "linkId": spec.unit_field,
            "text": common.item_text(spec, spec.unit_field),
            "type": "choice",
            "required": False,
            "answerOption": [{"valueCoding": common.answer_coding(spec, u)} for u, _ in spec.choices],
        }
        return [value, unit]
    item: dict[str, Any] = {
        "linkId": spec.name,
        "text": common.item_text(spec, spec.name),
        "type": _ITEM_TYPES[spec.kind],
        "required": False,
    }
    extensions = _range_extensions(spec) if spec.kind in _MIN_MAX else []
    if coding := common.unit_coding(spec.unit_label):
        extensions.append({"url": "http://hl7.org/fhir/StructureDefinition/questionnaire-unit", "valueCoding": coding})
    if extensions:
        item["extension"] = extensions
    if spec.kind in {"choice", "multi_choice"}:
        values = [v for v, _ in spec.choices]
        if spec.kind == "multi_choice":
            item["repeats"] = True
            values.append(common.NONE_OF_THESE[0])
        item["answerOption"] = [{"valueCoding": common.answer_coding(spec, v)} for v in values]
    if spec.default is not None and spec.kind == "boolean":
        item["initial"] = [{"valueBoolean": spec.default}]
    if help_items := _help(spec, spec.name):
        item["item"] = help_items
    return [item]


def questionnaire(snapshot: Snapshot, status: str) -> dict[str, Any]:
    """The intake as asked by the wizard: one group per step, one question per input name.

    A question left unanswered means unknown (CONTRACT): nothing is required. The linkIds are the
    CONTRACT's field names, so a QuestionnaireResponse maps back to the intake one to one.
    """
    return {
        "resourceType": "Questionnaire",
        "id": common.QUESTIONNAIRE_ID,
        "url": common.questionnaire_url(),
        **_metadata(snapshot, status),
        "name": "DAHGuideIntake",
        "title": "DAH Guide intake",
        "subjectType": ["Patient"],
        "description": (
            "The facts DAH Guide asks about a patient with diffuse alveolar hemorrhage. Every question may be "
            "left unanswered: unanswered means unknown, never no or normal."
        ),
        "item": [
            {
                "linkId": step.code,
                "type": "group",
                "text": step.title,
                "item": [item for name in step.fields for item in _question_items(FIELDS[name])],
            }
            for step in STEPS
        ],
    }


def _plasma_exchange_action(snapshot: Snapshot) -> dict[str, Any]:
    threshold = snapshot.thresholds.get("plex_creatinine_mg_dl")
    criteria = []
    for code in PLEX_CRITERIA:
        label = snapshot.texts.get(f"criterion_{code}") or code.replace("_", " ")
        action: dict[str, Any] = {"id": code, "title": label}
        if code == "creatinine_over_3_4_mg_dl" and threshold is not None:
            action["description"] = f"Serum creatinine {units.format_creatinine_threshold(threshold.value)}"
        criteria.append(action)
    return {
        "id": "plasma_exchange_check",
        "title": _PLEX_TITLE,
        "description": (
            "In the product's scope (ANCA-associated vasculitis, anti-GBM disease; SLE and other autoimmune "
            "causes only when refractory), plasma exchange is considered when any criterion is met and "
            "recommended in anti-GBM disease. The decision logic is code; every criterion is reported with "
            "its status (met, not met, unknown, not applicable)."
        ),
        "documentation": common.citations(snapshot, snapshot.plasma_exchange_citations),
        "selectionBehavior": "any",
        "action": criteria,
    }


def _item_action(code: str, title: str, text: str, snapshot: Snapshot, item: Any) -> dict[str, Any]:
    action: dict[str, Any] = {"id": code, "title": title, "description": text}
    extensions = common.strength_extension(getattr(item, "strength", ""))
    if extensions:
        action["extension"] = extensions
    if documentation := common.citations(snapshot, item.citations):
        action["documentation"] = documentation
    if condition := common.applicability(item.applies_when):
        action["condition"] = condition
    return action


def plan_definition(snapshot: Snapshot, status: str) -> dict[str, Any]:
    """The published content: the plasma-exchange check, recommendations by section, the monitoring
    checklist and the red flags, each with its applicability and its sources."""
    by_section: dict[str, list[dict[str, Any]]] = {}
    for rec in snapshot.recommendations:
        by_section.setdefault(rec.section, []).append(_item_action(rec.code, rec.title, rec.text, snapshot, rec))
    ordered = [s for s in SECTIONS if s in by_section] + [s for s in by_section if s not in SECTIONS]
    actions = [_plasma_exchange_action(snapshot)]
    actions += [
        {"id": f"section_{s}", "title": s.replace("_", " ").capitalize(), "action": by_section[s]} for s in ordered
    ]
    if snapshot.monitoring:
        actions.append(
            {
                "id": "section_monitoring_checklist",
                "title": "Monitoring checklist",
                "action": [
                    _item_action(m.code, m.code.replace("_", " ").capitalize(), m.text, snapshot, m)
                    for m in snapshot.monitoring
                ],
            }
        )
    red_flags = [w for w in snapshot.warnings if w.kind != "data_quality"]
    if red_flags:
        actions.append(
            {
                "id": "section_red_flags",
                "title": "Red flags and cautions",
                "action": [
                    {
                        **_item_action(w.code, w.code.replace("_", " ").capitalize(), w.text, snapshot, w),
                        "priority": "urgent" if w.severity == "critical" else "routine",
                    }
                    for w in red_flags
                ],
            }
        )
    document: dict[str, Any] = {
        "resourceType": "PlanDefinition",
        "id": common.PLANDEFINITION_ID,
        "url": common.plandefinition_url(),
        **_metadata(snapshot, status),
        "name": "DAHGuideTreatment",
        "title": snapshot.title or "DAH Guide treatment guidance",
        "type": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/plan-definition-type",
                    "code": "clinical-protocol",
                    "display": "Clinical Protocol",
                }
            ]
        },
        "description": snapshot.texts.get("disclaimer") or "Decision support for diffuse alveolar hemorrhage.",
        "relatedArtifact": [
            {"type": "depends-on", "display": "DAH Guide intake", "resource": common.questionnaire_url()},
            *(common.related_artifact(c) for c in snapshot.citations.values()),
        ],
        "action": actions,
    }
    return document
