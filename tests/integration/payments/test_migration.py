"""Revision 0003 downgrades to exactly the schema revision 0002 created."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
from alembic import command

from tests.conftest import ADMIN_DATABASE_URL, _database_url, alembic_config

SHAPE = {
    "columns": "SELECT table_name, column_name, data_type, is_nullable, column_default, "
    "is_identity FROM information_schema.columns WHERE table_schema = 'payments'",
    "constraints": "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
    "WHERE connamespace = 'payments'::regnamespace",
    "indexes": "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'payments'",
    "triggers": "SELECT tgname FROM pg_trigger WHERE tgrelid IN "
    "(SELECT oid FROM pg_class WHERE relnamespace = 'payments'::regnamespace)",
    "functions": "SELECT proname FROM pg_proc WHERE pronamespace = 'payments'::regnamespace",
}


async def _shape(url: str) -> dict[str, set[tuple[object, ...]]]:
    connection = await asyncpg.connect(url)
    try:
        return {
            name: {tuple(row) for row in await connection.fetch(query)}
            for name, query in SHAPE.items()
        }
    finally:
        await connection.close()


async def test_downgrade_of_0003_is_exact() -> None:
    name = f"mfe_payments_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(ADMIN_DATABASE_URL)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = _database_url(name)
    config = alembic_config(url)
    try:
        await asyncio.to_thread(command.upgrade, config, "0002")
        before = await _shape(url)
        await asyncio.to_thread(command.upgrade, config, "0003")
        upgraded = await _shape(url)
        assert upgraded["triggers"] - before["triggers"]
        await asyncio.to_thread(command.downgrade, config, "0002")
        assert await _shape(url) == before
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
