"""Request id and security headers on every response (pure ASGI middleware)."""

from __future__ import annotations

import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "x-request-id"
REQUEST_ID_HEADER_RAW = REQUEST_ID_HEADER.encode()
API_CSP = "default-src 'none'; frame-ancestors 'none'"
# GraphiQL (router/edge/graphiql.py) is served by the router itself: scripts only from the
# router, no inline script. GraphiQL inserts <style> elements at run time (its dialogs' scroll
# lock), so styles need 'unsafe-inline'; its fonts are data: URLs in its CSS.
GRAPHIQL_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
# Swagger UI's pages (/api/docs, /api/<name>/docs) send shared.http.swagger.SWAGGER_CSP.


def _valid_request_id(value: str | None) -> bool:
    return (
        bool(value)
        and len(value or "") <= 128
        and all(c.isalnum() or c in "-_." for c in value or "")
    )


class EdgeHeadersMiddleware:
    """Sets ``scope["state"]["request_id"]`` (incoming X-Request-ID or a new uuid4 hex) and adds
    it, nosniff, frame deny, referrer policy, a CSP and (in production) HSTS to responses."""

    def __init__(self, app: ASGIApp, production: bool) -> None:
        self.app = app
        self.production = production
        defaults = [
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"no-referrer"),
            (b"content-security-policy", API_CSP.encode()),
        ]
        if production:
            defaults.append((b"strict-transport-security", b"max-age=63072000; includeSubDomains"))
        self.defaults = defaults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = next(
            (v.decode("latin-1") for k, v in scope["headers"] if k == b"x-request-id"), None
        )
        request_id = incoming if incoming and _valid_request_id(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id

        request_id_header = (REQUEST_ID_HEADER_RAW, request_id.encode("latin-1"))
        defaults = self.defaults

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # The request id replaces any the answer has; each default header is added
                # unless the answer set its own (e.g. GraphiQL's CSP).
                headers = [h for h in message.get("headers", ()) if h[0] != REQUEST_ID_HEADER_RAW]
                names = {name for name, _ in headers}
                headers.append(request_id_header)
                headers.extend(h for h in defaults if h[0] not in names)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
