"""Run a query plan: subgraph fetches, merging, and projection of the final response."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from graphql import (
    ExecutionResult,
    FieldNode,
    OperationDefinitionNode,
    SelectionSetNode,
    execute,
)

from router.executor.clients import SubgraphClients, SubgraphUnavailable
from router.executor.merge import collect_entities, deep_merge, representation
from router.executor.project import project_response
from router.planner.plan import FetchNode, QueryPlan, SField
from router.planner.planner import PreparedOperation
from router.supergraph.model import Supergraph

UNAVAILABLE = "SUBGRAPH_UNAVAILABLE"


@dataclass
class _Run:
    """State of one request's execution."""

    variables: dict[str, Any]
    headers: Mapping[str, str]
    data: dict[str, Any] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)


def _subgraph_error(error: Any, graph: str, path: list[str | int] | None) -> dict[str, Any]:
    if not isinstance(error, dict):
        return {"message": str(error), "extensions": {"serviceName": graph}}
    out: dict[str, Any] = {"message": error.get("message", "Subgraph error")}
    if path is not None:
        out["path"] = path
    extensions = dict(error.get("extensions") or {})
    extensions.setdefault("serviceName", graph)
    out["extensions"] = extensions
    return out


def _unavailable(exc: SubgraphUnavailable, path: list[str | int] | None) -> dict[str, Any]:
    error: dict[str, Any] = {"message": str(exc)}
    if path is not None:
        error["path"] = path
    error["extensions"] = {"code": UNAVAILABLE, "serviceName": exc.graph}
    return error


class Executor:
    """Executes plans against the subgraphs through :class:`SubgraphClients`."""

    def __init__(
        self, supergraph: Supergraph, clients: SubgraphClients, deduplicate: bool = True
    ) -> None:
        self.supergraph = supergraph
        self.clients = clients
        self.deduplicate = deduplicate

    async def execute(
        self,
        prepared: PreparedOperation,
        plan: QueryPlan,
        variables: dict[str, Any] | None,
        headers: Mapping[str, str],
    ) -> dict[str, Any]:
        """The GraphQL response (``data`` and, when any, ``errors``) for ``plan``."""
        run = _Run(variables or {}, headers)
        if plan.is_sequential:
            for node in plan.fetches:
                await self._run_node(node, run)
        else:
            await asyncio.gather(*(self._run_node(node, run) for node in plan.fetches))
        if plan.introspection:
            self._introspect(prepared, run)
        data = project_response(plan.fields, plan.root_type, run.data, run.errors)
        response: dict[str, Any] = {}
        if run.errors:
            response["errors"] = run.errors
        response["data"] = data
        return response

    async def _run_node(self, node: FetchNode, run: _Run) -> None:
        has_data = await (
            self._run_entity(node, run) if node.is_entity else self._run_root(node, run)
        )
        if has_data and node.children:
            await asyncio.gather(*(self._run_node(child, run) for child in node.children))

    def _variables(self, node: FetchNode, run: _Run) -> dict[str, Any]:
        return {name: run.variables[name] for name in node.variables if name in run.variables}

    async def _run_root(self, node: FetchNode, run: _Run) -> bool:
        try:
            payload = await self.clients.post_graphql(
                node.graph,
                node.operation,
                self._variables(node, run),
                run.headers,
                deduplicate=self.deduplicate and node.operation.startswith("query"),
            )
        except SubgraphUnavailable as exc:
            for item in node.selections:
                run.errors.append(_unavailable(exc, [item.key] if hasattr(item, "key") else None))
            return False
        for error in payload.get("errors") or ():
            path = error.get("path") if isinstance(error, dict) else None
            run.errors.append(_subgraph_error(error, node.graph, path))
        data = payload.get("data")
        if isinstance(data, dict):
            deep_merge(run.data, data)
            return True
        return False

    async def _run_entity(self, node: FetchNode, run: _Run) -> bool:
        found = collect_entities(run.data, node.path, node.entity_types.keys())
        if not found:
            return False
        representations: list[dict[str, Any]] = []
        targets: list[list[tuple[dict[str, Any], list[str | int]]]] = []
        index: dict[bytes, int] = {}
        renames = node.type_conditions
        for obj, path in found:
            rep = representation(obj, node.requirements[obj["__typename"]])
            if rep is None:
                continue
            if renames:
                rep["__typename"] = renames.get(rep["__typename"], rep["__typename"])
            fingerprint = orjson.dumps(rep)
            position = index.get(fingerprint)
            if position is None:
                index[fingerprint] = len(representations)
                representations.append(rep)
                targets.append([(obj, path)])
            else:
                targets[position].append((obj, path))
        if not representations:
            return False
        variables = self._variables(node, run)
        variables["representations"] = representations
        try:
            payload = await self.clients.post_graphql(
                node.graph, node.operation, variables, run.headers, self.deduplicate
            )
        except SubgraphUnavailable as exc:
            first_field = next(iter(node.entity_types.values()))
            keys = [i.key for i in first_field if isinstance(i, SField) and i.key != "__typename"]
            first_path = targets[0][0][1]
            run.errors.append(_unavailable(exc, [*first_path, *keys[:1]]))
            return False
        for error in payload.get("errors") or ():
            run.errors.append(_subgraph_error(error, node.graph, self._entity_path(error, targets)))
        entities = (payload.get("data") or {}).get("_entities")
        if not isinstance(entities, list):
            return False
        for position, entity in enumerate(entities[: len(targets)]):
            if isinstance(entity, dict):
                if renames and targets[position][0][0].get("__typename") in renames:
                    # Fetched as the interface: its name is not the object's __typename.
                    entity = {k: v for k, v in entity.items() if k != "__typename"}
                for obj, _ in targets[position]:
                    deep_merge(obj, entity)
        return True

    @staticmethod
    def _entity_path(
        error: Any, targets: list[list[tuple[dict[str, Any], list[str | int]]]]
    ) -> list[str | int] | None:
        """Translate ``["_entities", i, ...rest]`` to the object's path in the response."""
        path = error.get("path") if isinstance(error, dict) else None
        if not path or len(path) < 2 or path[0] != "_entities" or not isinstance(path[1], int):
            return None
        if path[1] >= len(targets):
            return None
        return [*targets[path[1]][0][1], *path[2:]]

    def _introspect(self, prepared: PreparedOperation, run: _Run) -> None:
        operation = prepared.operation
        only_meta = [
            s
            for s in operation.selection_set.selections
            if isinstance(s, FieldNode) and s.name.value in ("__schema", "__type")
        ]
        document = prepared.document.__class__(
            definitions=(
                *(
                    d
                    for d in prepared.document.definitions
                    if d is not operation and not isinstance(d, OperationDefinitionNode)
                ),
                OperationDefinitionNode(
                    operation=operation.operation,
                    name=operation.name,
                    variable_definitions=operation.variable_definitions,
                    directives=(),
                    selection_set=SelectionSetNode(selections=tuple(only_meta)),
                ),
            )
        )
        result = execute(self.supergraph.api_schema, document, variable_values=run.variables)
        assert isinstance(result, ExecutionResult)
        if result.data:
            run.data.update(result.data)
        for error in result.errors or ():
            run.errors.append(dict(error.formatted))
