"""`settle_heap`: start-up's objects frozen out of the collector's sight, fewer collections."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.heap import THRESHOLDS, settle_heap


@pytest.fixture
def restored_gc() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("restored_gc")
def test_start_up_objects_are_frozen_and_collections_rarer() -> None:
    kept = [object() for _ in range(10)]  # alive when start-up ends
    settle_heap()
    assert gc.get_freeze_count() >= len(kept)
    assert gc.get_threshold() == THRESHOLDS


@pytest.mark.usefixtures("restored_gc")
def test_the_routers_worker_settles_its_heap(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from router.serve import SUPERGRAPH_ENV, app_from_env

    monkeypatch.setenv(SUPERGRAPH_ENV, str(tmp_path / "supergraph.yaml"))  # read at start-up
    gc.unfreeze()
    app_from_env()
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == THRESHOLDS
