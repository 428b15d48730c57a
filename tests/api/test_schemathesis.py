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


@schema.parametrize()
@hypothesis_settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_never_fails_and_answers_as_documented(case, published_guideline, physician_token):
    case.call_and_validate(
        headers={"Authorization": f"Token {physician_token}"},
        checks=[not_a_server_error, response_schema_conformance, status_code_conformance],
    )
