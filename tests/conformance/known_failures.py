"""Corpus queries our router fails today: ``"case/query": "why"`` (one line each).

They run as strict xfails, so `make test` stays green while the planner is being fixed, and a
query that starts passing fails the run until its entry is removed here. `make
conformance-report` (``--known-failures``: a draft of both lists) shows where each one stands.
"""

# The answer is wrong, or a subgraph received a document invalid against its schema.
WRONG_ANSWERS: dict[str, str] = {}

# Right or not, more subgraph requests than the budget (Hive Gateway's, else Apollo's).
OVER_BUDGET: dict[str, str] = {}
