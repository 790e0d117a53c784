"""Mutations run one root field after another, in document order, even when consecutive fields
belong to different subgraphs; a mutation's result may need entity fetches; a failing mutation
field is null with an error and the following ones still run."""

from typing import Any

from tests.conformance.harness import Case, Query, Subgraph, World, link


def _counter(w: World) -> dict[str, Any]:
    return w.table("Counter")[0]


def _add(_: Any, w: World, by: int) -> dict[str, Any]:
    counter = _counter(w)
    counter["value"] += by
    w.log.append(f"add {by}")
    return dict(counter, seen=list(w.log))


def _double(_: Any, w: World) -> dict[str, Any]:
    counter = _counter(w)
    counter["value"] *= 2
    w.log.append("double")
    return dict(counter, seen=list(w.log))


def _fail(_: Any, w: World) -> Any:
    w.log.append("fail")
    raise ValueError("refused")


adder = Subgraph(
    "adder",
    f"""
    {link("@key", "@shareable")}
    type Query {{ counter: Counter! }}
    type Mutation {{ add(by: Int!): Counter! fail: Counter }}
    type Counter @key(fields: "id") {{ id: ID! value: Int! @shareable seen: [String!]! @shareable }}
    """,
    resolvers={
        "Query.counter": lambda _, w: _counter(w),
        "Mutation.add": _add,
        "Mutation.fail": _fail,
    },
)

doubler = Subgraph(
    "doubler",
    f"""
    {link("@key", "@shareable")}
    type Mutation {{ double: Counter! }}
    type Counter @key(fields: "id") {{
      id: ID!
      value: Int! @shareable
      seen: [String!]! @shareable
      parity: String!
    }}
    """,
    resolvers={
        "Mutation.double": _double,
        "Counter.parity": lambda c, w: "even" if _counter(w)["value"] % 2 == 0 else "odd",
    },
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[adder, doubler],
    world=World({"Counter": [{"id": "c", "value": 0, "seen": []}]}),
    queries=[
        Query(
            "alternating-subgraphs",
            "mutation { a: add(by: 1) { value } b: double { value } c: add(by: 3) { value } "
            "d: double { value seen } }",
        ),
        Query(
            "same-subgraph-consecutive",
            "mutation { a: add(by: 2) { value } b: add(by: 5) { value } c: double { value } }",
        ),
        Query(
            "result-needs-entity-fetch",
            "mutation { add(by: 3) { value parity } }",
        ),
        Query(
            "failure-in-the-middle",
            "mutation { a: add(by: 1) { value } fail { value } b: double { value seen } }",
        ),
        Query(
            "with-variables",
            "mutation Step($x: Int!, $y: Int!) { first: add(by: $x) { value } "
            "twice: double { value } then: add(by: $y) { seen value } }",
            variables={"x": 4, "y": -1},
            operation_name="Step",
        ),
        Query(
            "typename-on-mutation",
            "mutation { __typename add(by: 1) { __typename value } }",
        ),
    ],
)
