"""The one adapter that serves every REST route: request → variables → GraphQL → envelope."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from decimal import Decimal
from typing import Any

from graphql import GraphQLError, is_non_null_type
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Message

from shared.errors import AppError, ValidationFailed
from shared.graphql.context import RequestContext
from shared.graphql.schema import VALIDATION_ERROR
from shared.http.body import read_body
from shared.http.responses import failure, success
from shared.logs import request_id_var
from shared.rest.lists import ListShape, list_shape, next_link
from shared.rest.operation import (
    CompiledRoute,
    check_input,
    compile_route,
    field_of_graphql_error,
    query_variables,
    to_json_ready,
    validation_message,
)
from shared.rest.routes import RestRoute

ContextFactory = Callable[[Request], RequestContext]
ANY = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
Endpoint = Callable[[Request], Awaitable[Response]]


def rest_routes(
    schema: Any,
    declarations: Sequence[RestRoute],
    *,
    prefix: str,
    make_context: ContextFactory,
    max_body_bytes: int,
) -> tuple[list[Route], list[CompiledRoute]]:
    """Starlette routes for every declaration under `/api/<prefix>` and `/api/v1/<prefix>`:
    one route per path, dispatching on the method (so a 405 lists every allowed method).
    Static paths come before parametrised ones, so `/reports` is never taken for `/{id}`."""
    compiled = [compile_route(schema, declaration) for declaration in declarations]
    by_path: dict[str, dict[str, Endpoint]] = {}
    for item in sorted(compiled, key=lambda c: len(c.route.path_params)):
        handlers = by_path.setdefault(item.route.path, {})
        handlers[item.route.method] = _endpoint(item, make_context, max_body_bytes)
    # A static path answers every method (405 for undeclared ones): otherwise `PUT /reports`
    # would be taken by `PUT /{id}`.
    routes = [
        Route(base + path, _dispatch(handlers), methods=list(handlers) if "{" in path else ANY)
        for base in (f"/api/{prefix}", f"/api/v1/{prefix}")
        for path, handlers in by_path.items()
    ]
    return routes, compiled


def _dispatch(handlers: dict[str, Endpoint]) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        method = "GET" if request.method == "HEAD" else request.method
        if method not in handlers:
            allowed = sorted({*handlers, *(["HEAD"] if "GET" in handlers else [])})
            raise HTTPException(405, headers={"Allow": ", ".join(allowed)})
        return await handlers[method](request)

    return endpoint


def _endpoint(
    compiled: CompiledRoute,
    make_context: ContextFactory,
    max_body_bytes: int,
) -> Endpoint:
    route = compiled.route
    shape = list_shape(compiled.output_type)

    async def endpoint(request: Request) -> Response:
        try:
            variables = await _variables(request, compiled, max_body_bytes)
        except AppError as error:
            return failure(error)
        result = await compiled.prepared.execute(variables, make_context(request))
        if result.errors:
            return failure(_error_of(result.errors, route.body_arg))
        data = to_json_ready((result.data or {}).get(route.field), compiled.output_type)
        return _envelope(request, data, shape, route.status)

    endpoint.__name__ = f"rest_{route.field}"
    return endpoint


def _envelope(request: Request, data: Any, shape: ListShape | None, status: int) -> Response:
    """`{"success": true, "data": …}`; a connection as the array of its items, with its
    `pagination` beside it and a `Link` to the next page."""
    if shape is None or data is None:
        return success(data, status=status)
    items, pagination = shape.split(data)
    cursor = pagination["nextCursor"]
    headers = {"Link": next_link(request, cursor)} if cursor else None
    return success(items, status=status, headers=headers, pagination=pagination)


async def _variables(
    request: Request, compiled: CompiledRoute, max_body_bytes: int
) -> dict[str, Any]:
    route = compiled.route
    params: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        params.setdefault(key, []).append(value)
    variables = query_variables(compiled, params)
    variables.update(request.path_params)
    for header, argument in route.headers.items():
        if header in request.headers:
            variables[argument] = request.headers[header]
    if route.body_arg:
        body = await _json_object(request, max_body_bytes)
        if body is not None:
            check_input(body, compiled.field.args[route.body_arg].type)
            variables[route.body_arg] = body
        elif is_non_null_type(compiled.field.args[route.body_arg].type):
            raise ValidationFailed("A JSON object body is required")
    if route.upload_arg:
        limit = route.max_body_bytes or max_body_bytes
        variables[route.upload_arg] = await _uploaded_file(request, route.upload_arg, limit)
    return variables


async def _uploaded_file(request: Request, part: str, limit: int) -> UploadFile:
    """The one file of a `multipart/form-data` body, sent as part `part`; the whole body is
    read first, so the size limit holds whatever the parts declare."""
    missing = ValidationFailed(
        f"A multipart/form-data body with a file part {part!r} is required",
        details=[{"field": part, "message": "is required"}],
    )
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise missing
    raw = await read_body(request, limit)

    async def replay() -> Message:
        return {"type": "http.request", "body": raw, "more_body": False}

    try:
        form = await Request(request.scope, replay).form(max_files=1, max_fields=10)
    except HTTPException as exc:  # Starlette's answer to a malformed multipart body
        raise ValidationFailed(f"The multipart body is not valid: {exc.detail}") from None
    file = form.get(part)
    if not isinstance(file, UploadFile):
        raise missing
    return file


async def _json_object(request: Request, max_body_bytes: int) -> dict[str, Any] | None:
    """The JSON object body, or None when the body is empty."""
    raw = await read_body(request, max_body_bytes)
    if not raw.strip():
        return None
    try:
        body = json.loads(raw, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed(
            "The body is not valid JSON", details=[{"field": "", "message": str(exc)}]
        ) from None
    if body is None:
        return None
    if not isinstance(body, dict):
        raise ValidationFailed("The body must be a JSON object")
    return body


def _error_of(errors: list[GraphQLError], body_arg: str | None) -> AppError:
    """The error a REST client sees: the first domain error, else validation, else internal."""
    for error in errors:
        if isinstance(error.original_error, AppError):
            return error.original_error
    invalid = [e for e in errors if (e.extensions or {}).get("code") == VALIDATION_ERROR]
    if invalid:
        details: list[Any] = []
        for error in invalid:
            extra = (error.extensions or {}).get("details")
            if isinstance(extra, list):
                details.extend(extra)
            else:
                details.append(
                    {
                        "field": field_of_graphql_error(error.message, body_arg),
                        "message": validation_message(error.message),
                    }
                )
        summary = "; ".join(
            f"{d['field']}: {d['message']}" if d["field"] else d["message"] for d in details
        )
        return ValidationFailed(summary, details=details)
    return AppError(details={"requestId": request_id_var.get()})
