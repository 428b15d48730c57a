"""Who may call the CDS service: EHR clients on an allow-list, each with a shared secret.

CDS Hooks 2.0 has the client send ``Authorization: Bearer <JWT>`` with ``iss``, ``aud`` (the
service's URL), ``exp``, ``iat`` and ``jti``. The specification signs with the client's private key
and a JWKS URL; this service has no network to fetch keys, so each client is configured with a
shared HMAC secret (HS256/384/512) in ``settings.CDS_HOOKS_CLIENTS`` (issuer -> secret). A token
lives at most five minutes and is accepted once (``jti`` remembered in the cache until it expires).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import jwt
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from dahguide.observability import security_event

ALGORITHMS = ["HS256", "HS384", "HS512"]
MAX_LIFETIME_SECONDS = 300  # CDS Hooks: the JWT's exp SHOULD be at most 5 minutes after iat
LEEWAY_SECONDS = 30


@dataclass(frozen=True)
class CdsClient:
    issuer: str  # "" when authentication is switched off (development only)


class CdsAuthError(Exception):
    """The request is not from an allowed CDS client; the message says why (no secrets in it)."""


def authenticate(request: HttpRequest, *, service_path: str = "") -> CdsClient:
    """The calling client, or ``CdsAuthError``. ``service_path``: a sub-resource of a service (its
    feedback endpoint) also accepts a token whose audience is the service's own URL."""
    if not settings.CDS_HOOKS_REQUIRE_AUTH:
        return CdsClient("")
    try:
        return _verify(request, service_path=service_path)
    except CdsAuthError as exc:
        security_event("cds_auth_rejected", reason=str(exc))
        raise


def _verify(request: HttpRequest, *, service_path: str = "") -> CdsClient:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise CdsAuthError("A bearer JWT is required (Authorization: Bearer <token>).")
    token = token.strip()
    try:
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise CdsAuthError("The bearer token is not a JWT.") from None
    issuer = unverified.get("iss")
    secret = settings.CDS_HOOKS_CLIENTS.get(issuer) if isinstance(issuer, str) else None
    if not isinstance(issuer, str) or not secret:
        raise CdsAuthError("The token's issuer is not an allowed CDS client.")
    audience = request.build_absolute_uri(request.path)
    audiences = [audience, request.build_absolute_uri(service_path)] if service_path else [audience]
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=ALGORITHMS,
            audience=audiences,
            issuer=issuer,
            leeway=LEEWAY_SECONDS,
            options={"require": ["iss", "aud", "exp", "iat", "jti"]},
        )
    except jwt.InvalidAudienceError:
        raise CdsAuthError(f"The token's audience must be this service's URL ({audiences[-1]}).") from None
    except jwt.ExpiredSignatureError:
        raise CdsAuthError("The token has expired.") from None
    except jwt.PyJWTError as exc:
        raise CdsAuthError(f"The token was refused: {exc}.") from None
    exp, iat, jti = claims["exp"], claims["iat"], claims["jti"]
    if not isinstance(exp, (int, float)) or not isinstance(iat, (int, float)) or exp - iat > MAX_LIFETIME_SECONDS:
        raise CdsAuthError(f"The token may live at most {MAX_LIFETIME_SECONDS} seconds (exp - iat).")
    if not isinstance(jti, str) or not jti or len(jti) > 200:
        raise CdsAuthError("The token needs a jti (a unique id).")
    remember = max(int(exp - time.time()) + LEEWAY_SECONDS, 1)
    if not cache.add(f"cds-jti:{issuer}:{jti}", True, timeout=remember):
        raise CdsAuthError("The token was already used (jti seen before).")
    return CdsClient(issuer)
