"""Async SQLAlchemy/SQLModel engine on asyncpg: one session (one transaction) per request."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from shared.config import Settings
from shared.observability.metrics import track_pool
from shared.observability.tracing import instrument_engine

DOMAIN_SCHEMAS = ("auth", "payments", "admin", "profile", "events")

# Constraint names that Alembic and the models agree on.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def make_engine(settings: Settings) -> AsyncEngine:
    engine = create_async_engine(
        settings.async_database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_size,
        pool_pre_ping=True,
        connect_args={"server_settings": {"timezone": "UTC"}},
    )
    track_pool(engine)
    instrument_engine(engine)
    return engine


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)


@asynccontextmanager
async def transaction(
    factory: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """A session whose work commits when the block ends cleanly and rolls back otherwise."""
    async with factory() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


def domain_tables(metadata: MetaData) -> list[str]:
    """Fully-qualified names of every table in the domain schemas (for truncation in tests)."""
    return [
        f"{table.schema}.{table.name}"
        for table in metadata.sorted_tables
        if table.schema in DOMAIN_SCHEMAS
    ]
