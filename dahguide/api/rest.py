"""Django REST framework building blocks shared by the API views: who may call, how often, and
how a body is read and an error answered.

Token authentication never calls ``django.contrib.auth.authenticate``, so django-axes (which
guards the password login) is not involved; tokens are random 160-bit keys an admin creates.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from rest_framework import exceptions, status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import exception_handler as drf_exception_handler

from dahguide.accounts.roles import CLINICAL_ROLES, PHYSICIAN, ROLES, has_role

MAX_INTEGER_ID = 2**31 - 1  # the smallest integer column of the databases we support (PostgreSQL integer)
MAX_BIG_ID = 2**63 - 1  # bigint / SQLite INTEGER
MAX_BODY_BYTES = 64 * 1024  # an intake is about 1 KiB; a CDS Hooks request with prefetch far less than this
NO_GUIDELINE = "No guideline version is published yet: a clinical reviewer must publish one first."


def existing_id(value: int, maximum: int = MAX_INTEGER_ID) -> int:
    """A path id the database can hold; a larger one names nothing (404, not a database error)."""
    if not 0 < value <= maximum:
        raise exceptions.NotFound("Not found.")
    return value


def id_schema(maximum: int = MAX_INTEGER_ID) -> dict[str, Any]:
    """The OpenAPI schema of an id: the range ``existing_id`` lets through."""
    return {"type": "integer", "minimum": 1, "maximum": maximum}


class PathIdConverter:
    """``<api_id:name>``: an id in an API path, matched whatever the segment holds.

    Django's ``int`` converter lets ``/cases/abc/fhir`` fall through to the site's HTML 404 page;
    this one hands the view 0 instead (no object has it), so ``existing_id`` answers the API's
    JSON 404. Longer digit strings than any id are 0 too (``int()`` refuses very long ones).
    """

    regex = "[^/]+"

    def to_python(self, value: str) -> int:
        return int(value) if value.isascii() and value.isdigit() and len(value) <= 19 else 0

    def to_url(self, value: int) -> str:
        return str(value)


class BearerTokenAuthentication(TokenAuthentication):
    """The same per-user token, sent as ``Authorization: Bearer <key>`` (what most HTTP clients expect)."""

    keyword = "Bearer"


# Token first: its WWW-Authenticate header makes an anonymous request a 401, not a 403.
AUTHENTICATION = [TokenAuthentication, BearerTokenAuthentication, SessionAuthentication]


class IsPhysician(BasePermission):
    message = "Only physicians may evaluate an intake."

    def has_permission(self, request, view) -> bool:
        return has_role(request.user, PHYSICIAN)


class IsClinician(BasePermission):
    """Physicians and residents: the people who read saved cases."""

    message = "Only physicians and residents may read saved cases."

    def has_permission(self, request, view) -> bool:
        return has_role(request.user, *CLINICAL_ROLES)


class HasRole(BasePermission):
    """Any role of the product (published guideline content is for everyone who works with it)."""

    message = "Your account has no role in DAH Guide."

    def has_permission(self, request, view) -> bool:
        return has_role(request.user, *ROLES)


class ApiUserThrottle(UserRateThrottle):
    """Per user, at ``settings.API_THROTTLE_RATE`` (read per request, so a test or a reload can change it)."""

    scope = "api"

    def get_rate(self) -> str:
        return settings.API_THROTTLE_RATE


def load_json(raw: bytes, encoding: str = "utf-8") -> Any:
    """Parse a request body; ``ValueError`` with a message for the caller on anything that is not JSON.

    Refuses NaN and Infinity (not JSON), bodies over ``MAX_BODY_BYTES`` and nesting deep enough to
    exhaust the parser, so no body can turn into a server error.
    """
    if len(raw) > MAX_BODY_BYTES:
        raise ValueError(f"The body is larger than {MAX_BODY_BYTES // 1024} KiB.")
    try:
        return json.loads(raw.decode(encoding), parse_constant=_refuse_constant)
    except RecursionError:
        raise ValueError("The body is not valid JSON: it is nested too deeply.") from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, integers over the digit limit
        raise ValueError(f"The body is not valid JSON: {exc}.") from None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


class SafeJSONParser(BaseParser):
    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            return load_json(stream.read(MAX_BODY_BYTES + 1), encoding)
        except ValueError as exc:
            raise exceptions.ParseError(str(exc)) from None


class StrictContentNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, except that a ``?format=`` naming none of the view's formats is refused.

    DRF ignores an empty one and answers an unknown one 404; the schema lists the formats as an
    enum, so both are a 400 saying which formats there are.
    """

    def select_renderer(self, request, renderers, format_suffix=None):
        name = self.settings.URL_FORMAT_OVERRIDE
        formats = [renderer.format for renderer in renderers]
        if name and any(value not in formats for value in request.query_params.getlist(name)):
            raise exceptions.ValidationError(
                {"errors": {name: [f"{name} must be one of: {', '.join(formats)} (or left out)."]}}
            )
        return super().select_renderer(request, renderers, format_suffix)


class FHIRJSONRenderer(JSONRenderer):
    media_type = "application/fhir+json"
    format = "fhir"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, with the CONTRACT's error shape for a body that cannot be read."""
    if isinstance(exc, exceptions.ParseError):
        return Response({"errors": {"__all__": [str(exc.detail)]}}, status=status.HTTP_400_BAD_REQUEST)
    response = drf_exception_handler(exc, context)
    if isinstance(exc, exceptions.Throttled) and response is not None:
        wait = int(exc.wait) if exc.wait is not None else None  # type: ignore[attr-defined]  # stubs omit Throttled.wait
        response.data = {
            "detail": (
                f"Too many requests: the limit is {settings.API_THROTTLE_RATE} per user. "
                + (f"Try again in {wait} seconds." if wait is not None else "Try again later.")
            ),
            "retry_after_seconds": wait,
        }
    return response
