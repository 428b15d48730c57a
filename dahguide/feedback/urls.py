"""Feedback URLs, namespace ``feedback`` (who may use each: tests/test_access_matrix.py)."""

from django.urls import path

from dahguide.feedback import views

app_name = "feedback"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("versions/<int:number>/", views.version_detail, name="version"),
    path("export.csv", views.export, name="export"),
    path("cases/<int:pk>/not-followed/", views.not_followed, name="not_followed"),
]
