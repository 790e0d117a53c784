"""The documents a subgraph has been sent, parsed and validated once each.

The router sends a handful of document shapes (its plans' fetches), with variables that differ
per request. Through `Schema.execute`, Strawberry builds its extension runner and hook context
managers and looks the text up in its parser and validation caches for every request. Here a
document that parses (within the token limit), validates against the schema's rules (depth,
aliases, introspection in production) and names one query or mutation is kept, by its text and
operation name, in a bounded LRU; a request that finds it only coerces its variables and
executes (`SubgraphSchema.execute_document`).

Anything else — a document that does not parse or validate, a subscription, several operations
without a name, a text too long to keep — is remembered as such (so it is not parsed twice per
request) and takes Strawberry's standard path, which answers it as it always did: the limits
and their errors are Strawberry's own, applied to the same text."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from graphql import (
    ASTValidationRule,
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    parse,
    validate,
)
from graphql.utilities import get_operation_ast

# Longer texts are neither kept nor parsed here (they take the standard path): the cache's
# memory stays bounded by its size times this, whatever clients send.
MAX_KEPT_LENGTH = 32 * 1024


@dataclass(frozen=True, slots=True)
class PreparedDocument:
    """A document that parsed and validated, with the operation a request runs."""

    document: DocumentNode
    operation: OperationDefinitionNode

    @property
    def is_query(self) -> bool:
        return self.operation.operation is OperationType.QUERY


# What the cache remembers of a document that must take the standard path.
_STANDARD_PATH = object()


class DocumentCache:
    """Prepared documents by (text, operation name), least recently used evicted first."""

    def __init__(
        self,
        schema: GraphQLSchema,
        rules: Sequence[type[ASTValidationRule]],
        *,
        max_tokens: int,
        maxsize: int,
    ) -> None:
        self.schema = schema
        self.rules = list(rules)
        self.max_tokens = max_tokens
        self.maxsize = maxsize
        self._entries: OrderedDict[tuple[str, str | None], object] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, query: str, operation_name: str | None) -> PreparedDocument | None:
        """The prepared document of `query`, or None when it must take the standard path."""
        if len(query) > MAX_KEPT_LENGTH:
            return None
        key = (query, operation_name)
        entry = self._entries.get(key)
        if entry is None:
            entry = self._prepare(query, operation_name)
            self._entries[key] = entry
            if len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)
        else:
            self._entries.move_to_end(key)
        return entry if isinstance(entry, PreparedDocument) else None

    def _prepare(self, query: str, operation_name: str | None) -> object:
        try:
            document = parse(query, max_tokens=self.max_tokens)
        except GraphQLError:
            return _STANDARD_PATH
        operation = get_operation_ast(document, operation_name)
        if operation is None or operation.operation is OperationType.SUBSCRIPTION:
            return _STANDARD_PATH
        if validate(self.schema, document, self.rules):
            return _STANDARD_PATH
        return PreparedDocument(document, operation)
