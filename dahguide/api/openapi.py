"""drf-spectacular glue: named components whose schemas come from ``schemas.py``.

The marker serializers are never used to validate anything (``parse_intake`` does); they only
give drf-spectacular something to hang a generated schema on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerExtension
from rest_framework import serializers

from dahguide.api import schemas


class Intake(serializers.Serializer):
    """Marker: the intake document (schema generated from ``intake.FIELDS``)."""


class Plan(serializers.Serializer):
    """Marker: the plan document."""


class FieldErrors(serializers.Serializer):
    """Marker: ``{"errors": {"field": ["message"]}}``."""


class Detail(serializers.Serializer):
    """Marker: ``{"detail": "message"}``."""


class Throttled(serializers.Serializer):
    """Marker: a 429 answer."""


class GuidelineVersion(serializers.Serializer):
    version = serializers.CharField(help_text="The version the plan names in guideline.version.")
    number = serializers.IntegerField()
    title = serializers.CharField()
    published_at = serializers.DateTimeField(allow_null=True)
    content_hash = serializers.CharField()
    fhir_questionnaire = serializers.URLField()
    fhir_plandefinition = serializers.URLField()


class FHIRResource(serializers.Serializer):
    """Marker: a FHIR R4B resource as JSON."""


def _extension(target: type, name: str, factory: Callable[[], dict[str, Any]]) -> type:
    class Extension(OpenApiSerializerExtension):
        target_class = target

        def get_name(self, auto_schema, direction) -> str:
            return name

        def map_serializer(self, auto_schema, direction) -> dict[str, Any]:
            return factory()

    Extension.__name__ = f"{name}Extension"
    return Extension


def _fhir_resource() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["resourceType"],
        "properties": {"resourceType": {"type": "string"}},
        "description": "A FHIR R4B resource (https://hl7.org/fhir/R4B/).",
    }


EXTENSIONS = (
    _extension(Intake, "Intake", schemas.intake_schema),
    _extension(Plan, "Plan", schemas.plan_schema),
    _extension(FieldErrors, "FieldErrors", lambda: schemas.ERRORS),
    _extension(Detail, "Detail", lambda: schemas.DETAIL),
    _extension(Throttled, "Throttled", lambda: schemas.THROTTLED),
    _extension(FHIRResource, "FHIRResource", _fhir_resource),
)


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """The per-user token sent as ``Authorization: Bearer <key>`` (DRF's ``Token <key>`` also works)."""

    target_class = "dahguide.api.rest.BearerTokenAuthentication"
    name = "bearerAuth"
    priority = 1

    def get_security_definition(self, auto_schema) -> dict[str, Any]:
        return {"type": "http", "scheme": "bearer", "description": "A per-user API token an administrator creates."}
