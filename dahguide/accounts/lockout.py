"""Log-in lockout: what django-axes counts, the per-account slowdown, and the page that says how long.

Two limits (docs/operations/deployment.md, "Log-in lockout"):

- django-axes locks a username *from one client address* after ``AXES_FAILURE_LIMIT`` failures, for
  ``AXES_COOLOFF_HOURS``. The address is the real client's behind the configured proxies
  (``TRUSTED_PROXY_COUNT``), so a stranger elsewhere does not lock a colleague out.
- ``AccountSlowdownBackend`` bounds guessing from many addresses: once an account has
  ``ACCOUNT_SLOWDOWN_AFTER`` failures within the cool-off, from anywhere, each further attempt is
  refused without checking the password until a delay that doubles with every failure (capped at
  ``ACCOUNT_SLOWDOWN_MAX_SECONDS``) has passed since the last one. Refused attempts are not
  failures: they neither count nor restart the delay, so a stranger delays the account's owner by
  at most the cap, never for the whole cool-off.

Both read axes' failure records, so unlocking an account (``manage.py axes_reset_username NAME``,
axes' admin, or the user admin's "Unlock log-in" action) clears both.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

# axes stores the username in a 255-character column; PostgreSQL refuses a longer one (a 500 on the
# log-in page). No account's name is longer than the user model's 150 characters.
MAX_USERNAME_LENGTH = 150
# 2 ** 16 seconds is far above any sensible cap: the exponent stops growing there.
_MAX_EXPONENT = 16


def lockout_username(request: HttpRequest, credentials: Mapping[str, Any] | None = None) -> str | None:
    """The submitted username (from the credentials, else the form), cut to a storable length."""
    source = credentials if credentials else getattr(request, "data", request.POST)
    username = source.get("username") if source is not None else None
    return None if username is None else str(username)[:MAX_USERNAME_LENGTH]


def _cool_off():
    from axes.helpers import get_cool_off

    return get_cool_off()


def slowdown_delay(failures: int) -> int:
    """Seconds an account waits after its last failure, given its failures within the cool-off."""
    over = failures - settings.ACCOUNT_SLOWDOWN_AFTER
    if over < 0:
        return 0
    return min(2 ** min(over + 1, _MAX_EXPONENT), settings.ACCOUNT_SLOWDOWN_MAX_SECONDS)


def slowdown_remaining(username: str | None, *, now: datetime | None = None) -> int:
    """Whole seconds until the account's password is checked again (0: now)."""
    if not username:
        return 0
    from axes.models import AccessAttempt

    now = now or timezone.now()
    recent = AccessAttempt.objects.filter(username=username, attempt_time__gte=now - _cool_off())
    totals = recent.aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
    delay = slowdown_delay(totals["failures"] or 0)
    if not delay:
        return 0
    return max(0, math.ceil(delay - (now - totals["last"]).total_seconds()))


class AccountSlowdownBackend:
    """Refuses a log-in to a slowed-down account before any password is checked (see the module).

    Listed after axes' backend and before the one that checks passwords. A refusal marks the request
    as locked out for axes, which then records no failure and renders ``lockout_response``. It has
    no ``get_user``: it never logs anyone in, and sessions must not name it as their backend.
    """

    def authenticate(self, request: HttpRequest | None, username: str | None = None, **kwargs: Any) -> None:
        if request is None:
            return None
        wait = slowdown_remaining(lockout_username(request, {"username": username} if username else None))
        if wait:
            # Read by axes and by lockout_response; HttpRequest's stubs declare neither attribute.
            request.axes_locked_out = True  # type: ignore[attr-defined]
            request.account_slowdown_seconds = wait  # type: ignore[attr-defined]
            raise PermissionDenied("This account's log-in is slowed down after repeated failures.")
        return None


def lockout_remaining(request: HttpRequest, credentials: Mapping[str, Any] | None = None) -> int:
    """Whole seconds until axes lets this username log in from this address again."""
    from axes.models import AccessAttempt

    cool_off = _cool_off()
    last = AccessAttempt.objects.filter(
        username=lockout_username(request, credentials), ip_address=getattr(request, "axes_ip_address", None)
    ).aggregate(last=Max("attempt_time"))["last"]
    if last is None:
        return math.ceil(cool_off.total_seconds())
    return max(1, math.ceil((last + cool_off - timezone.now()).total_seconds()))


def wait_text(seconds: int) -> str:
    """ "40 seconds", "1 minute", "15 minutes": minutes rounded up, so the wait is never longer than said."""
    if seconds < 60:
        return f"{seconds} second{'' if seconds == 1 else 's'}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'' if minutes == 1 else 's'}"


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Mapping[str, Any] | None = None
) -> HttpResponse:
    """axes' ``AXES_LOCKOUT_CALLABLE``: the locked-out page, saying which limit applies and until when."""
    slowed = getattr(request, "account_slowdown_seconds", None)
    seconds = slowed if slowed is not None else lockout_remaining(request, credentials)
    from axes.conf import settings as axes_settings

    context = {"slowed": slowed is not None, "wait": wait_text(seconds)}
    response = render(request, "registration/locked_out.html", context, status=axes_settings.AXES_HTTP_RESPONSE_CODE)
    response["Retry-After"] = str(seconds)
    return response
