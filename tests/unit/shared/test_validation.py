"""Command models refuse NUL in text (PostgreSQL cannot store it) and document it."""

from __future__ import annotations

import pytest

from shared.errors import ValidationFailed
from shared.validation import NO_NUL, CommandModel, parse_command


class Sample(CommandModel):
    name: str
    tags: list[str] = []


def test_nul_in_any_text_is_a_validation_error_naming_the_field() -> None:
    """Found by fuzzing: NUL reached PostgreSQL (500) in names, bios, searches, look-ups."""
    for data, field in (({"name": "a\x00b"}, "name"), ({"name": "a", "tags": ["\x00"]}, "tags")):
        with pytest.raises(ValidationFailed) as raised:
            parse_command(Sample, data)
        assert raised.value.details[0]["field"] == field


def test_free_text_is_documented_without_nul() -> None:
    properties = Sample.model_json_schema(by_alias=True)["properties"]
    assert properties["name"]["pattern"] == NO_NUL
    assert properties["tags"]["items"]["pattern"] == NO_NUL
