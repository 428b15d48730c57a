"""The OAuth 2 client (authlib): scopes, the authorization URL with PKCE S256, the code exchange."""

from __future__ import annotations

from authlib.integrations.requests_client import OAuth2Session
from django.conf import settings

from dahguide.api.smart import transport
from dahguide.api.smart.discovery import SmartConfiguration

RESOURCES = ("Patient", "Observation", "Condition", "MedicationRequest")
_V1_SUFFIXES = (".read", ".write", ".*")


def scopes(config: SmartConfiguration, *, ehr_launch: bool) -> str:
    """``launch`` (EHR launch) or ``launch/patient`` (standalone), plus patient read scopes:
    SMART v2 ``.rs`` unless the server lists v1 scopes only (then ``.read``)."""
    suffix = "read" if _v1_only(config) else "rs"
    context = "launch" if ehr_launch else "launch/patient"
    return " ".join([context, *(f"patient/{resource}.{suffix}" for resource in RESOURCES)])


def _v1_only(config: SmartConfiguration) -> bool:
    resource_scopes = [s for s in config.scopes_supported if s.startswith(("patient/", "user/", "system/"))]
    lists_v2 = "permission-v2" in config.capabilities or any(not s.endswith(_V1_SUFFIXES) for s in resource_scopes)
    lists_v1 = "permission-v1" in config.capabilities or any(s.endswith(_V1_SUFFIXES) for s in resource_scopes)
    return lists_v1 and not lists_v2


def client(*, redirect_uri: str, scope: str | None = None, token: dict | None = None) -> OAuth2Session:
    """A public client (PKCE only) without ``SMART_CLIENT_SECRET``, else confidential-symmetric (HTTP Basic)."""
    secret = settings.SMART_CLIENT_SECRET
    session = OAuth2Session(
        client_id=settings.SMART_CLIENT_ID,
        client_secret=secret or None,
        token_endpoint_auth_method="client_secret_basic" if secret else "none",
        scope=scope,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token=token,
        default_timeout=transport.TIMEOUT,
    )
    session.max_redirects = 0  # the token and the chart come from the addresses discovered, nowhere else
    return session
