"""A saved plan shows exactly what the physician saw, whatever is published later."""

from __future__ import annotations

import copy

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from dahguide.cases.models import CaseRevision, ImmutableRecordError
from dahguide.guidance.services import guideline_import

pytestmark = pytest.mark.django_db

OLD_TITLE = "Respiratory support"


def _publish_reworded(document: dict, code: str, **changes) -> dict:
    """Publish the next version with one recommendation reworded; return the edited document."""
    doc = copy.deepcopy(document)
    next(r for r in doc["recommendations"] if r["code"] == code).update(changes)
    guideline_import(document=doc, publish=True)
    return doc


def _detail(client, case) -> str:
    response = client.get(reverse("cases:detail", args=[case.pk]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def respiratory_support(case, guideline_document):
    rec = next(r for r in guideline_document["recommendations"] if r["code"] == "respiratory_support")
    assert rec["code"] in case.revisions.get().summary["recommendations"]
    return rec


def test_saved_case_keeps_the_old_wording_after_a_new_version_is_published(
    physician_client, case, guideline_document, respiratory_support
):
    _publish_reworded(guideline_document, "respiratory_support", title="Reworded respiratory support title")
    html = _detail(physician_client, case)
    assert respiratory_support["title"] in html
    assert "Reworded respiratory support title" not in html


def test_saved_case_keeps_its_version_number_after_a_new_version_is_published(
    physician_client, case, guideline_document, respiratory_support
):
    _publish_reworded(guideline_document, "respiratory_support", title="Reworded")
    html = _detail(physician_client, case)
    assert "Guideline version 1</strong>" in html
    assert "Guideline version 2" not in html


def test_stored_plan_document_is_unchanged_by_viewing(physician_client, case):
    before = copy.deepcopy(case.revisions.get().plan)
    _detail(physician_client, case)
    assert case.revisions.get().plan == before


def test_case_page_renders_the_stored_plan_without_evaluating(physician_client, case, monkeypatch):
    import dahguide.engine.evaluation
    import dahguide.engine.plan

    def refuse(*args, **kwargs):
        raise AssertionError("the saved plan must not be re-evaluated")

    monkeypatch.setattr(dahguide.engine.plan, "evaluate", refuse)
    monkeypatch.setattr(dahguide.engine.evaluation, "evaluate", refuse)
    monkeypatch.setattr("dahguide.cases.views.evaluate_intake", refuse)
    monkeypatch.setattr("dahguide.cases.services.evaluate_parsed", refuse)
    assert "Plasma exchange: consider" in _detail(physician_client, case)


def test_a_revision_cannot_be_saved_again(case):
    revision = case.revisions.get()
    revision.reason = "changed"
    with pytest.raises(ImmutableRecordError):
        revision.save()


def test_revisions_cannot_be_updated_in_bulk(case):
    with pytest.raises(ImmutableRecordError):
        CaseRevision.objects.filter(case=case).update(reason="changed")


def test_revisions_have_no_change_or_delete_permission():
    codenames = set(Permission.objects.filter(content_type__app_label="cases").values_list("codename", flat=True))
    assert "change_caserevision" not in codenames
    assert "delete_caserevision" not in codenames
    assert "add_caserevision" in codenames
