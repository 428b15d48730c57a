"""Marking a recommendation not followed: every reason, the rules, immutability, and impressions."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dahguide.cases import services as case_services
from dahguide.cases.models import ImmutableRecordError
from dahguide.feedback import services
from dahguide.feedback.models import Impression, NotFollowed
from tests.cases.conftest import saved_plan

from .conftest import REASONS

pytestmark = pytest.mark.django_db


def record(revision, user, code, reason="not_available", comment=""):
    return services.not_followed_record(
        revision=revision, user=user, recommendation_code=code, reason_code=reason, comment=comment
    )


@pytest.mark.parametrize(("reason", "comment"), REASONS)
def test_every_reason_is_recorded_with_who_and_when(revision, physician, code, reason, comment):
    mark = record(revision, physician, code, reason, comment)
    stored = NotFollowed.objects.get(pk=mark.pk)
    assert (stored.reason_code, stored.created_by, stored.guideline_version, stored.case_id) == (
        reason,
        physician,
        revision.guideline_version,
        revision.case_id,
    )


@pytest.mark.parametrize("reason", ["clinical_judgement", "other"])
def test_judgement_and_other_need_a_comment(revision, physician, code, reason):
    with pytest.raises(ValidationError) as exc:
        record(revision, physician, code, reason, "   ")
    assert "comment" in exc.value.message_dict


@pytest.mark.parametrize("reason", ["not_available", "contraindicated", "patient_preference", "needs_information"])
def test_other_reasons_need_no_comment(revision, physician, code, reason):
    assert record(revision, physician, code, reason).comment == ""


def test_an_unknown_reason_is_refused(revision, physician, code):
    with pytest.raises(ValidationError) as exc:
        record(revision, physician, code, "too_expensive")
    assert "reason_code" in exc.value.message_dict


def test_a_recommendation_not_in_the_plan_is_refused(revision, physician):
    with pytest.raises(ValidationError) as exc:
        record(revision, physician, "not_a_recommendation_of_this_plan")
    assert "recommendation_code" in exc.value.message_dict


def test_a_recommendation_is_marked_once_per_revision(revision, physician, attending, code):
    record(revision, physician, code)
    with pytest.raises(ValidationError, match="already marked"):
        record(revision, attending, code, "contraindicated")


def test_any_physician_of_the_team_records(revision, other_physician, code):
    assert record(revision, other_physician, code).created_by == other_physician


@pytest.mark.parametrize("role", ["resident", "content_editor", "clinical_reviewer"])
def test_only_physicians_record(request, revision, code, role):
    with pytest.raises(PermissionDenied):
        record(revision, request.getfixturevalue(role), code)


def test_an_earlier_revision_is_not_marked(case, revision, physician, code):
    case_services.case_revision_add(case=case, user=physician, reason="Creatinine rose.", plan=saved_plan())
    revision.case.refresh_from_db()
    with pytest.raises(ValidationError, match="amended"):
        record(revision, physician, code)


def test_a_mark_is_never_changed(revision, physician, code):
    mark = record(revision, physician, code)
    mark.reason_code = "other"
    with pytest.raises(ImmutableRecordError):
        mark.save()
    with pytest.raises(ImmutableRecordError):
        NotFollowed.objects.filter(pk=mark.pk).update(comment="changed")


def test_no_role_may_change_or_delete_a_mark():
    from django.contrib.auth.models import Permission

    codenames = set(Permission.objects.filter(content_type__app_label="feedback").values_list("codename", flat=True))
    assert not {c for c in codenames if c.startswith(("change_", "delete_"))}


def test_physicians_and_residents_hold_their_permissions(physician, resident):
    assert physician.has_perm("feedback.add_notfollowed") and not resident.has_perm("feedback.add_notfollowed")
    assert resident.has_perm("feedback.view_notfollowed")


def test_saving_a_case_counts_each_recommendation_shown_once(revision):
    shown = list(Impression.objects.filter(revision=revision).values_list("recommendation_code", flat=True))
    assert sorted(shown) == sorted(revision.summary["recommendations"])


def test_amending_counts_the_new_revision_again(case, physician):
    new = case_services.case_revision_add(case=case, user=physician, reason="Creatinine rose.", plan=saved_plan())
    assert Impression.objects.filter(revision=new).count() == len(new.summary["recommendations"])


def test_cases_saved_in_bulk_count_too(physician, published_guideline):
    from django.utils import timezone

    cases = case_services.cases_bulk_create(author=physician, plans=[("GPA", saved_plan(), timezone.now())] * 3)
    assert Impression.objects.filter(revision__case__in=cases).count() == 3 * len(saved_plan().doc["recommendations"])
