from __future__ import annotations

import pytest

from dahguide.engine.content import Snapshot
from tests.engine.snapshot_factory import make_snapshot


@pytest.fixture(scope="session")
def snapshot() -> Snapshot:
    return make_snapshot()
