"""Fixtures of the review workflow: golden cases, a draft copied by an editor, a second reviewer."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from dahguide.accounts.roles import CLINICAL_REVIEWER, CONTENT_EDITOR
from dahguide.guidance.golden import golden_cases_load, golden_cases_read
from dahguide.guidance.impact import register_impact_source, registered_impact_sources, unregister_impact_source
from dahguide.guidance.models import ChangeNote, GuidelineVersion
from dahguide.guidance.workflow import (
    submission_check,
    version_approve,
    version_create_draft,
    version_submit,
    version_take_for_review,
)
from tests.conftest import TEST_PASSWORD, rows_once


@pytest.fixture
def golden_cases(published_guideline) -> int:
    """The seed file loaded as golden-case rows (after the content their codes refer to)."""
    return rows_once("golden cases", lambda: golden_cases_load(cases=golden_cases_read()), after="published guideline")


@pytest.fixture
def editor_draft(published_guideline, golden_cases, content_editor) -> GuidelineVersion:
    """Version 2: a draft copy of the published version 1, created by the content editor."""
    return rows_once("editor draft", lambda: version_create_draft(user=content_editor), after="golden cases")


@pytest.fixture
def second_reviewer(django_user_model):
    user = django_user_model.objects.create_user(username="reviewer2", password=TEST_PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=CLINICAL_REVIEWER))
    return user


@pytest.fixture
def editor_reviewer(django_user_model):
    """Someone who holds both content roles: an editor who may also review."""
    user = django_user_model.objects.create_user(username="editor-reviewer", password=TEST_PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=CONTENT_EDITOR), Group.objects.get(name=CLINICAL_REVIEWER))
    return user


@pytest.fixture
def move_to(content_editor, clinical_reviewer):
    """Move a draft forward to ``status`` through the services, as the editor and the reviewer.

    The editor's submit writes a change note for every changed recommendation and gives a reason
    when golden cases fail, so the tests reach the reviewer's own gates.
    """

    def submit(version: GuidelineVersion) -> GuidelineVersion:
        for code in submission_check(version=version).missing_notes:
            ChangeNote.objects.create(version=version, recommendation=code, text="Test change note.")
        return version_submit(
            version=version, user=content_editor, change_summary="Wording.", golden_reason="Testing the gate."
        )

    def move(version: GuidelineVersion, status: str) -> GuidelineVersion:
        steps = [
            (GuidelineVersion.Status.SUBMITTED, submit),
            (
                GuidelineVersion.Status.UNDER_REVIEW,
                lambda v: version_take_for_review(version=v, user=clinical_reviewer),
            ),
            (GuidelineVersion.Status.APPROVED, lambda v: version_approve(version=v, user=clinical_reviewer)),
        ]
        for reached, step in steps:
            if version.status == status:
                break
            version = step(version)
            assert version.status == reached
        return version

    return move


@pytest.fixture(autouse=True)
def _restore_impact_sources():
    """Tests register their own patients; the apps' own sources (saved cases) come back afterwards."""
    before = registered_impact_sources()
    yield
    for name in registered_impact_sources():
        unregister_impact_source(name)
    for name, source in before.items():
        register_impact_source(name, source)
