"""The case page's link to the case as a FHIR Bundle (docs/api.md), for everyone who reads the case."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dahguide.cases import services

from .conftest import saved_plan

pytestmark = pytest.mark.django_db


def _fhir_href(client, case, **params) -> str:
    html = client.get(reverse("cases:detail", args=[case.pk]), params).content.decode()
    marker = "Download as FHIR Bundle (JSON)"
    assert marker in html
    anchor = html[html.rindex("<a ", 0, html.index(marker)) : html.index(marker)]
    return anchor.split('href="', 1)[1].split('"', 1)[0]


@pytest.mark.parametrize("role_client", ["physician_client", "resident_client"])
def test_case_page_links_to_the_case_fhir_bundle(request, role_client, case):
    client = request.getfixturevalue(role_client)
    assert _fhir_href(client, case) == reverse("api:case_fhir", args=[case.pk])


def test_the_fhir_link_downloads_the_bundle_with_the_page_session(resident_client, case):
    response = resident_client.get(_fhir_href(resident_client, case))
    assert response.status_code == 200
    assert response.json()["resourceType"] == "Bundle"
    assert response["Content-Disposition"].startswith("attachment;")


def test_an_earlier_revision_links_to_its_own_fhir_bundle(physician_client, physician, case):
    services.case_revision_add(case=case, user=physician, reason="Oxygen weaned", plan=saved_plan())
    href = _fhir_href(physician_client, case, revision=1)
    assert href == reverse("api:case_fhir", args=[case.pk]) + "?revision=1"
    assert "-r1.fhir.json" in physician_client.get(href)["Content-Disposition"]
