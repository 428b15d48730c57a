"""JSON Schemas (OpenAPI 3.0 dialect) of the API's documents.

The intake schema is generated from ``intake.FIELDS``, the single definition of the fields, so
the API can never document a field, a range or a choice the engine does not know. The plan
schema describes ``Plan.to_dict()``; its enumerations come from the engine's vocabulary.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from dahguide.engine import units, vocabulary
from dahguide.engine.intake import FIELDS, INPUT_NAMES, FieldSpec, json_number
from dahguide.engine.plan import DERIVED_FACTS

UNKNOWN_NOTE = "null or absent means unknown."


def _number(value: Decimal) -> int | float:
    return json_number(value)


def _description(spec: FieldSpec) -> str:
    parts = [spec.label + (f" ({spec.unit_label})" if spec.unit_label else "") + "."]
    if spec.help_text:
        parts.append(spec.help_text)
    if spec.kind != "lab" and "" in spec.plausible:
        low, high = spec.plausible[""]
        parts.append(
            f"Plausible {units.format_decimal(low)}–{units.format_decimal(high)}: outside it the value is "
            "treated as unknown with a data-quality warning."
        )
    if spec.default is not None:
        parts.append(f"Assumed {str(spec.default).lower()} when not given.")
    parts.append(UNKNOWN_NOTE)
    return " ".join(parts)


def _ranged(schema: dict[str, Any], spec: FieldSpec) -> dict[str, Any]:
    if spec.hard_range is not None:
        schema["minimum"], schema["maximum"] = (_number(v) for v in spec.hard_range)
    return schema


def field_schemas(spec: FieldSpec) -> dict[str, dict[str, Any]]:
    """The property schemas of one field: one per input name (a lab field has value and unit)."""
    values = [value for value, _ in spec.choices]
    if spec.kind == "lab":
        plausible = "; ".join(
            f"{units.CREATININE_UNIT_LABELS.get(u, u)} {units.format_decimal(lo)}–{units.format_decimal(hi)}"
            for u, (lo, hi) in spec.plausible.items()
        )
        value = _ranged({"type": "number", "nullable": True}, spec)
        value["description"] = (
            f"{spec.label}, in the unit given by `{spec.unit_field}`: a value requires `{spec.unit_field}` (400 "
            f"without it). {spec.help_text} "
            f"Plausible per unit: {plausible}; outside it the value is treated as unknown with a data-quality "
            f"warning. {UNKNOWN_NOTE}"
        )
        unit = {
            "type": "string",
            "nullable": True,
            "enum": [*values, None],
            "description": f"Unit of `{spec.name}` (µmol/L is also accepted for umol/L). {UNKNOWN_NOTE}",
        }
        return {spec.name: value, spec.unit_field: unit}
    schema: dict[str, Any]
    if spec.kind == "integer":
        schema = _ranged({"type": "integer", "nullable": True}, spec)
    elif spec.kind == "number":
        schema = _ranged({"type": "number", "nullable": True}, spec)
    elif spec.kind == "boolean":
        schema = {"type": "boolean", "nullable": True}
    elif spec.kind == "choice":
        schema = {"type": "string", "nullable": True, "enum": [*values, None]}
    elif spec.kind == "multi_choice":
        schema = {
            "type": "array",
            "nullable": True,
            "items": {"type": "string", "enum": values},
            "maxItems": len(values),
            "uniqueItems": True,
        }
    else:  # a new kind must be described here before the API can offer it
        raise ValueError(f"no schema for field kind {spec.kind!r}")
    if spec.default is not None:
        schema["default"] = spec.default
    schema["description"] = _description(spec)
    return {spec.name: schema}


def dependent_inputs(spec: FieldSpec) -> dict[str, Any] | None:
    """The rule an input adds on the others: a lab value needs its unit.

    OpenAPI 3.0 has no ``dependentRequired`` (and ``parse_intake`` also refuses a null unit), so it
    is written as "no value, or a unit", which schemathesis and any JSON Schema validator read.
    """
    if spec.kind != "lab":
        return None
    return {
        "description": f"`{spec.name}` requires `{spec.unit_field}`.",
        "anyOf": [
            {"properties": {spec.name: {"not": {"type": "number"}}}},  # with its own schema: null or absent
            {"required": [spec.unit_field], "properties": {spec.unit_field: {"type": "string"}}},
        ],
    }


def intake_schema() -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for spec in FIELDS.values():
        properties.update(field_schemas(spec))
    rules = [rule for spec in FIELDS.values() if (rule := dependent_inputs(spec)) is not None]
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
        "allOf": rules,
        "description": (
            "The DAH intake (CONTRACT.md): every field may be left out or null (unknown). Values are refused "
            "(400) for a wrong type, a value outside the hard range or an unknown choice; a value implausible "
            "for its unit is treated as unknown and the plan carries a data-quality warning."
        ),
    }


def inputs_schema() -> dict[str, Any]:
    """The plan's ``inputs``: the normalised intake, every input name present."""
    schema = intake_schema()
    schema["required"] = list(INPUT_NAMES)
    schema["description"] = "The normalised intake the plan was computed from; units explicit."
    return schema


_STRINGS = {"type": "array", "items": {"type": "string"}}
_VERIFICATION = {"type": "string", "enum": list(vocabulary.VERIFICATION)}
CITATION = {
    "type": "object",
    "required": ["label", "reference", "url", "verification"],
    "properties": {
        "label": {"type": "string"},
        "reference": {"type": "string"},
        "url": {"type": "string"},
        "verification": _VERIFICATION,
    },
}
_CITATIONS = {"type": "array", "items": CITATION}
POSITION = {
    "type": "object",
    "required": ["source", "position", "strength", "citations", "verification"],
    "properties": {
        "source": {"type": "string"},
        "position": {"type": "string"},
        "strength": {"type": "string"},
        "citations": _CITATIONS,
        "verification": _VERIFICATION,
    },
}


def _object(properties: dict[str, Any], optional: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"type": "object", "required": [k for k in properties if k not in optional], "properties": properties}


_TIMING = {
    "type": "string",
    "enum": [*vocabulary.TIMINGS, ""],
    "description": "When the action comes: now, within 24 hours, then; empty for a statement.",
}
_MODIFIER = {"type": "string", "enum": list(vocabulary.MODIFIERS)}
CAVEAT = _object(
    {
        "modifier": _MODIFIER,
        "stance": {
            "type": "string",
            "enum": ["caveat", "dose_adjusted"],
            "description": "dose_adjusted: the doses shown already apply it.",
        },
        "text": {"type": "string"},
        "pending": {
            "type": "boolean",
            "description": "The modifier is unknown and would withhold the action: check it first.",
        },
        "citations": _CITATIONS,
        "verification": _VERIFICATION,
    }
)
DOSE = _object(
    {
        "code": {"type": "string"},
        "drug": {"type": "string"},
        "amount": {
            "type": "string",
            "nullable": True,
            "description": 'A decimal or a range ("750", "500–1000"); null when `missing` names what is needed.',
        },
        "unit": {"type": "string"},
        "per": {"type": "string"},
        "calculation": {"type": "string", "description": "The arithmetic, its rounding and cap, or the rule."},
        "source": {"type": "string"},
        "adjustments": _STRINGS,
        "missing": {"type": "array", "items": {"type": "string", "enum": list(INPUT_NAMES)}},
        "sources_differ": {
            "type": "boolean",
            "description": "The sources give different amounts: the lowest is shown.",
        },
        "note": {"type": "string"},
        "population": {"type": "string", "enum": list(vocabulary.DOSE_POPULATIONS)},
        "citations": _CITATIONS,
        "verification": _VERIFICATION,
        "confirm": {"type": "string", "description": "Display only: a prescriber confirms every figure."},
    }
)
WITHHELD = _object(
    {
        "code": {"type": "string"},
        "title": {"type": "string"},
        "section": {"type": "string", "description": f"One of: {', '.join(vocabulary.SECTIONS)}."},
        "timing": _TIMING,
        "why_not": {**_STRINGS, "description": "The modifier's reasons and the stance's text."},
        "modifiers": {"type": "array", "items": _MODIFIER, "minItems": 1},
        "citations": _CITATIONS,
        "verification": _VERIFICATION,
    }
)
WITHHELD["description"] = "An action this patient's modifiers withhold: never in `recommendations`, never dosed."


def _derived_schema() -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for name in DERIVED_FACTS:
        spec = vocabulary.FACTS[name]
        if spec.kind == "choice":
            properties[name] = {"type": "string", "nullable": True, "enum": [*spec.values, None]}
        else:
            properties[name] = {"type": "boolean", "nullable": True}
        properties[name]["description"] = f"{spec.label}; null = unknown."
    for name in ("creatinine_mg_dl", "creatinine_umol_l"):
        properties[name] = {"type": "number", "nullable": True, "description": "Rounded for display (2 places)."}
    return _object(properties)


def plan_schema() -> dict[str, Any]:
    """``Plan.to_dict()``: the CONTRACT document and its documented extensions."""
    criterion = _object(
        {
            "code": {"type": "string", "enum": list(vocabulary.PLEX_CRITERIA)},
            "label": {"type": "string"},
            "status": {"type": "string", "enum": list(vocabulary.CRITERION_STATUSES)},
            "observed": {"type": "string"},
            "threshold": {"type": "string"},
            "explanation": {"type": "string"},
        }
    )
    plasma_exchange = _object(
        {
            "decision": {"type": "string", "enum": list(vocabulary.PLEX_DECISIONS)},
            "criteria": {"type": "array", "items": criterion, "minItems": len(vocabulary.PLEX_CRITERIA)},
            "criteria_met": {"type": "array", "items": {"type": "string", "enum": list(vocabulary.PLEX_CRITERIA)}},
            "why": _STRINGS,
            "text": {"type": "string"},
            "citations": _CITATIONS,
            "disagreements": {"type": "array", "items": POSITION},
        }
    )
    recommendation = _object(
        {
            "code": {"type": "string"},
            "section": {"type": "string", "description": f"One of: {', '.join(vocabulary.SECTIONS)}."},
            "title": {"type": "string"},
            "text": {"type": "string", "description": "Markdown."},
            "strength": {"type": "string"},
            "verification": _VERIFICATION,
            "why": _STRINGS,
            "citations": _CITATIONS,
            "disagreements": {"type": "array", "items": POSITION},
            "last_reviewed": {"type": "string"},
            "kind": {
                "type": "string",
                "enum": list(vocabulary.RECOMMENDATION_KINDS),
                "description": "An action faces every patient modifier; a statement (prognosis, assessment) none.",
            },
            "timing": _TIMING,
            "caveats": {"type": "array", "items": CAVEAT},
            "doses": {"type": "array", "items": DOSE},
        }
    )
    monitoring = _object(
        {
            "code": {"type": "string"},
            "text": {"type": "string"},
            "citations": _CITATIONS,
            "why": _STRINGS,
            "verification": _VERIFICATION,
        }
    )
    warning = _object(
        {
            "code": {"type": "string"},
            "severity": {"type": "string", "enum": list(vocabulary.SEVERITIES)},
            "kind": {"type": "string", "enum": ["red_flag", "data_quality"]},
            "text": {"type": "string"},
            "detail": {"type": "string", "description": "Data quality: the value and what it looks like."},
            "why": _STRINGS,
            "citations": _CITATIONS,
            "verification": _VERIFICATION,
        },
        optional=("detail",),
    )
    schema = _object(
        {
            "guideline": _object(
                {
                    "version": {"type": "string"},
                    "published_at": {"type": "string"},
                    "content_hash": {"type": "string"},
                }
            ),
            "inputs": inputs_schema(),
            "derived": _derived_schema(),
            "derived_reasons": {"type": "object", "additionalProperties": _STRINGS},
            "plasma_exchange": plasma_exchange,
            "recommendations": {"type": "array", "items": recommendation},
            "withheld": {"type": "array", "items": WITHHELD},
            "monitoring": {"type": "array", "items": monitoring},
            "warnings": {"type": "array", "items": warning},
            "missing_data": {"type": "array", "items": {"type": "string", "enum": list(INPUT_NAMES)}},
            "disclaimer": {"type": "string"},
        }
    )
    schema["description"] = (
        "The plan (CONTRACT.md, docs/contract-extensions.md); the same document as `manage.py evaluate`."
    )
    return schema


ERRORS = {
    "type": "object",
    "required": ["errors"],
    "properties": {
        "errors": {
            "type": "object",
            "additionalProperties": _STRINGS,
            "description": "Messages per field name; `__all__` for the body as a whole.",
        },
    },
}
DETAIL = {"type": "object", "required": ["detail"], "properties": {"detail": {"type": "string"}}}
THROTTLED = {
    "type": "object",
    "required": ["detail"],
    "properties": {"detail": {"type": "string"}, "retry_after_seconds": {"type": "integer", "nullable": True}},
}
