"""Revision 0004 downgrades exactly: the schema after 0004 up and down equals the schema at 0003."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import uuid

import asyncpg
import pytest
from alembic import command

from tests.conftest import ADMIN_DATABASE_URL, _database_url, alembic_config


def _schema(url: str) -> str:
    dump = subprocess.run(  # noqa: S603 (our own test database URL)
        ["pg_dump", "--schema-only", "--no-owner", url],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return re.sub(r"^\\(un)?restrict .*$", "", dump, flags=re.MULTILINE)


@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="needs pg_dump")
async def test_0004_downgrade_restores_0003_exactly() -> None:
    name = f"mfe_0004_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(ADMIN_DATABASE_URL)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = _database_url(name)
    config = alembic_config(url)
    try:
        await asyncio.to_thread(command.upgrade, config, "0003")
        before = await asyncio.to_thread(_schema, url)
        await asyncio.to_thread(command.upgrade, config, "0004")
        assert await asyncio.to_thread(_schema, url) != before
        await asyncio.to_thread(command.downgrade, config, "0003")
        assert await asyncio.to_thread(_schema, url) == before
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
