"""A domain subgraph's Swagger UI (``/api/auth/docs``, shared.app): the vendored page and its
assets under ``/api/auth/docs/``, behind the router credential like every other path."""

from __future__ import annotations

import hashlib
import re

from tests.integration.conftest import ApiClient


async def test_docs_page_and_assets(api: ApiClient) -> None:
    page = await api.http.get("/api/auth/docs")
    assert page.status_code == 200
    assert "<title>auth API</title>" in page.text
    assert 'data-url="openapi.json"' in page.text  # → /api/auth/openapi.json
    csp = dict(d.split(" ", 1) for d in page.headers["content-security-policy"].split("; "))
    assert csp["script-src"] == "'self'"
    assert csp["style-src"] == "'self'"
    assert "http" not in page.headers["content-security-policy"]
    assets = re.findall(r'(?:src|href)="(docs/[^"]+)"', page.text)
    assert len(assets) == 4
    for asset in assets:
        response = await api.http.get("/api/auth/" + asset)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["content-encoding"] == "gzip"
        assert hashlib.sha256(response.content).hexdigest()[:12] == asset.rsplit(".", 2)[1]
    missing = await api.http.get("/api/auth/docs/swagger-init.000000000000.js")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "NOT_FOUND"
    api.http.headers.pop("X-Router-Secret")
    refused = await api.http.get("/api/auth/" + assets[0])
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "ROUTER_REQUIRED"
