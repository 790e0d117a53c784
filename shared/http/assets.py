"""Vendored page assets (GraphiQL, Swagger UI) served by the apps themselves: no CDN, no Node at
run time.

An :class:`AssetBundle` reads a page's files once and publishes each under a content-addressed
name (``swagger-ui-bundle-5.35.0.<sha256[:12]>.js``), so a response can be cached for a year as
immutable; gzip is made on first demand and sent when the client accepts it. A page refers to
its assets with relative URLs (``url_prefix`` + name), so it works behind a path prefix and
through the router's forwarding alike.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
from collections.abc import Sequence
from html import escape
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response

from shared.errors import NotFound
from shared.http.responses import failure

IMMUTABLE = "public, max-age=31536000, immutable"
CONTENT_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


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


class AssetBundle:
    """The files of one page (``filenames`` in ``directory``), each published as
    ``url_prefix`` + its content-addressed name."""

    def __init__(
        self, directory: Path, filenames: Sequence[str], url_prefix: str, label: str
    ) -> None:
        self.label = label
        self.assets: dict[str, Asset] = {}  # public name → file
        self.urls: dict[str, str] = {}  # file name → relative URL
        for filename in filenames:
            path = directory / filename
            body = path.read_bytes()
            public = f"{path.stem}.{hashlib.sha256(body).hexdigest()[:12]}{path.suffix}"
            self.assets[public] = Asset(body, CONTENT_TYPES[path.suffix])
            self.urls[filename] = url_prefix + public

    def stylesheets(self, *filenames: str) -> str:
        return "".join(
            f'<link rel="stylesheet" href="{escape(self.urls[name])}">\n' for name in filenames
        )

    def scripts(self, *filenames: str) -> str:
        return "".join(f'<script src="{escape(self.urls[name])}"></script>\n' for name in filenames)

    async def response(self, request: Request, name: str) -> Response:
        """One asset by public name: immutable, gzip when the client accepts it; else a 404."""
        asset = self.assets.get(name)
        if asset is None:
            return failure(NotFound(f"No such {self.label} asset"))
        headers = {"cache-control": IMMUTABLE, "vary": "accept-encoding"}
        body = asset.body
        if accepts_gzip(request.headers.get("accept-encoding", "")):
            body = await asset.gzipped()
            headers["content-encoding"] = "gzip"
        return Response(body, media_type=asset.content_type, headers=headers)


def accepts_gzip(accept_encoding: str) -> bool:
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
