"""The administrator's user pages."""

from __future__ import annotations

from django.urls import reverse


def test_log_in_and_joining_times_are_shown_not_edited(client, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("admin:auth_user_change", args=[admin_user.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="last_login_0"' not in html and 'name="date_joined_0"' not in html
    assert "Date joined" in html


def test_an_administrator_can_still_change_a_users_groups(client, admin_user, physician):
    client.force_login(admin_user)
    url = reverse("admin:auth_user_change", args=[physician.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k not in {"last_login", "date_joined"}}
    data["groups"] = [g.pk for g in physician.groups.all()]
    data["is_active"] = "on"
    data["password"] = form.initial["password"]
    response = client.post(url, {**data, "first_name": "Ward", "user_permissions": []})
    assert response.status_code == 302, response.context["adminform"].form.errors
    physician.refresh_from_db()
    assert physician.first_name == "Ward"
