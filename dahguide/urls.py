"""URL map. Every view is listed in tests/test_access_matrix.py with its expected access."""

from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "DAH Guide content administration"
admin.site.site_title = "DAH Guide admin"

urlpatterns = [
    path("accounts/", include("dahguide.accounts.urls")),
    path("admin/", admin.site.urls),
    path("", include("dahguide.api.urls")),
    path("cases/", include("dahguide.cases.urls")),
    path("guideline/", include("dahguide.guidance.urls")),
    path("feedback/", include("dahguide.feedback.urls")),
    path("smart/", include("dahguide.api.smart.urls")),
    path("", include("dahguide.wizard.urls")),
]
