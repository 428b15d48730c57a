"""Case URLs, namespace ``cases`` (who may use each: tests/cases/test_access.py ``EXPECTED_ACCESS``)."""

from django.urls import path

from dahguide.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("export.csv", views.case_export, name="export"),
    path("save/<uuid:draft_pk>/", views.case_save, name="save"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/print/", views.case_print, name="print"),
    path("<int:pk>/reevaluate/", views.case_reevaluate, name="reevaluate"),
    path("<int:pk>/comments/", views.case_comment, name="comment"),
    path("<int:pk>/signoff/", views.case_signoff, name="signoff"),
    path("<int:pk>/amend/", views.case_amend, name="amend"),
    path("<int:pk>/checklist/<slug:code>/", views.checklist_toggle, name="checklist"),
]
