"""The cyclic garbage collector of the platform's long-running Python processes (the router, the
subgraphs, the relay, the consumers)."""

from __future__ import annotations

import gc

# A request allocates thousands of short-lived containers: with CPython's default gen-0
# threshold (700) the collector ran several times per request, and every full collection walked
# the ~140,000 objects start-up built (modules, schemas, prepared documents) again. POST
# /api/payments straight to its subgraph: 1.27-1.48 ms of the subgraph's CPU per creation
# instead of 1.64-1.71 ms (collections: 0.03 s instead of 0.25-0.30 s per 1,000 creations).
# The router, on a federated query: +27 % req/s (bench/router, query (a), no dedup: 1214 vs 953,
# median of 4) at the same RSS.
THRESHOLDS = (100_000, 50, 100)


def settle_heap() -> None:
    """Once start-up is done: collect what it left, move the rest out of the collector's sight
    (`gc.freeze`: it lives as long as the process), and collect less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
