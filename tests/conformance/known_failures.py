"""Corpus queries our router fails today: ``"case/query": "why"`` (one line each).

They run as strict xfails, so `make test` stays green while the planner is being fixed, and a
query that starts passing fails the run until its entry is removed here. `make
conformance-report` (``--known-failures``: a draft of both lists) shows where each one stands.
"""

_INTERFACE_OBJECT_REQUIRES = "title (owned by the interface's subgraph) not sent to labels"

# The answer is wrong, or a subgraph received a document invalid against its schema.
WRONG_ANSWERS: dict[str, str] = {
    "requires_interface_object/on-interface": _INTERFACE_OBJECT_REQUIRES,
    "requires_interface_object/with-typename": _INTERFACE_OBJECT_REQUIRES,
    "requires_interface_object/on-implementations": _INTERFACE_OBJECT_REQUIRES,
    "requires_interface_object/from-interface-object-root": _INTERFACE_OBJECT_REQUIRES,
    "requires_interface_object/from-interface-object-root-concrete": _INTERFACE_OBJECT_REQUIRES,
    "requires_interface_object/by-id": _INTERFACE_OBJECT_REQUIRES,
    "requires_interface_object/fragment": _INTERFACE_OBJECT_REQUIRES,
}

# Right or not, more subgraph requests than the budget (Hive Gateway's, else Apollo's).
OVER_BUDGET: dict[str, str] = {
    "key_hops/from-other-key-side": "5 requests (stock's key fetched from catalog first); Hive 4",
}
