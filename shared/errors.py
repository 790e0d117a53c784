"""One error model for every service, translated at the edge (REST envelope, GraphQL extensions)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar


class AppError(Exception):
    """An error a client may see: a stable code, a message, an HTTP status and details."""

    code: ClassVar[str] = "INTERNAL_ERROR"
    status: ClassVar[int] = 500
    default_message: ClassVar[str] = "Internal server error"

    def __init__(
        self,
        message: str | None = None,
        *,
        details: Any = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.details = details
        self.headers = headers or {}
        if code is not None:
            self.code = code  # type: ignore[misc]
        super().__init__(self.message)

    def to_body(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": self.details}


class ValidationFailed(AppError):
    code = "VALIDATION_ERROR"
    status = 400
    default_message = "The request is not valid"


class Unauthorized(AppError):
    code = "UNAUTHORIZED"
    status = 401
    default_message = "Authentication required"


class Forbidden(AppError):
    code = "FORBIDDEN"
    status = 403
    default_message = "Insufficient permissions"


class NotFound(AppError):
    code = "NOT_FOUND"
    status = 404
    default_message = "Not found"


class MethodNotAllowed(AppError):
    code = "METHOD_NOT_ALLOWED"
    status = 405

    def __init__(self, path: str, allowed: Iterable[str]) -> None:
        methods = ", ".join(sorted(allowed))
        super().__init__(f"{path} allows {methods}", headers={"Allow": methods})


class Conflict(AppError):
    code = "CONFLICT"
    status = 409
    default_message = "Conflict"


class PayloadTooLarge(AppError):
    code = "PAYLOAD_TOO_LARGE"
    status = 413
    default_message = "The request body is too large"


class UnprocessableEntity(AppError):
    code = "UNPROCESSABLE_ENTITY"
    status = 422
    default_message = "The request cannot be processed"


class RateLimited(AppError):
    code = "RATE_LIMITED"
    status = 429
    default_message = "Too many requests"

    def __init__(self, retry_after: int, message: str | None = None) -> None:
        self.retry_after = max(1, int(retry_after))
        super().__init__(
            message or f"Too many requests; retry in {self.retry_after} s",
            details={"retryAfter": self.retry_after},
            headers={"Retry-After": str(self.retry_after)},
        )


class ServiceUnavailable(AppError):
    code = "SERVICE_UNAVAILABLE"
    status = 503
    default_message = "The service is temporarily unavailable"


def validation_details(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Pydantic's error list as `[{"field": "a.b", "message": "..."}]`."""
    return [
        {
            "field": ".".join(str(part) for part in error.get("loc", ()) if part != "__root__"),
            "message": str(error.get("msg", "invalid")),
        }
        for error in errors
    ]
