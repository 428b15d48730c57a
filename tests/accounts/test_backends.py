from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from dahguide.accounts.backends import UserAndRolesBackend
from dahguide.accounts.roles import ATTENDING, PHYSICIAN, RESIDENT, has_role

pytestmark = pytest.mark.django_db


def test_the_user_and_every_role_come_in_one_query(attending, django_assert_num_queries):
    with django_assert_num_queries(1):
        user = UserAndRolesBackend().get_user(attending.pk)
        assert has_role(user, ATTENDING) and has_role(user, PHYSICIAN)
        assert not has_role(user, RESIDENT)


def test_a_user_in_no_group_holds_no_role(django_user_model, django_assert_num_queries):
    loner = django_user_model.objects.create_user(username="loner", password="x")
    with django_assert_num_queries(1):
        user = UserAndRolesBackend().get_user(loner.pk)
        assert user == loner and not has_role(user, PHYSICIAN, RESIDENT)


def test_an_inactive_or_missing_user_is_not_loaded(physician):
    physician.is_active = False
    physician.save()
    assert UserAndRolesBackend().get_user(physician.pk) is None
    assert UserAndRolesBackend().get_user(physician.pk + 1000) is None


def test_one_user_object_per_user_whatever_its_number_of_groups(attending):
    user = UserAndRolesBackend().get_user(attending.pk)
    assert user.pk == attending.pk and user.username == attending.username


def test_a_role_removed_in_the_admin_takes_effect_on_the_next_request(client, physician):
    client.force_login(physician)
    assert client.post(reverse("wizard:new")).status_code == 302
    physician.groups.remove(Group.objects.get(name=PHYSICIAN))
    assert client.post(reverse("wizard:new")).status_code == 403


def test_a_logged_in_page_loads_the_user_and_roles_in_one_query(client, physician, django_assert_num_queries):
    client.force_login(physician)
    # session, user with roles, the physician's unfinished drafts
    with django_assert_num_queries(3):
        assert client.get(reverse("home")).status_code == 200
