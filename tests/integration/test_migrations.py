"""Alembic: upgrade to head and back to base on an empty database, and the models match."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from subgraphs.registry import metadata
from tests.conftest import ADMIN_DATABASE_URL, _database_url, alembic_config

DESIGN_INDEXES = {
    "idx_users_email",
    "idx_users_role",
    "idx_payments_user_id",
    "idx_payments_status",
    "idx_payments_created_at",
    "idx_refresh_tokens_user_id",
    "idx_refresh_tokens_token",
    "idx_audit_logs_user_id",
    "idx_audit_logs_created_at",
}


async def _tables(connection: asyncpg.Connection) -> set[str]:
    rows = await connection.fetch(
        "SELECT table_schema || '.' || table_name AS name FROM information_schema.tables "
        "WHERE table_schema IN ('auth', 'payments', 'admin', 'profile', 'events')"
    )
    return {row["name"] for row in rows}


async def test_upgrade_and_downgrade_on_an_empty_database() -> None:
    name = f"mfe_migrations_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(ADMIN_DATABASE_URL)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = _database_url(name)
    config = alembic_config(url)
    try:
        await asyncio.to_thread(command.upgrade, config, "heads")
        connection = await asyncpg.connect(url)
        try:
            tables = await _tables(connection)
            assert {
                "auth.users",
                "auth.refresh_tokens",
                "payments.payments",
                "payments.payment_transactions",
                "admin.audit_logs",
                "admin.system_config",
                "profile.user_profiles",
            } <= tables
            indexes = {
                row["indexname"]
                for row in await connection.fetch("SELECT indexname FROM pg_indexes")
            }
            assert indexes >= DESIGN_INDEXES
            user_id = await connection.fetchval(
                "INSERT INTO auth.users (email, password_hash, name, role) "
                "VALUES ('m@example.com', 'x', 'M', 'CUSTOMER') RETURNING id"
            )
            before = await connection.fetchval(
                "SELECT updated_at FROM auth.users WHERE id = $1", user_id
            )
            await connection.execute("UPDATE auth.users SET name = 'N' WHERE id = $1", user_id)
            after = await connection.fetchval(
                "SELECT updated_at FROM auth.users WHERE id = $1", user_id
            )
            assert after >= before
            bad_role = connection.execute(
                "INSERT INTO auth.users (email, password_hash, name, role) "
                "VALUES ('r@example.com', 'x', 'R', 'ROOT')"
            )
            try:
                await bad_role
                raise AssertionError("the role CHECK constraint did not fire")
            except asyncpg.CheckViolationError:
                pass
        finally:
            await connection.close()

        engine = create_async_engine(config.attributes["url"])
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"include_schemas": True}), metadata
                )
            )
        await engine.dispose()
        assert [d for d in diff if _in_domain(d)] == []

        await asyncio.to_thread(command.downgrade, config, "base")
        connection = await asyncpg.connect(url)
        try:
            assert await _tables(connection) == set()
        finally:
            await connection.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def _in_domain(difference: object) -> bool:
    text = repr(difference)
    return any(
        f"'{schema}'" in text for schema in ("auth", "payments", "admin", "profile", "events")
    )


async def test_0009_indexes_the_parties_of_the_ledger_rows_it_finds() -> None:
    """Ledger rows written before 0009 get their parties (the owner; the customer when another
    user); a row written after it, and a customer set after it, get theirs from the triggers."""
    name = f"mfe_migrations_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(ADMIN_DATABASE_URL)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = _database_url(name)
    config = alembic_config(url)
    user = "INSERT INTO auth.users (email, password_hash, name, role) VALUES ($1, 'x', 'U', $2) "
    payment = (
        "INSERT INTO payments.payments (user_id, customer_id, amount, status, type) "
        "VALUES ($1, $2, 10, 'initiated', 'initiate') RETURNING id"
    )
    entry = (
        "INSERT INTO payments.payment_transactions (payment_id, transaction_type, amount, "
        "status) VALUES ($1, 'created', 10, 'initiated') RETURNING seq"
    )
    parties = "SELECT party_id, seq, owns FROM payments.ledger_parties ORDER BY seq, owns DESC"
    try:
        await asyncio.to_thread(command.upgrade, config, "0008")
        connection = await asyncpg.connect(url)
        try:
            vendor = await connection.fetchval(user + "RETURNING id", "v@example.com", "VENDOR")
            customer = await connection.fetchval(user + "RETURNING id", "c@example.com", "CUSTOMER")
            addressed = await connection.fetchval(payment, vendor, customer)
            unaddressed = await connection.fetchval(payment, vendor, None)
            first = await connection.fetchval(entry, addressed)
            second = await connection.fetchval(entry, unaddressed)
            await asyncio.to_thread(command.upgrade, config, "0009")
            assert [tuple(row) for row in await connection.fetch(parties)] == [
                (vendor, first, True),
                (customer, first, False),
                (vendor, second, True),
            ]
            third = await connection.fetchval(entry, unaddressed)
            await connection.execute(
                "UPDATE payments.payments SET customer_id = $1 WHERE id = $2", customer, unaddressed
            )
            assert [tuple(row) for row in await connection.fetch(parties)][2:] == [
                (vendor, second, True),
                (customer, second, False),
                (vendor, third, True),
                (customer, third, False),
            ]
            await asyncio.to_thread(command.downgrade, config, "0008")
            assert "payments.ledger_parties" not in await _tables(connection)
        finally:
            await connection.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def test_0012_counts_the_audit_rows_it_finds_and_the_triggers_keep_the_count() -> None:
    name = f"mfe_migrations_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(ADMIN_DATABASE_URL)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = _database_url(name)
    config = alembic_config(url)
    insert = "INSERT INTO admin.audit_logs (action) SELECT 'x' FROM generate_series(1, $1)"
    tally = "SELECT coalesce(sum(rows), 0) FROM admin.audit_log_tally"
    try:
        await asyncio.to_thread(command.upgrade, config, "0011")
        connection = await asyncpg.connect(url)
        try:
            await connection.execute(insert, 3)
            await asyncio.to_thread(command.upgrade, config, "0012")
            assert await connection.fetchval(tally) == 3
            await connection.execute(insert, 2)
            assert await connection.fetchval(tally) == 5
            await connection.execute("TRUNCATE admin.audit_logs")
            assert await connection.fetchval(tally) == 0
            await asyncio.to_thread(command.downgrade, config, "0011")
            assert "admin.audit_log_tally" not in await _tables(connection)
        finally:
            await connection.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
