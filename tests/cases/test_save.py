"""Saving a case from the wizard's plan page: what is stored, and what is refused."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dahguide.cases import selectors, services
from dahguide.cases.models import Case, CaseRevision
from dahguide.cases.validators import validate_label_has_no_identifiers
from dahguide.guidance.selectors import get_published_snapshot

from .conftest import HTMX, content_hash, finished_draft, save_url, saved_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(physician, published_guideline):
    return finished_draft(physician)


def _save(client, draft, label="GPA on high flow, day 1", **kwargs):
    data = {"label": label, "content_hash": content_hash()}
    return client.post(save_url(draft), data, **kwargs)


def test_plan_page_offers_to_save_the_case_with_an_identifier_warning(physician_client, draft):
    html = physician_client.get(reverse("wizard:plan", args=[draft.pk])).content.decode()
    assert f'action="{save_url(draft)}"' in html
    assert "Do not enter names, record numbers or dates of birth" in html
    assert 'aria-describedby="id_label_helptext"' in html


def test_saving_stores_inputs_with_units_derived_facts_plan_and_version(physician_client, physician, draft):
    response = _save(physician_client, draft)
    case = Case.objects.get()
    revision = CaseRevision.objects.get()
    snapshot = get_published_snapshot()
    assert response.status_code == 302
    assert response.url == reverse("cases:detail", args=[case.pk])
    assert revision.inputs["creatinine_value"] == 1.8
    assert revision.inputs["creatinine_unit"] == "mg/dL"
    assert revision.derived["creatinine_umol_l"] is not None
    assert revision.plan["plasma_exchange"]["decision"] == "consider"
    assert revision.guideline_version == int(snapshot.version)
    assert revision.content_hash == snapshot.content_hash
    assert revision.created_by == physician
    assert case.author == physician


def test_saving_copies_the_filter_fields_onto_the_case(physician_client, draft):
    _save(physician_client, draft)
    case = Case.objects.get()
    assert (case.etiology, case.plex_decision, case.guideline_version) == ("gpa", "consider", 1)


def test_the_case_checklist_is_the_plans_monitoring_items(physician_client, draft):
    _save(physician_client, draft)
    codes = [m["code"] for m in CaseRevision.objects.get().plan["monitoring"]]
    assert Case.objects.get().checklist_codes == codes


def test_htmx_save_redirects_the_whole_page_to_the_case(physician_client, draft):
    response = _save(physician_client, draft, headers=HTMX)
    assert response["HX-Redirect"] == reverse("cases:detail", args=[Case.objects.get().pk])


def test_a_label_with_a_record_number_is_refused_and_nothing_is_saved(physician_client, draft):
    response = _save(physician_client, draft, label="MRN 12345678")
    assert response.status_code == 200
    assert "look like a record or phone number" in response.content.decode()
    assert not Case.objects.exists()


def test_htmx_refusal_returns_the_form_only(physician_client, draft):
    response = _save(physician_client, draft, label="born 01/02/1970", headers=HTMX)
    html = response.content.decode()
    assert 'id="save-case"' in html
    assert "<html" not in html
    assert "Dates are not allowed" in html
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize(
    "label",
    [
        "MRN 1234567",
        "1234567",
        "943 476 5919",
        "born 12/03/1970",
        "DOB 1970",
        "12 Jan 1970",
        "Jan 12, 1970",
        "admitted 2024-01-05",
        "NHS no",
    ],
)
def test_label_validator_refuses_obvious_identifiers(label):
    with pytest.raises(ValidationError):
        validate_label_has_no_identifiers(label)


@pytest.mark.parametrize("label", ["GPA on high flow, day 3", "Demo case 00042", "anti-GBM, dialysis, 2nd bleed"])
def test_label_validator_accepts_a_description(label):
    validate_label_has_no_identifiers(label)


def test_label_validator_reports_every_reason():
    with pytest.raises(ValidationError) as exc:
        validate_label_has_no_identifiers("MRN 12345678 born 01/02/1970")
    assert {e.code for e in exc.value.error_list} == {"label_digit_run", "label_date", "label_identifier_word"}


def test_label_longer_than_80_characters_is_refused(physician_client, draft):
    _save(physician_client, draft, label="x" * 81)
    assert not Case.objects.exists()


def test_no_model_has_a_name_record_number_or_birth_date_field():
    from django.apps import apps

    names = {f.name for model in apps.get_app_config("cases").get_models() for f in model._meta.get_fields()}
    assert not names & {
        "name",
        "patient_name",
        "first_name",
        "last_name",
        "mrn",
        "record_number",
        "date_of_birth",
        "birth_date",
        "dob",
    }


def test_saving_the_same_draft_twice_keeps_one_case(physician_client, draft):
    _save(physician_client, draft)
    response = _save(physician_client, draft)
    assert Case.objects.count() == 1
    assert response.url == reverse("cases:detail", args=[Case.objects.get().pk])


def test_saving_a_draft_saved_meanwhile_returns_its_case_and_saves_nothing(physician, draft):
    first = services.case_create(author=physician, label="GPA", plan=saved_plan(), source_draft=draft)
    second = services.case_create(author=physician, label="GPA again", plan=saved_plan(), source_draft=draft)
    assert second.pk == first.pk
    assert (Case.objects.count(), CaseRevision.objects.count()) == (1, 1)


def test_a_save_that_lost_the_race_lands_on_the_saved_case(physician_client, physician, draft, monkeypatch):
    # The second click read "not saved yet" before the first one committed.
    real = selectors.draft_for_saving
    monkeypatch.setattr(selectors, "draft_for_saving", lambda **kw: (real(**kw)[0], selectors.DraftCaseLink()))
    case = services.case_create(author=physician, label="GPA", plan=saved_plan(), source_draft=draft)
    response = _save(physician_client, draft)
    assert response.status_code == 302
    assert response.url == reverse("cases:detail", args=[case.pk])
    assert Case.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL (SQLite locks)")
@pytest.mark.django_db(transaction=True)
def test_five_concurrent_saves_of_one_draft_give_one_case_and_no_error(physician, published_guideline):
    draft = finished_draft(physician)
    data = {"label": "GPA on high flow, day 1", "content_hash": content_hash()}
    start, results = threading.Barrier(5), []

    def click() -> None:
        client = Client()
        client.force_login(physician)
        start.wait()
        try:
            response = client.post(save_url(draft), data)
            results.append((response.status_code, response.get("Location")))
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    case = Case.objects.get()
    assert results == [(302, reverse("cases:detail", args=[case.pk]))] * 5


def test_plan_page_of_a_saved_draft_links_to_its_case(physician_client, draft):
    _save(physician_client, draft)
    html = physician_client.get(reverse("wizard:plan", args=[draft.pk])).content.decode()
    assert reverse("cases:detail", args=[Case.objects.get().pk]) in html
    assert f'action="{save_url(draft)}"' not in html


def test_a_plan_shown_under_another_guideline_version_is_not_saved(physician_client, draft):
    response = physician_client.post(save_url(draft), {"label": "GPA", "content_hash": "0" * 64})
    assert "The guideline was updated since this plan was shown" in response.content.decode()
    assert not Case.objects.exists()


def test_an_unfinished_draft_cannot_be_saved(physician_client, physician, published_guideline):
    from dahguide.wizard import services as wizard_services

    draft = wizard_services.draft_create(owner=physician, first_step="patient")
    response = _save(physician_client, draft)
    assert response.url == reverse("wizard:review", args=[draft.pk])
    assert not Case.objects.exists()


def test_another_physicians_draft_cannot_be_saved(client, other_physician, draft):
    client.force_login(other_physician)
    assert _save(client, draft).status_code == 404


def test_plan_page_with_the_save_form_stays_within_ten_queries(physician_client, draft, django_assert_max_num_queries):
    physician_client.get(reverse("wizard:plan", args=[draft.pk]))
    with django_assert_max_num_queries(10):
        physician_client.get(reverse("wizard:plan", args=[draft.pk]))


def test_save_stays_within_ten_queries(physician_client, draft):
    physician_client.get(reverse("wizard:plan", args=[draft.pk]))  # warm the snapshot cache
    data = {"label": "GPA on high flow", "content_hash": content_hash()}
    with CaptureQueriesContext(connection) as ctx:
        physician_client.post(save_url(draft), data)
    # Savepoints left out: a test runs inside a transaction, so Django turns each atomic block into
    # one; a request in production is the outermost transaction and sends none.
    statements = [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(statements) <= 10, statements
