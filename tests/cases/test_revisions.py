"""Amending a case: a new revision with a reason, through the wizard; earlier revisions stay."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from dahguide.cases import services
from dahguide.cases.models import Case, CaseRevision
from dahguide.wizard.models import DraftAssessment

from .conftest import HTMX, content_hash, save_url, saved_plan

pytestmark = pytest.mark.django_db


def _start_amending(client, case) -> DraftAssessment:
    response = client.post(reverse("cases:amend", args=[case.pk]))
    draft = DraftAssessment.objects.get()
    assert response.url == reverse("wizard:review", args=[draft.pk])
    return draft


def _change_creatinine(client, draft, value: str) -> None:
    data = {"creatinine_value": value, "creatinine_unit": "mg/dL", "on_dialysis": "false", "action": "next"}
    response = client.post(
        reverse("wizard:step", args=[draft.pk, "kidney"]) + "?return_to=review", {**data, "return_to": "review"}
    )
    assert response.status_code == 302


def _save_revision(client, draft, reason: str):
    return client.post(save_url(draft), {"reason": reason, "content_hash": content_hash()})


def test_amend_opens_the_case_answers_in_the_wizard(physician_client, case):
    draft = _start_amending(physician_client, case)
    assert draft.answers["creatinine_value"] == "1.8"
    assert draft.answers["etiology"] == "gpa"


def test_plan_page_of_an_amendment_asks_for_the_reason(physician_client, case):
    draft = _start_amending(physician_client, case)
    html = physician_client.get(reverse("wizard:plan", args=[draft.pk])).content.decode()
    assert "Save as revision 2 of the case" in html
    assert 'name="reason"' in html
    assert 'name="label"' not in html


def test_saving_an_amendment_adds_revision_2_with_the_new_plan(physician_client, case):
    draft = _start_amending(physician_client, case)
    _change_creatinine(physician_client, draft, "4.2")
    response = _save_revision(physician_client, draft, "Creatinine rose overnight")
    revisions = list(CaseRevision.objects.filter(case=case).order_by("number"))
    assert response.url == reverse("cases:detail", args=[case.pk])
    assert [r.number for r in revisions] == [1, 2]
    assert revisions[0].inputs["creatinine_value"] == 1.8
    assert revisions[1].inputs["creatinine_value"] == 4.2
    assert revisions[1].reason == "Creatinine rose overnight"


def test_amending_updates_the_case_filters_to_the_latest_plan(physician_client, case):
    draft = _start_amending(physician_client, case)
    _change_creatinine(physician_client, draft, "4.2")
    _save_revision(physician_client, draft, "Creatinine rose")
    case.refresh_from_db()
    assert case.revision_count == 2
    assert case.amend_draft is None


def test_an_amendment_without_a_reason_is_refused(physician_client, case):
    draft = _start_amending(physician_client, case)
    response = _save_revision(physician_client, draft, "   ")
    assert response.status_code == 200
    assert CaseRevision.objects.filter(case=case).count() == 1


def test_the_model_refuses_a_second_revision_without_reason(case, physician):
    with pytest.raises(ValidationError):
        services.case_revision_add(case=case, user=physician, reason="", plan=saved_plan())


def test_revisions_are_listed_on_the_case(physician_client, case, physician):
    services.case_revision_add(case=case, user=physician, reason="Dialysis started", plan=saved_plan())
    html = physician_client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Revision 1</a>" in html
    assert "Revision 2 (shown)" in html
    assert "Reason: Dialysis started" in html


def test_an_earlier_revision_is_shown_as_it_was_saved(physician_client, case, physician):
    intake = {**saved_plan().doc["inputs"], "etiology": "anti_gbm"}
    services.case_revision_add(case=case, user=physician, reason="Anti-GBM confirmed", plan=saved_plan(intake))
    html = physician_client.get(reverse("cases:detail", args=[case.pk]) + "?revision=1").content.decode()
    assert "This is revision 1, not the current one" in html
    assert "Plasma exchange: consider" in html


def test_another_physician_cannot_amend_the_case(client, other_physician, case):
    client.force_login(other_physician)
    assert client.post(reverse("cases:amend", args=[case.pk])).status_code == 403
    assert not DraftAssessment.objects.exists()


def test_the_service_refuses_an_amendment_by_another_physician(case, other_physician):
    with pytest.raises(PermissionDenied):
        services.case_revision_add(case=case, user=other_physician, reason="x", plan=saved_plan())


def test_a_stale_amendment_is_refused_when_the_case_moved_on(case, physician):
    stale = Case.objects.get(pk=case.pk)
    services.case_revision_add(case=case, user=physician, reason="First amendment", plan=saved_plan())
    with pytest.raises(ValidationError):
        services.case_revision_add(case=stale, user=physician, reason="Second, from a stale page", plan=saved_plan())
    assert CaseRevision.objects.filter(case=case).count() == 2


def test_saving_an_amendment_stays_within_ten_queries(physician_client, case, django_assert_max_num_queries):
    draft = _start_amending(physician_client, case)
    physician_client.get(reverse("wizard:plan", args=[draft.pk]))
    data = {"reason": "Checked again", "content_hash": content_hash()}
    with django_assert_max_num_queries(10):
        physician_client.post(save_url(draft), data, headers=HTMX)
    assert CaseRevision.objects.filter(case=case).count() == 2
