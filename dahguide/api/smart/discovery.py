"""Where a FHIR server authorizes: ``{iss}/.well-known/smart-configuration`` (SMART App Launch 2),
else the OAuth extension of its CapabilityStatement (``{iss}/metadata``, SMART 1)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from dahguide.api.smart import errors
from dahguide.api.smart.transport import get_json

OAUTH_URIS = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True)
class SmartConfiguration:
    authorize_url: str
    token_url: str
    scopes_supported: tuple[str, ...] = ()
    capabilities: tuple[str, ...] = ()
    code_challenge_methods: tuple[str, ...] = ()  # empty: not advertised (a SMART 1 server)


def discover(iss: str) -> SmartConfiguration:
    try:
        return _from_well_known(iss) or _from_capability_statement(iss)
    except requests.Timeout as exc:
        raise errors.ehr_unreachable("find the EHR's sign-in address") from exc
    except (requests.RequestException, ValueError) as exc:
        raise errors.ehr_refused("find the EHR's sign-in address (its SMART configuration could not be read)") from exc


def _from_well_known(iss: str) -> SmartConfiguration | None:
    document = get_json(f"{iss}/.well-known/smart-configuration", missing_ok=True)
    if document is None:
        return None
    authorize, token = document.get("authorization_endpoint"), document.get("token_endpoint")
    if not authorize or not token:
        return None  # incomplete: the CapabilityStatement may still say
    return SmartConfiguration(
        _endpoint(authorize),
        _endpoint(token),
        _strings(document.get("scopes_supported")),
        _strings(document.get("capabilities")),
        _strings(document.get("code_challenge_methods_supported")),
    )


def _from_capability_statement(iss: str) -> SmartConfiguration:
    document = get_json(f"{iss}/metadata") or {}
    for rest in _list(document.get("rest")):
        security = rest.get("security") if isinstance(rest, dict) else None
        for extension in _list(security.get("extension") if isinstance(security, dict) else None):
            if isinstance(extension, dict) and extension.get("url") == OAUTH_URIS:
                parts = [e for e in _list(extension.get("extension")) if isinstance(e, dict)]
                uris = {e.get("url"): e.get("valueUri") for e in parts}
                if uris.get("authorize") and uris.get("token"):
                    return SmartConfiguration(_endpoint(uris["authorize"]), _endpoint(uris["token"]))
    raise ValueError("no SMART endpoints in the CapabilityStatement")


def _endpoint(url: Any) -> str:
    """An absolute https URL (http only on loopback, for the test EHR): the token travels there."""
    if not isinstance(url, str):
        raise ValueError("endpoint is not a string")
    parts = urlsplit(url)
    if parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK):
        return url
    raise ValueError("endpoint is not https")


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(v for v in _list(value) if isinstance(v, str))


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
