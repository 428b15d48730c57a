"""Resident review comments and the attending's sign-off."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.urls import reverse

from dahguide.cases import services
from dahguide.cases.models import ImmutableRecordError, ReviewComment, SignOff

from .conftest import saved_plan

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


def test_attending_agrees(physician_client, physician, case):
    response = _sign(physician_client, case, decision="agree")
    signoff = SignOff.objects.get()
    assert response.url == reverse("cases:detail", args=[case.pk]) + "#signoffs"
    assert (signoff.attending, signoff.decision, signoff.reason_code) == (physician, "agree", "")


def test_attending_disagrees_with_a_reason_code_and_comment(physician_client, case):
    _sign(physician_client, case, decision="disagree", reason_code="patient_preference", comment="Declined PLEX.")
    signoff = SignOff.objects.get()
    html = physician_client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert (signoff.decision, signoff.reason_code) == ("disagree", "patient_preference")
    assert "Patient preference" in html
    assert "Declined PLEX." in html


def test_disagreement_without_reason_or_comment_is_refused(physician_client, case):
    response = _sign(physician_client, case, decision="disagree")
    html = response.content.decode()
    assert response.status_code == 400
    assert "Choose why you disagree." in html
    assert "Explain the disagreement in a comment." in html
    assert not SignOff.objects.exists()


def test_the_database_refuses_a_disagreement_without_reason(case, physician):
    revision = case.revisions.get()
    with pytest.raises(IntegrityError):
        SignOff.objects.create(case=case, revision=revision, attending=physician, decision="disagree", comment="x")


def test_an_attending_signs_off_a_revision_once(physician_client, case):
    _sign(physician_client, case, decision="agree")
    with pytest.raises(ValidationError):
        services.signoff_add(revision=case.revisions.get(), attending=case.author, decision="agree")
    assert SignOff.objects.count() == 1


def test_the_sign_off_form_is_gone_once_signed(physician_client, case):
    _sign(physician_client, case, decision="agree")
    html = physician_client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert f'action="{reverse("cases:signoff", args=[case.pk])}"' not in html


def test_a_new_revision_asks_for_a_new_sign_off(physician_client, physician, case):
    _sign(physician_client, case, decision="agree")
    services.case_revision_add(case=case, user=physician, reason="Dialysis started", plan=saved_plan())
    html = physician_client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Sign off revision 2 as the attending" in html


def test_a_sign_off_of_a_revision_that_was_superseded_is_refused(physician_client, physician, case):
    services.case_revision_add(case=case, user=physician, reason="Dialysis started", plan=saved_plan())
    response = _sign(physician_client, case, revision=1, decision="agree")
    assert "The case was amended since you opened it" in response.content.decode()
    assert not SignOff.objects.exists()


def test_another_physician_may_sign_off(client, other_physician, case):
    client.force_login(other_physician)
    _sign(client, case, decision="agree")
    assert SignOff.objects.get().attending == other_physician


def test_resident_cannot_sign_off(resident_client, case):
    assert _sign(resident_client, case, decision="agree").status_code == 403
