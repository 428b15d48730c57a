"""FHIR R4B export: the published guideline as Questionnaire + PlanDefinition, a saved case as a
Bundle of QuestionnaireResponse, GuidanceResponse, RequestGroup and OperationOutcome.

Builders return plain dicts; ``validated`` runs them through the ``fhir.resources.R4B`` models
before anything leaves the app, so a defect is a server error in our logs, never an invalid
resource in an EHR.
"""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B import get_fhir_model_class


def validated(document: dict[str, Any]) -> dict[str, Any]:
    """The resource as the FHIR R4B model emits it (raises ``pydantic.ValidationError`` if invalid)."""
    model = get_fhir_model_class(document["resourceType"]).model_validate(document)
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)
