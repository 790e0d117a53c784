"""Corpus queries our router fails today: ``"case/query": "why"`` (one line each).

They run as strict xfails, so `make test` stays green while the planner is being fixed, and a
query that starts passing fails the run until its entry is removed here. `make
conformance-report` (``--known-failures``: a draft of both lists) shows where each one stands.
"""

_KEY_HOP = "planning fails: stock/pricing need a key (sku) only subgraph ids can add"
_REQUIRES_CHAIN = "shippingCost is fetched for deliveryNote without its own @requires (price)"
_INTERFACE_OBJECT_REQUIRES = "title (owned by the interface's subgraph) not sent to labels"
_CONFLICT = "fields String!/String of two members sent unaliased: the subgraph rejects the query"

# The answer is wrong, or a subgraph received a document invalid against its schema.
WRONG_ANSWERS: dict[str, str] = {
    "key_hops/key-through-third-subgraph": _KEY_HOP,
    "key_hops/composite-key": _KEY_HOP,
    "key_hops/all-fields": _KEY_HOP,
    "key_hops/from-other-key-side": "planning fails: catalog needs id, which stock lacks",
    "key_hops/by-id": _KEY_HOP,
    "key_hops/missing": _KEY_HOP,
    "key_hops/aliases": _KEY_HOP,
    "requires_chain/two-levels": _REQUIRES_CHAIN,
    "requires_chain/by-key": _REQUIRES_CHAIN,
    "requires_chain/typename": _REQUIRES_CHAIN,
    "requires_interface_object/on-interface": _INTERFACE_OBJECT_REQUIRES,
    "requires_interface_object/with-typename": _INTERFACE_OBJECT_REQUIRES,
    "requires_interface_object/on-implementations": _INTERFACE_OBJECT_REQUIRES,
    "requires_interface_object/from-interface-object-root": _INTERFACE_OBJECT_REQUIRES,
    "requires_interface_object/from-interface-object-root-concrete": _INTERFACE_OBJECT_REQUIRES,
    "requires_interface_object/by-id": _INTERFACE_OBJECT_REQUIRES,
    "requires_interface_object/fragment": _INTERFACE_OBJECT_REQUIRES,
    "type_conflicts/inline-fragments": _CONFLICT,
    "type_conflicts/named-fragments": _CONFLICT,
    "type_conflicts/same-alias": _CONFLICT,
    "type_conflicts/with-entity-fields": _CONFLICT,
    "type_conflicts/single-member": _CONFLICT,
    "type_conflicts/typename-and-spreads": _CONFLICT,
}

# Right or not, more subgraph requests than the budget (Hive Gateway's, else Apollo's).
OVER_BUDGET: dict[str, str] = {
    "shared_root/shared-value-type": "profiles then settings; Hive asks settings alone (has both)",
}
