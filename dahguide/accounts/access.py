"""Access to views: one role decorator for every app, and whether a request wants a partial.

Every clinical and editorial view is behind ``role_required``: logged in (else the login page;
for htmx the whole page goes there, never a login form swapped into a step) and holding one of the
roles (else 403 with the refusal). Responses vary on ``HX-Request``, so a cache never serves a
partial for a page or the reverse. tests/test_access_matrix.py checks every URL for every role.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django_htmx.http import HttpResponseClientRedirect

from dahguide.accounts.roles import has_role

View = Callable[..., HttpResponseBase]  # a page, a redirect or a streamed CSV


def is_partial(request: HttpRequest) -> bool:
    """An htmx request for part of a page (a history restore wants the whole page)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx and not htmx.history_restore_request)


def to_login(request: HttpRequest) -> HttpResponse:
    """The login page, coming back here afterwards; for htmx the whole page goes there."""
    htmx = getattr(request, "htmx", None)
    if htmx:
        page = htmx.current_url_abs_path or request.get_full_path()
        return HttpResponseClientRedirect(f"{reverse('login')}?{urlencode({'next': page})}")
    return redirect_to_login(request.get_full_path())


def role_required(*roles: str, refusal: str = "") -> Callable[[View], View]:
    """Logged in and holding one of ``roles`` (any role when none is named); ``refusal`` is the
    403's message."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            response: HttpResponseBase
            if not request.user.is_authenticated:
                response = to_login(request)
            elif roles and not has_role(request.user, *roles):
                raise PermissionDenied(refusal)
            else:
                response = view(request, *args, **kwargs)
            patch_vary_headers(response, ("HX-Request",))
            return response

        return wrapper

    return decorator


# Any logged-in user (the home page: each role sees its own start).
logged_in_required = role_required()
