"""Planner tests from fixture files: ``fixtures/planner/<case>/`` holds the operation
(``operation.graphql``, optional ``variables.json`` and ``supergraph`` file name) and the
expected plan (``plan.json``). Set ``UPDATE_PLAN_FIXTURES=1`` to rewrite the expectations
after a deliberate planner change (and review the diff)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from router.planner.errors import PlanningError
from router.planner.planner import OperationError, Planner
from router.supergraph.loader import load_supergraph
from tests.router.subgraph_schemas import fetch_errors

FIXTURES = Path(__file__).parent / "fixtures"
CASES = sorted(p for p in (FIXTURES / "planner").iterdir() if p.is_dir())


def _planner(case: Path) -> Planner:
    name = (case / "supergraph").read_text().strip() if (case / "supergraph").exists() else None
    sdl_path = FIXTURES / (name or "planner/supergraph.graphql")
    return Planner(load_supergraph(sdl_path.read_text()))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_plan_matches_fixture(case: Path) -> None:
    variables_file = case / "variables.json"
    variables = json.loads(variables_file.read_text()) if variables_file.exists() else {}
    _, plan = _planner(case).plan((case / "operation.graphql").read_text(), None, variables)
    described = plan.describe()
    expected_file = case / "plan.json"
    if os.environ.get("UPDATE_PLAN_FIXTURES"):
        expected_file.write_text(json.dumps(described, indent=2) + "\n")
    assert described == json.loads(expected_file.read_text())
    supergraph = _planner(case).supergraph
    for node in plan.nodes:
        assert fetch_errors(supergraph, node.graph, node.operation) == [], node.operation


def test_composed_fixture_matches_live_composition(supergraph_sdl: str) -> None:
    assert (FIXTURES / "planner" / "supergraph.graphql").read_text() == supergraph_sdl


def test_plans_are_cached_by_text_name_and_conditions() -> None:
    planner = Planner(load_supergraph((FIXTURES / "planner" / "supergraph.graphql").read_text()))
    query = "query Q($a: Boolean!) { me { id name @include(if: $a) } }"
    _, first = planner.plan(query, "Q", {"a": True})
    _, again = planner.plan(query, "Q", {"a": True})
    _, other = planner.plan(query, "Q", {"a": False})
    assert first is again
    assert other is not first


def test_invalid_operations_are_refused_before_planning() -> None:
    planner = Planner(load_supergraph((FIXTURES / "planner" / "supergraph.graphql").read_text()))
    with pytest.raises(OperationError) as caught:
        planner.plan("{ me { nope } }", None)
    assert caught.value.errors[0].extensions == {"code": "GRAPHQL_VALIDATION_FAILED"}
    with pytest.raises(OperationError):
        planner.plan("query A { me { id } } query B { me { id } }", None)


def test_unreachable_field_is_a_planning_error() -> None:
    sdl = (FIXTURES / "apollo-v0.3.supergraph.graphql").read_text()
    sdl = sdl.replace('@join__type(graph: ACCOUNTS, key: "id")', "@join__type(graph: ACCOUNTS)")
    sdl = sdl.replace('provides: "username"', 'provides: "id"')
    planner = Planner(load_supergraph(sdl))
    with pytest.raises(PlanningError, match="no @key"):
        planner.plan("{ topProducts { createdBy { username } } }", None)


def test_a_custom_override_label_moves_the_field_once_enabled() -> None:
    sdl = (FIXTURES / "supergraphs" / "progressive-override.graphql").read_text()
    query = "{ books { review } }"
    _, off = Planner(load_supergraph(sdl)).plan(query, None)
    assert [n.graph for n in off.nodes] == ["legacy"]
    enabled = Planner(load_supergraph(sdl), enabled_labels=frozenset({"reviews-v2"}))
    _, on = enabled.plan(query, None)
    assert [n.graph for n in on.nodes] == ["legacy", "modern"]
    assert "review" in on.nodes[1].operation


def test_a_percentage_label_is_drawn_per_request(monkeypatch: pytest.MonkeyPatch) -> None:
    sdl = (FIXTURES / "supergraphs" / "progressive-override.graphql").read_text()
    sdl = sdl.replace('"percent(100)"', '"percent(25)"')
    planner = Planner(load_supergraph(sdl))
    monkeypatch.setattr("router.planner.planner.random.random", lambda: 0.2)
    _, drawn_in = planner.plan("{ books { stock } }", None)
    monkeypatch.setattr("router.planner.planner.random.random", lambda: 0.3)
    _, drawn_out = planner.plan("{ books { stock } }", None)
    assert [n.graph for n in drawn_in.nodes] == ["legacy", "modern"]
    assert [n.graph for n in drawn_out.nodes] == ["legacy"]


def test_a_null_variable_for_a_non_null_argument_makes_that_field_an_error() -> None:
    """The variable's default applies only when it is absent (CoerceArgumentValues)."""
    planner = Planner(load_supergraph((FIXTURES / "planner" / "supergraph.graphql").read_text()))
    query = 'query ($id: ID = "1") { user(id: $id) { id } me { id } }'
    _, absent = planner.plan(query, None, {})
    _, null = planner.plan(query, None, {"id": None})
    assert (
        absent.nodes[0].operation
        == 'query($id: ID = "1") { user(id: $id) { __typename id } me { __typename id } }'
    )
    assert null.nodes[0].operation == "query { me { __typename id } }"
    [user, _] = null.fields
    assert user.argument_error == 'Argument "id" of non-null type "ID!" must not be null.'
