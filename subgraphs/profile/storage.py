"""Where avatar files live. The default writes to a data folder; another backend (object
storage) only has to provide the three methods of `AvatarStorage`."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Protocol

_NAME = re.compile(r"^[0-9a-f]{32}\.(png|jpg|webp)$")


def is_storage_name(name: str) -> bool:
    """Names are generated (`<32 hex>.<ext>`): nothing a client sends can leave the folder."""
    return bool(_NAME.match(name))


class AvatarStorage(Protocol):
    async def save(self, name: str, data: bytes) -> None: ...

    async def read(self, name: str) -> bytes | None: ...

    async def delete(self, name: str) -> None: ...


class FolderStorage:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, name: str) -> Path:
        if not is_storage_name(name):
            raise ValueError(f"not a storage name: {name!r}")
        return self.root / name

    async def save(self, name: str, data: bytes) -> None:
        path = self._path(name)

        def write() -> None:
            self.root.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(".part")
            temporary.write_bytes(data)
            temporary.replace(path)  # readers never see half a file

        await asyncio.to_thread(write)

    async def read(self, name: str) -> bytes | None:
        path = self._path(name)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            return None

    async def delete(self, name: str) -> None:
        await asyncio.to_thread(self._path(name).unlink, missing_ok=True)
