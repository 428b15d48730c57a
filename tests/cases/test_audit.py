"""Every look at a case is logged (access log and security event), with ids only; admins read the log."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dahguide.cases.models import CaseAccessLog, ImmutableRecordError

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "action"), [("cases:detail", "view"), ("cases:print", "print"), ("cases:reevaluate", "reevaluate")]
)
def test_every_case_view_is_written_to_the_access_log(resident_client, resident, case, name, action):
    resident_client.get(reverse(name, args=[case.pk]))
    entry = CaseAccessLog.objects.get()
    assert (entry.user, entry.case, entry.action) == (resident, case, action)
    assert entry.at is not None


def test_the_list_does_not_count_as_viewing_a_case(resident_client, case):
    resident_client.get(reverse("cases:list"))
    assert not CaseAccessLog.objects.exists()


def test_a_refused_view_is_not_logged(client, content_editor, case):
    client.force_login(content_editor)
    client.get(reverse("cases:detail", args=[case.pk]))
    assert not CaseAccessLog.objects.exists()


def test_case_view_emits_a_security_event_without_the_label(
    resident_client, resident, case, caplog, django_capture_on_commit_callbacks
):
    with caplog.at_level("INFO", logger="dahguide.security"), django_capture_on_commit_callbacks(execute=True):
        resident_client.get(reverse("cases:detail", args=[case.pk]))
    event = next(r for r in caplog.records if getattr(r, "event", "") == "case_viewed")
    assert (event.case_id, event.user_id, event.action) == (case.pk, resident.pk, "view")
    assert case.label not in caplog.text


def test_access_log_entries_are_never_changed(resident_client, case):
    resident_client.get(reverse("cases:detail", args=[case.pk]))
    entry = CaseAccessLog.objects.get()
    entry.action = "print"
    with pytest.raises(ImmutableRecordError):
        entry.save()


def test_admin_reads_the_access_log_in_the_admin(client, admin_user, resident_client, resident, case):
    resident_client.get(reverse("cases:detail", args=[case.pk]))
    client.force_login(admin_user)
    changelist = client.get(reverse("admin:cases_caseaccesslog_changelist"))
    entry = CaseAccessLog.objects.get()
    detail = client.get(reverse("admin:cases_caseaccesslog_change", args=[entry.pk]))
    assert changelist.status_code == 200
    assert "resident" in changelist.content.decode()
    assert case.label not in changelist.content.decode()
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()


def test_nobody_adds_or_deletes_access_log_entries_in_the_admin(client, admin_user, resident_client, case):
    resident_client.get(reverse("cases:detail", args=[case.pk]))
    client.force_login(admin_user)
    entry = CaseAccessLog.objects.get()
    assert client.get(reverse("admin:cases_caseaccesslog_add")).status_code == 403
    assert client.post(reverse("admin:cases_caseaccesslog_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    assert CaseAccessLog.objects.count() == 1


def test_content_staff_cannot_read_the_access_log(client, content_editor):
    client.force_login(content_editor)
    assert client.get(reverse("admin:cases_caseaccesslog_changelist")).status_code == 403
