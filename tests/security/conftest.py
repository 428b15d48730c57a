"""Helpers of the security suite: commands run against a scratch database."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_against(args: list[str], database_url: str, *, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a command of the project (bin/..., manage.py) with DATABASE_URL set to ``database_url``."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "dahguide.settings",
        "PYTHON": sys.executable,
        "LOG_LEVEL": "WARNING",
    }
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def _postgres_scratch() -> Iterator[str]:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("DATABASE_URL is not PostgreSQL")
    import psycopg

    base, _, _name = url.rpartition("/")
    scratch = f"dahguide_drill_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{scratch}"')
    try:
        yield f"{base}/{scratch}"
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def scratch_database(request, tmp_path) -> Iterator[str]:
    """An empty database of its own: a SQLite file, and a PostgreSQL database when the suite runs
    on PostgreSQL (DATABASE_URL), dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'drill.sqlite3'}"
    else:
        yield from _postgres_scratch()
