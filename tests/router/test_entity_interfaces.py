"""Entity interfaces and ``@interfaceObject``: composition, planning and execution against
three in-process subgraphs — media (``interface Media @key(fields: "id")`` with Book and
Movie), ratings (``type Media @key(fields: "id") @interfaceObject``) and inventory (the
concrete entity Book only)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from router.gateway import Gateway
from router.planner.errors import PlanningError
from router.planner.planner import Planner
from router.supergraph.compose import compose
from router.supergraph.errors import CompositionError
from router.supergraph.loader import load_supergraph
from router.supergraph.source import SubgraphConfig, compose_from_config
from router.supergraph.subgraph import parse_subgraph
from tests.router.subgraphs.apps import SECRET, RecordingApp, transports
from tests.router.subgraphs.media_apps import MEDIA_SCHEMAS, make_media_apps, media_url

FIXTURE = Path(__file__).parent / "fixtures" / "planner" / "media.supergraph.graphql"
FED2 = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", '
    'import: ["@key", "@interfaceObject"])\n'
)


@pytest.fixture(scope="module")
def media_apps() -> dict[str, RecordingApp]:
    return make_media_apps()


@pytest.fixture(scope="module")
async def media_sdl(media_apps: dict[str, RecordingApp]) -> str:
    configs = [SubgraphConfig(name, media_url(name)) for name in media_apps]
    sdl, missing = await compose_from_config(configs, SECRET, transports(media_apps))
    assert not missing
    return sdl


@pytest.fixture
async def media_gateway(
    media_apps: dict[str, RecordingApp], media_sdl: str
) -> AsyncIterator[Gateway]:
    for app in media_apps.values():
        app.clear()
    gw = Gateway(load_supergraph(media_sdl), SECRET, transports=transports(media_apps))
    yield gw
    await gw.aclose()


def _representations(app: RecordingApp) -> list[list[dict[str, Any]]]:
    return [call["variables"]["representations"] for call in app.entity_calls()]


def _typenames(value: Any) -> set[str]:
    if isinstance(value, list):
        return set().union(*(_typenames(v) for v in value)) if value else set()
    if isinstance(value, dict):
        found = {value["__typename"]} if "__typename" in value else set()
        return found.union(*(_typenames(v) for v in value.values()))
    return set()


# Composition and loading --------------------------------------------------------------------


def test_composed_fixture_matches_live_composition(media_sdl: str) -> None:
    assert FIXTURE.read_text() == media_sdl


def test_composition_records_the_entity_interface_and_the_interface_object(
    media_sdl: str,
) -> None:
    assert "interface Media\n" in media_sdl
    assert '@join__type(graph: RATINGS, key: "id", isInterfaceObject: true)' in media_sdl
    assert '@join__implements(graph: MEDIA, interface: "Media")' in media_sdl
    # Fields the interface object adds appear on every implementation with a bare
    # @join__field, as Apollo's composition writes them.
    assert "averageRating: Float @join__field\n" in media_sdl
    supergraph = load_supergraph(media_sdl)
    media = supergraph.types["Media"]
    assert media.kind == "interface"
    assert media.interface_object_graphs == {"ratings"}
    assert media.keys == {"media": ["id"], "ratings": ["id"]}
    book = supergraph.types["Book"]
    assert book.interfaces == ["Media"]
    assert book.fields["averageRating"].through_interface
    assert book.resolving_graphs("averageRating") == []
    assert book.resolving_graphs("title") == ["media"]
    api_book = supergraph.api_schema.get_type("Book")
    assert api_book is not None and "averageRating" in api_book.fields  # type: ignore[attr-defined]


def test_interface_object_without_an_entity_interface_is_an_error() -> None:
    sdl = FED2 + (
        'type Media @key(fields: "id") @interfaceObject { id: ID! stars: Int }\n'
        "type Query { top: [Media!]! }"
    )
    with pytest.raises(CompositionError) as caught:
        compose([parse_subgraph("ratings", "http://ratings/graphql", sdl)])
    assert any("INTERFACE_OBJECT_USAGE_ERROR" in m for m in caught.value.messages)


def test_interface_object_of_an_interface_without_key_is_an_error() -> None:
    owner = FED2 + (
        "interface Media { id: ID! }\n"
        'type Book implements Media @key(fields: "id") { id: ID! }\n'
        "type Query { media: [Media!]! }"
    )
    ratings = FED2 + 'type Media @key(fields: "id") @interfaceObject { id: ID! stars: Int }'
    with pytest.raises(CompositionError) as caught:
        compose(
            [
                parse_subgraph("media", "http://media/graphql", owner),
                parse_subgraph("ratings", "http://ratings/graphql", ratings),
            ]
        )
    assert any(
        'Interface "Media"' in m and "INTERFACE_OBJECT_USAGE_ERROR" in m
        for m in caught.value.messages
    )


def test_bare_join_field_elsewhere_still_means_every_subgraph() -> None:
    sdl = FIXTURE.read_text().replace(
        "  stars: Int!\n", "  stars: Int! @join__field\n"
    )  # Rating implements no interface: a bare @join__field keeps its old meaning
    rating = load_supergraph(sdl).types["Rating"]
    assert rating.resolving_graphs("stars") == ["ratings"]


# Planning -------------------------------------------------------------------------------------


def test_conflicting_selections_under_one_key_are_a_planning_error() -> None:
    planner = Planner(load_supergraph(FIXTURE.read_text()))
    query = (
        "{ topRated { ... on Book { s: similar { id } } "
        "... on Movie { s: similar { id title } } } }"
    )
    _, plan = planner.plan(query, None)  # same field, sub-selections united: fine
    assert "similar { __typename id }" in plan.nodes[0].operation
    with pytest.raises(PlanningError, match="different fields or arguments"):
        planner.plan(
            "{ topRated { ... on Book { r: ratings { stars } } ... on Movie { r: similar "
            "{ __typename } } } }",
            None,
        )


def test_a_non_resolvable_interface_object_reference_resolves_through_the_owner() -> None:
    services = [parse_subgraph(name, media_url(name), _sdl(name)) for name in ("media", "ratings")]
    services.append(
        parse_subgraph(
            "shelf",
            "http://shelf.test/graphql",
            FED2 + 'type Media @key(fields: "id", resolvable: false) @interfaceObject { id: ID! }\n'
            "type Shelf { name: String! items: [Media!]! }\ntype Query { shelves: [Shelf!]! }",
        )
    )
    planner = Planner(load_supergraph(compose(services)))
    _, plan = planner.plan(
        "{ shelves { items { title ... on Book { author } averageRating } } }", None
    )
    root, owner, ratings = plan.nodes
    assert root.operation == "query { shelves { __typename items { __typename id } } }"
    assert (owner.graph, owner.after) == ("media", {root.id})
    [owner_call] = owner.calls
    assert owner_call.targets == [(("shelves", "items"), frozenset({"Media"}))]
    assert owner_call.requirements.keys() == {"Media"}
    assert (ratings.graph, ratings.after) == ("ratings", {owner.id})
    assert ratings.calls[0].type_conditions == {"Book": "Media", "Movie": "Media"}
    assert "... on Media { __typename averageRating }" in ratings.operation


def _sdl(name: str) -> str:
    result = MEDIA_SCHEMAS[name].execute_sync("{ _service { sdl } }")
    assert result.data is not None
    sdl: str = result.data["_service"]["sdl"]
    return sdl


# Execution ------------------------------------------------------------------------------------


async def test_interface_object_fields_of_interface_objects_come_from_one_batched_call(
    media_gateway: Gateway, media_apps: dict[str, RecordingApp]
) -> None:
    result = await media_gateway.execute(
        "{ library { __typename id title averageRating ... on Movie { ratings { stars } } } }"
    )
    assert result == {
        "data": {
            "library": [
                {"__typename": "Book", "id": "b1", "title": "Dune", "averageRating": 4.5},
                {
                    "__typename": "Movie",
                    "id": "m1",
                    "title": "Alien",
                    "averageRating": 3.5,
                    "ratings": [{"stars": 5}, {"stars": 2}],
                },
                {"__typename": "Book", "id": "b2", "title": "Emma", "averageRating": 2.5},
                {
                    "__typename": "Movie",
                    "id": "m2",
                    "title": "Heat",
                    "averageRating": None,
                    "ratings": [],
                },
            ]
        }
    }
    # Books and movies go in one call, as the interface the ratings subgraph knows.
    assert _representations(media_apps["ratings"]) == [
        [{"__typename": "Media", "id": i} for i in ("b1", "m1", "b2", "m2")]
    ]
    assert "... on Media {" in media_apps["ratings"].entity_calls()[0]["query"]
    assert len(media_apps["media"].requests) == 1


async def test_concrete_fields_after_an_interface_object_resolve_the_type_first(
    media_gateway: Gateway, media_apps: dict[str, RecordingApp]
) -> None:
    query = """
      query Top {
        topRated(first: 3) {
          __typename id title
          ... on Book { author stock }
          ... on Movie { director }
        }
      }
    """
    result = await media_gateway.execute(query)
    assert result == {
        "data": {
            "topRated": [
                {
                    "__typename": "Book",
                    "id": "b1",
                    "title": "Dune",
                    "author": "Herbert",
                    "stock": 3,
                },
                {"__typename": "Movie", "id": "m1", "title": "Alien", "director": "Scott"},
                {"__typename": "Book", "id": "b2", "title": "Emma", "author": "Austen", "stock": 0},
            ]
        }
    }
    # ratings answers Media objects; media turns them into Books and Movies (one call), and
    # inventory gets the books (one call).
    assert _representations(media_apps["media"]) == [
        [{"__typename": "Media", "id": i} for i in ("b1", "m1", "b2")]
    ]
    assert _representations(media_apps["inventory"]) == [
        [{"__typename": "Book", "id": "b1"}, {"__typename": "Book", "id": "b2"}]
    ]


async def test_interface_fields_of_the_interface_object_need_no_other_subgraph(
    media_gateway: Gateway, media_apps: dict[str, RecordingApp]
) -> None:
    result = await media_gateway.execute(
        "{ topRated(first: 2) { id avg: averageRating ratings { stars comment } } }"
    )
    assert result == {
        "data": {
            "topRated": [
                {
                    "id": "b1",
                    "avg": 4.5,
                    "ratings": [{"stars": 5, "comment": "Epic"}, {"stars": 4, "comment": None}],
                },
                {
                    "id": "m1",
                    "avg": 3.5,
                    "ratings": [{"stars": 5, "comment": "Tense"}, {"stars": 2, "comment": "Gory"}],
                },
            ]
        }
    }
    assert media_apps["media"].requests == []
    assert media_apps["inventory"].requests == []


async def test_a_fragment_on_one_implementation_of_an_interface_object(
    media_gateway: Gateway, media_apps: dict[str, RecordingApp]
) -> None:
    result = await media_gateway.execute("{ topRated { ... on Book { averageRating } } }")
    assert result == {
        "data": {"topRated": [{"averageRating": 4.5}, {}, {"averageRating": 2.5}, {}]}
    }
    [call] = media_apps["media"].entity_calls()
    assert "... on Media { __typename }" in call["query"]


async def test_implementations_selecting_one_field_differently_get_their_own_selection(
    media_gateway: Gateway, media_apps: dict[str, RecordingApp]
) -> None:
    query = (
        "{ topRated(first: 2) { id ... on Book { similar { id } } "
        "... on Movie { similar { averageRating } } } }"
    )
    result = await media_gateway.execute(query)
    assert result == {
        "data": {
            "topRated": [
                {"id": "b1", "similar": [{"id": "m1"}, {"id": "b2"}]},
                {"id": "m1", "similar": [{"averageRating": None}]},
            ]
        }
    }
    # One ratings fetch for both shapes; the top level needs the concrete types, the
    # similar items (each shape the same for books and movies) do not.
    assert len(media_apps["ratings"].requests) == 1
    assert _representations(media_apps["media"]) == [
        [{"__typename": "Media", "id": "b1"}, {"__typename": "Media", "id": "m1"}]
    ]


async def test_a_concrete_entity_reaches_the_interface_object_as_the_interface(
    media_gateway: Gateway, media_apps: dict[str, RecordingApp]
) -> None:
    result = await media_gateway.execute("{ lowStock { __typename title averageRating } }")
    assert result == {
        "data": {"lowStock": [{"__typename": "Book", "title": "Emma", "averageRating": 2.5}]}
    }
    assert _representations(media_apps["ratings"]) == [[{"__typename": "Media", "id": "b2"}]]
    assert _representations(media_apps["media"]) == [[{"__typename": "Book", "id": "b2"}]]


async def test_nested_interface_objects_with_fragments_variables_and_aliases(
    media_gateway: Gateway, media_apps: dict[str, RecordingApp]
) -> None:
    query = """
      query Similar($id: ID!) {
        media(id: $id) {
          ...M
          alike: similar { __typename ...M similar { id stars: averageRating } }
        }
      }
      fragment M on Media { id title ... on Book { pages } }
    """
    result = await media_gateway.execute(query, "Similar", {"id": "b1"})
    assert result == {
        "data": {
            "media": {
                "id": "b1",
                "title": "Dune",
                "pages": 412,
                "alike": [
                    {
                        "__typename": "Movie",
                        "id": "m1",
                        "title": "Alien",
                        "similar": [{"id": "m2", "stars": None}],
                    },
                    {
                        "__typename": "Book",
                        "id": "b2",
                        "title": "Emma",
                        "pages": 474,
                        "similar": [{"id": "b1", "stars": 4.5}],
                    },
                ],
            }
        }
    }
    # One call per subgraph and level: media (root), ratings (similar), media (their types).
    assert len(media_apps["media"].requests) == 2
    assert len(media_apps["ratings"].requests) == 1
    assert _representations(media_apps["media"]) == [
        [{"__typename": "Media", "id": "m1"}, {"__typename": "Media", "id": "b2"}]
    ]


async def test_the_client_never_sees_the_interface_name_as_typename(
    media_gateway: Gateway,
) -> None:
    queries = [
        "{ topRated { __typename } }",
        "{ topRated { __typename similar { __typename } } }",
        "{ library { __typename similar { __typename id } } }",
        '{ media(id: "m2") { __typename averageRating } }',
    ]
    for query in queries:
        result = await media_gateway.execute(query)
        assert "errors" not in result, result
        assert _typenames(result["data"]) <= {"Book", "Movie"}, query
        assert _typenames(result["data"]), query


async def test_an_unplannable_selection_is_a_clear_error(media_gateway: Gateway) -> None:
    result = await media_gateway.execute(
        "{ topRated { ... on Book { r: ratings { stars } } "
        "... on Movie { r: similar { __typename } } } }"
    )
    assert "data" not in result
    assert result["errors"][0]["extensions"] == {"code": "QUERY_PLANNING_FAILED"}


async def test_an_unknown_entity_is_null(media_gateway: Gateway) -> None:
    result = await media_gateway.execute('{ media(id: "nope") { id averageRating } }')
    assert result == {"data": {"media": None}}


async def test_the_interface_object_subgraph_down_gives_errors_for_its_fields(
    media_sdl: str, media_apps: dict[str, RecordingApp]
) -> None:
    sdl = media_sdl.replace("http://ratings.test/graphql", "http://127.0.0.1:9/graphql")
    live = {k: v for k, v in transports(media_apps).items() if k != "ratings"}
    gw = Gateway(load_supergraph(sdl), SECRET, transports=live, timeout=2)
    try:
        result = await gw.execute('{ media(id: "b1") { title averageRating } }')
    finally:
        await gw.aclose()
    assert result["data"] == {"media": {"title": "Dune", "averageRating": None}}
    assert [e["extensions"]["code"] for e in result["errors"]] == ["SUBGRAPH_UNAVAILABLE"]
    assert result["errors"][0]["path"] == ["media", "averageRating"]


async def test_type_resolution_refused_by_the_owner_leaves_the_object_null(
    media_sdl: str, media_apps: dict[str, RecordingApp]
) -> None:
    broken = dict(transports(media_apps))
    broken["media"] = httpx.MockTransport(
        lambda _: httpx.Response(200, json={"data": {"_entities": [None, None, None, None]}})
    )
    gw = Gateway(load_supergraph(media_sdl), SECRET, transports=broken)
    try:
        result = await gw.execute("{ topRated { __typename id } }")
    finally:
        await gw.aclose()
    # [Media!]! with no concrete type for its items: null reaches data, with an error.
    assert result["data"] is None
    assert result["errors"]


def test_entity_interface_implementations_must_be_in_its_subgraph_with_its_key() -> None:
    owner = FED2 + (
        'interface Media @key(fields: "id") { id: ID! }\n'
        'type Book implements Media @key(fields: "id") { id: ID! }\n'
        "type Movie implements Media { id: ID! }\n"
        "type Query { media: [Media!]! }"
    )
    other = FED2 + (
        'interface Media { id: ID! }\ntype Podcast implements Media @key(fields: "id") '
        "{ id: ID! }\ntype Query { podcasts: [Podcast!]! }"
    )
    with pytest.raises(CompositionError) as caught:
        compose(
            [
                parse_subgraph("media", "http://media/graphql", owner),
                parse_subgraph("podcasts", "http://podcasts/graphql", other),
            ]
        )
    messages = " ".join(caught.value.messages)
    # Apollo's wording (its composition reports the same two problems).
    assert (
        '[media] Key @key(fields: "id") on interface type "Media" is missing on implementation '
        'type "Movie".'
    ) in messages
    assert (
        'Subgraph "media" should define type "Podcast" (and have it implement "Media").'
    ) in messages
