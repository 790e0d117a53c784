"""Async SQLAlchemy/SQLModel engine on asyncpg: one session (one transaction) per request for
writes, and statements in autocommit for the reads of a query (no BEGIN/COMMIT round trips)."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import SimpleNamespace
from typing import Any

import orjson
from asyncpg import Connection, Record
from sqlalchemy import MetaData, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.util.concurrency import greenlet_spawn

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


def make_engine(settings: Settings, *, pre_ping: bool = True) -> AsyncEngine:
    """`pre_ping=False` for the request path: see `_replace_closed_connection`. Long-lived
    workers (relay, consumers), whose connections may sit idle through an outage, keep it."""
    engine = create_async_engine(
        settings.async_database_url,
        # Up to 2 x DB_POOL_SIZE connections, opened on demand and kept: as "overflow" they
        # were closed on return, so every burst above DB_POOL_SIZE paid new connections
        # (TLS attempt, authentication, type introspection) over and over.
        pool_size=2 * settings.db_pool_size,
        max_overflow=0,
        pool_pre_ping=pre_ping,
        connect_args={"server_settings": {"timezone": "UTC"}},
        json_deserializer=json_loads,
    )
    event.listen(engine.sync_engine, "checkout", _replace_closed_connection)
    track_pool(engine)
    instrument_engine(engine)
    return engine


# 19 digits in a row may be an integer past 64 bits, which orjson reads as a float.
_LONG_NUMBER = re.compile(r"\d{19}")


def json_loads(text: str | bytes) -> Any:
    """JSON (`json`/`jsonb` columns) to Python exactly as `json.loads` does, with orjson (a
    page of payments decodes ~80 small documents). A document with an integer orjson could
    not keep exact (past 64 bits, which `jsonb` may hold) takes `json.loads`."""
    if _LONG_NUMBER.search(text if isinstance(text, str) else text.decode()):
        return json.loads(text)
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # what orjson refuses and `json` takes (1e400: inf)
        return json.loads(text)


def _replace_closed_connection(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """A pooled connection whose socket is already closed (the server restarted or dropped it)
    is replaced before use. Unlike `pool_pre_ping` (BEGIN, an empty statement and ROLLBACK:
    three round trips on every checkout) this asks asyncpg, which saw the close, not the server.
    A connection that dies unseen fails its first statement: SQLAlchemy then invalidates the
    pool, the request answers 503 (retryable) and the next one gets a fresh connection."""
    raw = getattr(dbapi_connection, "_connection", None)
    if raw is not None and raw.is_closed():
        raise DisconnectionError("the pooled connection was closed by the server")


class ReadSession(AsyncSession):
    """A session for the reads of a query, whose statements run in autocommit. Its `fetch`
    reads take a connection straight from the engine's pool, held until the session closes:
    no SQLAlchemy Connection (isolation level set and reset, events, transaction state),
    whose checkout and return cost ~5 times as much CPU. Statements through `execute` still
    use a SQLAlchemy Connection of their own."""

    async def pooled(self) -> Any:
        """The pooled connection (`_ConnectionFairy`) of this session's `fetch` reads, taken
        once (concurrent first readers wait for the same one)."""
        pending: asyncio.Future[Any] | None = self.info.get(_POOLED)
        if pending is not None:
            return await asyncio.shield(pending)
        taken: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.info[_POOLED] = taken
        engine: AsyncEngine = self.bind  # type: ignore[assignment]
        try:
            held = await greenlet_spawn(engine.sync_engine.pool.connect)
        except BaseException:
            self.info.pop(_POOLED, None)
            taken.cancel()
            raise
        if self.info.get(_POOLED) is not taken:  # the session closed meanwhile
            await greenlet_spawn(held.close)
            raise RuntimeError("the read session was closed while it took a connection")
        taken.set_result(held)
        return held

    async def close(self) -> None:
        taken: asyncio.Future[Any] | None = self.info.pop(_POOLED, None)
        try:
            if taken is not None and taken.done() and not taken.cancelled():
                await greenlet_spawn(taken.result().close)  # back to the pool
        finally:
            await close_session(self)


async def close_session(session: AsyncSession) -> None:
    """`session.close()`, skipped for an untouched session (nothing to release; its close
    would cost a greenlet switch for nothing)."""
    if not untouched(session):
        await AsyncSession.close(session)


def untouched(session: AsyncSession) -> bool:
    """True when `session` never began a transaction and holds no object (say, one whose
    reads all went through `fetch`'s pooled connection, or one never used): nothing to
    commit, roll back or release."""
    return not (session.in_transaction() or session.identity_map or session.new)


_POOLED = "pooled connection"


async def fetch(session: AsyncSession, statement: str, *arguments: Any) -> list[Record]:
    """The rows of one SQL text run by asyncpg itself on `session`'s connection, for the hot
    reads: none of SQLAlchemy's statement building, cache keys, compiling and result
    processing (more CPU than the query's own round trip). asyncpg keeps each text prepared
    per connection, so a repeated read is parsed and planned once. As SQLAlchemy's own
    statements, it takes the connection's lock (one statement at a time) and runs in the
    session's transaction (begun here if needed); a `ReadSession`'s run in autocommit on its
    pooled connection. jsonb arrives decoded (`json_loads`), numeric as Decimal, uuid as
    `uuid.UUID`. Pending ORM changes are flushed first, as autoflush would before a query."""
    sync: Any = None
    if isinstance(session, ReadSession):
        adapted: Any = (await session.pooled()).dbapi_connection
        engine: AsyncEngine = session.bind  # type: ignore[assignment]
        events: Any = engine.sync_engine.dispatch
    else:
        if session.autoflush and (session.new or session.dirty or session.deleted):
            await session.flush()
        connection = await session.connection()
        adapted = (await connection.get_raw_connection()).dbapi_connection
        sync = connection.sync_connection
        events = sync.dispatch
    driver: Connection = adapted.driver_connection
    # The engine's statement events (tracing spans, tests that count statements) see it too.
    observed = bool(events.before_cursor_execute or events.after_cursor_execute)
    execution = SimpleNamespace()  # stands for the execution context the listeners annotate
    if observed:
        events.before_cursor_execute(sync, None, statement, arguments, execution, False)
    try:
        # SQLAlchemy's asyncpg adapter: the same lock and lazy BEGIN as its cursor's execute
        # (no BEGIN on a pooled connection, which is in no transaction).
        async with adapted._execute_mutex:
            if sync is not None and adapted._transaction is None:
                await adapted._start_transaction()
            rows: list[Record] = await driver.fetch(statement, *arguments)
            return rows
    finally:
        if observed:
            events.after_cursor_execute(sync, None, statement, arguments, execution, False)


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)


def make_read_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for the reads of a query, on the same pool: each statement runs in autocommit,
    so a read costs its statements' round trips and no BEGIN/COMMIT. Under READ COMMITTED a
    transaction would not give the statements one snapshot anyway."""
    reads = engine.execution_options(isolation_level="AUTOCOMMIT")
    return async_sessionmaker(reads, class_=ReadSession, expire_on_commit=False, autoflush=False)


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


# SQLSTATE of "the server is not there right now": connection exceptions (class 08), and
# admin/crash shutdown or "starting up" (57P01, 57P02, 57P03).
_UNAVAILABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03")


def is_backend_unavailable(error: BaseException | None) -> bool:
    """True when `error` (or what caused it) means PostgreSQL or Redis could not be reached or
    dropped the connection: a retry later may succeed (503), unlike a bug (500)."""
    import asyncpg
    import redis.exceptions

    seen = 0
    while error is not None and seen < 10:
        if isinstance(
            error,
            ConnectionError
            | TimeoutError
            | asyncpg.exceptions.ConnectionDoesNotExistError
            | redis.exceptions.ConnectionError
            | redis.exceptions.TimeoutError,
        ):
            return True
        sqlstate = getattr(error, "sqlstate", None)
        if isinstance(sqlstate, str) and sqlstate.startswith(_UNAVAILABLE_SQLSTATES):
            return True
        error = error.__cause__ or error.__context__
        seen += 1
    return False
