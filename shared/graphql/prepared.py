"""The platform's own GraphQL documents (those of the REST routes), parsed and validated once at
start-up and executed with graphql-core directly: a request only binds its variables.

Through `Schema.execute`, Strawberry builds its extension runner, hook context managers,
parser and validation caches for every request — about half the CPU of a small REST read such
as `GET /api/auth/me`. A prepared operation does what those extensions do for our documents
and nothing else: the query is marked read-only, errors get the same codes and masking
(`translate_error`), and the request's transaction commits only when no error occurred."""

from __future__ import annotations

from dataclasses import dataclass
from inspect import isawaitable
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    execute,
    parse,
    specified_rules,
    validate,
)
from strawberry.execution.is_awaitable import optimized_is_awaitable

from shared.graphql.context import RequestContext
from shared.graphql.schema import LIMIT_RULES, SubgraphSchema, translate_error


@dataclass(frozen=True, slots=True)
class PreparedOperation:
    schema: SubgraphSchema
    document: DocumentNode
    read_only: bool

    @classmethod
    def prepare(cls, schema: SubgraphSchema, source: str) -> PreparedOperation:
        """Parse and validate `source` (one operation) against `schema`; a document that
        does not validate is a bug of ours: ValueError at start-up."""
        document = parse(source)
        errors = validate(schema._schema, document, [*specified_rules, *LIMIT_RULES])
        if errors:
            raise ValueError(f"{source!r} does not validate: {errors[0].message}")
        (operation,) = document.definitions
        assert isinstance(operation, OperationDefinitionNode)
        return cls(schema, document, operation.operation is OperationType.QUERY)

    async def execute(self, variables: dict[str, Any], context: RequestContext) -> ExecutionResult:
        """Run the operation with `variables` (coerced and checked by graphql-core)."""
        context.read_only = self.read_only
        data: dict[str, Any] | None = None
        errors: list[GraphQLError] | None
        try:
            result = execute(
                self.schema._schema,
                self.document,
                context_value=context,
                variable_values=variables,
                executor_class=self.schema.execution_context_class,
                is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
            )
            if isawaitable(result):
                result = await result
            assert isinstance(result, ExecutionResult)
            data, errors = result.data, result.errors
        except Exception as exc:
            errors = [GraphQLError(str(exc), original_error=exc)]
        except BaseException:  # cancelled: the transaction is not left open
            await context.finish(commit=False)
            raise
        if errors:
            hide = self.schema.hide_suggestions
            errors = [translate_error(error, hide_suggestions=hide) for error in errors]
        await context.finish(commit=not errors)
        return ExecutionResult(data, errors)
