"""API test helpers: tokens per role, JSON requests, CDS Hooks JWTs and the example FHIR requests.

``published_guideline`` and the role users come from tests/conftest.py.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt
import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token

from dahguide.guidance.selectors import clear_snapshot_cache

EXAMPLES = Path(__file__).resolve().parent / "fhir_examples"
CDS_ISSUER = "ehr-test-client"
CDS_SECRET = "a-shared-secret-for-tests-only-0123456789abcdef"
CDS_SERVICE_URL = "http://testserver/cds-services/dah-treatment"
HOOK_TIME = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # "now" of every example request

# GPA on high-flow oxygen, creatinine 320 µmol/L: plasma exchange to consider.
INTAKE = {
    "age_years": 54, "etiology": "gpa", "anca_type": "pr3", "anti_gbm_positive": False,
    "oxygen_support": "high_flow", "spo2_percent": 91, "creatinine_value": 320, "creatinine_unit": "umol/L",
    "on_dialysis": False, "platelets_10e9_per_l": 180, "steroid_toxicity_factors": ["diabetes"],
}


@pytest.fixture(autouse=True)
def _fresh_caches():
    # Throttle counters and remembered JWT ids live in the cache; snapshots in a per-process cache.
    cache.clear()
    clear_snapshot_cache()
    yield
    cache.clear()
    clear_snapshot_cache()


@pytest.fixture(autouse=True)
def _cds_client(settings):
    settings.CDS_HOOKS_CLIENTS = {CDS_ISSUER: CDS_SECRET}
    settings.CDS_HOOKS_REQUIRE_AUTH = True


def token_for(user) -> str:
    return Token.objects.create(user=user).key


def auth(key: str, keyword: str = "Token") -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"{keyword} {key}"}


def post_json(client, url: str, data: Any, **extra: Any):
    body = data if isinstance(data, (str, bytes)) else json.dumps(data)
    return client.post(url, body, content_type="application/json", **extra)


def cds_jwt(*, aud: str = CDS_SERVICE_URL, iss: str = CDS_ISSUER, secret: str = CDS_SECRET, **claims: Any) -> str:
    now = int(time.time())
    payload = {"iss": iss, "aud": aud, "iat": now, "exp": now + 120, "jti": uuid.uuid4().hex, **claims}
    return jwt.encode(payload, secret, algorithm="HS256")


def cds_auth(**claims: Any) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {cds_jwt(**claims)}"}


def example(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture
def physician_token(physician) -> str:
    return token_for(physician)


@pytest.fixture
def hook_time(monkeypatch):
    from dahguide.api.cds import views

    monkeypatch.setattr(views, "hook_time", lambda: HOOK_TIME)
    return HOOK_TIME
