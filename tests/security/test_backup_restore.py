"""The backup and restore drill of docs/operations/backup.md, run for real with bin/backup and
bin/restore against a scratch database: migrations from empty, data in, backup, wipe, restore, the
same data out.

Always on a scratch SQLite file; also on a scratch PostgreSQL database when DATABASE_URL points
at PostgreSQL (CI's second run). The suite's own test database is never touched.
"""

from __future__ import annotations

import json
import stat
import sys
from pathlib import Path

from tests.security.conftest import ROOT, run_against

DRILL = ROOT / "tests" / "security" / "backup_drill.py"


def _drill(command: str, database_url: str) -> dict:
    out = run_against([sys.executable, str(DRILL), command], database_url).stdout
    return json.loads(out.strip().splitlines()[-1])


def _backup(database_url: str, directory: Path, *native: str) -> Path:
    out = run_against(["bin/backup", *native, str(directory)], database_url).stdout
    path = Path(out.strip().splitlines()[-1])
    assert path.is_file() and path.parent == directory
    return path


def test_migrate_from_empty_then_backup_and_restore_round_trip(scratch_database, tmp_path):
    before = _drill("setup", scratch_database)  # migrates the empty database first
    assert before["unapplied_migrations"] == []
    assert before["drafts"] and before["published"] and before["published_snapshot_version"]
    portable = _backup(scratch_database, tmp_path / "backups")
    native = _backup(scratch_database, tmp_path / "backups", "--native")
    # They hold password hashes and case data: the owner's only, whatever the caller's umask.
    assert [_mode(portable), _mode(native), _mode(portable.parent)] == [0o600, 0o600, 0o700]

    wiped = _drill("wipe", scratch_database)
    assert wiped["drafts"] == [] and wiped["published"] is None

    run_against(["bin/restore", str(portable), "--yes"], scratch_database)
    assert _drill("state", scratch_database) == before

    _drill("wipe", scratch_database)
    run_against(["bin/restore", str(native), "--yes"], scratch_database)
    assert _drill("state", scratch_database) == before


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_restore_refuses_without_yes(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'drill.sqlite3'}"
    fake = tmp_path / "dahguide-x.json.gz"
    fake.write_bytes(b"")
    result = run_against(["bin/restore", str(fake)], database_url, check=False)
    assert result.returncode != 0
    assert "run again with --yes" in result.stderr


def test_a_native_backup_does_not_restore_into_another_database_kind(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'drill.sqlite3'}"
    dump = tmp_path / "dahguide-x.pgdump"
    dump.write_bytes(b"PGDMP")
    result = run_against(["bin/restore", str(dump), "--yes"], database_url, check=False)
    assert result.returncode != 0
    assert "use a JSON backup" in result.stderr
