"""Metadata shown by the payment types is exactly what `commands.storable` makes of it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from subgraphs.payments.commands import storable
from subgraphs.payments.types import readable


@pytest.mark.parametrize(
    "value",
    [
        None,
        {"order": "1-2", "channel": "web"},
        {"from": "pending", "to": "processing", "n": 2**63 - 1, "m": -(2**63) + 1},
        {"big": 2**63, "small": -(2**63), "nested": [{"deep": 2**70}]},
        {"text": "café", "emoji": "\U0001f600", "nul": "a\x00b"},
        {"lone": "\ud800"},
        {"k\x00": 1, "é": True},
        {"amount": Decimal("12.50"), "whole": Decimal("3")},
        [True, False, 1.5, None, "x", [], {}],
        "plain",
    ],
)
def test_readable_is_storable(value: Any) -> None:
    assert repr(readable(value)) == repr(storable(value))


def test_an_unchanged_document_is_not_rebuilt() -> None:
    document = {"order": "1-2", "channel": "web", "n": 5}
    assert readable(document) is document
