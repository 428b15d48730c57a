"""Re-evaluation under the current guideline: what would change, without touching the saved plan."""

from __future__ import annotations

import copy

import pytest
from django.urls import reverse

from dahguide.cases.plan_diff import diff_plans
from dahguide.guidance.services import guideline_import

from .conftest import HTMX, INTAKE, save_case

pytestmark = pytest.mark.django_db

# GPA on room air with SpO2 93% and a normal creatinine: no hypoxemia under version 1 (SpO2 < 90).
ROOM_AIR = {
    **INTAKE,
    "oxygen_support": "room_air",
    "spo2_percent": 93,
    "creatinine_value": 1.0,
    "creatinine_rising_rapidly": False,
}


def _version_2(document: dict) -> dict:
    """Hypoxemia below 95% instead of 90%, and without the hepatitis B screening red flag."""
    doc = copy.deepcopy(document)
    next(t for t in doc["thresholds"] if t["code"] == "hypoxemia_spo2_percent")["value"] = 95
    doc["warnings"] = [w for w in doc["warnings"] if w["code"] != "hbv_screening"]
    return doc


@pytest.fixture
def room_air_case(physician, published_guideline):
    return save_case(physician, label="GPA on room air", intake=ROOM_AIR)


def _plan(case):
    return case.revisions.get().plan


def test_diff_of_a_plan_with_itself_is_empty(room_air_case):
    assert diff_plans(_plan(room_air_case), _plan(room_air_case)).is_empty


def test_diff_lists_decision_criteria_recommendations_and_warnings(room_air_case, guideline_document):
    old = _plan(room_air_case)
    new = copy.deepcopy(old)
    new["guideline"]["version"] = "2"
    new["plasma_exchange"]["decision"] = "consider"
    for c in new["plasma_exchange"]["criteria"]:
        if c["code"] == "dah_with_hypoxemia":
            c["status"] = "met"
    new["recommendations"].append({"code": "plasma_exchange_dah_regimen", "title": "PLEX regimen"})
    new["warnings"] = [w for w in new["warnings"] if w["code"] != "hbv_screening"]
    diff = diff_plans(old, new)
    assert (diff.old_decision, diff.new_decision) == ("not_indicated", "consider")
    assert [(c.code, c.old, c.new) for c in diff.criteria] == [("dah_with_hypoxemia", "not_met", "met")]
    assert [r.code for r in diff.recommendations_added] == ["plasma_exchange_dah_regimen"]
    assert [w.code for w in diff.warnings_removed] == ["hbv_screening"]
    assert not diff.recommendations_removed
    assert not diff.warnings_added


def test_reevaluation_under_a_new_version_shows_what_would_change(physician_client, room_air_case, guideline_document):
    guideline_import(document=_version_2(guideline_document), publish=True)
    html = physician_client.get(reverse("cases:reevaluate", args=[room_air_case.pk])).content.decode()
    assert "Saved under version 1; the same answers evaluated now under version 2" in html
    assert 'Plasma exchange: not indicated</span> → <span class="diff-added">Plasma exchange: consider' in html
    assert 'Not met</span> → <span class="diff-added">Met' in html
    hbv = next(w for w in guideline_document["warnings"] if w["code"] == "hbv_screening")
    removed = html[html.index("Warnings removed") :]
    assert hbv["text"][:40] in removed


def test_reevaluation_does_not_change_the_saved_plan(physician_client, room_air_case, guideline_document):
    before = copy.deepcopy(_plan(room_air_case))
    guideline_import(document=_version_2(guideline_document), publish=True)
    physician_client.get(reverse("cases:reevaluate", args=[room_air_case.pk]))
    html = physician_client.get(reverse("cases:detail", args=[room_air_case.pk])).content.decode()
    assert _plan(room_air_case) == before
    assert "Plasma exchange: not indicated" in html


def test_reevaluation_under_the_same_version_changes_nothing(resident_client, room_air_case):
    html = resident_client.get(reverse("cases:reevaluate", args=[room_air_case.pk])).content.decode()
    assert "Nothing would change" in html


def test_htmx_reevaluation_returns_the_panel_for_the_case_page(resident_client, room_air_case):
    response = resident_client.get(reverse("cases:reevaluate", args=[room_air_case.pk]), headers=HTMX)
    html = response.content.decode()
    assert 'id="reevaluation"' in html
    assert "<html" not in html
    assert "HX-Request" in response["Vary"]


def test_case_page_offers_the_reevaluation(resident_client, room_air_case):
    html = resident_client.get(reverse("cases:detail", args=[room_air_case.pk])).content.decode()
    assert f'hx-get="{reverse("cases:reevaluate", args=[room_air_case.pk])}"' in html
    assert "Re-evaluate under the current guideline" in html
