"""Swagger UI for an OpenAPI document, served by the app itself: the router's ``/api/docs`` and
each subgraph's ``/api/<name>/docs`` render the same page, whose assets come from
``shared/static/swagger-ui`` (swagger-ui-dist, vendored from npm: no CDN, no Node at run time).

The page sits at ``…/docs`` and refers to everything relatively: its assets as
``docs/<content-addressed name>`` (so at ``…/docs/<name>``, served by :func:`swagger_asset`),
its document as ``openapi.json`` (next to ``…/docs``). A subgraph's page is therefore the same
whether it is loaded directly or through the router, which forwards ``/api/<name>/docs/…`` like
any other path of that subgraph. The bootstrap is a static file, so the CSP keeps
``script-src 'self'``.
"""

from __future__ import annotations

from functools import lru_cache
from html import escape
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from shared.http.assets import AssetBundle

SWAGGER_UI_VERSION = "5.35.0"
STATIC_DIR = Path(__file__).resolve().parents[1] / "static" / "swagger-ui"
STYLESHEETS = (f"swagger-ui-{SWAGGER_UI_VERSION}.css", "swagger-page.css")
SCRIPTS = (f"swagger-ui-bundle-{SWAGGER_UI_VERSION}.js", "swagger-init.js")
# Scripts, styles, the document and "Try it out" calls only from the app's own origin; no inline
# script or style (Swagger UI sets styles through the DOM, which CSP allows: checked in chromium
# by tests/router/test_graphiql_browser.py); its icons are data: URLs in its CSS.
SWAGGER_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

BUNDLE = AssetBundle(STATIC_DIR, (*STYLESHEETS, *SCRIPTS), "docs/", "Swagger UI")


@lru_cache(maxsize=64)
def swagger_html(title: str, document_url: str = "openapi.json") -> str:
    """The page for the OpenAPI document at ``document_url`` (relative to the page's URL)."""
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title>\n"
        '<link rel="icon" href="data:,">\n'  # no /favicon.ico request
        + BUNDLE.stylesheets(*STYLESHEETS)
        + f'</head><body><div id="swagger-ui" data-url="{escape(document_url)}">Loading…</div>\n'
        + BUNDLE.scripts(*SCRIPTS)
        + "</body></html>"
    )


def swagger_page(title: str, document_url: str = "openapi.json") -> HTMLResponse:
    """``GET …/docs``: the page with its CSP."""
    return HTMLResponse(
        swagger_html(title, document_url), headers={"content-security-policy": SWAGGER_CSP}
    )


async def swagger_asset(request: Request) -> Response:
    """``GET …/docs/{name}``: a page asset, immutable, gzip when the client accepts it."""
    return await BUNDLE.response(request, request.path_params["name"])
