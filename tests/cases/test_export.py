"""The teaching export: the filtered list as CSV, streamed, with codes and dates only."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from django.http import StreamingHttpResponse
from django.urls import reverse

from dahguide.cases import services
from dahguide.cases.views import EXPORT_HEADER

from .conftest import INTAKE, save_case, saved_plan

pytestmark = pytest.mark.django_db

LABEL = "Zebra-striped teaching label"
COMMENT = "Quokka remark about the plan"
NOTE = "Narwhal note on oxygenation"
REASON = "Axolotl amendment reason"
SIGNOFF_COMMENT = "Platypus disagreement comment"


@pytest.fixture
def rich_case(physician, resident, attending, published_guideline):
    case = save_case(physician, label=LABEL)
    services.comment_add(case=case, author=resident, text=COMMENT)
    services.checklist_item_set(case=case, code="monitor_oxygenation", user=physician, ticked=True, note=NOTE)
    revision = services.case_revision_add(case=case, user=physician, reason=REASON, plan=saved_plan())
    services.signoff_add(
        revision=revision,
        attending=attending,
        decision="disagree",
        reason_code="contraindication",
        comment=SIGNOFF_COMMENT,
    )
    return case


def _export(client, **params) -> tuple[StreamingHttpResponse, str]:
    response = client.get(reverse("cases:export"), params)
    assert response.status_code == 200
    return response, b"".join(response.streaming_content).decode()


def test_export_is_a_streamed_csv_attachment(resident_client, rich_case):
    response, _body = _export(resident_client)
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]


def test_export_has_no_label_and_no_free_text(resident_client, rich_case):
    _response, body = _export(resident_client)
    for text in (LABEL, COMMENT, NOTE, REASON, SIGNOFF_COMMENT, "Zebra", "Quokka", "Narwhal", "Axolotl", "Platypus"):
        assert text not in body
    assert "label" not in body.splitlines()[0]


def test_export_has_codes_and_dates(resident_client, rich_case):
    _response, body = _export(resident_client)
    rows = list(csv.DictReader(io.StringIO(body)))
    assert tuple(rows[0]) == EXPORT_HEADER
    row = rows[0]
    assert row["case_id"] == str(rich_case.pk)
    assert row["etiology"] == "gpa"
    assert row["plasma_exchange_decision"] == "consider"
    assert row["revisions"] == "2"
    assert row["criterion_dah_with_hypoxemia"] == "met"
    assert "respiratory_support" in row["recommendations"].split(";")
    assert (row["signoff"], row["signoff_reason_code"]) == ("disagree", "contraindication")
    assert len(row["saved_on"]) == 10


def test_export_follows_the_list_filters(resident_client, physician, rich_case):
    save_case(physician, label="Infection", intake={**INTAKE, "etiology": "infection"})
    _response, body = _export(resident_client, etiology="infection")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [r["etiology"] for r in rows] == ["infection"]


def test_export_of_a_generated_dataset_has_one_row_per_case(
    resident_client, physician, published_guideline, django_assert_max_num_queries
):
    call_command("generate_demo_cases", count=320, author=physician.username, stdout=None)
    with django_assert_max_num_queries(10):
        _response, body = _export(resident_client)
    assert len(body.strip().splitlines()) == 321
    assert "Demo case" not in body


def test_export_is_logged_as_a_security_event_without_text(resident_client, resident, rich_case, caplog):
    with caplog.at_level("INFO", logger="dahguide.security"):
        _export(resident_client)
    events = [r for r in caplog.records if getattr(r, "event", "") == "cases_exported"]
    assert events[0].user_id == resident.pk
    assert LABEL not in caplog.text
