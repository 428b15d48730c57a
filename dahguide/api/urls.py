"""API URLs, in the ``api`` namespace. The JSON API lives under ``/api/v1/``; CDS Hooks under
``/cds-services`` (the path CDS clients expect); the cards' link under ``/assessments/from-cds/``."""

from __future__ import annotations

from django.apps import apps
from django.urls import path, register_converter
from drf_spectacular.views import SpectacularJSONAPIView
from rest_framework.permissions import AllowAny

from dahguide.api import rest, views
from dahguide.api.cds import views as cds_views

app_name = "api"
V1 = "api/v1/"
register_converter(rest.PathIdConverter, "api_id")  # a non-integer id gets the API's JSON 404, not the HTML page

urlpatterns = [
    path(f"{V1}evaluate", views.EvaluateView.as_view(), name="evaluate"),
    path(f"{V1}guideline", views.GuidelineView.as_view(), name="guideline"),
    path(f"{V1}guideline/fhir/questionnaire", views.QuestionnaireView.as_view(), name="guideline_questionnaire"),
    path(f"{V1}guideline/fhir/plandefinition", views.PlanDefinitionView.as_view(), name="guideline_plandefinition"),
    path(
        f"{V1}guideline/versions/<api_id:number>/fhir/questionnaire",
        views.VersionQuestionnaireView.as_view(),
        name="version_questionnaire",
    ),
    path(
        f"{V1}guideline/versions/<api_id:number>/fhir/plandefinition",
        views.VersionPlanDefinitionView.as_view(),
        name="version_plandefinition",
    ),
    path(
        f"{V1}openapi.json",
        SpectacularJSONAPIView.as_view(authentication_classes=[], permission_classes=[AllowAny]),
        name="openapi",
    ),
    path("cds-services", cds_views.discovery, name="cds_discovery"),
    path(f"cds-services/{cds_views.SERVICE_ID}", cds_views.service, name="cds_service"),
    path(f"cds-services/{cds_views.SERVICE_ID}/feedback", cds_views.feedback, name="cds_feedback"),
    path("assessments/from-cds/", cds_views.from_cds, name="from_cds"),
]

if apps.is_installed("dahguide.cases"):  # saved cases arrive with their own issue
    from dahguide.api import case_views

    urlpatterns.append(path(f"{V1}cases/<api_id:case_id>/fhir", case_views.CaseFHIRView.as_view(), name="case_fhir"))
