"""Run a query plan: subgraph fetches, merging, and projection of the final response."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
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
from router.executor.merge import collect_entities, deep_merge, rename_keys, representation
from router.executor.project import project_response
from router.planner.plan import EntityCall, FetchNode, QueryPlan, Renames, SField
from router.planner.planner import PreparedOperation
from router.supergraph.model import Supergraph

UNAVAILABLE = "SUBGRAPH_UNAVAILABLE"


_Targets = list[list[tuple[dict[str, Any], list[str | int], int]]]
"""Per representation: the objects it answers for, their paths, and the index of the call
path each was found at."""


@dataclass
class _Run:
    """State of one request's execution."""

    variables: dict[str, Any]
    headers: Mapping[str, str]
    waits: list[int]
    """How many nodes each node still waits for."""
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
        run = _Run(variables or {}, headers, list(plan.waits))
        if plan.roots:
            await self._start(plan, plan.roots, run)
        if plan.introspection:
            self._introspect(prepared, run)
        data = project_response(plan.fields, plan.root_type, run.data, run.errors, self.supergraph)
        response: dict[str, Any] = {}
        if run.errors:
            response["errors"] = run.errors
        response["data"] = data
        return response

    async def _start(self, plan: QueryPlan, ids: Sequence[int], run: _Run) -> None:
        if len(ids) == 1:
            await self._run_node(plan, plan.nodes[ids[0]], run)
        else:
            await asyncio.gather(*(self._run_node(plan, plan.nodes[i], run) for i in ids))

    async def _run_node(self, plan: QueryPlan, node: FetchNode, run: _Run) -> None:
        """Run ``node``, then every node that was waiting only for it (a node that finds no
        objects to fetch for sends nothing)."""
        if node.is_entity:
            await self._run_entity(node, run)
        else:
            await self._run_root(node, run)
        ready: list[int] = []
        waits = run.waits
        for dependent in node.dependents:
            waits[dependent] -= 1
            if not waits[dependent]:
                ready.append(dependent)
        if ready:
            await self._start(plan, ready, run)

    def _variables(self, node: FetchNode, run: _Run) -> dict[str, Any]:
        return {name: run.variables[name] for name in node.variables if name in run.variables}

    async def _run_root(self, node: FetchNode, run: _Run) -> None:
        query = node.operation.startswith("query")
        try:
            payload = await self.clients.post_graphql(
                node.graph,
                node.operation,
                self._variables(node, run),
                run.headers,
                deduplicate=self.deduplicate and query,
                read_only=query,
            )
        except SubgraphUnavailable as exc:
            for item in node.selections:
                run.errors.append(_unavailable(exc, [item.key] if hasattr(item, "key") else None))
            return
        for error in payload.get("errors") or ():
            path = error.get("path") if isinstance(error, dict) else None
            run.errors.append(_subgraph_error(error, node.graph, path))
        data = payload.get("data")
        if isinstance(data, dict):
            if node.renames:
                rename_keys(data, node.renames)
            deep_merge(run.data, data)

    async def _run_entity(self, node: FetchNode, run: _Run) -> None:
        variables = self._variables(node, run)
        batches: list[_Targets] = []
        for call in node.calls:
            representations, targets = self._representations(call, run)
            variables[call.variable] = representations
            batches.append(targets)
        if not any(batches):
            return
        try:
            payload = await self.clients.post_graphql(
                node.graph, node.operation, variables, run.headers, self.deduplicate, read_only=True
            )
        except SubgraphUnavailable as exc:
            targets = next(t for t in batches if t)
            first_types = next(iter(node.calls[batches.index(targets)].types.values()))
            keys = [i.key for i in first_types if isinstance(i, SField) and i.key != "__typename"]
            run.errors.append(_unavailable(exc, [*targets[0][0][1], *keys[:1]]))
            return
        for error in payload.get("errors") or ():
            path = _entity_path(error, node.calls, batches)
            run.errors.append(_subgraph_error(error, node.graph, path))
        data = payload.get("data") or {}
        for call, targets in zip(node.calls, batches, strict=True):
            entities = data.get(call.alias)
            if isinstance(entities, list) and targets:
                _merge_entities(call, entities, targets, node.renames)

    @staticmethod
    def _representations(call: EntityCall, run: _Run) -> tuple[list[dict[str, Any]], _Targets]:
        """The call's deduplicated representations and, for each, the objects it answers
        for (with their paths and which of the call's paths they were found at)."""
        representations: list[dict[str, Any]] = []
        targets: _Targets = []
        index: dict[bytes, int] = {}
        renames = call.type_conditions
        for target_index, (path, types) in enumerate(call.targets):
            for obj, obj_path in collect_entities(run.data, path, types):
                rep = representation(obj, call.requirements[obj["__typename"]])
                if rep is None:
                    continue
                if renames:
                    rep["__typename"] = renames.get(rep["__typename"], rep["__typename"])
                fingerprint = orjson.dumps(rep)
                position = index.get(fingerprint)
                if position is None:
                    index[fingerprint] = len(representations)
                    representations.append(rep)
                    targets.append([(obj, obj_path, target_index)])
                else:
                    targets[position].append((obj, obj_path, target_index))
        return representations, targets

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


def _entity_path(
    error: Any, calls: list[EntityCall], batches: list[_Targets]
) -> list[str | int] | None:
    """Translate ``[<call alias>, i, ...rest]`` to the object's path in the response."""
    path = error.get("path") if isinstance(error, dict) else None
    if not path or len(path) < 2 or not isinstance(path[1], int):
        return None
    for call, targets in zip(calls, batches, strict=True):
        if path[0] == call.alias:
            if path[1] >= len(targets):
                return None
            return [*targets[path[1]][0][1], *path[2:]]
    return None


def _merge_entities(
    call: EntityCall, entities: list[Any], targets: _Targets, renames: Renames | None
) -> None:
    """Merge each answered entity into the objects it was fetched for. An object found at
    another of the call's paths than the first gets its own copy (each path's later fetches
    then write into their own objects)."""
    interface_typed = call.type_conditions
    for position, entity in enumerate(entities[: len(targets)]):
        if not isinstance(entity, dict):
            continue
        if renames:
            rename_keys(entity, renames)
        objects = targets[position]
        if interface_typed and objects[0][0].get("__typename") in interface_typed:
            # Fetched as the interface: its name is not the object's __typename.
            entity = {k: v for k, v in entity.items() if k != "__typename"}
        first_path = objects[0][2]
        for obj, _, target_index in objects:
            deep_merge(obj, entity, share=target_index == first_path)
