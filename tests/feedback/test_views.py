"""The bedside: the case page's panel, the plain-form mark for every reason and role, bad input,
the wizard's plan page and the re-evaluation diff."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dahguide.cases import services as case_services
from dahguide.feedback import services
from dahguide.feedback.models import NotFollowed
from tests.cases.conftest import ANSWERS, saved_plan

from .conftest import REASONS, login, mark_data, mark_url

pytestmark = pytest.mark.django_db


def detail(client, case):
    return client.get(reverse("cases:detail", args=[case.pk]))


@pytest.mark.parametrize(("reason", "comment"), REASONS)
def test_physician_marks_a_recommendation_with_every_reason(client, physician, case, revision, code, reason, comment):
    response = login(client, physician).post(mark_url(case), mark_data(revision, code, reason, comment))
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[case.pk]) + "#not-followed"
    assert NotFollowed.objects.get(revision=revision, recommendation_code=code).reason_code == reason


@pytest.mark.parametrize("role", ["physician", "attending"])
def test_physicians_and_attendings_see_the_form_on_the_current_revision(request, client, case, role):
    html = detail(login(client, request.getfixturevalue(role)), case).content.decode()
    assert 'class="card card-body not-followed-form' in html


def test_residents_read_the_marks_without_a_form(client, physician, resident, case, revision, code):
    services.not_followed_record(
        revision=revision, user=physician, recommendation_code=code, reason_code="not_available"
    )
    html = detail(login(client, resident), case).content.decode()
    assert "Not available here (for example apheresis or ECMO)" in html
    assert "not-followed-form" not in html


@pytest.mark.parametrize("role", ["resident", "content_editor", "clinical_reviewer"])
def test_other_roles_cannot_mark(request, client, case, revision, code, role):
    response = login(client, request.getfixturevalue(role)).post(mark_url(case), mark_data(revision, code))
    assert response.status_code == 403
    assert not NotFollowed.objects.exists()


def test_anonymous_visitors_go_to_the_login_page(client, case, revision, code):
    response = client.post(mark_url(case), mark_data(revision, code))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_mark_shows_who_and_when_on_the_case_page(client, physician, case, revision, code):
    login(client, physician).post(mark_url(case), mark_data(revision, code, "other", "Family declined."))
    html = detail(client, case).content.decode()
    assert "Family declined." in html and "(physician," in html


def test_a_comment_missing_for_judgement_is_a_clear_400_that_keeps_the_choice(client, physician, case, revision, code):
    response = login(client, physician).post(mark_url(case), mark_data(revision, code, "clinical_judgement"))
    assert response.status_code == 400
    assert "needs one" in response.content.decode()
    assert response.context["form"]["reason_code"].value() == "clinical_judgement"


def test_an_unknown_reason_is_a_clear_400_that_keeps_the_typed_comment(client, physician, case, revision, code):
    response = login(client, physician).post(mark_url(case), mark_data(revision, code, "cheaper", "Typed with care."))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose one of the listed reasons." in html and "Typed with care." in html


def test_an_unknown_recommendation_is_a_clear_400(client, physician, case, revision):
    response = login(client, physician).post(mark_url(case), mark_data(revision, "no_such_code"))
    assert response.status_code == 400
    assert "Choose a recommendation of this plan." in response.content.decode()


def test_a_duplicate_mark_is_a_clear_400_that_keeps_the_typed_comment(client, physician, case, revision, code):
    login(client, physician).post(mark_url(case), mark_data(revision, code))
    response = client.post(mark_url(case), mark_data(revision, code, "other", "Second thoughts."))
    assert response.status_code == 400
    assert "already marked" in response.content.decode() and "Second thoughts." in response.content.decode()


def test_a_mark_for_a_superseded_revision_asks_to_look_again(client, physician, case, revision, code):
    case_services.case_revision_add(case=case, user=physician, reason="Creatinine rose.", plan=saved_plan())
    response = login(client, physician).post(mark_url(case), mark_data(revision, code, "other", "Kept text."))
    assert response.status_code == 400
    assert "amended since you opened it" in response.content.decode() and "Kept text." in response.content.decode()


def test_garbage_never_causes_a_server_error(client, physician, case):
    response = login(client, physician).post(mark_url(case), {"revision": "x" * 5000, "reason_code": ["a", "b"]})
    assert response.status_code == 400


def test_the_form_page_preselects_the_recommendation_of_a_link(client, physician, case, code):
    response = login(client, physician).get(mark_url(case) + f"?recommendation={code}")
    assert response.context["form"]["recommendation_code"].value() == code


def test_a_safe_next_address_is_followed_and_another_site_is_not(client, physician, case, revision, code):
    data = {**mark_data(revision, code), "next": "https://evil.example/"}
    response = login(client, physician).post(mark_url(case), data)
    assert response["Location"].startswith(reverse("cases:detail", args=[case.pk]))


def test_an_older_revision_shows_its_marks_without_a_form(client, physician, case, revision, code):
    services.not_followed_record(
        revision=revision, user=physician, recommendation_code=code, reason_code="contraindicated"
    )
    case_services.case_revision_add(case=case, user=physician, reason="Creatinine rose.", plan=saved_plan())
    response = login(client, physician).get(reverse("cases:detail", args=[case.pk]) + "?revision=1")
    html = response.content.decode()
    assert "Contraindicated for this patient" in html and "not-followed-form" not in html


def test_the_reevaluation_lists_the_marks_and_whether_still_recommended(client, physician, case, revision, code):
    services.not_followed_record(
        revision=revision, user=physician, recommendation_code=code, reason_code="needs_information"
    )
    html = login(client, physician).get(reverse("cases:reevaluate", args=[case.pk])).content.decode()
    assert "Recommendations not followed in this revision" in html
    assert "Needs more information: still recommended under version 1" in html


def test_the_case_page_stays_within_its_query_bound_with_marks(
    client, physician, case, revision, django_assert_max_num_queries
):
    for code in revision.summary["recommendations"]:
        services.not_followed_record(
            revision=revision, user=physician, recommendation_code=code, reason_code="not_available"
        )
    login(client, physician)
    with django_assert_max_num_queries(14):
        assert detail(client, case).status_code == 200


def test_marking_stays_within_a_query_bound(client, physician, case, revision, code, django_assert_max_num_queries):
    login(client, physician)
    with django_assert_max_num_queries(8):
        assert client.post(mark_url(case), mark_data(revision, code)).status_code == 302


# -- The wizard's plan page ---------------------------------------------------------------------


@pytest.fixture
def finished_draft(physician, published_guideline):
    from dahguide.wizard import services as wizard_services
    from dahguide.wizard.answers import STEP_CODES

    draft = wizard_services.draft_create(
        owner=physician, first_step=STEP_CODES[0], guideline_version=str(published_guideline.number)
    )
    return wizard_services.draft_save_answers(draft=draft, answers=ANSWERS, current_step="review", complete=STEP_CODES)


def test_the_plan_page_before_saving_says_where_the_mark_goes(client, physician, finished_draft):
    html = login(client, physician).get(reverse("wizard:plan", args=[finished_draft.pk])).content.decode()
    assert "Once the case is saved, you can record here or on the case page" in html
    assert "not-followed-form" not in html


def test_the_plan_page_after_saving_offers_the_mark_and_returns_to_it(client, physician, finished_draft):
    from dahguide.guidance.selectors import get_published_snapshot

    login(client, physician)
    saved = client.post(
        reverse("cases:save", args=[finished_draft.pk]),
        {"label": "GPA", "content_hash": get_published_snapshot().content_hash},
    )
    assert saved.status_code == 302
    plan_url = reverse("wizard:plan", args=[finished_draft.pk])
    html = client.get(plan_url).content.decode()
    assert "not-followed-form" in html and f'name="next" value="{plan_url}#not-followed"' in html
    case = NotFollowed._meta.get_field("case").related_model.objects.get()
    revision = case.revisions.get()
    response = client.post(
        mark_url(case),
        {**mark_data(revision, revision.summary["recommendations"][0]), "next": f"{plan_url}#not-followed"},
    )
    assert response["Location"] == f"{plan_url}#not-followed"


def test_the_case_page_holds_each_id_once_with_every_form_on_it(client, physician, attending, case):
    # The not-followed, comment and sign-off forms share field names (comment, reason_code): each
    # label must point at its own form's field, so no id may appear twice.
    import re
    from collections import Counter

    from django.contrib.auth.models import Group

    from dahguide.accounts.roles import PHYSICIAN

    attending.groups.add(Group.objects.get(name=PHYSICIAN))  # can mark, comment and sign off
    login(client, attending)
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "not-followed-form" in html and "signoff-form" in html and "comment-form" in html
    repeated = [i for i, n in Counter(re.findall(r'\sid="([^"]+)"', html)).items() if n > 1]
    assert repeated == []
