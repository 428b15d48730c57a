from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def session_timeout(request: HttpRequest) -> dict[str, int]:
    """The idle timeout, read by static/js/idle.js to warn before the session ends."""
    return {"session_idle_timeout": settings.SESSION_IDLE_TIMEOUT}
