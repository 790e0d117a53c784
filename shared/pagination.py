"""Keyset pagination shared by every list: opaque cursors, page sizes, pages.

A cursor is the sort key of the last row of a page, bound to the listing (and sort) it was
issued for; the next page starts after it, so rows added meanwhile never shift a page."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

import orjson
from pydantic import AfterValidator, Field
from sqlalchemy import ColumnElement, literal, true, tuple_

from shared.errors import NotFound
from shared.validation import CommandModel

MAX_PAGE = 100
DEFAULT_PAGE = 20

T = TypeVar("T")


class InvalidCursor(NotFound):
    """A cursor names a position in one listing; one that names none is a page not found."""

    code = "INVALID_CURSOR"
    default_message = "No page of this listing starts at this cursor"


def encode(scope: str, *values: Any) -> str:
    raw = orjson.dumps([scope, *[str(value) for value in values]])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, scope: str, size: int) -> list[str]:
    """The `size` values of a cursor issued for `scope`; INVALID_CURSOR (404) otherwise."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, orjson.JSONDecodeError):
        raise InvalidCursor() from None
    if (
        not isinstance(data, list)
        or len(data) != size + 1
        or data[0] != scope
        or not all(isinstance(item, str) for item in data)
    ):
        raise InvalidCursor()
    return data[1:]


def _page_size(value: int) -> int:
    """Page sizes are clamped to 1..100 (as the arguments' descriptions say)."""
    return max(1, min(value, MAX_PAGE))


class PageQuery(CommandModel):
    """How much of a list, and after which row (a `cursor` from the previous page)."""

    # Any 32-bit integer (GraphQL's Int) is accepted and clamped.
    limit: Annotated[
        int,
        Field(ge=-(2**31), le=2**31 - 1, description="Page size (clamped to 1..100)"),
        AfterValidator(_page_size),
    ] = DEFAULT_PAGE
    # An empty cursor is no cursor (the first page).
    cursor: Annotated[str | None, AfterValidator(lambda v: v or None)] = None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """Items with the cursor after each of them, whether more follow the last, the page size
    applied and, for lists that count them, how many match in all."""

    items: list[T]
    cursors: list[str]
    has_next_page: bool
    limit: int
    total: int | None = None

    @property
    def end_cursor(self) -> str | None:
        return self.cursors[-1] if self.cursors else None


def page_of(
    rows: list[T], limit: int, key: Callable[[T], tuple[Any, ...]], total: int | None = None
) -> Page[T]:
    """A page from `limit + 1` rows (the extra row only tells that a next page exists);
    `key(row)` is what its cursor encodes (scope first)."""
    items = rows[:limit]
    cursors = [encode(*key(item)) for item in items]
    return Page(items, cursors, len(rows) > limit, limit, total)


@dataclass(frozen=True, slots=True)
class Keyset:
    """Rows after (`descending`: before) the key `after` in the order of `columns`, whose last
    column is unique (the id), so every row has one place and a page one start."""

    columns: tuple[ColumnElement[Any], ...]
    descending: bool
    after: tuple[Any, ...] | None = None

    def order_by(self) -> list[ColumnElement[Any]]:
        return [column.desc() if self.descending else column.asc() for column in self.columns]

    def condition(self) -> ColumnElement[bool]:
        if self.after is None:
            return true()
        row = tuple_(*self.columns)
        bound = tuple_(*(literal(v, c.type) for v, c in zip(self.after, self.columns, strict=True)))
        return row < bound if self.descending else row > bound
