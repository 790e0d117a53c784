"""The router app through HTTP: GraphQL endpoints, limits, edge headers, CORS, auth, REST."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from router.app import create_router_app
from router.edge.graphiql import GRAPHIQL_HTML
from router.edge.limits import GraphQLLimits
from router.supergraph.loader import load_supergraph
from router.supergraph.source import ComposedSupergraph, SubgraphConfig
from shared.config import Settings
from shared.rbac import Role
from shared.security.tokens import issue_access_token
from tests.router.subgraphs.apps import SECRET, RecordingApp, transports

ORIGIN = "http://localhost:9001"


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "app_env": "test",
        "cors_origin": [ORIGIN],
        "subgraph_secret": SECRET,
        "redis_url": None,
        "trusted_proxies": ["10.0.0.1"],
        "max_body_bytes": 4096,
    }
    values.update(overrides)
    return Settings(**values)


def make_app(
    supergraph_sdl: str, apps: dict[str, RecordingApp], settings: Settings | None = None
) -> Starlette:
    composed = ComposedSupergraph(
        load_supergraph(supergraph_sdl),
        {},
        [SubgraphConfig(n, f"http://{n}.test/graphql") for n in apps],
    )
    return create_router_app(
        settings or make_settings(),
        composed,
        transports=transports(apps),
        limits=GraphQLLimits(max_depth=15, max_aliases=100, max_batch=5),
    )


@pytest.fixture(scope="module")
async def client(
    supergraph_sdl: str, apps: dict[str, RecordingApp]
) -> AsyncIterator[httpx.AsyncClient]:
    app = make_app(supergraph_sdl, apps)
    transport = httpx.ASGITransport(app=app, client=("10.0.0.1", 1234))
    async with httpx.AsyncClient(transport=transport, base_url="http://router") as c:
        yield c


async def test_post_graphql_answers_a_federated_query(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": "{ me { name reviews { body } } }"})
    assert response.status_code == 200
    assert response.json() == {
        "data": {"me": {"name": "Ada", "reviews": [{"body": "Solid"}, {"body": "Bright"}]}}
    }


async def test_get_graphql_runs_queries_and_refuses_mutations(client: httpx.AsyncClient) -> None:
    ok = await client.get("/graphql", params={"query": "{ me { id } }"})
    assert ok.json() == {"data": {"me": {"id": "1"}}}
    refused = await client.get(
        "/graphql", params={"query": 'mutation { rename(input: {id: "1", name: "x"}) { id } }'}
    )
    assert refused.status_code == 405
    assert refused.headers["allow"] == "POST"


async def test_graphiql_for_browsers(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", headers={"accept": "text/html,application/json"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    csp = dict(d.split(" ", 1) for d in response.headers["content-security-policy"].split("; "))
    assert csp["script-src"] == "'self'"
    assert csp["connect-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"
    assert "http" not in response.headers["content-security-policy"]
    assert "<script>" not in response.text  # no inline script
    sources = re.findall(r'(?:src|href)="([^"]+)"', response.text)
    assert sources[0] == "data:,"  # the icon: no /favicon.ico request
    assets = sources[1:]
    assert len(assets) == 6
    assert all(a.startswith("graphiql/") for a in assets)  # relative: the router's own files
    init = next(a for a in assets if a.startswith("graphiql/graphiql-init."))
    script = await client.get("/" + init)
    assert "isHeadersEditorEnabled: true" in script.text
    assert "url: window.location.pathname" in script.text


async def test_graphiql_assets_are_immutable_with_their_types(client: httpx.AsyncClient) -> None:
    page = await client.get("/graphql", headers={"accept": "text/html"})
    assets = re.findall(r'(?:src|href)="(graphiql/[^"]+)"', page.text)
    assert any(re.fullmatch(r"graphiql/graphiql-3\.8\.3\.min\.[0-9a-f]{12}\.js", a) for a in assets)
    assert any(
        re.fullmatch(r"graphiql/react-18\.3\.1\.production\.min\.[0-9a-f]{12}\.js", a)
        for a in assets
    )
    for asset in assets:
        response = await client.get("/" + asset)
        assert response.status_code == 200
        kind = "javascript" if asset.endswith(".js") else "css"
        assert response.headers["content-type"] == f"text/{kind}; charset=utf-8"
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["content-encoding"] == "gzip"  # httpx asks for gzip
        assert response.headers["x-content-type-options"] == "nosniff"
        assert hashlib.sha256(response.content).hexdigest()[:12] == asset.rsplit(".", 2)[1]
    plain = await client.get("/" + assets[0], headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers
    missing = await client.get("/graphiql/graphiql-3.8.3.min.000000000000.js")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "NOT_FOUND"


async def test_no_graphiql_in_production(
    supergraph_sdl: str, apps: dict[str, RecordingApp]
) -> None:
    settings = make_settings(app_env="production", jwt_secret="x" * 64, subgraph_secret="y" * 32)
    app = make_app(supergraph_sdl, apps, settings)
    transport = httpx.ASGITransport(app=app, client=("10.0.0.1", 1234))
    async with httpx.AsyncClient(transport=transport, base_url="http://router") as c:
        page = await c.get("/graphql", headers={"accept": "text/html"})
        asset = await c.get("/" + re.findall(r'src="(graphiql/[^"]+)"', GRAPHIQL_HTML)[0])
    assert page.status_code == 400
    assert asset.status_code == 404


async def test_forwarded_headers_reach_subgraphs(
    client: httpx.AsyncClient, recorded: dict[str, RecordingApp]
) -> None:
    response = await client.post(
        "/graphql",
        json={"query": "{ me { id } }"},
        headers={"x-request-id": "req-123", "x-forwarded-for": "203.0.113.9"},
    )
    assert response.headers["x-request-id"] == "req-123"
    sent = recorded["users"].headers[0]
    assert sent["x-request-id"] == "req-123"
    assert sent["x-router-secret"] == SECRET
    assert sent["x-forwarded-for"] == "203.0.113.9, 10.0.0.1"


async def test_trace_headers_reach_subgraphs(
    client: httpx.AsyncClient, recorded: dict[str, RecordingApp]
) -> None:
    traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    response = await client.post(
        "/graphql",
        json={"query": "{ me { id name } }"},
        headers={"traceparent": traceparent, "tracestate": "vendor=opaque"},
    )
    assert response.status_code == 200
    sent = recorded["users"].headers[0]
    assert sent["traceparent"] == traceparent
    assert sent["tracestate"] == "vendor=opaque"


async def test_untrusted_peer_cannot_spoof_forwarded_for(
    supergraph_sdl: str, apps: dict[str, RecordingApp], recorded: dict[str, RecordingApp]
) -> None:
    app = make_app(supergraph_sdl, apps)
    transport = httpx.ASGITransport(app=app, client=("198.51.100.7", 1))
    async with httpx.AsyncClient(transport=transport, base_url="http://router") as c:
        response = await c.post(
            "/graphql", json={"query": "{ me { id } }"}, headers={"x-forwarded-for": "1.2.3.4"}
        )
    assert len(response.headers["x-request-id"]) == 32
    assert recorded["users"].headers[0]["x-forwarded-for"] == "198.51.100.7"


async def test_security_headers(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert "strict-transport-security" not in response.headers


async def test_hsts_and_no_introspection_in_production(
    supergraph_sdl: str, apps: dict[str, RecordingApp]
) -> None:
    settings = make_settings(
        app_env="production", jwt_secret="j" * 40, subgraph_secret=SECRET + "x" * 32
    )
    app = make_app(supergraph_sdl, apps, settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://router"
    ) as c:
        response = await c.post("/graphql", json={"query": "{ __schema { types { name } } }"})
    assert "max-age=" in response.headers["strict-transport-security"]
    assert response.status_code == 400
    assert "introspection" in response.json()["errors"][0]["message"].lower()


async def test_cors_preflight(client: httpx.AsyncClient) -> None:
    response = await client.options(
        "/graphql",
        headers={
            "origin": ORIGIN,
            "access-control-request-method": "POST",
            "access-control-request-headers": "authorization,content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ORIGIN
    # A browser MFE may send an Idempotency-Key with a payment (the design's POST /payments).
    idempotent = await client.options(
        "/api/payments",
        headers={
            "origin": ORIGIN,
            "access-control-request-method": "POST",
            "access-control-request-headers": "authorization,content-type,idempotency-key",
        },
    )
    assert idempotent.status_code == 200, idempotent.text
    denied = await client.options(
        "/graphql",
        headers={"origin": "http://evil.example", "access-control-request-method": "POST"},
    )
    assert "access-control-allow-origin" not in denied.headers


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("{ me { " + "reviews { author { " * 8 + "id" + " } }" * 8 + " } }", "MAX_DEPTH_EXCEEDED"),
        ("{ " + " ".join(f"a{i}: me {{ id }}" for i in range(101)) + " }", "MAX_ALIASES_EXCEEDED"),
        ("{ me { " + "id " * 500 + "} }", "MAX_FIELDS_EXCEEDED"),
        (
            "query { ...F } fragment F on Query { "
            + " ".join(f"a{i}: me {{ id }}" for i in range(60))
            + " } query Other { me { id } }",
            "OPERATION_RESOLUTION_FAILURE",
        ),
        (
            "{ topProducts(first: 100) { reviews { author { reviews { product { reviews {"
            " body } } } } } } }",
            "COST_LIMIT_EXCEEDED",
        ),
        (
            'mutation { a: rename(input: {id: "1", name: "a"}) { id } '
            'b: rename(input: {id: "1", name: "b"}) { id } }',
            "REPEATED_MUTATION",
        ),
    ],
    ids=["depth-16", "aliases-101", "fields-500", "ambiguous", "cost", "repeated-mutation"],
)
async def test_limits_are_refused_naming_the_limit(
    client: httpx.AsyncClient, query: str, code: str
) -> None:
    response = await client.post("/graphql", json={"query": query})
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == code


async def test_aliases_hidden_in_fragments_are_counted(client: httpx.AsyncClient) -> None:
    query = (
        "{ ...F } fragment F on Query { "
        + " ".join(f"a{i}: me {{ id }}" for i in range(101))
        + " }"
    )
    response = await client.post("/graphql", json={"query": query})
    assert response.json()["errors"][0]["extensions"]["code"] == "MAX_ALIASES_EXCEEDED"


async def test_batches(client: httpx.AsyncClient) -> None:
    ok = await client.post("/graphql", json=[{"query": "{ me { id } }"}] * 2)
    assert ok.json() == [{"data": {"me": {"id": "1"}}}] * 2
    refused = await client.post("/graphql", json=[{"query": "{ me { id } }"}] * 10)
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["extensions"]["code"] == "BATCH_LIMIT_EXCEEDED"


async def test_body_limit(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": "{ me { id } }", "pad": "x" * 5000})
    assert response.status_code == 413


async def test_invalid_token_is_refused_and_valid_token_forwarded(
    client: httpx.AsyncClient, recorded: dict[str, RecordingApp]
) -> None:
    bad = await client.post(
        "/graphql", json={"query": "{ viewer { id } }"}, headers={"authorization": "Bearer nope"}
    )
    assert bad.status_code == 401
    assert bad.json() == {
        "errors": [
            {"message": "The access token is not valid", "extensions": {"code": "INVALID_TOKEN"}}
        ]
    }
    token, _ = issue_access_token(
        make_settings(), user_id=uuid.uuid4(), email="a@example.com", role=Role.CUSTOMER
    )
    good = await client.post(
        "/graphql",
        json={"query": "{ me { id } }"},
        headers={"authorization": f"Bearer {token}"},
    )
    assert good.status_code == 200
    assert recorded["users"].headers[-1]["authorization"] == f"Bearer {token}"


async def test_a_bad_token_is_dropped_where_no_caller_is_needed(
    client: httpx.AsyncClient, recorded: dict[str, RecordingApp]
) -> None:
    """A stale token in a client's defaults must not lock it out of login or refresh: where
    the operation needs no caller the token is dropped, the request runs as anonymous."""
    expired, _ = issue_access_token(
        make_settings(jwt_expires_in=timedelta(seconds=-5)),
        user_id=uuid.uuid4(),
        email="a@example.com",
        role=Role.CUSTOMER,
    )
    for stale in ("Bearer nope", "Basic abc", f"Bearer {expired}"):
        headers = {"authorization": stale}
        graph = await client.post("/graphql", json={"query": "{ me { id } }"}, headers=headers)
        assert graph.status_code == 200 and graph.json() == {"data": {"me": {"id": "1"}}}
        assert "authorization" not in recorded["users"].headers[-1]
        batch = [{"query": "{ me { id } }"}, {"query": "{ viewer { id } }"}]
        answers = (await client.post("/graphql", json=batch, headers=headers)).json()
        assert answers[0] == {"data": {"me": {"id": "1"}}}
        code = "TOKEN_EXPIRED" if stale.endswith(expired) else "INVALID_TOKEN"
        assert answers[1]["errors"][0]["extensions"]["code"] == code
        for path in ("/api/users/echo", "/api/v1/users/echo"):
            for method in ("GET", "POST", "HEAD"):
                public = await client.request(method, path, headers=headers)
                assert public.status_code == (201 if method == "POST" else 200), public.text
                if method != "HEAD":
                    assert "authorization" not in public.json()["data"]["headers"]
            for method in ("PUT", "DELETE"):
                protected = await client.request(method, path, headers=headers)
                assert protected.status_code == 401
                assert protected.json()["error"]["code"] == code
        wrong_method = await client.patch("/api/users/echo", headers=headers)
        assert wrong_method.status_code == 405


async def test_rest_forwarding_json(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/users/echo?x=1", json={"hello": "world"}, headers={"x-request-id": "rest-1"}
    )
    assert response.status_code == 201
    data = response.json()["data"]
    assert data["received"] == {"hello": "world"}
    assert data["query"] == "x=1"
    assert data["headers"]["x-router-secret"] == SECRET
    assert data["headers"]["x-request-id"] == "rest-1"
    versioned = await client.get("/api/v1/products/echo")
    assert versioned.json()["data"]["path"] == "/api/v1/products/echo"


async def test_rest_forwarding_keeps_the_path_encoded(client: httpx.AsyncClient) -> None:
    """Found by fuzzing: a control character in a path segment (`%1F`), decoded, made no
    valid upstream URL (httpx.InvalidURL): a 500 instead of the subgraph's own answer."""
    response = await client.get("/api/users/a%1Fb%0Db")
    assert response.status_code == 404  # the subgraph's: no such route
    echoed = await client.get("/api/users/echo?x=%1F")
    assert echoed.json()["data"]["query"] == "x=%1F"


async def test_rest_forwarding_multipart(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/reviews/echo",
        files={"upload": ("photo.png", b"\x89PNG" + b"0" * 10_000, "image/png")},
        data={"caption": "hi"},
    )
    assert response.status_code == 201
    assert response.json()["data"]["received"] == {
        "upload": {"filename": "photo.png", "size": 10_004},
        "caption": "hi",
    }


async def test_unknown_api_path_is_404_in_the_envelope(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/nowhere/thing")
    assert response.status_code == 404
    body = response.json()
    assert body["success"] is False
    assert body["error"]["code"] == "NOT_FOUND"


async def test_an_undeclared_method_is_405_before_authentication(
    client: httpx.AsyncClient,
) -> None:
    """Found by fuzzing: a stale token on a method no route has was a 401 at the router where
    the subgraph answers 405; the combined OpenAPI document says which methods a path has."""
    response = await client.patch(
        "/api/users/echo", json={}, headers={"authorization": "Bearer not-a-token"}
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "DELETE, GET, HEAD, OPTIONS, POST, PUT"
    assert response.json()["error"]["code"] == "METHOD_NOT_ALLOWED"
    refused = await client.put("/api/users/echo", headers={"authorization": "Bearer not-a-token"})
    assert refused.status_code == 401  # a declared method that needs a caller


async def test_a_path_no_route_matches_is_a_json_404(client: httpx.AsyncClient) -> None:
    """A newline in the path matches no route (not even ``/api/{rest:path}``)."""
    response = await client.get("/api/users/a%0Ab")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"


async def test_combined_openapi_and_docs(client: httpx.AsyncClient) -> None:
    document = (await client.get("/api/openapi.json")).json()
    assert {"/api/users/echo", "/api/products/echo", "/api/reviews/echo"} <= set(document["paths"])
    assert "UsersEcho" in document["components"]["schemas"]
    docs = await client.get("/api/docs")
    assert 'id="swagger-ui" data-url="openapi.json"' in docs.text


async def test_swagger_ui_is_served_by_the_router(client: httpx.AsyncClient) -> None:
    """The docs page loads only the router's own files (relative URLs under ``/api/docs/``),
    with no inline script and a CSP that allows no other origin."""
    page = await client.get("/api/docs")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    csp = dict(d.split(" ", 1) for d in page.headers["content-security-policy"].split("; "))
    assert csp["script-src"] == "'self'"
    assert csp["style-src"] == "'self'"
    assert csp["connect-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"
    assert "http" not in page.headers["content-security-policy"]
    assert "<script>" not in page.text
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources[0] == "data:,"
    assets = sources[1:]
    assert len(assets) == 4
    assert any(
        re.fullmatch(r"docs/swagger-ui-bundle-5\.\d+\.\d+\.[0-9a-f]{12}\.js", a) for a in assets
    )
    assert any(re.fullmatch(r"docs/swagger-ui-5\.\d+\.\d+\.[0-9a-f]{12}\.css", a) for a in assets)
    for asset in assets:
        response = await client.get("/api/" + asset)
        assert response.status_code == 200
        kind = "javascript" if asset.endswith(".js") else "css"
        assert response.headers["content-type"] == f"text/{kind}; charset=utf-8"
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["content-encoding"] == "gzip"
        assert hashlib.sha256(response.content).hexdigest()[:12] == asset.rsplit(".", 2)[1]
    init = next(a for a in assets if a.startswith("docs/swagger-init."))
    script = await client.get("/api/" + init, headers={"accept-encoding": "identity"})
    assert "content-encoding" not in script.headers
    assert "validatorUrl: null" in script.text
    missing = await client.get("/api/docs/swagger-init.000000000000.js")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "NOT_FOUND"
    slash = await client.get("/api/docs/")
    assert slash.status_code == 308
    assert slash.headers["location"] == "../docs"


async def test_a_subgraphs_swagger_ui_works_through_the_router(client: httpx.AsyncClient) -> None:
    """A subgraph's docs page (``/api/<name>/docs``) names its assets ``docs/<name>``: through
    the router they are forwarded to the subgraph like any of its paths, gzip bytes untouched."""
    page = await client.get("/api/users/docs")
    assert page.status_code == 200
    assert "<title>users API</title>" in page.text
    assert page.headers["content-security-policy"].startswith(
        "default-src 'none'; script-src 'self';"
    )
    assets = re.findall(r'(?:src|href)="(docs/[^"]+)"', page.text)
    assert len(assets) == 4
    for asset in assets:
        response = await client.get("/api/users/" + asset)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["content-encoding"] == "gzip"
        assert hashlib.sha256(response.content).hexdigest()[:12] == asset.rsplit(".", 2)[1]


async def test_health_ready_metrics(client: httpx.AsyncClient) -> None:
    assert (await client.get("/health")).json() == {"status": "ok"}
    ready = await client.get("/ready")
    assert ready.status_code == 200
    assert ready.json()["subgraphs"] == {"products": "ok", "reviews": "ok", "users": "ok"}
    metrics = await client.get("/metrics")
    assert "router_http_requests_total" in metrics.text
