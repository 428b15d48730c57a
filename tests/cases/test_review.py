"""Resident review comments and the attending's sign-off (separation of duties: never the author's)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.urls import reverse

from dahguide.accounts.roles import ATTENDING
from dahguide.cases import services
from dahguide.cases.models import ImmutableRecordError, ReviewComment, SignOff

from .conftest import save_case, saved_plan

pytestmark = pytest.mark.django_db


def _sign(client, case, revision=1, **data):
    return client.post(reverse("cases:signoff", args=[case.pk]), {"revision": str(revision), **data})


def test_resident_adds_a_review_comment(resident_client, resident, case):
    response = resident_client.post(reverse("cases:comment", args=[case.pk]), {"text": "Why not avacopan here?"})
    comment = ReviewComment.objects.get()
    assert response.url == reverse("cases:detail", args=[case.pk]) + "#comments"
    assert (comment.author, comment.text, comment.revision_number) == (resident, "Why not avacopan here?", 1)


def test_comments_are_listed_on_the_case_with_author(resident_client, case):
    resident_client.post(reverse("cases:comment", args=[case.pk]), {"text": "Steroid dose?"})
    html = resident_client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Steroid dose?" in html
    assert "resident," in html


def test_an_empty_comment_is_refused_and_the_page_says_so(resident_client, case):
    response = resident_client.post(reverse("cases:comment", args=[case.pk]), {"text": "  "})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert not ReviewComment.objects.exists()


def test_comments_are_never_changed(case, resident):
    comment = services.comment_add(case=case, author=resident, text="x")
    comment.text = "y"
    with pytest.raises(ImmutableRecordError):
        comment.save()


@pytest.fixture
def attending_client(client, attending):
    client.force_login(attending)
    return client


def test_attending_agrees(attending_client, attending, case):
    response = _sign(attending_client, case, decision="agree")
    signoff = SignOff.objects.get()
    assert response.url == reverse("cases:detail", args=[case.pk]) + "#signoffs"
    assert (signoff.attending, signoff.decision, signoff.reason_code) == (attending, "agree", "")


def test_attending_disagrees_with_a_reason_code_and_comment(attending_client, case):
    _sign(attending_client, case, decision="disagree", reason_code="patient_preference", comment="Declined PLEX.")
    signoff = SignOff.objects.get()
    html = attending_client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert (signoff.decision, signoff.reason_code) == ("disagree", "patient_preference")
    assert "Patient preference" in html
    assert "Declined PLEX." in html


def test_disagreement_without_reason_or_comment_is_refused(attending_client, case):
    response = _sign(attending_client, case, decision="disagree")
    html = response.content.decode()
    assert response.status_code == 400
    assert "Choose why you disagree." in html
    assert "Explain the disagreement in a comment." in html
    assert not SignOff.objects.exists()


def test_the_database_refuses_a_disagreement_without_reason(case, attending):
    revision = case.revisions.get()
    with pytest.raises(IntegrityError):
        SignOff.objects.create(case=case, revision=revision, attending=attending, decision="disagree", comment="x")


def test_an_attending_signs_off_a_revision_once(attending_client, attending, case):
    _sign(attending_client, case, decision="agree")
    with pytest.raises(ValidationError):
        services.signoff_add(revision=case.revisions.get(), attending=attending, decision="agree")
    assert SignOff.objects.count() == 1


def test_the_sign_off_form_is_gone_once_signed(attending_client, case):
    _sign(attending_client, case, decision="agree")
    html = attending_client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert f'action="{reverse("cases:signoff", args=[case.pk])}"' not in html


def test_a_new_revision_asks_for_a_new_sign_off(attending_client, physician, case):
    _sign(attending_client, case, decision="agree")
    services.case_revision_add(case=case, user=physician, reason="Dialysis started", plan=saved_plan())
    html = attending_client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Sign off revision 2 as the attending" in html


def test_a_sign_off_of_a_revision_that_was_superseded_is_refused(attending_client, physician, case):
    services.case_revision_add(case=case, user=physician, reason="Dialysis started", plan=saved_plan())
    response = _sign(attending_client, case, revision=1, decision="agree")
    assert "The case was amended since you opened it" in response.content.decode()
    assert not SignOff.objects.exists()


def test_an_attendings_sign_off_shows_as_attending_sign_off(attending_client, case):
    _sign(attending_client, case, decision="agree")
    html = attending_client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Attending sign-off:" in html


def test_an_attendings_sign_off_marks_the_case_signed_off_in_the_list(attending_client, case):
    _sign(attending_client, case, decision="agree")
    assert "Signed off" in attending_client.get(reverse("cases:list")).content.decode()


# -- Separation of duties ------------------------------------------------------------------------


def test_a_physician_without_the_attending_role_cannot_sign_off(physician_client, other_physician, case):
    physician_client.force_login(other_physician)
    assert _sign(physician_client, case, decision="agree").status_code == 403
    assert not SignOff.objects.exists()


def test_the_service_refuses_a_sign_off_by_a_non_attending(other_physician, case):
    with pytest.raises(PermissionDenied):
        services.signoff_add(revision=case.revisions.get(), attending=other_physician, decision="agree")


def test_an_attending_cannot_sign_off_their_own_case(attending_client, attending, published_guideline):
    own = save_case(attending)
    response = _sign(attending_client, own, decision="agree")
    assert response.status_code == 400
    assert "You wrote this case, so another attending signs it off." in response.content.decode()
    assert not SignOff.objects.exists()


def test_the_service_refuses_the_authors_sign_off(attending, published_guideline):
    own = save_case(attending)
    with pytest.raises(ValidationError, match="You wrote this case"):
        services.signoff_add(revision=own.revisions.get(), attending=attending, decision="agree")


def test_the_author_of_a_later_revision_cannot_sign_off(attending, published_guideline):
    own = save_case(attending)
    revision = services.case_revision_add(case=own, user=attending, reason="Dialysis started", plan=saved_plan())
    with pytest.raises(ValidationError, match="You wrote this case"):
        services.signoff_add(revision=revision, attending=attending, decision="agree")


def test_the_author_is_not_offered_the_sign_off_form(attending_client, attending, published_guideline):
    own = save_case(attending)
    html = attending_client.get(reverse("cases:detail", args=[own.pk])).content.decode()
    assert f'action="{reverse("cases:signoff", args=[own.pk])}"' not in html


def test_a_physician_is_not_offered_the_sign_off_form(client, other_physician, case):
    client.force_login(other_physician)
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert f'action="{reverse("cases:signoff", args=[case.pk])}"' not in html


def test_only_the_attending_group_holds_the_sign_off_permission():
    holders = set(Group.objects.filter(permissions__codename="add_signoff").values_list("name", flat=True))
    assert holders == {ATTENDING}


def test_a_sign_off_recorded_before_the_attending_role_is_not_shown_as_an_attendings(
    physician_client, other_physician, case
):
    SignOff.objects.create(case=case, revision=case.revisions.get(), attending=other_physician, decision="agree")
    html = physician_client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Attending sign-off:" not in html
    assert "Sign-off not by an attending" in html
    assert "Signed off" not in physician_client.get(reverse("cases:list")).content.decode()


def test_resident_cannot_sign_off(resident_client, case):
    assert _sign(resident_client, case, decision="agree").status_code == 403
