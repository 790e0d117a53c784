"""Dead letters after the cause is fixed: put a consumer's dead-lettered messages back on
their streams (`mfe events --replay <consumer>`).

A replayed message reaches every group of its stream again; the groups that handled it
already find their `processed_events` row and skip it, so only the failed consumer acts."""

from __future__ import annotations

from typing import Any, cast

from redis.asyncio import Redis

from shared.config import Settings
from shared.events.settings import EventSettings
from shared.events.streams import dead_letter_stream
from shared.resources import open_resources

ENTRY_FIELDS = ("id", "type", "envelope")
BATCH = 100


async def replay(redis: Redis, consumer: str, options: EventSettings | None = None) -> int:
    """Move every dead letter of `consumer` back to its stream; how many were moved."""
    max_length = (options or EventSettings()).stream_max_length
    source = dead_letter_stream(consumer)
    moved = 0
    while entries := await redis.xrange(source, count=BATCH):
        for entry_id, fields in cast(list[tuple[str, dict[str, str]]], entries):
            original: dict[Any, Any] = {name: fields[name] for name in ENTRY_FIELDS}
            async with redis.pipeline(transaction=True) as pipe:
                pipe.xadd(fields["stream"], original, maxlen=max_length, approximate=True)
                pipe.xdel(source, entry_id)
                await pipe.execute()
            moved += 1
    return moved


async def replay_dead_letters(settings: Settings, consumer: str) -> int:
    """Entry point for the CLI."""
    async with open_resources(settings) as resources:
        return await replay(resources.redis, consumer)
