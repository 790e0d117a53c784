"""The profile subgraph's ASGI app, and the route that serves avatar files."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shared.app import create_subgraph_app
from shared.config import Settings
from shared.errors import NotFound
from shared.graphql.context import Resources
from shared.http.responses import failure
from subgraphs.profile.images import BY_EXTENSION
from subgraphs.profile.rest import routes
from subgraphs.profile.schema import create_schema
from subgraphs.profile.service import Avatars
from subgraphs.profile.settings import ProfileSettings
from subgraphs.profile.storage import AvatarStorage, FolderStorage, is_storage_name

NAME = "profile"


def avatar_route(storage: AvatarStorage) -> Route:
    """`GET /api/profile/avatars/<name>`: public (an <img> sends no token); names are random
    128-bit values and never reused, so a file may be cached for good."""

    async def serve(request: Request) -> Response:
        name = request.path_params["name"]
        data = await storage.read(name) if is_storage_name(name) else None
        if data is None:
            return failure(NotFound("No such avatar"))
        kind = BY_EXTENSION[name.rsplit(".", 1)[1]]
        return Response(
            data,
            media_type=kind.media_type,
            headers={"Cache-Control": "public, max-age=31536000, immutable"},
        )

    return Route("/api/profile/avatars/{name}", serve, methods=["GET"])


def create_app(
    settings: Settings,
    resources: Resources | None = None,
    *,
    profile_settings: ProfileSettings | None = None,
    storage: AvatarStorage | None = None,
) -> Starlette:
    config = profile_settings or ProfileSettings()
    avatars = Avatars(storage or FolderStorage(config.avatar_root(settings)), config)
    return create_subgraph_app(
        name=NAME,
        schema=create_schema(settings, avatars),
        routes=routes(config.avatar_max_bytes),
        settings=settings,
        resources=resources,
        extra_routes=[avatar_route(avatars.storage)],
        multipart_uploads=True,
    )
