"""The SMART launch tests' EHR: ``tests/fake_ehr`` on loopback, allowed in the settings, and helpers
that walk a launch through it as the browser would (the app's redirects, the EHR's redirects)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.fake_ehr import CLIENT_ID, FakeEHR

LAUNCH_URL = "/smart/launch"


@pytest.fixture
def ehr(settings):
    server = FakeEHR().start()
    settings.SMART_CLIENT_ID = CLIENT_ID
    settings.SMART_CLIENT_SECRET = ""
    settings.SMART_ALLOWED_ISS = [server.iss]
    yield server
    server.stop()


@pytest.fixture
def physician_client(client, physician, published_guideline):
    client.force_login(physician)
    return client


def authorize(client, ehr: FakeEHR, patient: str = "anna", *, standalone: bool = False):
    """The app's launch, then the EHR's authorize endpoint: the EHR's redirect back (not yet followed)."""
    url = f"{LAUNCH_URL}?iss={ehr.iss}" if standalone else ehr.launch_url(LAUNCH_URL, patient)
    response = client.get(url)
    assert response.status_code == 302, response.content[:500]
    assert response["Location"].startswith(ehr.base_url), response["Location"]
    back = requests.get(response["Location"], allow_redirects=False, timeout=5)
    assert back.status_code == 302, back.text
    return back.headers["Location"]


def callback_path(location: str) -> str:
    parts = urlsplit(location)
    assert parts.path == "/smart/callback", location
    return f"{parts.path}?{parts.query}"


def query_of(location: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(location).query).items()}


def launch(client, ehr: FakeEHR, patient: str = "anna", **kwargs):
    """A whole launch: the confirmation page (or the problem page) the callback renders."""
    return client.get(callback_path(authorize(client, ehr, patient, **kwargs)))
