"""Is the kept bench database still built from today's migration files?

The bench keeps its database between runs (generating 100,000 cases takes many minutes). New
migrations are fine (``migrate`` applies them); but a migration that was *edited* or *removed*
since the database was built (usual while an app is still being written) leaves the schema
behind, so bench/run rebuilds the database. ``python -m bench.dbstamp check|write FILE``.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def migration_hashes(root: Path = ROOT) -> dict[str, str]:
    files = sorted((root / "dahguide").glob("*/migrations/[0-9]*.py"))
    return {str(f.relative_to(root)): hashlib.sha256(f.read_bytes()).hexdigest() for f in files}


def stale(recorded: dict[str, str], current: dict[str, str]) -> list[str]:
    """Migrations the database was built from that have since changed or gone."""
    return sorted(path for path, digest in recorded.items() if current.get(path) != digest)


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in {"check", "write"}:
        print("usage: python -m bench.dbstamp check|write FILE", file=sys.stderr)
        return 64
    stamp = Path(argv[1])
    if argv[0] == "write":
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.write_text(json.dumps(migration_hashes(), indent=1), encoding="utf-8")
        return 0
    if not stamp.exists():
        return 0
    changed = stale(json.loads(stamp.read_text(encoding="utf-8")), migration_hashes())
    if changed:
        print("Migrations changed since the kept bench database was built: " + ", ".join(changed))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
