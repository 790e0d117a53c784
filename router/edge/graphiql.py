"""The GraphiQL page served to browsers on ``GET /graphql`` (header editing enabled), and its
assets, served by the router itself from ``router/static/graphiql`` (vendored from npm: no CDN,
no Node at run time).

Every asset is published under a content-addressed name (``graphiql-3.8.3.min.<sha>.js``) at
``/graphiql/<name>``, so it can be cached for a year as immutable. The page refers to them with
relative URLs (``graphiql/…`` next to ``/graphql``), so it also works behind a path prefix. The
bootstrapping code is a static file, which lets the page's CSP keep ``script-src 'self'``.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response

from shared.errors import NotFound
from shared.http.responses import failure

GRAPHIQL_VERSION = "3.8.3"
REACT_VERSION = "18.3.1"
STATIC_DIR = Path(__file__).resolve().parents[1] / "static" / "graphiql"
ASSET_PATH = "/graphiql/{name}"
IMMUTABLE = "public, max-age=31536000, immutable"
CONTENT_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
# The page: its own layout, GraphiQL's styles, then React, ReactDOM, GraphiQL and the bootstrap.
STYLESHEETS = (f"graphiql-{GRAPHIQL_VERSION}.min.css", "graphiql-page.css")
SCRIPTS = (
    f"react-{REACT_VERSION}.production.min.js",
    f"react-dom-{REACT_VERSION}.production.min.js",
    f"graphiql-{GRAPHIQL_VERSION}.min.js",
    "graphiql-init.js",
)


class Asset:
    """One static file in memory; its gzip form is made on first demand, off the event loop."""

    def __init__(self, body: bytes, content_type: str) -> None:
        self.body = body
        self.content_type = content_type
        self._gzipped: bytes | None = None

    async def gzipped(self) -> bytes:
        if self._gzipped is None:  # ~0.1 s for GraphiQL's 3.5 MB bundle, once
            self._gzipped = await asyncio.to_thread(gzip.compress, self.body, 6, mtime=0)
        return self._gzipped


def _load() -> tuple[dict[str, Asset], dict[str, str]]:
    """Public (content-addressed) name → asset, and file name → public URL (relative)."""
    table: dict[str, Asset] = {}
    urls: dict[str, str] = {}
    for filename in (*STYLESHEETS, *SCRIPTS):
        path = STATIC_DIR / filename
        body = path.read_bytes()
        public = f"{path.stem}.{hashlib.sha256(body).hexdigest()[:12]}{path.suffix}"
        table[public] = Asset(body, CONTENT_TYPES[path.suffix])
        urls[filename] = "graphiql/" + public
    return table, urls


ASSETS, _URLS = _load()
GRAPHIQL_HTML = (
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>GraphiQL</title>\n'
    '<link rel="icon" href="data:,">\n'  # no /favicon.ico request
    + "".join(f'<link rel="stylesheet" href="{_URLS[name]}">\n' for name in STYLESHEETS)
    + '</head><body><div id="graphiql">Loading…</div>\n'
    + "".join(f'<script src="{_URLS[name]}"></script>\n' for name in SCRIPTS)
    + "</body></html>"
)


async def graphiql_asset(request: Request) -> Response:
    """``GET /graphiql/{name}``: a page asset, immutable, gzip when the client accepts it."""
    asset = ASSETS.get(request.path_params["name"])
    if asset is None:
        return failure(NotFound("No such GraphiQL asset"))
    headers = {"cache-control": IMMUTABLE, "vary": "accept-encoding"}
    body = asset.body
    if _accepts_gzip(request.headers.get("accept-encoding", "")):
        body = await asset.gzipped()
        headers["content-encoding"] = "gzip"
    return Response(body, media_type=asset.content_type, headers=headers)


def _accepts_gzip(accept_encoding: str) -> bool:
    """``gzip`` (or ``*``) is listed with a weight above zero."""
    for item in accept_encoding.lower().split(","):
        coding, _, params = item.partition(";")
        if coding.strip() not in ("gzip", "*"):
            continue
        weight = params.strip().removeprefix("q=").strip() or "1"
        try:
            return float(weight) > 0
        except ValueError:
            return False
    return False


def wants_html(accept: str | None) -> bool:
    """A browser navigation asks for text/html before JSON."""
    if not accept:
        return False
    html_at = accept.find("text/html")
    json_at = accept.find("application/json")
    return html_at != -1 and (json_at == -1 or html_at < json_at)
