"""The JSON API (``/api/v1/``): evaluate an intake, read the published guideline, export FHIR.

Thin views: parse (``parse_intake``), evaluate (the engine), answer. The plan is exactly
``Plan.to_dict()``, the same document ``manage.py evaluate`` prints.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dahguide.api import openapi, rest
from dahguide.api.fhir import guideline as fhir_guideline
from dahguide.api.fhir import validated
from dahguide.engine.content import Snapshot
from dahguide.engine.evaluation import evaluate_parsed
from dahguide.engine.intake import parse_intake
from dahguide.guidance.selectors import get_published_snapshot, get_published_version, get_snapshot_for_version

COMMON_RESPONSES = {
    401: OpenApiResponse(openapi.Detail, description="Not authenticated (no or an invalid token)."),
    403: OpenApiResponse(openapi.Detail, description="Authenticated, but the role may not do this."),
    429: OpenApiResponse(openapi.Throttled, description="Too many requests; see `Retry-After`."),
}
_NO_GUIDELINE = OpenApiResponse(openapi.Detail, description="No guideline version is published.")
BAD_QUERY = OpenApiResponse(openapi.FieldErrors, description="A query parameter has a value it does not take.")


class ApiView(APIView):
    authentication_classes = rest.AUTHENTICATION
    permission_classes = [rest.HasRole]
    throttle_classes = [rest.ApiUserThrottle]
    parser_classes = [rest.SafeJSONParser]
    content_negotiation_class = rest.StrictContentNegotiation


def _no_guideline() -> Response:
    return Response({"detail": rest.NO_GUIDELINE}, status=503)


class EvaluateView(ApiView):
    permission_classes = [rest.IsPhysician]

    @extend_schema(
        operation_id="evaluate",
        summary="Evaluate an intake against the published guideline",
        description=(
            "The intake in (CONTRACT.md), the plan out. A value implausible for its unit is treated as unknown "
            "and the plan carries a data-quality warning. Physicians and administrators only."
        ),
        request=openapi.Intake,
        responses={
            200: openapi.Plan,
            400: OpenApiResponse(openapi.FieldErrors, description="Invalid input, with messages per field."),
            **COMMON_RESPONSES,
            415: OpenApiResponse(openapi.Detail, description="The body is not JSON."),
            503: _NO_GUIDELINE,
        },
    )
    def post(self, request: Request) -> Response:
        result = parse_intake(request.data, implausible="unknown")
        if result.errors:
            return Response({"errors": result.errors}, status=400)
        snapshot = get_published_snapshot()
        if snapshot is None:
            return _no_guideline()
        return Response(evaluate_parsed(result, snapshot).document)


class GuidelineView(ApiView):
    @extend_schema(
        operation_id="guideline",
        summary="The published guideline version",
        responses={200: openapi.GuidelineVersion, 400: BAD_QUERY, **COMMON_RESPONSES, 503: _NO_GUIDELINE},
    )
    def get(self, request: Request) -> Response:
        version = get_published_version()
        if version is None:
            return _no_guideline()
        return Response(
            {
                "version": str(version.number),
                "number": version.number,
                "title": version.title,
                "published_at": version.published_at.isoformat() if version.published_at else None,
                "content_hash": version.content_hash,
                "fhir_questionnaire": request.build_absolute_uri(reverse("api:guideline_questionnaire")),
                "fhir_plandefinition": request.build_absolute_uri(reverse("api:guideline_plandefinition")),
            }
        )


class _GuidelineFHIRView(ApiView):
    renderer_classes = [rest.FHIRJSONRenderer, *ApiView.renderer_classes]
    build: Any = None  # staticmethod: (snapshot, status) -> resource dict
    filename = ""

    def get(self, request: Request, number: int | None = None) -> Response:
        if number is None:
            snapshot, status = get_published_snapshot(), "published"
            if snapshot is None:
                return _no_guideline()
        else:
            snapshot, status = _frozen_version(number)
            if snapshot is None:
                return Response({"detail": f"Version {number} is not published or retired."}, status=404)
        response = Response(validated(self.build(snapshot, status)))
        response["Content-Disposition"] = f'attachment; filename="{self.filename}-v{snapshot.version}.json"'
        return response


def _frozen_version(number: int) -> tuple[Snapshot | None, str]:
    snapshot = get_snapshot_for_version(rest.existing_id(number))
    if snapshot is None:
        return None, ""
    published = get_published_version()
    return snapshot, "published" if published is not None and published.number == number else "retired"


_FHIR_RESPONSES = {
    200: openapi.FHIRResource,
    400: BAD_QUERY,
    **COMMON_RESPONSES,
    404: OpenApiResponse(openapi.Detail, description="No such published or retired version."),
    503: _NO_GUIDELINE,
}
_VERSION_NUMBER = OpenApiParameter(
    "number",
    rest.id_schema(),
    OpenApiParameter.PATH,
    description="A published or retired version's number.",
)


@extend_schema(
    summary="The intake as a FHIR R4B Questionnaire",
    responses=_FHIR_RESPONSES,
    description="Items from the intake fields, grouped by the wizard's steps; linkId = field name.",
)
class QuestionnaireView(_GuidelineFHIRView):
    build = staticmethod(fhir_guideline.questionnaire)
    filename = "dahguide-questionnaire"


@extend_schema(
    summary="The guideline content as a FHIR R4B PlanDefinition",
    responses=_FHIR_RESPONSES,
    description="One action per recommendation with its applicability and citations; the plasma-exchange check.",
)
class PlanDefinitionView(_GuidelineFHIRView):
    build = staticmethod(fhir_guideline.plan_definition)
    filename = "dahguide-plandefinition"


# The same views under /guideline/versions/<number>/: subclasses only so the schema can type the number.
@extend_schema(parameters=[_VERSION_NUMBER])
class VersionQuestionnaireView(QuestionnaireView):
    pass


@extend_schema(parameters=[_VERSION_NUMBER])
class VersionPlanDefinitionView(PlanDefinitionView):
    pass
