"""Fixtures shared by every test package: the published guideline and one user per role."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.contrib.auth.models import Group

from dahguide.accounts.roles import CLINICAL_REVIEWER, CONTENT_EDITOR, PHYSICIAN, RESIDENT

GUIDELINE_FILE = Path(__file__).resolve().parents[1] / "fixtures" / "guideline.json"
TEST_PASSWORD = "test-password-for-tests"  # users log in with client.force_login (django-axes)


@pytest.fixture(scope="session")
def guideline_document() -> dict:
    """The content file as loaded on a fresh database (treat as read-only)."""
    return json.loads(GUIDELINE_FILE.read_text(encoding="utf-8"))


@pytest.fixture
def published_guideline(db, guideline_document):
    """fixtures/guideline.json imported and published as version 1; returns the version."""
    from dahguide.guidance.services import guideline_import

    return guideline_import(document=guideline_document, publish=True)


def _user(django_user_model, username: str, role: str | None, *, staff: bool = False, superuser: bool = False):
    user = django_user_model.objects.create_user(
        username=username, password=TEST_PASSWORD, is_staff=staff or superuser, is_superuser=superuser
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def physician(django_user_model):
    return _user(django_user_model, "physician", PHYSICIAN)


@pytest.fixture
def resident(django_user_model):
    return _user(django_user_model, "resident", RESIDENT)


@pytest.fixture
def content_editor(django_user_model):
    return _user(django_user_model, "editor", CONTENT_EDITOR, staff=True)


@pytest.fixture
def clinical_reviewer(django_user_model):
    return _user(django_user_model, "reviewer", CLINICAL_REVIEWER, staff=True)


@pytest.fixture
def admin_user(django_user_model):
    return _user(django_user_model, "admin", None, superuser=True)
