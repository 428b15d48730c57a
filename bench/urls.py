"""The app's URLs plus two bench-only views. Only bench/settings.py routes here.

- ``/bench/baseline/`` is the floor of the latency measurement: a view that does nothing. It runs
  behind the whole middleware stack (session, auth, CSP, axes, request log) and is requested with
  the same logged-in session as the wizard pages, so ``page ÷ floor`` is the cost of the page's
  own work. Its body names the worker process.
- ``/bench/snapshot/`` names the worker process and the guideline version of the snapshot that
  process serves (``get_published_snapshot``, its per-process cache), so the bench can show that
  a publication reaches every worker of every instance.
"""

import os

from django.http import HttpRequest, HttpResponse
from django.urls import path

from bench.paths import BASELINE_PATH, SNAPSHOT_PATH
from dahguide.guidance.selectors import get_published_snapshot
from dahguide.urls import urlpatterns as app_urlpatterns


def baseline(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"ok {os.getpid()}", content_type="text/plain")


def snapshot(request: HttpRequest) -> HttpResponse:
    current = get_published_snapshot()
    return HttpResponse(f"{os.getpid()} {current.version if current else '-'}", content_type="text/plain")


urlpatterns = [
    path(BASELINE_PATH.strip("/") + "/", baseline, name="bench-baseline"),
    path(SNAPSHOT_PATH.strip("/") + "/", snapshot, name="bench-snapshot"),
    *app_urlpatterns,
]
