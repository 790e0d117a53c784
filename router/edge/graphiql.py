"""The GraphiQL page served to browsers on ``GET /graphql`` (header editing enabled), and its
assets, served by the router itself from ``router/static/graphiql`` (vendored from npm: no CDN,
no Node at run time).

Every asset is published under a content-addressed name (``graphiql-3.8.3.min.<sha>.js``) at
``/graphiql/<name>``, so it can be cached for a year as immutable (``shared.http.assets``, which
Swagger UI's pages share). The page refers to them with
relative URLs (``graphiql/…`` next to ``/graphql``), so it also works behind a path prefix. The
bootstrapping code is a static file, which lets the page's CSP keep ``script-src 'self'``.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response

from shared.http.assets import AssetBundle

GRAPHIQL_VERSION = "3.8.3"
REACT_VERSION = "18.3.1"
STATIC_DIR = Path(__file__).resolve().parents[1] / "static" / "graphiql"
ASSET_PATH = "/graphiql/{name}"
# The page: its own layout, GraphiQL's styles, then React, ReactDOM, GraphiQL and the bootstrap.
STYLESHEETS = (f"graphiql-{GRAPHIQL_VERSION}.min.css", "graphiql-page.css")
SCRIPTS = (
    f"react-{REACT_VERSION}.production.min.js",
    f"react-dom-{REACT_VERSION}.production.min.js",
    f"graphiql-{GRAPHIQL_VERSION}.min.js",
    "graphiql-init.js",
)

BUNDLE = AssetBundle(STATIC_DIR, (*STYLESHEETS, *SCRIPTS), "graphiql/", "GraphiQL")
GRAPHIQL_HTML = (
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>GraphiQL</title>\n'
    '<link rel="icon" href="data:,">\n'  # no /favicon.ico request
    + BUNDLE.stylesheets(*STYLESHEETS)
    + '</head><body><div id="graphiql">Loading…</div>\n'
    + BUNDLE.scripts(*SCRIPTS)
    + "</body></html>"
)


async def graphiql_asset(request: Request) -> Response:
    """``GET /graphiql/{name}``: a page asset, immutable, gzip when the client accepts it."""
    return await BUNDLE.response(request, request.path_params["name"])


def wants_html(accept: str | None) -> bool:
    """A browser navigation asks for text/html before JSON."""
    if not accept:
        return False
    html_at = accept.find("text/html")
    json_at = accept.find("application/json")
    return html_at != -1 and (json_at == -1 or html_at < json_at)
