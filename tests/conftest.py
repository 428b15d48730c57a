"""Fixtures shared by every test package: the published guideline and one user per role."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.db import models

from dahguide.accounts.roles import ATTENDING, CLINICAL_REVIEWER, CONTENT_EDITOR, PHYSICIAN, RESIDENT, role_groups

GUIDELINE_FILE = Path(__file__).resolve().parents[1] / "fixtures" / "guideline.json"
TEST_PASSWORD = "test-password-for-tests"  # users log in with client.force_login (django-axes)

# CI runs the suite on SQLite, then again on PostgreSQL with DAHGUIDE_SECOND_DATABASE_PASS=1 (.ci/run).
# The second pass runs what can differ between databases: every test that uses the database, except
# the render sweeps (how each page of a kind renders and prints, the same from either database) and
# the drills on a SQLite file of their own. Tests that never touch the database ran in the first
# pass and would only repeat it. bin/test leaves the browser run out of the second pass.
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
        # A drill on a SQLite file of its own is the same test in either pass.
        on_sqlite_scratch = getattr(getattr(item, "callspec", None), "params", {}).get("scratch_database") == "sqlite"
        repeats = item.get_closest_marker("render_sweep") is not None or on_sqlite_scratch
        (kept if uses_database and not repeats else left_out).append(item)
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

    if not GuidelineVersion.objects.exists():
        return rows_once("published guideline", lambda: guideline_import(document=guideline_document, publish=True))
    return guideline_import(document=guideline_document, publish=True)


class RowsOnce:
    """What a slow fixture wrote the first time in this process, to insert again later.

    ``rows``: (model, rows as field values); ``users``: username of each user id the rows refer to,
    since user ids differ between tests on PostgreSQL (its sequences do not roll back); ``result``:
    the model and pk of what the fixture returned; ``after``: the key of the rows this one was
    written on top of, so rows are only put back on the database state they were captured on.
    """

    def __init__(self, rows, users, result, after) -> None:
        self.rows, self.users, self.result, self.after = rows, users, result, after


_ROWS_ONCE: dict[str, RowsOnce] = {}
_RESTORED_IN_THIS_TEST: list[str] = []  # keys restored or captured since the test's database was set up


@pytest.fixture(autouse=True)
def _rows_once_reset():
    _RESTORED_IN_THIS_TEST.clear()
    yield
    _RESTORED_IN_THIS_TEST.clear()


def rows_once(key: str, build, *, after: str | None = None):
    """``build()``'s result; its rows are captured the first time and bulk-inserted afterwards.

    Only for fixtures whose writes are deterministic given the rows of ``after`` (put back in the
    same test) and the users' names; anything else falls back to ``build()``. Foreign keys are
    checked when the test's transaction is checked, so a wrong restore fails the test loudly.
    """
    base_ok = after is None or (_RESTORED_IN_THIS_TEST and _RESTORED_IN_THIS_TEST[-1] == after)
    kept = _ROWS_ONCE.get(key)
    if base_ok and kept is not None and kept.after == after:
        rows = _rows_for_current_users(kept)
        if rows is not None and _restore_rows(rows):
            _RESTORED_IN_THIS_TEST.append(key)
            model, value = kept.result
            return value if model is None else model._base_manager.get(pk=value)
    before = _row_ids()
    result = build()
    if base_ok and key not in _ROWS_ONCE:
        new = _new_rows(before)
        kind = (type(result), result.pk) if isinstance(result, models.Model) else (None, result)
        _ROWS_ONCE[key] = RowsOnce(new, _usernames(new), kind, after)
    if base_ok:
        _RESTORED_IN_THIS_TEST.append(key)
    return result


def _user_fields(model) -> list[str]:
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    return [f.attname for f in model._meta.concrete_fields if f.is_relation and f.related_model is user_model]


def _usernames(dump) -> dict[int, str]:
    from django.contrib.auth import get_user_model

    ids = {row[f] for model, rows in dump for f in _user_fields(model) for row in rows if row[f] is not None}
    return dict(get_user_model()._base_manager.filter(pk__in=ids).values_list("pk", "username"))


def _rows_for_current_users(kept: RowsOnce):
    """The kept rows with each user id replaced by the id that user has now; None if one is missing."""
    from django.contrib.auth import get_user_model

    now = dict(get_user_model()._base_manager.filter(username__in=kept.users.values()).values_list("username", "pk"))
    if set(now) != set(kept.users.values()):
        return None
    new_id = {old: now[name] for old, name in kept.users.items()}
    if all(old == new for old, new in new_id.items()):
        return kept.rows
    remapped = []
    for model, rows in kept.rows:
        fields = _user_fields(model)
        remapped.append(
            (model, [{**r, **{f: new_id.get(r[f], r[f]) for f in fields}} for r in rows] if fields else rows)
        )
    return remapped


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
    from django.db import IntegrityError, connection, transaction

    # The rows were imported and published for real once in this process: put back as they were,
    # with their INSERT statements built once (about 1,500 tests restore the same rows).
    try:
        with transaction.atomic():  # a savepoint: a taken id rolls back only this restore
            with connection.cursor() as cursor:
                for sql, params in _insert_statements(dump):
                    cursor.execute(sql, params)
    except IntegrityError:
        return False
    return True


_STATEMENTS: dict[tuple[int, str], list[tuple[str, tuple | None]]] = {}


def _insert_statements(dump: list[tuple[type, list[dict]]]) -> list[tuple[str, tuple | None]]:
    """The INSERTs of ``dump`` as ``bulk_create`` would send them, the stored values as they are,
    then the sequence resets: PostgreSQL's sequences do not move for explicit ids."""
    from django.core.management.color import no_style
    from django.db import connection
    from django.db.models.sql import InsertQuery

    key = (id(dump), connection.vendor)
    if key in _STATEMENTS:
        return _STATEMENTS[key]
    statements: list[tuple[str, tuple]] = []
    for model, rows in dump:
        fields = model._meta.concrete_fields
        objs = [model(**row) for row in rows]
        batch = max(1, connection.ops.bulk_batch_size(fields, objs))
        for first in range(0, len(objs), batch):
            query = InsertQuery(model)
            query.insert_values(fields, objs[first : first + batch], raw=True)  # raw: no auto_now
            statements += [(sql, tuple(params)) for sql, params in query.get_compiler(connection=connection).as_sql()]
    resets = connection.ops.sequence_reset_sql(no_style(), [model for model, _ in dump])
    if resets:
        statements.append((";\n".join(resets), None))
    if any(kept.rows is dump for kept in _ROWS_ONCE.values()):  # kept for good: build once
        _STATEMENTS[key] = statements
    return statements


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
