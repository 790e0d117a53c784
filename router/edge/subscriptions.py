"""GraphQL over WebSocket (graphql-transport-ws) on ``/graphql``: subscriptions proxied.

The client's ``connection_init`` is forwarded to each subgraph that owns a ``Subscription``
root field (in practice one: one upstream connection per client connection), with the router
secret, ``X-Forwarded-For``, the request id and the trace headers on the handshake; the client
is acknowledged once every upstream acknowledged, and an upstream's refusal (close code and
reason) is passed on. ``subscribe`` messages are validated against the API schema at the router
and forwarded to the subgraph owning the subscription's root field; that subgraph's ``next`` /
``error`` / ``complete`` frames come back unchanged. A query or mutation sent over the socket
is executed by the gateway (one ``next`` + ``complete``). Every ``subscribe`` is first admitted
as an HTTP request would be (``admit``: token, deny-list, rate limit); a refusal is that
operation's ``error`` with the code (``RATE_LIMITED`` with ``retryAfter``, ``TOKEN_EXPIRED``, …)
and the connection stays open. Entity fields of other subgraphs
inside a subscription's selection are not resolved (the owning subgraph answers as it can).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import orjson
from starlette.websockets import WebSocket, WebSocketDisconnect
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException
from websockets.typing import Subprotocol

from router.executor.clients import ROUTER_SECRET_HEADER
from router.gateway import Gateway
from router.planner.planner import OperationError
from shared.errors import AppError

log = logging.getLogger("router.subscriptions")

PROTOCOL = "graphql-transport-ws"
INIT_TIMEOUT_SECONDS = 10.0
UPSTREAM_OPEN_TIMEOUT_SECONDS = 5.0


class Close(Exception):
    """Close the client connection with ``code`` and ``reason``."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def websocket_url(http_url: str) -> str:
    """``http(s)://host/graphql`` → ``ws(s)://host/graphql``."""
    if http_url.startswith("https://"):
        return "wss://" + http_url[len("https://") :]
    if http_url.startswith("http://"):
        return "ws://" + http_url[len("http://") :]
    return http_url


def subscription_owners(gateway: Gateway) -> dict[str, str]:
    """Each ``Subscription`` root field → the subgraph that resolves it."""
    supergraph = gateway.supergraph
    root = supergraph.root_types.get("subscription")
    meta = supergraph.types.get(root) if root else None
    if meta is None:
        return {}
    owners: dict[str, str] = {}
    for name in meta.fields:
        graphs = meta.resolving_graphs(name)
        if graphs:
            owners[name] = graphs[0]
    return owners


# Admits one operation of the connection's caller (its Authorization header, or None); raises
# AppError (RATE_LIMITED, TOKEN_REVOKED, …) when it may not run.
OperationAdmission = Callable[[str | None], Awaitable[None]]


async def _admit_all(_: str | None) -> None:
    return None


class SubscriptionProxy:
    """One client connection and its upstream connection(s)."""

    def __init__(
        self,
        client: WebSocket,
        gateway: Gateway,
        secret: str | None,
        headers: Mapping[str, str],
        connect_upstream: Callable[..., Any] = connect,
        admit: OperationAdmission = _admit_all,
    ) -> None:
        self.client = client
        self.admit = admit
        self.gateway = gateway
        self.secret = secret
        self.headers = dict(headers)
        self.connect_upstream = connect_upstream
        self.owners = subscription_owners(gateway)
        self.upstreams: dict[str, ClientConnection] = {}
        self.routes: dict[str, str] = {}  # subscription id → subgraph
        self.local: dict[str, asyncio.Task[None]] = {}  # queries/mutations run here
        self.send_lock = asyncio.Lock()

    async def run(self) -> None:
        readers: list[asyncio.Task[None]] = []
        try:
            init = await self._receive_init()
            await self._open_upstreams(init)
            readers = [
                asyncio.create_task(self._pump_upstream(graph, conn))
                for graph, conn in self.upstreams.items()
            ]
            await self._send({"type": "connection_ack"})
            await self._pump_client(readers)
        except Close as close:
            with contextlib.suppress(Exception):
                await self.client.close(close.code, close.reason)
        except WebSocketDisconnect:
            pass
        finally:
            for task in [*readers, *self.local.values()]:
                task.cancel()
            for conn in self.upstreams.values():
                with contextlib.suppress(Exception):
                    await conn.close()

    # client → router ------------------------------------------------------------------------

    async def _receive_json(self) -> dict[str, Any]:
        message = await self.client.receive()
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message.get("code", 1000))
        raw = message.get("text") or message.get("bytes") or b""
        try:
            payload = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise Close(4400, "Invalid message received") from None
        if not isinstance(payload, dict) or not isinstance(payload.get("type"), str):
            raise Close(4400, "Invalid message received")
        return payload

    async def _receive_init(self) -> dict[str, Any]:
        try:
            message = await asyncio.wait_for(self._receive_json(), INIT_TIMEOUT_SECONDS)
        except TimeoutError:
            raise Close(4408, "Connection initialisation timeout") from None
        if message["type"] != "connection_init":
            raise Close(4401, "Unauthorized")
        return message

    async def _pump_client(self, readers: list[asyncio.Task[None]]) -> None:
        receiving: asyncio.Task[dict[str, Any]] | None = None
        while True:
            receiving = asyncio.create_task(self._receive_json())
            done, _ = await asyncio.wait([receiving, *readers], return_when=asyncio.FIRST_COMPLETED)
            if receiving not in done:
                receiving.cancel()
                for reader in done:
                    reader.result()  # an upstream closed: raises Close
                return
            await self._on_client_message(receiving.result())

    async def _on_client_message(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "ping":
            await self._send({"type": "pong"})
        elif kind == "pong":
            return
        elif kind == "connection_init":
            raise Close(4429, "Too many initialisation requests")
        elif kind == "subscribe":
            await self._subscribe(message)
        elif kind == "complete":
            await self._complete(message)
        else:
            raise Close(4400, f"Unknown message type {kind!r}")

    async def _subscribe(self, message: dict[str, Any]) -> None:
        op_id = message.get("id")
        payload = message.get("payload")
        if not isinstance(op_id, str) or not isinstance(payload, dict):
            raise Close(4400, "Invalid subscribe message")
        if op_id in self.routes or op_id in self.local:
            raise Close(4409, f"Subscriber for {op_id} already exists")
        query = payload.get("query")
        name = payload.get("operationName")
        variables = payload.get("variables")
        if not isinstance(query, str):
            await self._error(op_id, [{"message": "The subscribe payload needs a 'query'"}])
            return
        try:
            await self.admit(self.headers.get("authorization"))
        except AppError as refused:
            await self._error(op_id, [_formatted(refused)])
            return
        operation_name = name if isinstance(name, str) else None
        try:
            prepared = self.gateway.prepare(query, operation_name)
        except OperationError as exc:
            await self._error(op_id, [e.formatted for e in exc.errors])
            return
        if prepared.kind != "subscription":
            values = variables if isinstance(variables, dict) else None
            self.local[op_id] = asyncio.create_task(
                self._execute(op_id, query, operation_name, values)
            )
            return
        fields = [
            s.name.value
            for s in prepared.operation.selection_set.selections
            if hasattr(s, "name") and s.name.value != "__typename"
        ]
        graphs = {self.owners.get(f) for f in fields}
        graph = graphs.pop() if len(graphs) == 1 else None
        if graph is None or graph not in self.upstreams:
            message_text = "A subscription selects exactly one root field of one subgraph"
            await self._error(op_id, [{"message": message_text}])
            return
        self.routes[op_id] = graph
        await self.upstreams[graph].send(orjson.dumps(message).decode())

    async def _complete(self, message: dict[str, Any]) -> None:
        op_id = message.get("id")
        if not isinstance(op_id, str):
            return
        task = self.local.pop(op_id, None)
        if task is not None:
            task.cancel()
        graph = self.routes.pop(op_id, None)
        if graph is not None:
            with contextlib.suppress(ConnectionClosed):
                await self.upstreams[graph].send(orjson.dumps(message).decode())

    async def _execute(
        self, op_id: str, query: str, name: str | None, variables: dict[str, Any] | None
    ) -> None:
        result = await self.gateway.execute(query, name, variables, self.headers)
        if self.local.pop(op_id, None) is None:
            return
        await self._send({"id": op_id, "type": "next", "payload": result})
        await self._send({"id": op_id, "type": "complete"})

    # router ↔ subgraphs -----------------------------------------------------------------------

    async def _open_upstreams(self, init: dict[str, Any]) -> None:
        params = init.get("payload")
        if isinstance(params, dict) and "authorization" not in self.headers:
            token = params.get("Authorization", params.get("authorization"))
            if isinstance(token, str):
                self.headers["authorization"] = token
        graphs = sorted(set(self.owners.values()))
        handshake = {k: v for k, v in self.headers.items() if v and k != "authorization"}
        if self.secret:
            handshake[ROUTER_SECRET_HEADER] = self.secret
        results = await asyncio.gather(
            *(self._open(graph, handshake, init) for graph in graphs), return_exceptions=True
        )
        for graph, result in zip(graphs, results, strict=True):
            if isinstance(result, BaseException):
                for conn in self.upstreams.values():
                    await conn.close()
                if isinstance(result, Close):
                    raise result
                log.warning("subscription upstream %s failed: %r", graph, result)
                raise Close(1011, f"The {graph} service is unavailable")

    async def _open(self, graph: str, headers: dict[str, str], init: dict[str, Any]) -> None:
        url = websocket_url(self.gateway.clients.urls[graph])
        try:
            conn: ClientConnection = await self.connect_upstream(
                url,
                subprotocols=[Subprotocol(PROTOCOL)],
                additional_headers=headers,
                open_timeout=UPSTREAM_OPEN_TIMEOUT_SECONDS,
            )
        except (InvalidStatus, WebSocketException, OSError, TimeoutError) as exc:
            raise Close(1011, f"The {graph} service is unavailable") from exc
        self.upstreams[graph] = conn
        await conn.send(orjson.dumps(init).decode())
        try:
            async with asyncio.timeout(INIT_TIMEOUT_SECONDS):
                while True:
                    reply = orjson.loads(await conn.recv())
                    if reply.get("type") == "connection_ack":
                        return
                    if reply.get("type") == "ping":
                        await conn.send('{"type":"pong"}')
        except ConnectionClosed as exc:
            received = exc.rcvd
            code = received.code if received else 1011
            raise Close(code, received.reason if received else "upstream closed") from exc
        except TimeoutError:
            raise Close(4408, "Connection initialisation timeout") from None

    async def _pump_upstream(self, graph: str, conn: ClientConnection) -> None:
        try:
            async for raw in conn:
                text = raw if isinstance(raw, str) else raw.decode()
                message = orjson.loads(text)
                kind = message.get("type")
                if kind == "ping":
                    await conn.send('{"type":"pong"}')
                    continue
                if kind == "pong":
                    continue
                if kind in ("error", "complete"):
                    self.routes.pop(message.get("id"), None)
                async with self.send_lock:
                    await self.client.send_text(text)
        except ConnectionClosed:
            pass
        code = conn.close_code
        if code is not None and code != 1000:
            raise Close(code, conn.close_reason or "")
        raise Close(1011, f"The {graph} service closed the connection")

    # router → client --------------------------------------------------------------------------

    async def _send(self, message: dict[str, Any]) -> None:
        async with self.send_lock:
            await self.client.send_text(orjson.dumps(message).decode())

    async def _error(self, op_id: str, errors: list[Any]) -> None:
        await self._send({"id": op_id, "type": "error", "payload": errors})


def _formatted(error: AppError) -> dict[str, Any]:
    """A refusal as a GraphQL error: the message, the code and the details as extensions."""
    extensions: dict[str, Any] = {"code": error.code}
    if isinstance(error.details, dict):
        extensions.update(error.details)
    return {"message": error.message, "extensions": extensions}
