"""Shared ward computers: clinical pages out of the browser's cache, and the idle logout."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, resolve_url
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django_htmx.http import HttpResponseClientRedirect

from dahguide.accounts import idle


class NoStoreForAuthenticatedMiddleware:
    """Every page seen while logged in is ``no-store``: Back after logout shows nothing."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Read before the view too: a view may replace ``request.user`` (Django REST framework
        # sets it to the API's own user, anonymous for a view without authentication classes).
        logged_in = _is_authenticated(request)
        response = self.get_response(request)
        if logged_in or _is_authenticated(request):
            add_never_cache_headers(response)
            patch_cache_control(response, no_store=True, private=True)
        return response


def _is_authenticated(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated


class IdleSessionMiddleware:
    """The idle logout (dahguide/accounts/idle.py): enforced on every request, recorded at most
    once a minute, and what the user was sending kept for them when it ends their session.

    The check runs in ``process_view``, after ``CsrfViewMiddleware``'s: a form is kept only when
    its token was valid, so no other site can plant answers for the user to find after logging in.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and _is_authenticated(request):
            # Read by static/js/app.js after every htmx request and activity ping: the countdown
            # follows the server, which records activity at most once a minute.
            response[IDLE_REMAINING_HEADER] = str(idle.remaining(session, idle.now()))
        return response

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> HttpResponse | None:
        if not _is_authenticated(request):
            return None
        at = idle.now()
        asked = request.method == "POST" and request.POST.get(idle.IDLE_LOGOUT_FIELD) == "1"
        if not asked and not idle.is_expired(request.session, at):
            idle.record_activity(request.session, at)
            return None
        return _idle_logout(request, view, kwargs, at)


IDLE_REMAINING_HEADER = "X-Idle-Remaining"


def _idle_logout(
    request: HttpRequest, view: Callable[..., Any], kwargs: dict[str, Any], at: int
) -> HttpResponse | None:
    user_id = request.user.pk
    assert user_id is not None  # process_view calls this for an authenticated user only
    page = idle.kept_page(view, kwargs) if request.method == "POST" else None
    data = request.POST.copy() if page else None
    minutes = max(1, settings.SESSION_IDLE_TIMEOUT // 60)
    logout(request)
    messages.info(request, f"You were logged out after {minutes} minutes without activity on this computer.")
    if page is None or data is None:
        # Carry on as an anonymous request: the view's own access check sends it to the login page.
        return None
    if idle.keep_input(request.session, user_id=user_id, action=request.path, data=data, at=at):
        messages.info(request, "What you were typing is kept: log in again to see it and save it.")
    login_url = f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': page})}"
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(login_url)
    return redirect(login_url)
