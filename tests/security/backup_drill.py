"""The data side of the backup drill (tests/security/test_backup_restore.py), run as a script
against the database in DATABASE_URL: ``setup`` creates data, ``state`` prints what must survive
a backup and restore as JSON, ``wipe`` empties the database first."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dahguide.settings")

import django  # noqa: E402

django.setup()

from django.apps import apps  # noqa: E402
from django.core.management import call_command  # noqa: E402

from dahguide.accounts.roles import CONTENT_EDITOR, PHYSICIAN  # noqa: E402

SKIPPED = {"contenttypes.contenttype", "auth.permission", "sessions.session", "axes.accessattempt"}
LABEL = "drill-case-\u00e9\u00df-<b>"


def setup() -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from dahguide.guidance.workflow import version_create_draft
    from dahguide.wizard import services

    call_command("migrate", "--noinput", verbosity=0)
    call_command("load_guideline", verbosity=0)
    users = get_user_model().objects
    physician = users.create_user("drill-physician", password="drill-password-long-1")
    physician.groups.add(Group.objects.get(name=PHYSICIAN))
    editor = users.create_user("drill-editor", password="drill-password-long-2", is_staff=True)
    editor.groups.add(Group.objects.get(name=CONTENT_EDITOR))
    draft = services.draft_create(owner=physician, first_step="patient", guideline_version=1)
    services.draft_save_answers(
        draft=draft,
        current_step="respiratory",
        complete=["patient"],
        answers={"age_years": "54", "etiology": "gpa", "weight_kg": LABEL, "steroid_toxicity_factors": ["diabetes"]},
    )
    version_create_draft(user=editor, title="Drill draft")


def unapplied_migrations() -> list[str]:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return [f"{m.app_label}.{m.name}" for m, _ in executor.migration_plan(executor.loader.graph.leaf_nodes())]


def state() -> dict:
    from dahguide.guidance.models import GuidelineVersion
    from dahguide.guidance.selectors import get_published_snapshot
    from dahguide.wizard.models import DraftAssessment

    published = GuidelineVersion.objects.filter(status="published").first()
    snapshot = get_published_snapshot()
    return {
        "unapplied_migrations": unapplied_migrations(),
        "drafts": [
            [
                d.owner.username,
                d.answers,
                d.completed_steps,
                d.current_step,
                d.finished,
                d.guideline_version,
                # Django's JSON serialiser keeps times to the millisecond (docs/operations/backup.md).
                d.created_at.isoformat(timespec="milliseconds"),
            ]
            for d in DraftAssessment.objects.order_by("created_at")
        ],
        "published": published and [published.number, published.content_hash, published.snapshot],
        "published_snapshot_version": snapshot and snapshot.version,
        "versions": list(GuidelineVersion.objects.order_by("number").values_list("number", "status", "title")),
        "groups": sorted(
            [g.name, sorted(g.permissions.values_list("codename", flat=True))]
            for g in apps.get_model("auth", "Group").objects.all()
        ),
        "counts": {
            m._meta.label_lower: m._default_manager.count()
            for m in apps.get_models()
            if m._meta.label_lower not in SKIPPED
        },
    }


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "setup":
        setup()
    elif command == "wipe":
        call_command("flush", "--noinput", verbosity=0)
    print(json.dumps(state(), default=str, sort_keys=True))
