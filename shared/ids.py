"""Identifiers of rows written at a high rate: UUIDv7 (RFC 9562), time-ordered.

A table's new rows then land at the right end of its primary-key index (and of any index
leading with such an id, e.g. a consumer's processed events), as a sequence would: PostgreSQL
inserts into the B-tree's last leaf without descending it, one page stays hot instead of a random
page per row, and after a checkpoint a page is logged whole (full-page write) once, not once per
row. The 74 random bits keep an id unguessable; its first 48 bits tell the millisecond it was
made (the row's created_at, which its readers see anyway)."""

from __future__ import annotations

import os
import time
import uuid

_VERSION_AND_VARIANT = (0x7 << 76) | (0b10 << 62)
_RANDOM_HIGH = 0xFFF << 64  # 12 random bits after the version
_RANDOM_LOW = (1 << 62) - 1  # 62 random bits after the variant


def uuid7() -> uuid.UUID:
    """A new UUIDv7: the Unix time in milliseconds, then 74 random bits."""
    random = int.from_bytes(os.urandom(10), "big")
    millis = time.time_ns() // 1_000_000
    return uuid.UUID(
        int=(millis << 80)
        | _VERSION_AND_VARIANT
        | ((random << 2) & _RANDOM_HIGH)
        | (random & _RANDOM_LOW)
    )
