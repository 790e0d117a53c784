"""Turn the builder's fetches into the final plan: merge, order, and write each document.

**Merging.** Two entity fetches to the same subgraph become one request when neither waits
(directly or not) for the other and running them together does not lengthen the plan (the
longest chain of fetches): so fetches of one subgraph in the same round — at different
response paths, e.g. the products of ``users.reviews`` and of ``topProducts.reviews`` — go in
one request. Calls for the same path are united into one ``_entities`` selection; calls for
different paths share one when they select the same on the types they have in common
(representations then deduplicated across the paths), and otherwise become aliased
``_entities`` fields of the same document.

**Validity.** Fields of one response name whose types differ in the subgraph (``ID!`` in one
fragment, ``ID`` in another) cannot share a selection set; all but the first are aliased
(``<name>__alias_<n>``) and :attr:`FetchNode.renames` maps them back when the answer arrives.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import ArgumentNode, VariableDefinitionNode, VariableNode, print_ast, visit
from graphql.language import Visitor

from router.planner.errors import PlanningError
from router.planner.normalize import NField
from router.planner.plan import (
    EntityCall,
    FetchNode,
    QueryPlan,
    Renames,
    SField,
    SFragment,
    SItem,
    print_selections,
)
from router.supergraph.fieldset import parse_field_set

ALIAS_MARK = "__alias_"


def finish_plan(
    kind: str,
    root_type: str,
    fields: list[NField],
    nodes: list[FetchNode],
    variable_definitions: dict[str, VariableDefinitionNode],
    operation_name: str | None,
    introspection: bool,
) -> QueryPlan:
    """The plan of ``nodes``: merged, in dependency order, each with its document."""
    for node in nodes:
        for call in node.calls:
            call.targets = [(path, frozenset(call.types)) for path, _ in call.targets]
    ordered = _ordered(_merged(nodes))
    dependents: dict[int, list[int]] = {n.id: [] for n in ordered}
    for node in ordered:
        for before in node.after:
            dependents[before].append(node.id)
    for node in ordered:
        node.dependents = tuple(dependents[node.id])
        _write_operation(node, kind, variable_definitions, operation_name)
    return QueryPlan(
        kind,
        root_type,
        fields,
        ordered,
        introspection,
        roots=tuple(n.id for n in ordered if not n.after),
        waits=tuple(len(n.after) for n in ordered),
    )


# Merging --------------------------------------------------------------------------------------


def _merged(nodes: list[FetchNode]) -> list[FetchNode]:
    alive = {n.id: n for n in nodes}
    # Fetches of one subgraph in the same round first, in one pass: they never wait for one
    # another and merging them never lengthens the plan.
    depth, _ = _levels(alive)
    rounds: dict[tuple[str, int], list[FetchNode]] = {}
    for node in nodes:
        if not node.is_entity:
            continue
        same_round = rounds.setdefault((node.graph, depth[node.id]), [])
        if not any(_absorb(alive, kept, node) for kept in same_round):
            same_round.append(node)
    # Then a fetch with slack joins a later one of its subgraph when the plan stays as long.
    while True:
        depth, height = _levels(alive)
        longest = max((depth[i] + height[i] for i in alive), default=0)
        ancestors = _ancestors(alive)
        for first, second in _candidate_pairs(alive, depth):
            if first.id in ancestors[second.id] or second.id in ancestors[first.id]:
                continue
            rounds_needed = max(depth[first.id], depth[second.id])
            if rounds_needed + max(height[first.id], height[second.id]) > longest:
                continue
            if _absorb(alive, first, second):
                break
        else:
            return list(alive.values())


def _absorb(alive: dict[int, FetchNode], first: FetchNode, second: FetchNode) -> bool:
    """Merge ``second`` into ``first`` when their calls can share one request."""
    calls = _combined_calls(first.calls, second.calls)
    if calls is None:
        return False
    first.calls = calls
    first.after |= second.after
    del alive[second.id]
    for node in alive.values():
        if second.id in node.after:
            node.after.discard(second.id)
            node.after.add(first.id)
    first.after.discard(first.id)
    return True


def _candidate_pairs(
    alive: dict[int, FetchNode], depth: dict[int, int]
) -> Iterator[tuple[FetchNode, FetchNode]]:
    """Pairs of entity fetches to the same subgraph in different rounds, closest first."""
    by_graph: dict[str, list[FetchNode]] = {}
    for node in alive.values():
        if node.is_entity:
            by_graph.setdefault(node.graph, []).append(node)
    pairs = [
        (abs(depth[a.id] - depth[b.id]), a.id, b.id, a, b)
        for group in by_graph.values()
        for index, a in enumerate(group)
        for b in group[index + 1 :]
        if depth[a.id] != depth[b.id]
    ]
    pairs.sort(key=lambda p: p[:3])
    for *_, a, b in pairs:
        yield a, b


def _levels(alive: dict[int, FetchNode]) -> tuple[dict[int, int], dict[int, int]]:
    """Each node's round (longest chain before it) and height (longest chain after it)."""
    order = _topological(alive)
    depth: dict[int, int] = {}
    for node_id in order:
        depth[node_id] = 1 + max((depth[a] for a in alive[node_id].after), default=-1)
    height = dict.fromkeys(order, 0)
    for node_id in reversed(order):
        for before in alive[node_id].after:
            height[before] = max(height[before], height[node_id] + 1)
    return depth, height


def _ancestors(alive: dict[int, FetchNode]) -> dict[int, set[int]]:
    found: dict[int, set[int]] = {}
    for node_id in _topological(alive):
        mine: set[int] = set()
        for before in alive[node_id].after:
            mine.add(before)
            mine |= found[before]
        found[node_id] = mine
    return found


def _topological(alive: dict[int, FetchNode]) -> list[int]:
    order: list[int] = []
    placed: set[int] = set()
    pending = sorted(alive)
    while pending:
        rest = []
        for node_id in pending:
            if alive[node_id].after <= placed:
                order.append(node_id)
            else:
                rest.append(node_id)
        if len(rest) == len(pending):
            raise PlanningError("The fetches of this operation depend on each other in a cycle")
        placed.update(order[len(placed) :])
        pending = rest
    return order


def _ordered(nodes: list[FetchNode]) -> list[FetchNode]:
    """``nodes`` by round (then creation), renumbered from 0."""
    alive = {n.id: n for n in nodes}
    depth, _ = _levels(alive)
    ordered = sorted(nodes, key=lambda n: (depth[n.id], n.id))
    new_ids = {n.id: index for index, n in enumerate(ordered)}
    for node in ordered:
        node.id = new_ids[node.id]
        node.after = {new_ids[a] for a in node.after}
    return ordered


def _combined_calls(first: list[EntityCall], second: list[EntityCall]) -> list[EntityCall] | None:
    """The calls of two fetches in one request; None when they cannot share one."""
    calls = list(first)
    for call in second:
        for index, existing in enumerate(calls):
            try:
                combined = _combined_call(existing, call)
            except PlanningError:
                return None
            if combined is not None:
                calls[index] = combined
                break
        else:
            calls.append(call)
    return calls


def _combined_call(first: EntityCall, second: EntityCall) -> EntityCall | None:
    """One call for both: the same paths (selections united), or different paths that select
    the same on their common types. Raises :class:`PlanningError` when the same objects would
    need two different fields under one response key."""
    first_paths = {path for path, _ in first.targets}
    second_paths = {path for path, _ in second.targets}
    common = first.types.keys() & second.types.keys()
    for type_name in common:
        if first.type_conditions.get(type_name) != second.type_conditions.get(type_name):
            return None
    if first_paths == second_paths:
        types = dict(first.types)
        requirements = dict(first.requirements)
        for type_name, items in second.types.items():
            types[type_name] = merge_items(types[type_name], items) if type_name in types else items
            requirements[type_name] = _union(
                requirements.get(type_name, []), second.requirements[type_name]
            )
        wanted = {path: set(types_) for path, types_ in first.targets}
        for path, types_ in second.targets:
            wanted[path] |= types_
        targets = [(path, frozenset(wanted[path])) for path, _ in first.targets]
    else:
        for type_name in common:
            if print_selections(first.types[type_name]) != print_selections(
                second.types[type_name]
            ) or repr(first.requirements[type_name]) != repr(second.requirements[type_name]):
                return None
        types = {**first.types, **second.types}
        requirements = {**first.requirements, **second.requirements}
        merged_targets: dict[tuple[str, ...], set[str]] = {}
        for path, types_ in [*first.targets, *second.targets]:
            merged_targets.setdefault(path, set()).update(types_)
        targets = [(path, frozenset(t)) for path, t in merged_targets.items()]
    return EntityCall(
        targets, types, requirements, {**first.type_conditions, **second.type_conditions}
    )


def _union(first: list[Any], second: list[Any]) -> list[Any]:
    names = {r.name for r in first}
    return first + [r for r in second if r.name not in names]


def merge_items(items: list[SItem], more: list[SItem]) -> list[SItem]:
    """Subgraph selections ``items`` and ``more`` as one (same response keys merged)."""
    out = list(items)
    for item in more:
        if isinstance(item, SFragment):
            index = next(
                (
                    i
                    for i, o in enumerate(out)
                    if isinstance(o, SFragment) and o.type_condition == item.type_condition
                ),
                None,
            )
            if index is None:
                out.append(item)
            else:
                existing_fragment = out[index]
                assert isinstance(existing_fragment, SFragment)
                out[index] = SFragment(
                    item.type_condition, merge_items(existing_fragment.children, item.children)
                )
            continue
        index = next(
            (i for i, o in enumerate(out) if isinstance(o, SField) and o.key == item.key), None
        )
        if index is None:
            out.append(item)
            continue
        existing = out[index]
        assert isinstance(existing, SField)
        if existing.name != item.name or _printed(existing.arguments) != _printed(item.arguments):
            raise PlanningError(
                f'Cannot fetch "{item.key}" for several types at once: they select different '
                "fields or arguments under that name"
            )
        if existing.children is not None and item.children is not None:
            out[index] = SField(
                existing.key,
                existing.name,
                existing.arguments,
                merge_items(existing.children, item.children),
                existing.shape,
            )
    return out


# Documents ------------------------------------------------------------------------------------


def _write_operation(
    node: FetchNode,
    kind: str,
    variable_definitions: dict[str, VariableDefinitionNode],
    operation_name: str | None,
) -> None:
    name = f" {operation_name}__{node.graph}__{node.id}" if operation_name else ""
    if node.is_entity:
        selections: list[SItem] = []
        for index, call in enumerate(node.calls):
            if index:
                call.alias, call.variable = f"_entities{index}", f"representations{index}"
            conditions: dict[str, list[SItem]] = {}
            for type_name, items in call.types.items():
                condition = call.type_conditions.get(type_name, type_name)
                earlier = conditions.get(condition)
                conditions[condition] = items if earlier is None else merge_items(earlier, items)
            body: list[SItem] = [SField("__typename", "__typename", shape="String!")]
            body += [SFragment(c, items) for c, items in conditions.items()]
            selections.append(
                SField(call.alias, "_entities", (_representations(call.variable),), body)
            )
        kind = "query"
    else:
        selections = node.selections
    renames: Renames = {}
    counter = [0]
    if node.is_entity:
        for item in selections:
            assert isinstance(item, SField) and item.children is not None
            _separate(item.children, renames, counter)
    else:
        _separate(selections, renames, counter)
    node.renames = renames or None
    bodies = [c for i in selections for c in (i.children or ())] if node.is_entity else selections
    used = _used_variables(bodies)
    node.variables = tuple(v for v in variable_definitions if v in used)
    definitions = [print_ast(variable_definitions[v]) for v in node.variables]
    if node.is_entity:
        definitions[:0] = [f"${call.variable}: [_Any!]!" for call in node.calls]
    header = kind + name + (f"({', '.join(definitions)})" if definitions else "")
    node.operation = f"{header} {print_selections(selections)}"


def _separate(items: list[SItem], renames: Renames, counter: list[int]) -> None:
    """Alias fields that share a response name with a field of another type shape in the same
    selection set (across its fragments), recording how to name them back."""
    groups: dict[str, list[SField]] = {}
    for item in _fields_of(items):
        groups.setdefault(item.key, []).append(item)
    for key, group in groups.items():
        shapes: list[tuple[str, list[SField]]] = []
        for item in group:
            shape = _shape(item)
            for known, members in shapes:
                if known == shape:
                    members.append(item)
                    break
            else:
                shapes.append((shape, [item]))
        for index, (_, members) in enumerate(shapes):
            target = key
            if index:
                target = f"{key}{ALIAS_MARK}{counter[0]}"
                counter[0] += 1
            children = [c for m in members if m.children is not None for c in m.children]
            nested: Renames = {}
            if children:
                _separate(children, nested, counter)
            for member in members:
                member.key = target
            if target != key or nested:
                renames[target] = (key, nested or None)


def _fields_of(items: list[SItem]) -> Iterator[SField]:
    for item in items:
        if isinstance(item, SFragment):
            yield from _fields_of(item.children)
        else:
            yield item


def _shape(item: SField) -> str:
    """What must agree between two fields of one response name: list and non-null wrappers,
    and the type itself for leaves (sub-selections are compared field by field)."""
    shape = item.shape or ""
    if item.children is None:
        return shape
    named = shape.strip("[]!")
    return shape.replace(named, "_") if named else shape


def _representations(variable: str) -> ArgumentNode:
    field = parse_field_set(f"_entities(representations: ${variable})").selections[0]
    argument: ArgumentNode = field.arguments[0]  # type: ignore[attr-defined]
    return argument


def _printed(arguments: tuple[ArgumentNode, ...]) -> tuple[str, ...]:
    return tuple(print_ast(a) for a in arguments)


def _used_variables(items: list[SItem]) -> set[str]:
    names: set[str] = set()

    class _Collect(Visitor):
        def enter_variable(self, node: VariableNode, *_: Any) -> None:
            names.add(node.name.value)

    for item in items:
        if isinstance(item, SField):
            for argument in item.arguments:
                visit(argument, _Collect())
        if item.children:
            names.update(_used_variables(item.children))
    return names
