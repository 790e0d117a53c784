"""Projection of merged subgraph data onto the client's selection: values clients cannot see."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from router.executor.project import project_response
from router.planner.planner import Planner
from router.supergraph.loader import load_supergraph

SUPERGRAPH = load_supergraph(
    (
        Path(__file__).parent / "fixtures" / "supergraphs" / "inaccessible-type-and-value.graphql"
    ).read_text()
)


def _project(query: str, data: dict[str, Any]) -> dict[str, Any]:
    _, plan = Planner(SUPERGRAPH).plan(query, None)
    errors: list[dict[str, Any]] = []
    projected = project_response(plan.fields, plan.root_type, data, errors, SUPERGRAPH)
    return {"data": projected, "errors": [(e["message"], e["path"]) for e in errors]}


def test_a_hidden_enum_value_is_a_field_error() -> None:
    data = {"items": [{"id": "1", "status": "ACTIVE"}, {"id": "2", "status": "HIDDEN"}]}
    assert _project("{ items { id status } }", data) == {
        "data": {"items": [{"id": "1", "status": "ACTIVE"}, {"id": "2", "status": None}]},
        "errors": [("Invalid value found for field Item.status.", ["items", 1, "status"])],
    }


def test_an_object_of_a_hidden_type_is_a_field_error() -> None:
    data = {"search": [{"__typename": "Draft", "id": "d"}, {"__typename": "Item", "id": "1"}]}
    assert _project("{ search { ... on Item { id } } }", data) == {
        "data": {"search": [None, {"id": "1"}]},
        "errors": [("Invalid __typename found for object at field Query.search.", ["search", 0])],
    }
