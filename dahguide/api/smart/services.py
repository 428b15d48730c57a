"""The launch's state changes: start (discovery, PKCE, redirect to the EHR), finish (state check, code
exchange, one chart read, mapping), confirm (a wizard draft with the answers).

Launch state is kept server-side in the session under ``SESSION_KEY``: the PKCE verifier and the
addresses per ``state``, then the mapped answers per prefill id. Never the access token, never the
patient's name.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import MutableMapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.common.security import generate_token
from django.conf import settings

from dahguide.api.cds import mapping
from dahguide.api.services import draft_create_from_ehr
from dahguide.api.smart import chart, discovery, errors, oauth
from dahguide.engine.intake import FIELDS
from dahguide.wizard.models import DraftAssessment

logger = logging.getLogger("dahguide.smart")

SESSION_KEY = "smart"
FLOW_SECONDS = 10 * 60  # from the redirect to the EHR until its answer; the EHR's code lives shorter
PREFILL_SECONDS = 30 * 60  # from the chart read until the physician confirms
MAX_FLOWS = 5  # launches in progress per session (several tabs); the oldest are dropped


@dataclass(frozen=True)
class ChartPrefill:
    """What the chart gave, for the confirmation page. ``patient_name`` is never stored."""

    id: str
    answers: dict[str, str]  # raw answers per input name, as the wizard stores them
    sources: dict[str, str]  # input name -> "Serum creatinine 3.9 mg/dL, 10 Mar 2025 03:12 UTC (Observation/x)"
    used: list[str]
    flagged: list[str]  # used, with a check asked for (a very low SpO₂)
    unused: list[str] = field(default_factory=list)  # stale, unmapped, implausible, not readable
    read_at: str = ""
    patient_name: str = ""


def allowed_issuer(iss: str) -> str:
    """The issuer as listed in ``SMART_ALLOWED_ISS`` (no trailing slash), or a refusal."""
    normalised = (iss or "").strip().rstrip("/")
    if not normalised or normalised not in settings.SMART_ALLOWED_ISS or not settings.SMART_CLIENT_ID:
        raise errors.unknown_issuer()
    return normalised


def launch_begin(*, session: MutableMapping[str, Any], iss: str, launch: str, redirect_uri: str) -> str:
    """Check the issuer, discover its endpoints and return the EHR's authorization URL (PKCE S256)."""
    iss = allowed_issuer(iss)
    if len(launch) > 2000:
        raise errors.LaunchError("The launch is not valid", "The EHR's launch parameter is too long.")
    config = discovery.discover(iss)
    if config.code_challenge_methods and "S256" not in config.code_challenge_methods:
        raise errors.LaunchError(
            "The EHR does not support secure sign-in (PKCE)",
            "DAH Guide requires PKCE with S256 (SMART App Launch 2). Ask the EHR's administrator to enable it.",
            status=502,
            retry=False,
        )
    scope = oauth.scopes(config, ehr_launch=bool(launch))
    state, verifier = generate_token(32), generate_token(64)
    extra = {"aud": iss, **({"launch": launch} if launch else {})}
    with oauth.client(redirect_uri=redirect_uri, scope=scope) as client:
        url, _ = client.create_authorization_url(config.authorize_url, state=state, code_verifier=verifier, **extra)
    store = _store(session)
    flows = {s: f for s, f in store.get("flows", {}).items() if time.time() - f["started"] < FLOW_SECONDS}
    flows[state] = {
        "iss": iss,
        "token_url": config.token_url,
        "verifier": verifier,
        "scope": scope,
        "started": time.time(),
    }
    store["flows"] = dict(sorted(flows.items(), key=lambda item: item[1]["started"])[-MAX_FLOWS:])
    _save(session, store)
    logger.info("smart_launch_started", extra={"iss": iss, "ehr_launch": bool(launch)})
    return url


def launch_finish(
    *, session: MutableMapping[str, Any], query: dict[str, str], redirect_uri: str, now: datetime
) -> ChartPrefill:
    """The EHR's answer: check ``state``, exchange the code, read the chart once, map it, drop the token."""
    store = _store(session)
    flow = store.get("flows", {}).pop(query.get("state", ""), None) if query.get("state") else None
    _save(session, store)  # a state is used once, whatever happens next
    if flow is None or time.time() - flow["started"] >= FLOW_SECONDS:
        logger.warning("smart_launch_refused", extra={"reason": "state"})
        raise errors.LaunchError(
            "This sign-in cannot be completed",
            "The answer from the EHR does not belong to a launch started in this browser, or it came too late "
            "(after 10 minutes) or twice. Nothing was read from the chart. Launch DAH Guide from the chart again.",
        )
    if query.get("error"):
        logger.info("smart_launch_denied", extra={"error": mapping.safe_text(query["error"])})
        if query["error"] == "access_denied":
            raise errors.LaunchError(
                "Access to the chart was not granted",
                "The EHR did not allow DAH Guide to read this patient's chart, so nothing was read. Launch again "
                "and allow access, or start an assessment by hand.",
                status=403,
            )
        raise errors.ehr_refused("get permission to read the chart")
    code = query.get("code", "")
    if not code or len(code) > 2000:
        raise errors.ehr_refused("get permission to read the chart (the EHR sent no authorization code)")
    token = _exchange(flow, code, redirect_uri)
    try:
        read = chart.read(iss=flow["iss"], token=token, patient_id=token.get("patient", ""), redirect_uri=redirect_uri)
    finally:
        token.clear()  # discarded after the prefill; it was never written anywhere
    prefill = _prefill(read, now)
    store = _store(session)
    fresh = {k: v for k, v in store.get("prefills", {}).items() if time.time() - v["created"] < PREFILL_SECONDS}
    stored = asdict(prefill)
    del stored["patient_name"]  # shown once for identification, never stored
    fresh[prefill.id] = {**stored, "created": time.time()}
    store["prefills"] = dict(sorted(fresh.items(), key=lambda item: item[1]["created"])[-MAX_FLOWS:])
    _save(session, store)
    logger.info("smart_chart_read", extra={"used": len(prefill.answers), "unused": len(prefill.unused)})
    return prefill


def stored_prefill(*, session: MutableMapping[str, Any], prefill_id: str) -> ChartPrefill | None:
    data = _store(session).get("prefills", {}).get(prefill_id)
    if data is None or time.time() - data["created"] >= PREFILL_SECONDS:
        return None
    return ChartPrefill(**{k: v for k, v in data.items() if k != "created"})


def prefill_confirm(
    *, session: MutableMapping[str, Any], prefill: ChartPrefill, owner, guideline_version: int | None
) -> DraftAssessment:
    """Start a wizard draft with the chart's answers (the CDS link's service), each with its source."""
    draft = draft_create_from_ehr(
        owner=owner,
        answers=prefill.answers,
        guideline_version=guideline_version,
        sources=prefill.sources,
        read_at=prefill.read_at,
    )
    store = _store(session)
    store.get("prefills", {}).pop(prefill.id, None)
    _save(session, store)
    return draft


# -- Helpers ------------------------------------------------------------------------------------


def _exchange(flow: dict[str, Any], code: str, redirect_uri: str) -> dict[str, Any]:
    try:
        with oauth.client(redirect_uri=redirect_uri, scope=flow["scope"]) as client:
            token = client.fetch_token(
                flow["token_url"], code=code, code_verifier=flow["verifier"], grant_type="authorization_code"
            )
    except requests.Timeout as exc:
        raise errors.ehr_unreachable("get permission to read the chart") from exc
    except (AuthlibBaseError, requests.RequestException, ValueError, KeyError) as exc:
        # The OAuth error code only (invalid_grant, invalid_client): descriptions may echo the request.
        logger.warning(
            "smart_token_refused", extra={"error": mapping.safe_text(getattr(exc, "error", "") or type(exc).__name__)}
        )
        raise errors.ehr_refused("get permission to read the chart (the sign-in was refused or has expired)") from exc
    if not isinstance(token, dict) or not token.get("access_token"):
        raise errors.ehr_refused("get permission to read the chart (the EHR sent no access token)")
    return dict(token)


def _prefill(read: chart.Chart, now: datetime) -> ChartPrefill:
    mapped = mapping.map_prefetch(read.prefetch, now=now)
    result = mapping.to_intake(mapped)  # refused values dropped, with their message in ``problems``
    unused = [*mapped.stale, *mapped.problems]
    flagged: list[str] = []
    for issue in result.data_quality:
        spec = FIELDS.get(issue.field)
        if spec is None:
            continue
        value = getattr(result.intake, spec.name, None) if result.intake else None
        if value is None:  # implausible, so unknown: not filled in
            line = mapped.sources.get(spec.name, spec.label)
            unused.append(f"{line}: {issue.detail} Not filled in.")
            for name in spec.input_names:
                mapped.data.pop(name, None)
                mapped.sources.pop(name, None)
        else:
            flagged.append(f"{spec.label}: {issue.detail}")
    unread = {
        "observations": "laboratory results and vital signs",
        "conditions": "problem list",
        "medications": "medication orders",
    }
    unused.extend(f"The {unread[key]} could not be read from the EHR." for key in mapped.missing if key in unread)
    kept = set(mapped.sources.values())
    return ChartPrefill(
        id=secrets.token_urlsafe(12),
        answers=mapping.answers(mapped),
        sources=dict(mapped.sources),
        used=[line for line in mapped.used if line in kept],
        flagged=flagged,
        unused=unused,
        read_at=now.isoformat(),
        patient_name=read.patient_name,
    )


def _store(session: MutableMapping[str, Any]) -> dict[str, Any]:
    return dict(session.get(SESSION_KEY) or {})


def _save(session: MutableMapping[str, Any], store: dict[str, Any]) -> None:
    session[SESSION_KEY] = store
