"""The username django-axes counts failed log-ins against."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest

# axes stores the username in a 255-character column; PostgreSQL refuses a longer one (a 500 on the
# log-in page). No account's name is longer than the user model's 150 characters.
MAX_USERNAME_LENGTH = 150


def lockout_username(request: HttpRequest, credentials: Mapping[str, Any] | None = None) -> str | None:
    """The submitted username (from the credentials, else the form), cut to a storable length."""
    source = credentials if credentials else getattr(request, "data", request.POST)
    username = source.get("username") if source is not None else None
    return None if username is None else str(username)[:MAX_USERNAME_LENGTH]
