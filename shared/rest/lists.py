"""REST lists: a route whose GraphQL field returns a connection answers the array of its
nodes, with the page beside it in the envelope and an RFC 8288 `Link: <…>; rel="next"`.

A connection is recognised by its type, once per route: an object type with `edges` (each
with a `node`) and `pageInfo { hasNextPage endCursor limit }`, and `totalCount` when the list
counts its rows. GraphQL clients keep the connection; only the REST shape changes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from graphql import FieldNode, GraphQLObjectType, GraphQLOutputType, get_named_type
from starlette.requests import Request

PAGE_INFO_FIELDS = frozenset({"hasNextPage", "endCursor", "limit"})
CURSOR_PARAMETER = "cursor"

LINK_HEADER: dict[str, Any] = {
    "description": 'RFC 8288: `<URL>; rel="next"`, the same request for the next page '
    "(its `cursor` is `pagination.nextCursor`); absent on the last page.",
    "schema": {"type": "string"},
}


def pagination_schema(counted: bool) -> dict[str, Any]:
    """The JSON schema of the envelope's `pagination` (with `total` for counted lists)."""
    properties: dict[str, Any] = {
        "limit": {"type": "integer", "minimum": 1, "description": "The page size applied"},
        "nextCursor": {
            "anyOf": [{"type": "string"}, {"type": "null"}],
            "description": "Pass as `?cursor=` for the next page; null on the last page",
        },
        "hasMore": {"type": "boolean", "description": "Whether a next page exists"},
    }
    if counted:
        properties["total"] = {
            "type": "integer",
            "minimum": 0,
            "description": "Rows matching the filters, all pages together",
        }
    return {"type": "object", "required": list(properties), "properties": properties}


@dataclass(frozen=True, slots=True)
class ListShape:
    """Where a connection keeps its items and its page."""

    node_type: GraphQLOutputType
    counted: bool

    def split(self, connection: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
        """The items, and the envelope's `pagination`."""
        page_info = connection["pageInfo"]
        has_more = bool(page_info["hasNextPage"])
        pagination: dict[str, Any] = {
            "limit": page_info["limit"],
            "nextCursor": page_info["endCursor"] if has_more else None,
            "hasMore": has_more,
        }
        if self.counted:
            pagination["total"] = connection["totalCount"]
        return [edge["node"] for edge in connection["edges"]], pagination


def list_shape(type_: GraphQLOutputType) -> ListShape | None:
    """The shape of a connection type, or None for any other type."""
    connection = get_named_type(type_)
    if not isinstance(connection, GraphQLObjectType):
        return None
    edges, page_info = connection.fields.get("edges"), connection.fields.get("pageInfo")
    if edges is None or page_info is None:
        return None
    edge, info = get_named_type(edges.type), get_named_type(page_info.type)
    if not isinstance(edge, GraphQLObjectType) or "node" not in edge.fields:
        return None
    if not isinstance(info, GraphQLObjectType) or not set(info.fields) >= PAGE_INFO_FIELDS:
        return None
    return ListShape(edge.fields["node"].type, counted="totalCount" in connection.fields)


def node_selection(connection: list[FieldNode]) -> list[FieldNode] | None:
    """The selection of `edges { node { … } }` within a connection's selection."""
    for edges in connection:
        if edges.name.value == "edges" and edges.selection_set:
            for node in edges.selection_set.selections:
                if isinstance(node, FieldNode) and node.name.value == "node":
                    selections = node.selection_set.selections if node.selection_set else ()
                    return [field for field in selections if isinstance(field, FieldNode)]
    return None


def next_link(request: Request, cursor: str) -> str:
    """`Link` to the same request with `cursor` replaced: the path as the client sent it
    (through the router: `/api/…` or `/api/v1/…`), a reference relative to the request's
    own URL, so proxies in front need not rewrite it."""
    raw = request.scope.get("raw_path")
    if isinstance(raw, bytes) and raw:
        path = raw.decode("latin-1").split("?", 1)[0]
    else:
        path = quote(request.url.path)
    query = [(k, v) for k, v in request.query_params.multi_items() if k != CURSOR_PARAMETER]
    query.append((CURSOR_PARAMETER, cursor))
    return f'<{path}?{urlencode(query)}>; rel="next"'
