"""URLs of the bench-only views (bench/urls.py, bench/bare.py), importable without Django."""

BASELINE_PATH = "/bench/baseline/"
SNAPSHOT_PATH = "/bench/snapshot/"
BARE_PATH = "/bench/bare/"
