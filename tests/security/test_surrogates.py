"""Text nobody types (lone surrogates, controls, bidi overrides) through the two other ways into the
intake parser: the wizard's step posts and ``manage.py evaluate``. (The API has tests/api/test_hostile_text.py.)

Every message shows such a character escaped (``\\u202e``), never as it is: a bidi override
would reorder the page around it, and a lone surrogate cannot be written out at all.
"""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from dahguide.engine.content import Snapshot
from dahguide.wizard import services
from dahguide.wizard.answers import STEP_CODES
from tests.wizard.conftest import VALID

pytestmark = pytest.mark.django_db


@pytest.fixture
def physician_client(physician) -> Client:
    client = Client()
    client.force_login(physician)
    return client


def test_wizard_step_with_a_bidi_override_shows_the_message_with_it_escaped(
    physician_client, physician, published_guideline
):
    draft = services.draft_create(owner=physician, first_step=STEP_CODES[0])
    data = {**VALID["patient"], "etiology": "\u202egpa", "action": "next"}

    response = physician_client.post(reverse("wizard:step", args=[draft.pk, "patient"]), data)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Cause of the DAH: remove the control or invalid character (\\u202e) from the answer." in page
    assert "\u202e" not in page


@pytest.fixture
def published_snapshot(monkeypatch, guideline_document):
    snapshot = Snapshot.from_dict(guideline_document)
    monkeypatch.setattr("dahguide.guidance.management.commands.evaluate.get_published_snapshot", lambda: snapshot)
    return snapshot


@pytest.mark.parametrize(
    ("document", "field", "escape"),
    [
        ('{"etiology": "\\ud800"}', "etiology", "\\ud800"),
        ('{"\\ud800": 1}', "\\ud800", "\\ud800"),
        ('{"steroid_toxicity_factors": ["\\udfff"]}', "steroid_toxicity_factors", "\\udfff"),
    ],
    ids=["value", "key", "list-item"],
)
def test_evaluate_refuses_a_lone_surrogate_with_json_errors_on_a_utf8_stderr(
    published_snapshot, tmp_path, document, field, escape
):
    path = tmp_path / "intake.json"
    path.write_text(document, encoding="utf-8")
    raw = io.BytesIO()
    stderr = io.TextIOWrapper(raw, encoding="utf-8", write_through=True)  # strict, as a terminal or a pipe

    with pytest.raises(SystemExit) as exit_:
        call_command("evaluate", str(path), stdout=io.StringIO(), stderr=stderr)

    assert exit_.value.code == 1
    errors = json.loads(raw.getvalue().decode("utf-8"))["errors"]
    assert list(errors) == [field]
    assert escape in errors[field][0]
