"""Schemathesis hooks for the fuzz runs (loaded with SCHEMATHESIS_HOOKS=tests.fuzz.hooks).

1. Strategies for the GraphQL scalars schemathesis does not know (Decimal, JSON, Upload).

2. How a GraphQL answer is judged. Schemathesis (4.32.5, `specs/graphql/validation.py`
   `is_client_error`) trusts servers that label their errors, but knows only Apollo's
   (`extensions.code`: BAD_USER_INPUT, BAD_REQUEST, ...) and graphql-java's
   (`extensions.classification`) labels; any other error with a `path` (i.e. raised in a
   resolver: our VALIDATION_ERROR, FORBIDDEN, NOT_FOUND, CONFLICT, ...) counts as a server
   error (ST113), even a refused e-mail. Every error of this platform carries its
   HTTP-equivalent status (`extensions.status`; the router's own refusals answer with it as
   the HTTP status), so a GraphQL answer is judged exactly as the same answer over REST is:
   - an error labelled 5xx, or not labelled at all, is a server error (`not_a_server_error`);
   - a schema-valid query refused with a 4xx is a rejection of positive data unless that
     status is in the operation's `positive_data_acceptance.expected-statuses` (schemathesis's
     default: 401, 403, 404, 409, 429; per-operation exceptions, with reasons, in
     schemathesis.toml), as `positive_data_acceptance` does for REST.
   Nothing is switched off: the checks run as before and only learn this vocabulary.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import strategies as st
from schemathesis.core.transport import Response
from schemathesis.generation.case import Case
from schemathesis.graphql import nodes
from schemathesis.graphql.checks import GraphQLClientError
from schemathesis.specs.graphql.schemas import GraphQLSchema
from schemathesis.specs.graphql.validation import parse_payload

# Scalars -----------------------------------------------------------------------------------

_decimals = st.decimals(allow_nan=False, allow_infinity=False, places=2)
schemathesis.graphql.scalar(
    "Decimal", st.one_of(_decimals.map(str).map(nodes.String), st.integers().map(nodes.Int))
)
schemathesis.graphql.scalar(
    "JSON",
    st.one_of(
        st.integers().map(nodes.Int),
        st.text().map(nodes.String),
        st.booleans().map(nodes.Boolean),
        st.just(nodes.Null),
    ),
)
# An Upload only arrives as a multipart part; an inline value is what a client could send.
schemathesis.graphql.scalar("Upload", st.text().map(nodes.String))


# Judging errors ----------------------------------------------------------------------------


def refusal_statuses(payload: Any, http_status: int) -> list[int] | None:
    """The 4xx status of each error when every error is a labelled refusal, else None.

    An error's status is its `extensions.status`; an error without one (the router's own
    refusals: bad JSON, a revoked token, a batch limit) takes the response's 4xx status.
    """
    if not isinstance(payload, dict):
        return None
    errors = payload.get("errors")
    if not isinstance(errors, list) or not errors:
        return None
    statuses = []
    for error in errors:
        extensions = error.get("extensions") if isinstance(error, dict) else None
        if not isinstance(extensions, dict) or not isinstance(extensions.get("code"), str):
            return None
        status = extensions.get("status", http_status)
        if not isinstance(status, int) or not 400 <= status < 500:
            return None
        statuses.append(status)
    return statuses


def _statuses_of(case: Case, response: Response) -> list[int] | None:
    try:
        payload = parse_payload(response)
    except ValueError:
        return None
    return refusal_statuses(payload, response.status_code)


def _expected(case: Case) -> list[str]:
    config = case.operation.schema.config.checks_config_for(operation=case.operation)
    return list(config.positive_data_acceptance.expected_statuses)


def _allowed(status: int, expected: list[str]) -> bool:
    return str(status) in expected or f"{str(status)[0]}xx" in expected


_evaluate_server_error = GraphQLSchema.evaluate_server_error
_evaluate_positive_data = GraphQLSchema.evaluate_positive_data


def evaluate_server_error(self: GraphQLSchema, case: Case, response: Response) -> None:
    if _statuses_of(case, response) is not None:
        return None  # a labelled refusal: positive_data_acceptance judges it
    return _evaluate_server_error(self, case, response)


def evaluate_positive_data(self: GraphQLSchema, case: Case, response: Response) -> None:
    statuses = _statuses_of(case, response)
    if statuses is None:
        return _evaluate_positive_data(self, case, response)
    if case.meta is not None and not case.meta.generation.mode.is_positive:
        return None
    expected = _expected(case)
    refused = [status for status in statuses if not _allowed(status, expected)]
    if refused:
        errors = parse_payload(response)["errors"]
        message = f"{errors[0]['message']} (status {refused[0]}; expected: {', '.join(expected)})"
        raise GraphQLClientError(operation=case.operation.label, message=message, errors=errors)
    return None


GraphQLSchema.evaluate_server_error = evaluate_server_error  # type: ignore[method-assign]
GraphQLSchema.evaluate_positive_data = evaluate_positive_data  # type: ignore[method-assign]
