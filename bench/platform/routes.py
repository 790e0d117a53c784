"""The hot routes `make bench-platform` measures, and the wrk script that sends each one.

Every request of a run names a different user than the requests around it (the users are
taken in turn, many more of them than connections), so no two requests in flight are the same
and neither the router's inbound de-duplication nor any per-user cache can help."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.platform.seed import PASSWORD, Seeded, SeededUser

ME_QUERY = (
    "{ me { name profile { bio } payments(first: 20) { edges { node { id amount currency "
    "status type description createdAt } } pageInfo { hasNextPage endCursor } } } }"
)


@dataclass(frozen=True)
class Route:
    """One request kind. `subgraph` is where it can be sent directly (None: router only);
    `rows` how many objects carrying all of `row_keys` a correct answer holds."""

    name: str
    method: str
    path: Callable[[SeededUser], str]
    users: Callable[[Seeded], list[SeededUser]]
    subgraph: str | None
    status: int = 200
    body: Callable[[SeededUser], dict[str, Any]] | None = None
    authorised: bool = True
    fresh_key: bool = False
    graphql: bool = False
    rows: int = 0
    row_keys: frozenset[str] = frozenset()

    @property
    def reads(self) -> bool:
        return self.method == "GET" or self.graphql


def _customers(seeded: Seeded) -> list[SeededUser]:
    return seeded.customers


def _admins(seeded: Seeded) -> list[SeededUser]:
    return seeded.admins


PAYMENT_KEYS = frozenset({"id", "amount", "currency", "type"})

ROUTES = [
    Route(
        "GET /api/payments?limit=20",
        "GET",
        lambda _: "/api/payments?limit=20",
        _customers,
        "payments",
        rows=20,
        row_keys=PAYMENT_KEYS,
    ),
    Route(
        "GET /api/payments/{id}",
        "GET",
        lambda user: f"/api/payments/{user.payment_id}",
        _customers,
        "payments",
        rows=1,
        row_keys=PAYMENT_KEYS,
    ),
    Route("GET /api/auth/me", "GET", lambda _: "/api/auth/me", _customers, "auth"),
    Route("GET /api/profile", "GET", lambda _: "/api/profile", _customers, "profile"),
    Route(
        "GET /api/admin/users (20 rows)",
        "GET",
        lambda _: "/api/admin/users?pageSize=20",
        _admins,
        "admin",
        rows=20,
        row_keys=frozenset({"id", "email", "role"}),
    ),
    Route(
        "GraphQL me { name profile payments(first: 20) }",
        "POST",
        lambda _: "/graphql",
        _customers,
        None,
        body=lambda _: {"query": ME_QUERY},
        graphql=True,
        rows=20,
        row_keys=PAYMENT_KEYS,
    ),
    Route(
        "POST /api/payments (new Idempotency-Key)",
        "POST",
        lambda _: "/api/payments",
        _customers,
        "payments",
        status=201,
        body=lambda _: {"type": "payment", "amount": 12.5, "currency": "USD"},
        fresh_key=True,
        rows=1,
        row_keys=PAYMENT_KEYS,
    ),
    Route(
        "POST /api/auth/login",
        "POST",
        lambda _: "/api/auth/login",
        _customers,
        "auth",
        body=lambda user: {"email": user.email, "password": PASSWORD},
        authorised=False,
    ),
]


def headers_of(route: Route, user: SeededUser, secret: str | None) -> dict[str, str]:
    """The request's headers (`secret`: sent straight to a subgraph, as the router would)."""
    headers = {"Accept": "application/json"}
    if route.body is not None:
        headers["Content-Type"] = "application/json"
    if route.authorised:
        headers["Authorization"] = f"Bearer {user.token}"
    if secret is not None:
        headers["X-Router-Secret"] = secret
    return headers


def count_rows(answer: Any, keys: frozenset[str]) -> int:
    """How many objects in `answer` carry every one of `keys` (nested ones included)."""
    if isinstance(answer, list):
        return sum(count_rows(item, keys) for item in answer)
    if isinstance(answer, dict):
        own = 1 if keys <= answer.keys() else 0
        return own + sum(count_rows(value, keys) for value in answer.values())
    return 0


def _lua(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid Lua string literal here (ASCII only)


def wrk_script(route: Route, users: list[SeededUser], secret: str | None, nonce: str) -> str:
    """A wrk script sending `route` for each user in turn; a POST with `fresh_key` carries an
    Idempotency-Key never used before. `done` prints the summary as one JSON line."""
    entries = []
    for user in users:
        headers = headers_of(route, user, secret)
        body = json.dumps(route.body(user)) if route.body else None
        lua_headers = ", ".join(f"[{_lua(k)}] = {_lua(v)}" for k, v in headers.items())
        entries.append(
            f"{{path = {_lua(route.path(user))}, headers = {{{lua_headers}}}, "
            f"body = {_lua(body) if body else 'nil'}}}"
        )
    return (
        "local entries = {\n  "
        + ",\n  ".join(entries)
        + "\n}\n"
        + f"local method = {_lua(route.method)}\n"
        + f"local fresh_key = {'true' if route.fresh_key else 'false'}\n"
        + f"local nonce = {_lua(nonce)}\n"
        + WRK_FOOTER
    )


WRK_FOOTER = """
local counter = 0
local prepared = {}
init = function(args)
  for i, e in ipairs(entries) do
    prepared[i] = wrk.format(method, e.path, e.headers, e.body)
  end
end
request = function()
  counter = counter + 1
  local i = (counter % #entries) + 1
  if fresh_key then
    local e = entries[i]
    e.headers["Idempotency-Key"] = nonce .. "-" .. counter
    return wrk.format(method, e.path, e.headers, e.body)
  end
  return prepared[i]
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\n{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "errors": %d, '
    .. '"non2xx": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""
