"""The federation core without HTTP: supergraph + planner + executor for one request."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx
from graphql import ASTValidationRule, GraphQLError

from router.executor.clients import SubgraphClients
from router.executor.execute import Executor
from router.planner.errors import PlanningError
from router.planner.planner import DocumentCheck, OperationError, Planner, PreparedOperation
from router.supergraph.model import Supergraph


class Gateway:
    """Answers GraphQL requests against a supergraph."""

    def __init__(
        self,
        supergraph: Supergraph,
        secret: str | None,
        timeout: float = 10.0,
        transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
        rules: Sequence[type[ASTValidationRule]] = (),
        checks: Sequence[DocumentCheck] = (),
        extra_urls: Mapping[str, str] | None = None,
        deduplicate: bool = True,
        hide_suggestions: bool = False,
    ) -> None:
        self.supergraph = supergraph
        urls = {name: graph.url for name, graph in supergraph.graphs.items()}
        urls.update({k: v for k, v in (extra_urls or {}).items() if k not in urls})
        self.clients = SubgraphClients(urls, secret, timeout, transports)
        self.planner = Planner(
            supergraph, rules=rules, checks=checks, hide_suggestions=hide_suggestions
        )
        self.executor = Executor(supergraph, self.clients, deduplicate)

    def prepare(self, query: str, operation_name: str | None) -> PreparedOperation:
        """Parse and validate (cached); raises :class:`OperationError`."""
        return self.planner.prepare(query, operation_name)

    async def execute(
        self,
        query: str,
        operation_name: str | None = None,
        variables: dict[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """The GraphQL response for one request (errors become a response, never raise)."""
        try:
            prepared, plan = self.planner.plan(query, operation_name, variables)
            variables = self.planner.coerce_variables(prepared, variables)
        except OperationError as exc:
            return {"errors": [e.formatted for e in exc.errors]}
        except PlanningError as exc:
            error = GraphQLError(str(exc), extensions={"code": "QUERY_PLANNING_FAILED"})
            return {"errors": [error.formatted]}
        return await self.executor.execute(prepared, plan, variables, headers or {})

    async def aclose(self) -> None:
        await self.clients.aclose()
