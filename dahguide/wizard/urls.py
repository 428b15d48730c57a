"""Wizard URLs. ``home`` keeps its plain name (base layout, LOGIN_REDIRECT_URL); the assessment
pages live in the ``wizard`` namespace: ``wizard:new``, ``wizard:resume``, ``wizard:step``,
``wizard:review``, ``wizard:plan``, ``wizard:plan_print``, ``wizard:preview`` (htmx panel),
``wizard:convert`` (htmx)."""

from django.urls import include, path

from dahguide.wizard import views

assessment_patterns = [
    path("new/", views.new, name="new"),
    path("<uuid:pk>/", views.resume, name="resume"),
    path("<uuid:pk>/step/<slug:step>/", views.step, name="step"),
    path("<uuid:pk>/review/", views.review, name="review"),
    path("<uuid:pk>/plan/", views.plan, name="plan"),
    path("<uuid:pk>/plan/print/", views.plan, name="plan_print"),
    path("<uuid:pk>/preview/", views.preview, name="preview"),
    path("<uuid:pk>/convert/", views.convert, name="convert"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("assessments/", include((assessment_patterns, "wizard"))),
]
