"""The client's address, believing `X-Forwarded-For` only from trusted proxies."""

from __future__ import annotations

from collections.abc import Collection


def client_ip(peer: str | None, forwarded_for: str | None, trusted: Collection[str]) -> str:
    """Walk `X-Forwarded-For` from the right, skipping trusted hops; the first untrusted is the
    client. A peer that is not trusted is the client itself, whatever header it sent."""
    address = peer or "unknown"
    if address not in trusted or not forwarded_for:
        return address
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if hop not in trusted:
            return hop
    return hops[0] if hops else address
