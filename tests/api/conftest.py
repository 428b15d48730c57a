"""API test helpers: tokens per role, JSON requests, CDS Hooks JWTs and the example FHIR requests.

``published_guideline`` and the role users come from tests/conftest.py.
"""

from __future__ import annotations

import functools
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

from dahguide.engine.content import Snapshot
from dahguide.engine.intake import parse_intake
from dahguide.engine.plan import evaluate
from dahguide.guidance.selectors import clear_snapshot_cache

EXAMPLES = Path(__file__).resolve().parent / "fhir_examples"
CDS_ISSUER = "ehr-test-client"
CDS_SECRET = "a-shared-secret-for-tests-only-0123456789abcdef"
CDS_SERVICE_URL = "http://testserver/cds-services/dah-treatment"
HOOK_TIME = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # "now" of every example request

# GPA on high-flow oxygen, creatinine 320 µmol/L: plasma exchange to consider.
INTAKE = {
    "age_years": 54,
    "etiology": "gpa",
    "anca_type": "pr3",
    "anti_gbm_positive": False,
    "oxygen_support": "high_flow",
    "spo2_percent": 91,
    "creatinine_value": 320,
    "creatinine_unit": "umol/L",
    "on_dialysis": False,
    "platelets_10e9_per_l": 180,
    "steroid_toxicity_factors": ["diabetes"],
}

# Golden cases of REFERENCE §8 (fixtures/golden_cases.json) and neighbours: doses, caveats, withheld actions.
HSCT_CHILD = {
    "etiology": "hsct",
    "age_years": 9,
    "weight_kg": 25,
    "platelets_10e9_per_l": 12,
    "bleeding_controlled": True,
    "oxygen_support": "supplemental_oxygen",
    "spo2_percent": 93,
}
WARFARIN_INR_7_8 = {
    "etiology": "coagulopathy",
    "anticoagulant": "vitamin_k_antagonist",
    "inr": 7.8,
    "weight_kg": 80,
    "age_years": 70,
    "oxygen_support": "supplemental_oxygen",
    "spo2_percent": 91,
    "bleeding_controlled": False,
}
CHILD_25_KG = {
    "etiology": "mpa",
    "anca_type": "mpo",
    "anti_gbm_positive": False,
    "age_years": 9,
    "weight_kg": 25,
    "height_cm": 130,
    "oxygen_support": "high_flow",
    "steroid_toxicity_factors": ["diabetes"],
}
CHILD_NO_WEIGHT = {"etiology": "mpa", "age_years": 9, "oxygen_support": "high_flow", "bleeding_controlled": True}
AGE_UNKNOWN = {"etiology": "gpa", "oxygen_support": "room_air", "spo2_percent": 96, "bleeding_controlled": True}
HEPARIN_SUPPORT_UNKNOWN = {"etiology": "gpa", "anticoagulant": "unfractionated_heparin", "bleeding_controlled": False}
HEPARIN_ON_ECMO = {**HEPARIN_SUPPORT_UNKNOWN, "oxygen_support": "ecmo", "age_years": 40, "weight_kg": 70}
PATIENTS = (
    HSCT_CHILD,
    WARFARIN_INR_7_8,
    CHILD_25_KG,
    CHILD_NO_WEIGHT,
    AGE_UNKNOWN,
    HEPARIN_SUPPORT_UNKNOWN,
    HEPARIN_ON_ECMO,
    {},
)


@functools.cache
def shipped_snapshot() -> Snapshot:
    """fixtures/guideline.json as the engine sees it once published, without a database."""
    from tests.conftest import GUIDELINE_FILE

    return Snapshot.from_dict(json.loads(GUIDELINE_FILE.read_text(encoding="utf-8")))


def plan_of(intake: dict[str, Any]) -> dict[str, Any]:
    """The plan document of an intake against the shipped guideline (no database)."""
    return evaluate(parse_intake(intake), shipped_snapshot()).to_dict()


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
