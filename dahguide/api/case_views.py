"""A saved case as a FHIR R4B Bundle: the same readers as the case pages (physicians and residents)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from dahguide.api import openapi, rest
from dahguide.api.fhir import validated
from dahguide.api.fhir.case import case_bundle
from dahguide.api.views import BAD_QUERY, COMMON_RESPONSES, ApiView
from dahguide.cases import selectors, services
from dahguide.cases.models import CaseAccessLog


class CaseFHIRView(ApiView):
    permission_classes = [rest.IsClinician]
    renderer_classes = [rest.FHIRJSONRenderer, *ApiView.renderer_classes]

    @extend_schema(
        operation_id="case_fhir",
        summary="A saved case as a FHIR R4B Bundle",
        description=(
            "QuestionnaireResponse (the inputs), GuidanceResponse and RequestGroup (the plan), OperationOutcome "
            "(its warnings), of the current revision or of `revision`. Physicians and residents."
        ),
        parameters=[
            OpenApiParameter("case_id", rest.id_schema(rest.MAX_BIG_ID), OpenApiParameter.PATH),
            OpenApiParameter(
                "revision",
                rest.id_schema(),
                description="A revision number; the current one by default.",
            ),
        ],
        responses={
            200: openapi.FHIRResource,
            400: BAD_QUERY,
            **COMMON_RESPONSES,
            404: OpenApiResponse(openapi.Detail, description="No such case or revision."),
        },
    )
    def get(self, request: Request, case_id: int) -> Response:
        number = request.query_params.get("revision")
        if number is not None and not (number.isascii() and number.isdigit() and len(number) <= 19):
            return Response({"errors": {"revision": ["revision must be a revision number."]}}, status=400)
        revision = selectors.case_revision_get(
            case_id=rest.existing_id(case_id, rest.MAX_BIG_ID),
            number=rest.existing_id(int(number)) if number is not None else None,
        )
        services.case_access_record(case_id=revision.case_id, user=request.user, action=CaseAccessLog.Action.VIEW)
        bundle = case_bundle(
            case_id=revision.case_id,
            revision_number=revision.number,
            authored=revision.created_at.isoformat(),
            inputs=revision.inputs,
            plan=revision.plan,
        )
        response = Response(validated(bundle))
        response["Content-Disposition"] = (
            f'attachment; filename="dahguide-case-{revision.case_id}-r{revision.number}.fhir.json"'
        )
        return response
