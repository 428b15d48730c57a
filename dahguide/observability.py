"""Structured logs of requests and security events, with no patient data in them.

Request lines carry the method, the URL *route* (not the query string, which can hold lab values),
the status, the duration and the user's id. Security events carry user ids and usernames of existing
accounts only: a failed log-in for a name that matches no account logs a keyed hash of what was typed
(``username_hmac``; a password typed into the username box must not land in the log), and log-in
events carry the client address as the lockout sees it. Nothing from an intake, a plan or a case
label is ever logged.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import salted_hmac

request_log = logging.getLogger("dahguide.request")
security_log = logging.getLogger("dahguide.security")


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        user = getattr(request, "user", None)
        request_log.info(
            "request",
            extra={
                "event": "request",
                "method": request.method,
                "route": match.route if match else "unresolved",
                "view": match.view_name if match else "",
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "user_id": user.pk if user is not None and user.is_authenticated else None,
                "htmx": request.headers.get("HX-Request") == "true",
            },
        )
        return response


def security_event(event: str, **fields: object) -> None:
    """One structured line per security-relevant event (logins, lockouts, content transitions, case views)."""
    security_log.info(event, extra={"event": event, **fields})


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address as the lockout counts it (REMOTE_ADDR, or from the trusted proxies)."""
    if request is None:
        return None
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request)


def username_fields(typed: object) -> dict[str, str]:
    """``username`` for an existing account's name; for anything else a keyed hash of it (HMAC with
    SECRET_KEY): repeated attempts on one unknown name stay recognisable, the text does not."""
    text = str(typed or "")[:150]
    user_model = get_user_model()
    if text and user_model._default_manager.filter(**{user_model.USERNAME_FIELD: text}).exists():
        return {"username": text}
    return {"username_hmac": salted_hmac("dahguide.observability.username", text).hexdigest()[:32]}


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs) -> None:
    security_event("login_succeeded", user_id=user.pk, username=user.get_username(), client_ip=client_ip(request))


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs) -> None:
    security_event("logout", user_id=getattr(user, "pk", None))


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs) -> None:
    security_event("login_failed", client_ip=client_ip(request), **username_fields(credentials.get("username")))


def _connect_axes() -> None:
    from axes.signals import user_locked_out

    @receiver(user_locked_out, weak=False)
    def _locked_out(sender, request, username, ip_address, **kwargs) -> None:
        # The account slowdown refuses through axes too (dahguide/accounts/lockout.py).
        event = "login_slowed" if hasattr(request, "account_slowdown_seconds") else "lockout"
        security_event(event, client_ip=ip_address, **username_fields(username))


_connect_axes()
