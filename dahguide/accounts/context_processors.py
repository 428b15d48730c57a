from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from dahguide.accounts import idle


def session_timeout(request: HttpRequest) -> dict[str, Any]:
    """The idle timeout, the time left, the warning's lead time and how often typing is reported,
    read by static/js/app.js."""
    session = getattr(request, "session", None)
    return {
        "session_idle_timeout": settings.SESSION_IDLE_TIMEOUT,
        "session_idle_warning": settings.SESSION_IDLE_WARNING,
        "session_activity_interval": settings.SESSION_ACTIVITY_INTERVAL,
        "session_idle_remaining": lambda: idle.remaining(session, idle.now()) if session is not None else 0,
    }
