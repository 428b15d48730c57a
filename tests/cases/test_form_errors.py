"""A refused value on a case form is tied to its field, so a screen reader reads the reason with it.

Django 5.2 points a field with errors at ``<auto_id>_error`` (``aria-describedby``); the case
templates must give the error text that id.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from .conftest import content_hash, finished_draft, save_url

pytestmark = pytest.mark.django_db


def _described_by_its_error(html: str, field_id: str) -> bool:
    described = f'aria-describedby="{field_id}_helptext {field_id}_error"' in html or (
        f'aria-describedby="{field_id}_error"' in html
    )
    return described and f'id="{field_id}_error"' in html


def test_a_refused_label_is_described_by_its_error(physician_client, physician, published_guideline):
    draft = finished_draft(physician)
    response = physician_client.post(save_url(draft), {"label": "MRN 12345678", "content_hash": content_hash()})
    assert _described_by_its_error(response.content.decode(), "id_label")


def test_an_empty_comment_is_described_by_its_error(resident_client, case):
    response = resident_client.post(reverse("cases:comment", args=[case.pk]), {"text": ""})
    assert response.status_code == 400
    assert _described_by_its_error(response.content.decode(), "id_text")


def test_a_disagreement_without_reason_is_described_by_its_errors(client, attending, case):
    client.force_login(attending)
    response = client.post(reverse("cases:signoff", args=[case.pk]), {"decision": "disagree", "revision": 1})
    html = response.content.decode()
    assert _described_by_its_error(html, "id_reason_code")
    assert _described_by_its_error(html, "id_comment")


def test_an_invalid_filter_is_described_by_its_error(resident_client, case):
    html = resident_client.get(reverse("cases:list"), {"date_from": "yesterday"}).content.decode()
    assert _described_by_its_error(html, "id_date_from")
