"""What every resolver gets: the caller, one database session, Redis, settings, loaders."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from graphql import FieldNode, OperationDefinitionNode
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.config import Settings
from shared.config_store import (
    CACHE_KEY,
    MAINTENANCE_MODE,
    read_stored,
    setting_value,
    stored_of_cache,
)
from shared.db import untouched
from shared.errors import AppError, ServiceUnavailable, Unauthorized
from shared.redis_lean import LeanRedis
from shared.security.denylist import is_revoked_by, revocation_keys
from shared.security.tokens import AccessClaims, bearer_token, decode_access_token

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class Resources:
    """Process-wide handles a service opens at start-up and closes at shutdown."""

    settings: Settings
    session_factory: async_sessionmaker[AsyncSession]
    redis: Redis
    # Sessions in autocommit for the reads of queries (default: `session_factory`).
    read_session_factory: async_sessionmaker[AsyncSession] | None = None
    # The per-request read (deny-list + run-time settings) on a lean connection to the same
    # Redis (default: `redis`, through redis-py).
    lean_redis: LeanRedis | None = None


@dataclass
class RequestContext:
    """Per-request state. The session is opened on first use and committed by the
    transaction extension when the operation ends without errors. `read_only` is set when
    the operation is a query: its reads then need no transaction (`read_session`)."""

    resources: Resources
    authorization: str | None = None
    client_ip: str = "unknown"
    user_agent: str | None = None
    request_id: str | None = None
    idempotency_key: str | None = None
    loaders: dict[str, Any] = field(default_factory=dict)
    read_only: bool = False
    _session: AsyncSession | None = None
    _read_session: AsyncSession | None = None
    _viewer: asyncio.Future[AccessClaims | None] | None = None
    _stored_settings: asyncio.Future[dict[str, Any]] | None = None

    @property
    def settings(self) -> Settings:
        return self.resources.settings

    @property
    def redis(self) -> Redis:
        return self.resources.redis

    def session(self) -> AsyncSession:
        if self._session is None:
            self._session = self.resources.session_factory()
        return self._session

    def read_session(self) -> AsyncSession:
        """The session to read with. In a query, one whose statements run in autocommit (no
        BEGIN/COMMIT round trips); in a mutation, or once the request has written, the
        request's transaction, so that reads see what it wrote."""
        factory = self.resources.read_session_factory
        if not self.read_only or self._session is not None or factory is None:
            return self.session()
        if self._read_session is None:
            self._read_session = factory()
        return self._read_session

    def autocommit_session(self, info: Any) -> AsyncSession | None:
        """A session whose statements each commit on their own (the reads' autocommit session)
        for the resolver of `info`, when its field is the operation's only root field: a change
        it writes in one statement is then a transaction by itself, with no BEGIN/COMMIT round
        trips, and nothing after it in the operation can fail and have to undo it. None when
        the operation has other root fields (a later one may fail: an operation with an error
        commits nothing, so the change belongs in the request's transaction) or there is no
        autocommit factory."""
        factory = self.resources.read_session_factory
        if factory is None or not _only_root_field(info.operation):
            return None
        if self._read_session is None:
            self._read_session = factory()
        return self._read_session

    async def finish(self, *, commit: bool) -> None:
        """End the request's transaction: commit on success, roll back otherwise."""
        reads, self._read_session = self._read_session, None
        session, self._session = self._session, None
        try:
            # A session the request never used (a creation in autocommit, say) is left as is.
            if session is not None and not untouched(session):
                try:
                    if commit:
                        await session.commit()
                    else:
                        await session.rollback()
                finally:
                    await session.close()
        finally:
            if reads is not None:
                await reads.close()

    async def viewer(self) -> AccessClaims | None:
        """The verified caller, or None when no token was sent. A token that is invalid,
        expired or revoked raises Unauthorized; the deny-list fails closed."""
        # One check per request, shared by every resolver that asks at the same time (so the
        # entity resolvers of one `_entities` call still reach their DataLoader together). The
        # first asker runs it itself (no task to schedule); the others wait for its answer.
        pending = self._viewer
        if pending is not None:
            return await asyncio.shield(pending)
        answer: asyncio.Future[AccessClaims | None] = asyncio.get_running_loop().create_future()
        self._viewer = answer
        try:
            claims = await self._authenticate()
        except asyncio.CancelledError:
            self._viewer = None  # not answered: whoever asks next checks again
            answer.cancel()
            raise
        except BaseException as exc:
            answer.set_exception(exc)
            answer.exception()  # retrieved here: no "never retrieved" warning without waiters
            raise
        answer.set_result(claims)
        return claims

    async def require_viewer(self) -> AccessClaims:
        claims = await self.viewer()
        if claims is None:
            raise Unauthorized()
        return claims

    async def _authenticate(self) -> AccessClaims | None:
        token = bearer_token(self.authorization)
        if token is None:
            return None
        claims = decode_access_token(token, self.settings)
        # The run-time settings (`setting`, e.g. the maintenance check of every guarded field)
        # come in the same round trip as the deny-list: one Redis call per request, not two.
        keys = [*revocation_keys(claims)]
        if self._stored_settings is None:
            keys.append(CACHE_KEY)
        lean = self.resources.lean_redis
        try:
            values = await (self.redis.mget(keys) if lean is None else lean.mget(keys))
        except (RedisError, OSError) as exc:
            logger.error("deny-list unavailable; refusing the token", exc_info=exc)
            raise ServiceUnavailable("Authentication is temporarily unavailable") from exc
        if is_revoked_by(claims, values[0], values[1]):
            raise Unauthorized("The access token has been revoked", code="TOKEN_REVOKED")
        if len(values) > 2 and values[2] is not None and self._stored_settings is None:
            cached: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
            cached.set_result(stored_of_cache(values[2]))
            self._stored_settings = cached
        return claims

    async def in_maintenance(self) -> bool:
        return bool(await self.setting(MAINTENANCE_MODE))

    async def setting(self, name: str) -> Any:
        """A run-time setting (`shared.config_store`); all of them are read once per request."""
        if self._stored_settings is None:
            self._stored_settings = asyncio.ensure_future(
                read_stored(self.read_session(), self.redis)
            )
        return setting_value(await asyncio.shield(self._stored_settings), self.settings, name)

    def loader(self, name: str, factory: Any) -> Any:
        """A per-request DataLoader, created on first use."""
        if name not in self.loaders:
            self.loaders[name] = factory()
        return self.loaders[name]


def _only_root_field(operation: OperationDefinitionNode) -> bool:
    """True when `operation` selects one root field, written as such (a fragment at the root
    may hold several)."""
    selections = operation.selection_set.selections
    return len(selections) == 1 and isinstance(selections[0], FieldNode)


def context_of(info: Any) -> RequestContext:
    context = info.context
    if not isinstance(context, RequestContext):
        raise AppError("GraphQL context is not a RequestContext")
    return context
