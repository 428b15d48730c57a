"""Fixtures shared by every test package: the published guideline and one user per role."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from django.contrib.auth.models import Group

from dahguide.accounts.roles import ATTENDING, CLINICAL_REVIEWER, CONTENT_EDITOR, PHYSICIAN, RESIDENT, role_groups

GUIDELINE_FILE = Path(__file__).resolve().parents[1] / "fixtures" / "guideline.json"
TEST_PASSWORD = "test-password-for-tests"  # users log in with client.force_login (django-axes)

# CI runs the suite on SQLite, then again on PostgreSQL with DAHGUIDE_SECOND_DATABASE_PASS=1 (.ci/run).
# The second pass runs what can differ between databases: every test that uses the database, except
# the render sweeps (how each page of a kind renders and prints, the same from either database).
# Tests that never touch the database ran in the first pass and would only repeat it.
DATABASE_FIXTURES = frozenset(
    {
        "db",
        "transactional_db",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
        "live_server",
        "scratch_database",
    }
)  # the last: a database of its own


def pytest_collection_modifyitems(config, items):
    if os.environ.get("DAHGUIDE_SECOND_DATABASE_PASS") != "1":
        return
    kept, left_out = [], []
    for item in items:
        uses_database = item.get_closest_marker("django_db") is not None or bool(
            DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
        )
        (kept if uses_database and item.get_closest_marker("render_sweep") is None else left_out).append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept


@pytest.fixture(scope="session")
def guideline_document() -> dict:
    """The content file as loaded on a fresh database (treat as read-only)."""
    return json.loads(GUIDELINE_FILE.read_text(encoding="utf-8"))


@pytest.fixture
def published_guideline(db, guideline_document):
    """fixtures/guideline.json imported and published as version 1; returns the version.

    The first use in a test process runs the real import (guideline_import) and keeps the rows it
    wrote; later uses insert those rows again, which is many times faster (690 tests use this).
    A database that already holds a guideline version gets the real import instead.
    """
    from dahguide.guidance.models import GuidelineVersion
    from dahguide.guidance.services import guideline_import

    if _IMPORTED_ROWS and not GuidelineVersion.objects.exists() and _restore_rows(_IMPORTED_ROWS):
        return GuidelineVersion.objects.get(status=GuidelineVersion.Status.PUBLISHED)
    before = _row_ids()
    version = guideline_import(document=guideline_document, publish=True)
    if not _IMPORTED_ROWS:
        _IMPORTED_ROWS.extend(_new_rows(before))
    return version


# (model, rows as field values) written by the first real import in this process.
_IMPORTED_ROWS: list[tuple[type, list[dict]]] = []


def _row_ids() -> dict[type, set]:
    from django.apps import apps

    return {m: set(m._base_manager.values_list("pk", flat=True)) for m in apps.get_models(include_auto_created=True)}


def _new_rows(before: dict[type, set]) -> list[tuple[type, list[dict]]]:
    rows = []
    for model, ids in before.items():
        new = [r for r in model._base_manager.order_by("pk").values() if r[model._meta.pk.attname] not in ids]
        if new:
            rows.append((model, new))
    return rows


def _restore_rows(dump: list[tuple[type, list[dict]]]) -> bool:
    """Insert the kept rows with their ids; False (nothing written) if any id is already taken."""
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from dahguide.guidance.frozen import restoring_published_rows

    for model, rows in dump:
        if model._base_manager.filter(pk__in=[r[model._meta.pk.attname] for r in rows]).exists():
            return False
    # The rows were imported and published for real once in this process: put back as they were.
    with transaction.atomic(), restoring_published_rows():  # foreign keys are checked at commit
        for model, rows in dump:
            model._base_manager.bulk_create([model(**row) for row in rows])
        # PostgreSQL's sequences do not move for explicit ids: move them past the inserted rows.
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [m for m, _ in dump]):
                cursor.execute(sql)
    return True


def _user(django_user_model, username: str, role: str | None, *, staff: bool = False, superuser: bool = False):
    user = django_user_model.objects.create_user(
        username=username, password=TEST_PASSWORD, is_staff=staff or superuser, is_superuser=superuser
    )
    if role:
        user.groups.add(*Group.objects.filter(name__in=role_groups(role)))
    return user


@pytest.fixture
def physician(django_user_model):
    return _user(django_user_model, "physician", PHYSICIAN)


@pytest.fixture
def attending(django_user_model):
    """A physician who also holds the attending role (signs off cases)."""
    return _user(django_user_model, "attending", ATTENDING)


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


class IdleClock:
    """The idle logout's clock (dahguide.accounts.idle.now), moved by hand."""

    def __init__(self, start: int) -> None:
        self.at = start

    def __call__(self) -> int:
        return self.at

    def advance(self, seconds: int) -> None:
        self.at += seconds


@pytest.fixture
def clock(monkeypatch):
    from dahguide.accounts import idle

    fake = IdleClock(idle.now())
    monkeypatch.setattr(idle, "now", fake)
    return fake
