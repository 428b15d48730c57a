"""SMART App Launch URLs (docs/smart.md): register ``/smart/launch`` as the launch URL and
``/smart/callback`` as the redirect URI."""

from __future__ import annotations

from django.urls import path

from dahguide.api.smart import views

app_name = "smart"

urlpatterns = [
    path("launch", views.launch, name="launch"),
    path("callback", views.callback, name="callback"),
    path("confirm", views.confirm, name="confirm"),
]
