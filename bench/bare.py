"""Bare Django, the lower floor: a view that returns "ok", no app, no middleware, no database.

Settings and URLconf in one module, served by its own gunicorn (``bench.bare_wsgi``) with the same
command as the app's instances, so ``page p95 ÷ bare p95`` is the cost of everything the app adds
to Django itself: middleware, session, user, the view, its queries and its template.
"""

import os

from django.http import HttpRequest, HttpResponse
from django.urls import path

from bench.paths import BARE_PATH

SECRET_KEY = os.environ.get("SECRET_KEY") or "bench-bare-django-signs-nothing"  # noqa: S105 - no sessions, no CSRF
DEBUG = False
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "localhost").split(",")
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
DATABASES: dict[str, dict] = {}
ROOT_URLCONF = "bench.bare"
USE_TZ = True


def ok(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"ok {os.getpid()}", content_type="text/plain")


urlpatterns = [path(BARE_PATH.strip("/") + "/", ok)]
