"""Where platform settings are mirrored in Redis for services that have no database.

`shared.config_store` keeps a copy of every stored setting in the hash `MIRROR_KEY` (field:
setting name, value: its stored JSON), without expiry, rewritten whenever a service reads the
settings from PostgreSQL and after every admin change. The router reads it from here; this
module stays free of database imports so the router's start-up does not pay for them.
"""

from __future__ import annotations

MIRROR_KEY = "config:{settings}:current"  # one hash slot with the cache (Redis Cluster)
RATE_LIMIT_PER_MINUTE = "rate_limit.requests_per_minute"
