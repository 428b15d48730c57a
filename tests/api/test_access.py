"""Who may use each API URL: ``EXPECTED_ACCESS`` lists every URL name of the ``api`` namespace with
the status each role gets. Adding a URL without listing it here fails ``test_every_api_url_is_listed``."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import get_resolver, reverse

from dahguide.api.cds import prefill
from dahguide.cases import services as case_services
from dahguide.engine.intake import parse_intake
from dahguide.engine.plan import evaluate
from dahguide.guidance.selectors import get_published_snapshot

from .conftest import INTAKE, post_json

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "physician", "resident", "content_editor", "clinical_reviewer", "admin")


def _statuses(anonymous: int, physician: int, resident: int, editor: int, reviewer: int, admin: int) -> dict:
    return dict(zip(ROLES, (anonymous, physician, resident, editor, reviewer, admin), strict=True))


EVERYONE_WITH_A_ROLE = _statuses(401, 200, 200, 200, 200, 200)
EXPECTED_ACCESS: dict[str, dict[str, int]] = {
    "evaluate": _statuses(401, 200, 403, 403, 403, 200),
    "guideline": EVERYONE_WITH_A_ROLE,
    "guideline_questionnaire": EVERYONE_WITH_A_ROLE,
    "guideline_plandefinition": EVERYONE_WITH_A_ROLE,
    "version_questionnaire": EVERYONE_WITH_A_ROLE,
    "version_plandefinition": EVERYONE_WITH_A_ROLE,
    "openapi": _statuses(200, 200, 200, 200, 200, 200),
    "case_fhir": _statuses(401, 200, 200, 403, 403, 200),
    "cds_discovery": _statuses(200, 200, 200, 200, 200, 200),
    # A logged-in session is no CDS client: only a signed JWT is (test_cds.py).
    "cds_service": _statuses(401, 401, 401, 401, 401, 401),
    "cds_feedback": _statuses(401, 401, 401, 401, 401, 401),
    "from_cds": _statuses(302, 200, 403, 403, 403, 200),
}


def _case_id(author) -> int:
    snapshot = get_published_snapshot()
    plan = evaluate(parse_intake(INTAKE), snapshot).to_dict()
    return case_services.case_create(
        author=author, label="GPA on high flow", plan=case_services.SavedPlan(plan, snapshot.title)
    ).pk


def _request(client, name: str, physician) -> Any:
    if name == "evaluate":
        return post_json(client, reverse("api:evaluate"), INTAKE)
    if name == "cds_service":
        return post_json(client, reverse("api:cds_service"), {"hook": "patient-view"})
    if name == "cds_feedback":
        return post_json(client, reverse("api:cds_feedback"), {"feedback": []})
    if name in {"version_questionnaire", "version_plandefinition"}:
        return client.get(reverse(f"api:{name}", args=[1]))
    if name == "case_fhir":
        return client.get(reverse("api:case_fhir", args=[_case_id(physician)]))
    if name == "from_cds":
        token = prefill.dumps(answers={"etiology": "gpa"}, used=[], stale=[], read_at="")
        return client.get(reverse("api:from_cds"), {"t": token})
    return client.get(reverse(f"api:{name}"))


def test_every_api_url_is_listed():
    api_names = get_resolver().namespace_dict["api"][1].reverse_dict.keys()
    assert {n for n in api_names if isinstance(n, str)} == set(EXPECTED_ACCESS)


def _status_per_role(request, name: str, physician) -> dict[str, int]:
    statuses = {}
    for role in ROLES:
        client = Client()
        if role != "anonymous":
            fixture = {"physician": "physician", "admin": "admin_user"}.get(role, role)
            client.force_login(request.getfixturevalue(fixture))
        statuses[role] = _request(client, name, physician).status_code
    return statuses


@pytest.mark.parametrize("name", sorted(EXPECTED_ACCESS))
def test_access_per_role(request, published_guideline, physician, name):
    assert _status_per_role(request, name, physician) == EXPECTED_ACCESS[name]


def test_anonymous_api_request_is_told_to_send_a_token(client, published_guideline):
    response = client.get(reverse("api:guideline"))
    assert response["WWW-Authenticate"] == "Token"


def test_user_without_a_role_is_refused(client, published_guideline, django_user_model):
    client.force_login(django_user_model.objects.create_user(username="nobody", password="x-x-x-x-x-x-x-x"))
    assert client.get(reverse("api:guideline")).status_code == 403


def test_anonymous_from_cds_link_goes_to_login_and_back(client):
    token = prefill.dumps(answers={}, used=[], stale=[], read_at="")
    response = client.get(reverse("api:from_cds"), {"t": token})
    assert response.url.startswith(reverse("login"))
    assert "from-cds" in response.url
