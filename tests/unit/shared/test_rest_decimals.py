"""REST writes a Decimal scalar as the exact JSON number of its value: the bytes are those of
the Decimal the text stands for, whether the text is passed through as it is (plain numbers)
or read back into a Decimal first (exponents, other spellings)."""

from __future__ import annotations

from decimal import Decimal

from graphql import GraphQLScalarType
from hypothesis import given
from hypothesis import strategies as st

from shared.http.responses import dumps
from shared.rest.operation import to_json_ready

DECIMAL = GraphQLScalarType("Decimal")


def _as_written_before(text: str) -> bytes:
    """The bytes of the Decimal the text stands for (the path every text took before)."""
    return dumps({"amount": Decimal(text)})


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_a_decimal_is_written_as_the_number_it_is(value: Decimal) -> None:
    text = str(value)  # what the GraphQL scalar serialises
    assert dumps({"amount": to_json_ready(text, DECIMAL)}) == _as_written_before(text)


@given(
    st.from_regex(r"\A[-+]?[0-9]{0,4}(\.[0-9]{0,4})?([eE][-+]?[0-9]{1,2})?\Z").filter(
        lambda text: any(c.isdigit() for c in text.split("e")[0].split("E")[0])
    )
)
def test_any_spelling_of_a_number_is_written_as_its_decimal(text: str) -> None:
    assert dumps({"amount": to_json_ready(text, DECIMAL)}) == _as_written_before(text)


def test_plain_amounts_and_their_edge_cases() -> None:
    for text in ["0", "-0", "0.00", "-0.00", "100", "100.00", "49.59", "0.0000001", "00.5"]:
        assert dumps({"amount": to_json_ready(text, DECIMAL)}) == _as_written_before(text)
    assert dumps({"amount": to_json_ready("1E+2", DECIMAL)}) == b'{"amount":100}'
    assert to_json_ready(None, DECIMAL) is None
    assert to_json_ready("not a number", DECIMAL) == "not a number"
