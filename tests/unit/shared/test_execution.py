"""The fast paths for plain fields and plain objects answer exactly as graphql-core's standard
execution does: values, order, aliases, directives, fragments, and the errors of nulls and
refused values wherever they are (a leaf, a nested object, an item of a list)."""

from __future__ import annotations

import enum
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import strawberry
from graphql import ExecutionResult, execute, parse

from shared.graphql.execution import FastExecutionContext


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.type
class Item:
    id: uuid.UUID
    name: str
    price: Decimal
    colour: Colour
    note: str | None
    at: datetime
    count: int

    @strawberry.field
    def label(self) -> str:
        return f"{self.name}!"

    @strawberry.field
    async def later(self) -> int:
        return self.count * 2


GOOD = Item(
    id=uuid.UUID(int=1),
    name="one",
    price=Decimal("1.50"),
    colour=Colour.RED,
    note=None,
    at=datetime(2026, 1, 2, tzinfo=UTC),
    count=3,
)
# What a buggy resolver could hand over: a null in a non-null field, a value Int refuses.
BROKEN: Any = Item(
    id=uuid.UUID(int=2),
    name=None,  # type: ignore[arg-type]
    price=Decimal("2"),
    colour=Colour.BLUE,
    note="n",
    at=datetime(2026, 1, 3, tzinfo=UTC),
    count="many",  # type: ignore[arg-type]
)
# Values that are not of the field's own Python type, which the scalars still serialise: an
# int and a bool in String fields, an enum's raw value instead of its member.
ODD: Any = Item(
    id=uuid.UUID(int=3),
    name=5,  # type: ignore[arg-type]
    price=Decimal("3"),
    colour="blue",  # type: ignore[arg-type]
    note=True,  # type: ignore[arg-type]
    at=datetime(2026, 1, 4, tzinfo=UTC),
    count=4,
)


@strawberry.type
class Tag:
    label: str
    weight: int | None


@strawberry.type
class Box:
    name: str
    tag: Tag
    spare: Tag | None
    tags: list[Tag]
    maybe_tags: list[Tag | None] | None
    item: Item


FINE_TAG = Tag(label="a", weight=1)
BAD_TAG: Any = Tag(label=None, weight=2)  # type: ignore[arg-type]
BOXES = [
    Box(name="fine", tag=FINE_TAG, spare=None, tags=[FINE_TAG], maybe_tags=None, item=GOOD),
    Box(name="bad leaf", tag=BAD_TAG, spare=FINE_TAG, tags=[], maybe_tags=[None], item=GOOD),
    Box(
        name="bad item",
        tag=FINE_TAG,
        spare=None,
        tags=[FINE_TAG, BAD_TAG],
        maybe_tags=[BAD_TAG],
        item=GOOD,
    ),
    Box(name="null object", tag=None, spare=None, tags=[], maybe_tags=[], item=GOOD),  # type: ignore[arg-type]
    Box(name="null in list", tag=FINE_TAG, spare=None, tags=[None], maybe_tags=[], item=BROKEN),  # type: ignore[list-item]
]


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return [GOOD, GOOD]

    @strawberry.field
    def broken(self) -> list[Item | None]:
        return [GOOD, BROKEN]

    @strawberry.field
    def odd(self) -> list[Item]:
        return [ODD, GOOD]

    @strawberry.field
    def boxes(self) -> list[Box | None]:
        return BOXES

    @strawberry.field
    def tags(self) -> list[Tag]:
        return [FINE_TAG, FINE_TAG]


def _schemas() -> tuple[strawberry.Schema, strawberry.Schema]:
    return (
        strawberry.Schema(Query),
        strawberry.Schema(Query, execution_context_class=FastExecutionContext),
    )


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ("{ items { id name price colour note at count label } }", {}),
        ("{ items { count later label name a: name b: id __typename } }", {}),
        ("query($s: Boolean!) { items { name @skip(if: $s) id @include(if: $s) } }", {"s": True}),
        ("{ items { ... on Item { price } name ...F } } fragment F on Item { at colour }", {}),
        ("{ broken { id name } }", {}),
        ("{ broken { id count note } }", {}),
        ("{ broken { later name } }", {}),
        ("{ odd { id name colour note } }", {}),
        ("{ odd { colour later } }", {}),
        ("{ tags { label weight __typename } }", {}),
        ("{ boxes { name tag { label } spare { label weight } tags { label } } }", {}),
        ("{ boxes { name maybeTags { label } item { id count } } }", {}),
        ("{ boxes { ...B } } fragment B on Box { t: tag { ... on Tag { weight label } } }", {}),
        ("{ boxes { item { name later } tags { weight } } }", {}),
    ],
)
async def test_the_fast_path_answers_as_graphql_core_does(
    query: str, variables: dict[str, Any]
) -> None:
    standard, fast = _schemas()
    expected = await standard.execute(query, variable_values=variables)
    answered = await fast.execute(query, variable_values=variables)
    assert answered.data == expected.data
    assert list(_keys(answered.data)) == list(_keys(expected.data))
    assert [e.formatted for e in answered.errors or []] == [
        e.formatted for e in expected.errors or []
    ]


def _keys(data: Any) -> Any:
    """Every key in document order, nested ones included."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield key
            yield from _keys(value)
    elif isinstance(data, list):
        for item in data:
            yield from _keys(item)


async def test_plans_kept_across_requests_follow_each_requests_variables() -> None:
    """One document (as a prepared one is) run again with other variables: the selections that
    depend on them are planned per request, the others are kept, and every answer is
    graphql-core's."""
    standard, fast = _schemas()
    document = parse(
        "query($s: Boolean!) { items { id name } tags { label } "
        "boxes { name tag @skip(if: $s) { label } tags { label weight @include(if: $s) } } }"
    )
    for skip in (True, False, True, False):
        variables = {"s": skip}
        expected = execute(standard._schema, document, variable_values=variables)
        answered = execute(
            fast._schema,
            document,
            variable_values=variables,
            executor_class=FastExecutionContext,
        )
        assert isinstance(expected, ExecutionResult)
        assert isinstance(answered, ExecutionResult)
        assert answered.data == expected.data
        assert list(_keys(answered.data)) == list(_keys(expected.data))
        assert [e.formatted for e in answered.errors or []] == [
            e.formatted for e in expected.errors or []
        ]
