"""schemathesis against the generated schema: no input makes the API fail, every answer is documented.

The schema is loaded from the WSGI application itself (``/api/v1/openapi.json`` needs no login and
no database), and every generated request carries a physician's token. ``max_examples`` stays
modest so the whole run takes well under a minute.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from dahguide.wsgi import application

pytestmark = pytest.mark.django_db

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture(autouse=True)
def _generous_throttle(settings):
    settings.API_THROTTLE_RATE = "100000/min"  # the throttle has its own test


@pytest.fixture(autouse=True)
def _keep_test_connection_open():
    """Calls go straight to the WSGI app, not through Django's test client, so the request
    signals would close the test's database connection (on PostgreSQL the next request then
    fails). Do what the test client does: detach ``close_old_connections`` for the test."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@hypothesis_settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_never_fails_and_answers_as_documented(case, published_guideline, physician_token):
    case.call_and_validate(
        headers={"Authorization": f"Token {physician_token}"},
        checks=[not_a_server_error, response_schema_conformance, status_code_conformance],
    )
