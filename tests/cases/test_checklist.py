"""The monitoring checklist on a case: tick and untick, with who, when and a note; htmx and plain POST."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dahguide.cases.models import ChecklistEvent, ImmutableRecordError
from dahguide.cases.selectors import checklist_state

from .conftest import HTMX

pytestmark = pytest.mark.django_db

CODE = "monitor_oxygenation"


def _toggle(client, case, ticked: bool, note: str = "", code: str = CODE, **kwargs):
    url = reverse("cases:checklist", args=[case.pk, code])
    return client.post(url, {"ticked": "true" if ticked else "false", "note": note}, **kwargs)


def test_the_case_page_lists_the_checklist_with_tick_buttons(physician_client, case):
    html = physician_client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert f'id="check-{CODE}"' in html
    assert f'hx-post="{reverse("cases:checklist", args=[case.pk, CODE])}"' in html
    assert "Tick as done" in html


def test_htmx_tick_returns_the_items_new_state_with_who_and_when(physician_client, physician, case):
    response = _toggle(physician_client, case, True, "SpO2 stable on 40%", headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert f'id="state-{CODE}"' in html
    assert "ticked by physician" in html
    assert "Note: SpO2 stable on 40%" in html
    assert "Untick" in html
    assert "HX-Request" in response["Vary"]


def test_plain_tick_records_the_event_and_returns_to_the_item(physician_client, physician, case):
    response = _toggle(physician_client, case, True, "checked")
    event = ChecklistEvent.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("cases:detail", args=[case.pk]) + f"#check-{CODE}"
    assert (event.code, event.ticked, event.user, event.note) == (CODE, True, physician, "checked")
    assert event.at is not None


def test_untick_is_allowed_and_logged_after_the_tick(physician_client, case):
    _toggle(physician_client, case, True)
    _toggle(physician_client, case, False, "imaging repeated, worse", headers=HTMX)
    events = list(ChecklistEvent.objects.order_by("at", "id"))
    assert [e.ticked for e in events] == [True, False]
    assert checklist_state(case_id=case.pk).latest[CODE].ticked is False


def test_the_case_page_shows_the_latest_state_of_each_item(physician_client, case):
    _toggle(physician_client, case, True)
    _toggle(physician_client, case, False)
    html = physician_client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    state = html[html.index(f'id="state-{CODE}"') :]
    state = state[: state.index("</form>")]
    assert "unticked by physician" in state
    assert "Tick as done" in state


def test_a_code_not_on_the_checklist_is_refused(physician_client, case):
    response = _toggle(physician_client, case, True, code="monitor_igg_rituximab_unknown", headers=HTMX)
    assert "not on the case" in response.content.decode()
    assert not ChecklistEvent.objects.exists()


def test_checklist_events_are_never_changed(physician_client, case):
    _toggle(physician_client, case, True)
    event = ChecklistEvent.objects.get()
    event.ticked = False
    with pytest.raises(ImmutableRecordError):
        event.save()


def test_resident_cannot_tick(resident_client, case):
    assert _toggle(resident_client, case, True).status_code == 403
    assert not ChecklistEvent.objects.exists()


def test_anonymous_htmx_tick_sends_the_whole_page_to_login(client, case):
    response = _toggle(client, case, True, headers={**HTMX, "HX-Current-URL": "http://testserver/cases/1/"})
    assert response["HX-Redirect"].startswith(reverse("login"))
