from __future__ import annotations

import io
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from shared.config import Settings
from shared.graphql.context import Resources
from subgraphs.profile.app import create_app
from subgraphs.profile.settings import ProfileSettings
from tests.integration.conftest import ApiClient


@pytest.fixture
def avatar_dir(tmp_path: Path) -> Path:
    return tmp_path / "avatars"


@pytest.fixture
async def api(client_for: Callable[..., Any], avatar_dir: Path) -> AsyncIterator[ApiClient]:
    config = ProfileSettings(avatar_dir=avatar_dir, _env_file=None)  # type: ignore[call-arg]

    def factory(settings: Settings, resources: Resources) -> Any:
        return create_app(settings, resources, profile_settings=config)

    async with client_for(factory) as client:
        yield client


def image_bytes(size: tuple[int, int], kind: str = "PNG") -> bytes:
    """A real image made with Pillow."""
    out = io.BytesIO()
    Image.new("RGB", size, (200, 40, 90)).save(out, format=kind)
    return out.getvalue()
