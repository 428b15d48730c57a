"""Guideline pages outside the admin, namespace ``guidance`` (access: tests/test_access_matrix.py)."""

from django.urls import path

from dahguide.guidance import views

app_name = "guidance"

urlpatterns = [
    path("changes/", views.what_changed, name="what_changed"),
]
