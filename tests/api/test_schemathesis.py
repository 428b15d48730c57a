"""schemathesis against the generated schema: no input makes the API fail, every answer is documented.

The schema is loaded from the WSGI application itself (``/api/v1/openapi.json`` needs no login and
no database), and every generated request carries a physician's token. Every built-in check runs
(a 5xx, an undocumented status or content type, a response off its schema, schema-valid data
refused, schema-invalid data accepted, ...) on valid and on invalid data.

schemathesis never draws a lone UTF-16 surrogate (its own validators cannot hold one), so
``test_hostile_text.py`` plants those, and control characters, in intakes. ``max_examples`` stays
modest so the whole run takes well under a minute.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import negative_data_rejection

from dahguide.wsgi import application

pytestmark = pytest.mark.django_db

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
schema.config.generation.update(modes=list(GenerationMode))  # valid and invalid data

# The intake parser also reads the wizard's form data, so it accepts spellings the schema does not
# list (numbers and yes/no as text, upper case, a lone factor or repeated factors): a body the schema
# calls invalid can be a valid intake. Query and path parameters are held to the schema.
LENIENT_BODIES = {"POST /api/v1/evaluate"}


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
@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_never_fails_and_answers_as_documented(case, published_guideline, physician_token):
    case.call_and_validate(
        headers={"Authorization": f"Token {physician_token}"},
        excluded_checks=[negative_data_rejection] if case.operation.label in LENIENT_BODIES else [],
    )
