"""Platform settings an admin changes at run time, readable by every service.

Each key has a type, a JSON schema and a default. The admin domain validates and stores
changes in `admin.system_config`; any service reads them with `read_setting`, which keeps all
stored values in Redis for `CACHE_TTL_SECONDS` (the admin domain refreshes them on change), so
a change takes effect without a restart. Every read from PostgreSQL also rewrites the
expiry-free mirror of `shared.config_mirror`, which the router (no database) reads. This module
is the contract between the admin domain and its readers, as `shared.events.catalog` is for
events; the read is one `SELECT` on the small `admin.system_config (key, value)` table."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Annotated, Any, get_args, get_origin

from pydantic import AfterValidator, Field, TypeAdapter, ValidationError
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.config import Settings
from shared.config_mirror import MIRROR_KEY, RATE_LIMIT_PER_MINUTE
from shared.http.responses import dumps

logger = logging.getLogger(__name__)

CACHE_TTL_SECONDS = 10
CENT = Decimal("0.01")
CACHE_KEY = "config:{settings}:stored"  # same hash slot as the mirror (one MULTI)
_READ_ALL = text("SELECT key, value FROM admin.system_config")

AUTH_MAX_FAILED_LOGINS = "auth.max_failed_logins"
AUTH_MAX_FAILED_LOGINS_PER_IP = "auth.max_failed_logins_per_ip"
PAYMENTS_MAX_AMOUNT = "payments.max_amount"
LARGEST_AMOUNT = Decimal("99999999.99")  # NUMERIC(10, 2)
MAINTENANCE_MODE = "maintenance_mode"


@dataclass(frozen=True)
class ConfigKey:
    """One setting: `parse` validates a new value as strict JSON (no "5" for 5, no 1 for
    true); stored values are JSON (`dump`) and read back with `load`."""

    name: str
    description: str
    type_: Any
    default: Callable[[Settings], Any]
    schema: dict[str, Any] | None = None  # when pydantic's JSON schema says less than `parse`

    @cached_property
    def adapter(self) -> TypeAdapter[Any]:
        return TypeAdapter(self.type_)

    def parse(self, value: Any) -> Any:
        """The validated value; raises pydantic's ValidationError. For an integer setting a
        number with no fractional part is an integer, as in JSON Schema (1715.0 is 1715)."""
        is_number = isinstance(value, Decimal | float) and not isinstance(value, bool)
        base = get_args(self.type_)[0] if get_origin(self.type_) is Annotated else self.type_
        if base is int and is_number and value % 1 == 0:
            value = int(value)
        return self.adapter.validate_json(dumps(value), strict=True)

    def dump(self, value: Any) -> Any:
        return self.adapter.dump_python(value, mode="json")

    def load(self, stored: Any) -> Any:
        return self.adapter.validate_python(stored, strict=False)

    def json_schema(self) -> dict[str, Any]:
        return self.schema or self.adapter.json_schema()


CONFIG_KEYS: dict[str, ConfigKey] = {
    key.name: key
    for key in (
        ConfigKey(
            RATE_LIMIT_PER_MINUTE,
            "Requests a client may make per minute through the router.",
            Annotated[int, Field(ge=1, le=100_000)],
            lambda _: 100,
        ),
        ConfigKey(
            AUTH_MAX_FAILED_LOGINS,
            "Failed sign-ins to one account (from any address) before signing in to it is "
            "paused for the rest of the 15-minute window.",
            Annotated[int, Field(ge=1, le=1000)],
            lambda settings: settings.login_max_failures,
        ),
        ConfigKey(
            AUTH_MAX_FAILED_LOGINS_PER_IP,
            "Failed sign-ins from one client address, over all accounts, before sign-in from "
            "it is paused for the rest of the 15-minute window (failed password resets have "
            "a budget of the same size of their own). Keep it well above "
            "auth.max_failed_logins: many people may share one address (an office, a carrier).",
            Annotated[int, Field(ge=1, le=100_000)],
            lambda settings: settings.login_max_failures_per_ip,
        ),
        ConfigKey(
            PAYMENTS_MAX_AMOUNT,
            "The largest amount one payment may have (by default the column's own limit).",
            Annotated[
                Decimal,
                Field(gt=0, le=LARGEST_AMOUNT, decimal_places=2),
                AfterValidator(lambda amount: amount.quantize(CENT)),
            ],
            lambda _: LARGEST_AMOUNT,
            {
                "type": "number",
                "exclusiveMinimum": 0,
                "maximum": 99999999.99,
                "multipleOf": 0.01,
            },
        ),
        ConfigKey(
            MAINTENANCE_MODE,
            "When true, the platform answers only administrators.",
            bool,
            lambda _: False,
        ),
    )
}


async def read_setting(session: AsyncSession, redis: Redis, settings: Settings, name: str) -> Any:
    """The current value of setting `name` (its default when never set)."""
    return setting_value(await read_stored(session, redis), settings, name)


async def read_stored(session: AsyncSession, redis: Redis) -> dict[str, Any]:
    """Every stored value (JSON form), from the cache. A Redis failure only costs the cache:
    the values are then read from the database."""
    cached: bytes | str | None = None
    try:
        cached = await redis.get(CACHE_KEY)
    except RedisError as exc:
        logger.warning("config cache unavailable", exc_info=exc)
    if cached is None:
        return await refresh(session, redis)
    return stored_of_cache(cached)


def stored_of_cache(cached: bytes | str) -> dict[str, Any]:
    """The stored values of the cache's entry (`CACHE_KEY`), for a caller that read it along
    with other keys in one round trip."""
    stored: dict[str, Any] = json.loads(cached)
    return stored


def setting_value(stored: dict[str, Any], settings: Settings, name: str) -> Any:
    """Setting `name` from the stored values of `read_stored` (its default when not stored)."""
    key = CONFIG_KEYS[name]
    value = stored.get(name)
    if value is None:
        return key.default(settings)
    try:
        return key.load(value)
    except ValidationError:
        logger.error("stored setting is invalid; using its default", extra={"key": name})
        return key.default(settings)


async def refresh(session: AsyncSession, redis: Redis) -> dict[str, Any]:
    """Every stored value (JSON form) read from the database, written to the cache and to
    the router's mirror in one Redis transaction. Called on a cache miss and after a change
    is committed; a Redis failure is logged and the values are still returned."""
    rows = await session.execute(_READ_ALL)
    stored: dict[str, Any] = {key: value for key, value in rows}
    try:
        async with redis.pipeline(transaction=True) as pipe:
            pipe.set(CACHE_KEY, json.dumps(stored), ex=CACHE_TTL_SECONDS)
            pipe.delete(MIRROR_KEY)
            if stored:
                pipe.hset(MIRROR_KEY, mapping={k: json.dumps(v) for k, v in stored.items()})
            await pipe.execute()
    except RedisError as exc:
        logger.warning("config cache unavailable", exc_info=exc)
    return stored
