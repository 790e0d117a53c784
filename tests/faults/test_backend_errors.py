"""A backend that is not there is a 503 (retry), not a 500 (bug): the classifier the GraphQL
error translation uses, on the errors a killed PostgreSQL or Redis actually raises."""

from __future__ import annotations

import asyncpg
import redis.exceptions
from graphql import GraphQLError
from sqlalchemy.exc import DBAPIError

from shared.db import is_backend_unavailable
from shared.events.consumer import is_outage
from shared.graphql.schema import translate_error


def _wrapped(cause: BaseException) -> DBAPIError:
    try:
        try:
            raise cause
        except BaseException as exc:
            raise DBAPIError("SELECT 1", {}, Exception(str(exc))) from exc
    except DBAPIError as error:
        return error


def test_unreachable_backends_are_recognised() -> None:
    assert is_backend_unavailable(ConnectionRefusedError(111, "Connection refused"))
    assert is_backend_unavailable(_wrapped(asyncpg.exceptions.CannotConnectNowError("starting")))
    assert is_backend_unavailable(_wrapped(asyncpg.exceptions.ConnectionDoesNotExistError("x")))
    assert is_backend_unavailable(_wrapped(asyncpg.exceptions.AdminShutdownError("shutdown")))
    assert is_backend_unavailable(redis.exceptions.ConnectionError("Connection refused"))
    assert not is_backend_unavailable(_wrapped(asyncpg.exceptions.UniqueViolationError("dup")))
    assert not is_backend_unavailable(ValueError("a bug"))
    assert not is_backend_unavailable(None)


def test_consumers_wait_them_out_instead_of_counting_them_against_the_message() -> None:
    """A PostgreSQL starting up after a crash refuses connections with 57P03, which reaches
    a consumer as a plain DBAPIError: an outage (the message stays pending, no attempt
    counted), not a handler failure that dead-letters the message after `max_attempts`."""
    assert is_outage(_wrapped(asyncpg.exceptions.CannotConnectNowError("starting up")))
    assert is_outage(_wrapped(asyncpg.exceptions.AdminShutdownError("shutdown")))
    assert is_outage(redis.exceptions.ConnectionError("Connection refused"))
    assert not is_outage(_wrapped(asyncpg.exceptions.UniqueViolationError("dup")))
    assert not is_outage(ValueError("a bug"))


def test_translation_answers_503_for_them_and_500_for_bugs() -> None:
    down = GraphQLError(
        "x", path=["a"], original_error=_wrapped(ConnectionRefusedError(111, "refused"))
    )
    assert translate_error(down, hide_suggestions=True).extensions["status"] == 503
    assert translate_error(down, hide_suggestions=True).extensions["code"] == "SERVICE_UNAVAILABLE"
    bug = GraphQLError("x", path=["a"], original_error=RuntimeError("bug"))
    assert translate_error(bug, hide_suggestions=True).extensions["code"] == "INTERNAL_ERROR"
