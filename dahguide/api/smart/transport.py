"""HTTP to the EHR: short timeouts and bounded answers, so a slow or broken EHR gives a page, not a hang."""

from __future__ import annotations

import json
from typing import Any

import requests

# Connect, read (seconds): a physician waits at the bedside; an EHR slower than this is treated as down.
TIMEOUT = (3.0, 10.0)
MAX_BYTES = 5_000_000  # a patient's recent results fit many times over
FHIR_JSON = "application/fhir+json, application/json;q=0.9"


def get_json(url: str, *, session: requests.Session | None = None, missing_ok: bool = False) -> dict[str, Any] | None:
    """The JSON object at ``url``; None for a 404 when ``missing_ok``. Raises requests/ValueError errors."""
    getter = session or requests
    response = getter.get(url, headers={"Accept": FHIR_JSON}, timeout=TIMEOUT, allow_redirects=False, stream=True)
    try:
        if missing_ok and response.status_code == 404:
            return None
        response.raise_for_status()
        body = response.raw.read(MAX_BYTES + 1, decode_content=True)
    finally:
        response.close()
    if len(body) > MAX_BYTES:
        raise ValueError("answer too large")
    document = json.loads(body)
    if not isinstance(document, dict):
        raise ValueError("not a JSON object")
    return document
