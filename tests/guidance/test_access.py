"""Who may open each page added by the review workflow (every new URL has a row here)."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "physician", "resident", "content_editor", "clinical_reviewer", "admin")
CONTENT_ONLY = {
    "anonymous": 302,
    "physician": 302,
    "resident": 302,
    "content_editor": 200,
    "clinical_reviewer": 200,
    "admin": 200,
}

# URL name -> status per role. 302 for anonymous users and non-staff roles is the admin's login
# redirect (checked below); a 302 for a content role is the redirect after a workflow step.
EXPECTED_ACCESS: dict[str, dict[str, int]] = {
    "admin:guidance_guidelineversion_review": CONTENT_ONLY,
    "admin:guidance_guidelineversion_golden": CONTENT_ONLY,
    "admin:guidance_guidelineversion_impact": CONTENT_ONLY,
    "admin:guidance_guidelineversion_diff": CONTENT_ONLY,
    "admin:guidance_guidelineversion_add": {**CONTENT_ONLY, "clinical_reviewer": 403},
    # POST "submit" on the draft: editors' step; reviewers are refused.
    "admin:guidance_guidelineversion_transition": {
        **CONTENT_ONLY,
        "content_editor": 302,
        "clinical_reviewer": 403,
        "admin": 302,
    },
    "admin:guidance_versiontransition_changelist": CONTENT_ONLY,
    "admin:guidance_goldencase_changelist": CONTENT_ONLY,
    "admin:guidance_goldencase_add": {**CONTENT_ONLY, "clinical_reviewer": 403},
}
POSTED = {"admin:guidance_guidelineversion_transition": {"text": "Wording."}}


def _url(name: str, draft) -> str:
    if name in {
        "admin:guidance_guidelineversion_review",
        "admin:guidance_guidelineversion_golden",
        "admin:guidance_guidelineversion_impact",
    }:
        return reverse(name, args=[draft.pk])
    if name == "admin:guidance_guidelineversion_transition":
        return reverse(name, args=[draft.pk, "submit"])
    return reverse(name)


@pytest.mark.parametrize("name", EXPECTED_ACCESS, ids=lambda n: n.split(":")[1])
def test_expected_access(request, client, editor_draft, name):
    from django.db import transaction

    url = _url(name, editor_draft)
    seen, login_redirects = {}, {}
    for role in ROLES:
        client.logout()
        if role != "anonymous":
            client.force_login(request.getfixturevalue("admin_user" if role == "admin" else role))
        with transaction.atomic():  # a successful step must not change what the next role sees
            response = client.post(url, POSTED[name]) if name in POSTED else client.get(url)
            transaction.set_rollback(True)
        seen[role] = response.status_code
        if role in {"anonymous", "physician", "resident"}:
            login_redirects[role] = response.url.startswith(reverse("admin:login"))
    assert seen == EXPECTED_ACCESS[name]
    assert all(login_redirects.values()), login_redirects


def test_every_new_workflow_url_is_in_the_access_table():
    from django.urls import get_resolver

    _, admin_resolver = get_resolver().namespace_dict["admin"]
    workflow = {
        f"admin:{name}"
        for name in admin_resolver.reverse_dict
        if isinstance(name, str)
        and name.startswith("guidance_guidelineversion_")
        and name.rsplit("_", 1)[1] in {"review", "golden", "impact", "diff", "transition"}
    }
    assert len(workflow) == 5
    assert workflow <= set(EXPECTED_ACCESS)
