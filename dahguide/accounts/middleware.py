"""Keep clinical pages out of the browser's cache on shared ward computers."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control


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
