"""The subgraph schema every domain builds on: federation v2, limits, error translation and
one transaction per operation."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterable, Iterator
from functools import partial
from inspect import isawaitable
from typing import Any

import strawberry
from graphql import (
    ExecutionResult as GraphQLExecutionResult,
)
from graphql import (
    GraphQLError,
    NoSchemaIntrospectionCustomRule,
    execute,
    specified_rules,
)
from pydantic import ValidationError as PydanticValidationError
from strawberry.execution.is_awaitable import optimized_is_awaitable
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema.schema import StreamResult
from strawberry.types import ExecutionContext
from strawberry.types.execution import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.utils.aio import aclosing

from shared.config import Settings
from shared.db import is_backend_unavailable
from shared.errors import AppError, ServiceUnavailable, validation_details
from shared.graphql.context import RequestContext
from shared.graphql.documents import DocumentCache, PreparedDocument
from shared.graphql.execution import FastExecutionContext
from shared.logs import request_id_var

logger = logging.getLogger("graphql")

MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 4000
# Parsed and validated documents kept per process (LRU): the REST routes send a handful of
# fixed documents, so parsing + validation (a quarter of a simple request's CPU) runs once.
DOCUMENT_CACHE_SIZE = 512
# The depth and alias limits as validation rule classes, made once: Strawberry's limiter
# extensions build a new rule class per operation, which would make every validation a cache
# miss (the cache is keyed by the rules too).
LIMIT_RULES = [
    *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
    *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
]

VALIDATION_ERROR = "VALIDATION_ERROR"
INTERNAL_ERROR = "INTERNAL_ERROR"
_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")
# graphql-core echoes the offending input ("found: {...}", "non string value: 42"); a password
# must never come back in an error, so input values are cut from client-facing messages.
_ECHOED_VALUE = re.compile(r"(?:[,;.]? ?[Ff]ound: .*$|(?<=value): .*$)", re.DOTALL)


def without_echoed_values(message: str) -> str:
    cleaned = _ECHOED_VALUE.sub("", message).rstrip()
    return cleaned if cleaned.endswith(".") else cleaned + "."


def is_client_error(error: GraphQLError) -> bool:
    """Parse, validation and variable-coercion errors: raised before any resolver ran."""
    original = error.original_error
    return original is None or (error.path is None and not isinstance(original, AppError))


def translate_error(error: GraphQLError, *, hide_suggestions: bool) -> GraphQLError:
    """Give every error a stable `extensions.code`; mask anything unexpected."""
    original = error.original_error
    if isinstance(original, AppError):
        extensions: dict[str, Any] = {"code": original.code, "status": original.status}
        if original.details is not None:
            extensions["details"] = original.details
        return _with(error, original.message, extensions, original)
    if isinstance(original, PydanticValidationError):
        details = validation_details(original.errors())  # type: ignore[arg-type]
        extensions = {"code": VALIDATION_ERROR, "status": 400, "details": details}
        message = "; ".join(f"{d['field']}: {d['message']}" for d in details)
        return _with(error, message, extensions, None)
    if is_client_error(error):
        message = without_echoed_values(error.message)
        if hide_suggestions:
            message = _SUGGESTION.sub("", message)
        return _with(error, message, {"code": VALIDATION_ERROR, "status": 400}, original)
    request_id = request_id_var.get()
    if is_backend_unavailable(original):
        logger.warning("backend unavailable", exc_info=original, extra={"path": error.path})
        unavailable = ServiceUnavailable("The service is temporarily unavailable; retry")
        extensions = {"code": unavailable.code, "status": 503, "requestId": request_id}
        return _with(error, unavailable.message, extensions, unavailable)
    logger.error(
        "unexpected error in resolver",
        exc_info=(type(original), original, original.__traceback__) if original else None,
        extra={"path": error.path},
    )
    extensions = {"code": INTERNAL_ERROR, "status": 500, "requestId": request_id}
    return _with(error, "Internal server error", extensions, None)


def _with(
    error: GraphQLError,
    message: str,
    extensions: dict[str, Any],
    original: Exception | None,
) -> GraphQLError:
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=original,
        extensions=extensions,
    )


class TranslateErrors(SchemaExtension):
    def __init__(self, *, hide_suggestions: bool = False) -> None:
        self.hide_suggestions = hide_suggestions

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            result.errors = [
                translate_error(error, hide_suggestions=self.hide_suggestions)
                for error in result.errors
            ]


class RequestTransaction(SchemaExtension):
    """Commit the request's session when the operation produced no error, else roll back.
    A query is marked read-only: its reads run in autocommit (`RequestContext.read_session`)."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context.context
        if isinstance(context, RequestContext):
            context.read_only = self.execution_context.operation_type is OperationType.QUERY
        yield

    async def on_operation(self) -> AsyncIterator[None]:
        yield
        context = self.execution_context.context
        if isinstance(context, RequestContext):
            result = self.execution_context.result
            await context.finish(commit=not (result and result.errors))


class SubgraphSchema(strawberry.federation.Schema):
    """Logs only unexpected errors: expected ones are the client's business, not an incident.

    `documents` keeps the documents it was sent, prepared (`shared.graphql.documents`);
    `execute_document` runs one as `execute` would, without Strawberry's per-request
    extension machinery."""

    hide_suggestions = False
    documents: DocumentCache

    async def execute_document(
        self,
        prepared: PreparedDocument,
        context: Any,
        variables: dict[str, Any] | None = None,
        operation_name: str | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> GraphQLExecutionResult:
        """What `execute` answers for a prepared document, with what the extensions do: a
        query is marked read-only, errors get their codes and masking (`translate_error`), and
        the request's transaction commits only when no error occurred."""
        request = context if isinstance(context, RequestContext) else None
        if request is not None:
            request.read_only = prepared.is_query
        data: dict[str, Any] | None = None
        errors: list[GraphQLError] | None
        try:
            result = execute(
                self._schema,
                prepared.document,
                context_value=context,
                variable_values=variables,
                operation_name=operation_name,
                executor_class=self.execution_context_class,
                is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
                operation_extensions=operation_extensions,
            )
            if isawaitable(result):
                result = await result
            assert isinstance(result, GraphQLExecutionResult)
            data, errors = result.data, result.errors
        except Exception as exc:
            errors = [
                exc if isinstance(exc, GraphQLError) else GraphQLError(str(exc), original_error=exc)
            ]
        except BaseException:  # cancelled: the transaction is not left open
            if request is not None:
                await request.finish(commit=False)
            raise
        if errors:
            hide = self.hide_suggestions
            errors = [translate_error(error, hide_suggestions=hide) for error in errors]
        if request is not None:
            await request.finish(commit=not errors)
        return GraphQLExecutionResult(data, errors)

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        return None

    async def stream(self, *args: Any, **kwargs: Any) -> StreamResult:
        """Subscription results (WebSocket) do not pass through `TranslateErrors`, an operation
        hook: their errors get the same codes and masking here."""
        return self._translated(await super().stream(*args, **kwargs))

    async def _translated(self, source: StreamResult) -> StreamResult:
        async with aclosing(source):
            async for result in source:
                if isinstance(result, ExecutionResult) and result.errors:
                    result.errors = [
                        error
                        if error.extensions and "code" in error.extensions
                        else translate_error(error, hide_suggestions=self.hide_suggestions)
                        for error in result.errors
                    ]
                yield result


def build_schema(
    *,
    query: type,
    mutation: type | None = None,
    subscription: type | None = None,
    types: Iterable[type] = (),
    settings: Settings,
) -> SubgraphSchema:
    # Factories, not instances: an extension keeps per-operation state.
    extensions: list[Any] = [
        partial(ParserCache, maxsize=DOCUMENT_CACHE_SIZE),
        partial(ValidationCache, maxsize=DOCUMENT_CACHE_SIZE),
        partial(AddValidationRules, LIMIT_RULES),
        partial(MaxTokensLimiter, max_token_count=MAX_TOKENS),
        partial(TranslateErrors, hide_suggestions=settings.is_production),
        RequestTransaction,
    ]
    if settings.is_production:
        # The router answers introspection for the supergraph; `_service` stays available.
        extensions.append(DisableIntrospection)
    schema = SubgraphSchema(
        query=query,
        mutation=mutation,
        subscription=subscription,
        types=list(types),
        extensions=extensions,
        execution_context_class=FastExecutionContext,
    )
    schema.hide_suggestions = settings.is_production
    # The rules Strawberry validates with (its extensions above), for the prepared documents.
    rules = [*specified_rules, *LIMIT_RULES]
    if settings.is_production:
        rules.append(NoSchemaIntrospectionCustomRule)
    schema.documents = DocumentCache(
        schema._schema, rules, max_tokens=MAX_TOKENS, maxsize=DOCUMENT_CACHE_SIZE
    )
    return schema
