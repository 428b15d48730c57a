"""Back up and restore DAH Guide's database (used by bin/backup and bin/restore; docs/operations/backup.md).

Two formats:

- ``json`` (default, portable): ``manage.py dumpdata --natural-foreign --natural-primary``, gzip'd.
  Restores into SQLite or PostgreSQL (also across them) at the same migration state.
- ``native``: the database's own format. SQLite: an online copy made with SQLite's backup API
  (consistent while the app runs). PostgreSQL: ``pg_dump --format=custom``, restored with
  ``pg_restore --clean --if-exists``.

The database is the one the app uses (``DATABASE_URL``, see README "Configuration"). A backup holds
password hashes and case data: its file is readable and writable by its owner only (0600), and a
directory the script creates is the owner's only (0700).
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Rebuilt by `migrate` (content types, permissions) or short-lived (sessions, login attempts).
EXCLUDED = ("contenttypes", "auth.permission", "sessions", "axes.accessattempt")
SUFFIXES = {"json": ".json.gz", "sqlite": ".sqlite3", "postgresql": ".pgdump"}


def _django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dahguide.settings")
    import django

    django.setup()
    from django.db import connection

    return connection


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise SystemExit(f"{name} not found: install the PostgreSQL client (apt-get install postgresql-client).")
    return path


def _pg_env(settings_dict: dict) -> tuple[list[str], dict[str, str]]:
    args = ["--dbname", settings_dict["NAME"]]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings_dict.get(key):
            args += [option, str(settings_dict[key])]
    env = {**os.environ}
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = settings_dict["PASSWORD"]
    return args, env


def backup(target_dir: Path, *, native: bool) -> Path:
    connection = _django()
    from django.core.management import call_command

    target_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    # Every file made below (by gzip, SQLite or pg_dump) is born 0600: never readable by others,
    # not even for the moment before a chmod.
    os.umask(0o077)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    kind = connection.vendor if native else "json"
    if kind not in SUFFIXES:
        raise SystemExit(f"No native backup for {connection.vendor}; use the JSON format.")
    path = target_dir / f"dahguide-{stamp}{SUFFIXES[kind]}"
    partial = path.with_name(path.name + ".partial")
    if kind == "json":
        with gzip.open(partial, "wt", encoding="utf-8") as out:
            call_command(
                "dumpdata",
                "--natural-foreign",
                "--natural-primary",
                "--indent",
                "1",
                *[f"--exclude={name}" for name in EXCLUDED],
                stdout=out,
            )
    elif kind == "sqlite":
        connection.ensure_connection()
        with sqlite3.connect(partial) as copy:
            connection.connection.backup(copy)
        copy.close()
    else:
        args, env = _pg_env(connection.settings_dict)
        command = [_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(partial), *args]
        subprocess.run(command, env=env, check=True)  # noqa: S603 (our arguments, from settings)
    partial.chmod(0o600)  # whatever made it, and whatever umask the caller had
    partial.rename(path)  # a backup file exists only once it is complete
    return path


def restore(source: Path, *, yes: bool) -> None:
    connection = _django()
    from django.core.management import call_command
    from django.db import transaction

    if not source.is_file():
        raise SystemExit(f"No backup file at {source}.")
    if not yes:
        raise SystemExit(
            f"Restoring {source.name} replaces everything in the {connection.vendor} database "
            f"{connection.settings_dict['NAME']}. Stop the app, then run again with --yes."
        )
    name = source.name
    if name.endswith(".json.gz") or name.endswith(".json"):
        call_command("migrate", "--noinput", verbosity=0)
        from dahguide.guidance.frozen import restoring_published_rows

        # A backup holds published and retired versions exactly as they were reviewed: putting them
        # back is not an edit, so the frozen-content guard lets these rows in (and only these).
        with transaction.atomic(), restoring_published_rows():
            call_command("flush", "--noinput", verbosity=0)
            call_command("loaddata", str(source), verbosity=0)
    elif name.endswith(".sqlite3"):
        if connection.vendor != "sqlite":
            raise SystemExit("A .sqlite3 backup restores into SQLite only; use a JSON backup to move databases.")
        connection.close()
        with sqlite3.connect(source) as backup_db, sqlite3.connect(connection.settings_dict["NAME"]) as live:
            backup_db.backup(live)
        call_command("migrate", "--noinput", verbosity=0)  # a backup from an older release
    elif name.endswith(".pgdump"):
        if connection.vendor != "postgresql":
            raise SystemExit("A .pgdump backup restores into PostgreSQL only; use a JSON backup to move databases.")
        connection.close()
        args, env = _pg_env(connection.settings_dict)
        command = [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction", *args]
        command.append(str(source))
        subprocess.run(command, env=env, check=True)  # noqa: S603 (our arguments, from settings)
        call_command("migrate", "--noinput", verbosity=0)
    else:
        raise SystemExit(f"Unknown backup format: {name} (expected .json.gz, .sqlite3 or .pgdump).")
    from django.core.cache import cache

    cache.clear()  # the published-snapshot cache must not outlive the data it was read from


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bin/backup | bin/restore")
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("backup")
    make.add_argument("directory", nargs="?", default=os.environ.get("BACKUP_DIR", str(ROOT / "var" / "backups")))
    make.add_argument("--native", action="store_true", help="the database's own format instead of JSON")
    load = commands.add_parser("restore")
    load.add_argument("file")
    load.add_argument("--yes", action="store_true", help="really replace the database's contents")
    args = parser.parse_args(argv)
    if args.command == "backup":
        print(backup(Path(args.directory), native=args.native))
    else:
        restore(Path(args.file), yes=args.yes)
        print(f"Restored {args.file}.")


if __name__ == "__main__":
    main(sys.argv[1:])
