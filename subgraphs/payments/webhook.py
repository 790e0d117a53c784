"""`POST /api/payments/webhooks/processor`: an external processor reports a payment's outcome.

The processor signs `"{timestamp}.{body}"` with HMAC-SHA256 and the shared secret and sends
`X-Processor-Timestamp` (Unix seconds) and `X-Processor-Signature: sha256=<hex>`. Reports
older (or newer) than the tolerance are refused; an event id already applied is acknowledged
without being applied again."""

from __future__ import annotations

import hashlib
import hmac
import time

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shared.db import transaction
from shared.errors import AppError, ServiceUnavailable, ValidationFailed
from shared.graphql.context import Resources
from shared.http.body import read_body
from shared.http.responses import failure, success
from shared.validation import parse_command
from subgraphs.payments import commands
from subgraphs.payments.errors import InvalidSignature
from subgraphs.payments.processors import processor_for
from subgraphs.payments.service import PaymentService
from subgraphs.payments.settings import PaymentsSettings

PATH = "/api/payments/webhooks/processor"
TIMESTAMP_HEADER = "X-Processor-Timestamp"
SIGNATURE_HEADER = "X-Processor-Signature"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def verify(
    secret: str, timestamp: str | None, signature: str | None, body: bytes, tolerance: int
) -> None:
    if not timestamp or not signature or not timestamp.isdigit():
        raise InvalidSignature()
    if abs(time.time() - int(timestamp)) > tolerance:
        raise InvalidSignature("The webhook timestamp is outside the accepted window")
    if not hmac.compare_digest(sign(secret, timestamp, body), signature):
        raise InvalidSignature()


def webhook_route(config: PaymentsSettings) -> Route:
    processor = processor_for(config)

    async def receive(request: Request) -> Response:
        resources: Resources = request.app.state.resources
        try:
            if not config.webhook_secret:
                raise ServiceUnavailable("The processor webhook is not configured")
            body = await read_body(request, resources.settings.max_body_bytes)
            verify(
                config.webhook_secret,
                request.headers.get(TIMESTAMP_HEADER),
                request.headers.get(SIGNATURE_HEADER),
                body,
                config.webhook_tolerance_seconds,
            )
            try:
                payload = orjson.loads(body)
            except orjson.JSONDecodeError:
                raise ValidationFailed("The body is not valid JSON") from None
            outcome = parse_command(commands.ProcessorOutcome, payload)
            async with transaction(resources.session_factory) as session:
                applied = await PaymentService(session, processor).apply_processor_outcome(outcome)
        except AppError as error:
            return failure(error)
        return success({"eventId": outcome.id, "applied": applied})

    return Route(PATH, receive, methods=["POST"])
