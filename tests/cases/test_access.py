"""Who may use every case view and action: one expected status per URL name and role.

Physicians and residents read and comment; physicians also save, tick and amend their own cases
(``physician`` below is the case's author and the draft's owner); attendings (physicians with the
attending role) also sign off cases they did not write; content editors and
clinical reviewers without a clinical role get 403; anonymous visitors are sent to the login page
(the 302 of the anonymous column). The administrator is a superuser, who holds every role but
owns neither the case nor the draft.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.urls import get_resolver, reverse

from dahguide.accounts.roles import PHYSICIAN

from .conftest import content_hash, finished_draft

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "physician", "attending", "resident", "content_editor", "clinical_reviewer", "admin")


def _row(anonymous, physician, attending, resident, content_editor, clinical_reviewer, admin) -> dict[str, int]:
    statuses = (anonymous, physician, attending, resident, content_editor, clinical_reviewer, admin)
    return dict(zip(ROLES, statuses, strict=True))


READ = _row(302, 200, 200, 200, 403, 403, 200)
EXPECTED_ACCESS: dict[str, dict[str, int]] = {
    "cases:list": READ,
    "cases:export": READ,
    "cases:detail": READ,
    "cases:print": READ,
    "cases:reevaluate": READ,
    "cases:comment": _row(302, 302, 302, 302, 403, 403, 302),
    "cases:checklist": _row(302, 302, 302, 403, 403, 403, 302),
    "cases:signoff": _row(302, 403, 302, 403, 403, 403, 302),  # attendings, never the author
    "cases:amend": _row(302, 302, 403, 403, 403, 403, 403),  # the author only
    "cases:save": _row(302, 302, 404, 403, 403, 403, 404),  # the draft's owner only
}

# How each URL is called: method, URL arguments (from the case and the physician's draft), data.
Request = tuple[str, Callable[[Any, Any], list[Any]], Callable[[], dict[str, str]]]
REQUESTS: dict[str, Request] = {
    "cases:list": ("get", lambda case, draft: [], dict),
    "cases:export": ("get", lambda case, draft: [], dict),
    "cases:detail": ("get", lambda case, draft: [case.pk], dict),
    "cases:print": ("get", lambda case, draft: [case.pk], dict),
    "cases:reevaluate": ("get", lambda case, draft: [case.pk], dict),
    "cases:comment": ("post", lambda case, draft: [case.pk], lambda: {"text": "A question for the attending."}),
    "cases:checklist": ("post", lambda case, draft: [case.pk, "monitor_oxygenation"], lambda: {"ticked": "true"}),
    "cases:signoff": ("post", lambda case, draft: [case.pk], lambda: {"revision": "1", "decision": "agree"}),
    "cases:amend": ("post", lambda case, draft: [case.pk], dict),
    "cases:save": ("post", lambda case, draft: [draft.pk], lambda: {"label": "GPA", "content_hash": content_hash()}),
}


@pytest.fixture
def users(physician, attending, resident, content_editor, clinical_reviewer, admin_user) -> dict[str, Any]:
    return {
        "anonymous": None,
        "physician": physician,
        "attending": attending,
        "resident": resident,
        "content_editor": content_editor,
        "clinical_reviewer": clinical_reviewer,
        "admin": admin_user,
    }


def test_every_case_url_has_an_access_entry():
    names = {f"cases:{p.name}" for p in get_resolver().namespace_dict["cases"][1].url_patterns}
    assert names == set(EXPECTED_ACCESS) == set(REQUESTS)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(EXPECTED_ACCESS))
def test_access(client, users, case, physician, name, role):
    method, args, data = REQUESTS[name]
    draft = finished_draft(physician)
    if users[role] is not None:
        client.force_login(users[role])
    response = getattr(client, method)(reverse(name, args=args(case, draft)), data())
    expected = EXPECTED_ACCESS[name][role]
    assert response.status_code == expected
    if role == "anonymous":
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("name", [n for n, r in REQUESTS.items() if r[0] == "post"])
def test_actions_refuse_get(client, case, physician, attending, name):
    _method, args, _data = REQUESTS[name]
    client.force_login(attending if name == "cases:signoff" else physician)
    assert client.get(reverse(name, args=args(case, finished_draft(physician)))).status_code == 405


def test_a_content_editor_who_is_also_a_physician_may_read_cases(client, content_editor, case):
    content_editor.groups.add(Group.objects.get(name=PHYSICIAN))
    client.force_login(content_editor)
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 200


def test_a_missing_case_is_404(resident_client, case):
    assert resident_client.get(reverse("cases:detail", args=[case.pk + 1])).status_code == 404


def test_role_groups_hold_no_change_permission_on_case_records():
    codenames = set(
        Group.objects.filter(name__in=["physician", "resident"]).values_list("permissions__codename", flat=True)
    )
    assert {"add_case", "view_case", "add_caserevision", "view_signoff", "add_reviewcomment"} <= codenames
    assert not {c for c in codenames if c and c.startswith(("change_", "delete_")) and "draft" not in c}


def test_resident_group_cannot_add_cases_or_sign_off():
    codenames = set(Group.objects.get(name="resident").permissions.values_list("codename", flat=True))
    assert "add_reviewcomment" in codenames
    assert not codenames & {"add_case", "add_caserevision", "add_signoff", "add_checklistevent"}


def test_nav_links_to_saved_cases_for_clinical_roles_only(client, physician, resident, content_editor):
    for user, shown in ((physician, True), (resident, True), (content_editor, False)):
        client.force_login(user)
        html = client.get(reverse("home")).content.decode()
        assert (f'href="{reverse("cases:list")}"' in html) is shown
