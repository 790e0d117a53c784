"""Avatars: a real PNG round trip (stored, scaled, served back), replacement and deletion;
refusals for a text file named .png, an oversized upload and a missing or malformed part;
the GraphQL multipart request spec."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image

from shared.rbac import Role
from subgraphs.profile.settings import MIB
from tests.integration.conftest import ApiClient
from tests.integration.profile.conftest import image_bytes


def _stored(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.glob("*"))


async def _upload(api: ApiClient, user: Any, content: bytes, name: str = "me.png") -> Any:
    return await api.http.post(
        "/api/profile/avatar",
        files={"file": (name, content, "image/png")},
        headers=user.headers,
    )


async def test_png_round_trip_scaled_and_served(
    api: ApiClient, make_user: Callable[..., Any], avatar_dir: Path
) -> None:
    user = await make_user(Role.CUSTOMER)
    uploaded = await _upload(api, user, image_bytes((2048, 1024)))
    assert uploaded.status_code == 200, uploaded.text
    url = uploaded.json()["data"]["avatarUrl"]
    assert url.startswith("/api/profile/avatars/") and url.endswith(".png")
    assert (await api.http.get("/api/profile", headers=user.headers)).json()["data"][
        "avatarUrl"
    ] == url

    served = await api.http.get(url)
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/png"
    with Image.open(io.BytesIO(served.content)) as image:
        assert (image.format, image.size) == ("PNG", (1024, 512))
    assert _stored(avatar_dir) == [url.rsplit("/", 1)[1]]

    replaced = await _upload(api, user, image_bytes((64, 64), "WEBP"), name="anything.bin")
    new_url = replaced.json()["data"]["avatarUrl"]
    assert new_url.endswith(".webp")
    assert (await api.http.get(url)).status_code == 404  # the old file is gone
    assert len(_stored(avatar_dir)) == 1

    deleted = await api.http.delete("/api/profile/avatar", headers=user.headers)
    assert deleted.status_code == 200 and deleted.json()["data"]["avatarUrl"] is None
    assert (await api.http.get(new_url)).status_code == 404
    assert _stored(avatar_dir) == []


async def test_a_jpeg_smaller_than_the_limit_is_kept_as_is_in_size(
    api: ApiClient, make_user: Callable[..., Any]
) -> None:
    user = await make_user(Role.VENDOR)
    uploaded = await _upload(api, user, image_bytes((300, 200), "JPEG"), name="x.png")
    assert uploaded.status_code == 200, uploaded.text
    url = uploaded.json()["data"]["avatarUrl"]
    assert url.endswith(".jpg")
    served = await api.http.get(url)
    assert served.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(served.content)) as image:
        assert image.size == (300, 200)


async def test_a_renamed_text_file_is_refused(
    api: ApiClient, make_user: Callable[..., Any], avatar_dir: Path
) -> None:
    user = await make_user(Role.CUSTOMER)
    response = await _upload(api, user, b"just some text, honestly\n" * 10, name="photo.png")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "UNSUPPORTED_IMAGE_TYPE"
    truncated = await _upload(api, user, image_bytes((50, 50))[:40])
    assert truncated.status_code == 400
    assert truncated.json()["error"]["code"] == "INVALID_IMAGE"
    assert _stored(avatar_dir) == []


async def test_an_oversized_image_is_refused(api: ApiClient, make_user: Callable[..., Any]) -> None:
    user = await make_user(Role.CUSTOMER)
    header = image_bytes((8, 8))
    oversized = header + b"\0" * (2 * MIB)  # a PNG's bytes, padded past 2 MiB
    response = await _upload(api, user, oversized)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "AVATAR_TOO_LARGE"
    far_too_big = await _upload(api, user, header + b"\0" * (3 * MIB))
    assert far_too_big.status_code == 413  # stopped by the route's body limit


async def test_the_upload_needs_a_file_part(api: ApiClient, make_user: Callable[..., Any]) -> None:
    user = await make_user(Role.CUSTOMER)
    as_json = await api.http.post("/api/profile/avatar", json={"file": "x"}, headers=user.headers)
    assert as_json.status_code == 400
    assert as_json.json()["error"]["details"][0]["field"] == "file"
    other_part = await api.http.post(
        "/api/profile/avatar",
        files={"picture": ("a.png", image_bytes((8, 8)), "image/png")},
        headers=user.headers,
    )
    assert other_part.status_code == 400
    anonymous = await api.http.post(
        "/api/profile/avatar", files={"file": ("a.png", image_bytes((8, 8)), "image/png")}
    )
    assert anonymous.status_code == 401


async def test_graphql_multipart_upload(api: ApiClient, make_user: Callable[..., Any]) -> None:
    user = await make_user(Role.CUSTOMER)
    operations = {
        "query": "mutation($file: Upload!) { uploadAvatar(file: $file) { avatarUrl } }",
        "variables": {"file": None},
    }
    response = await api.http.post(
        "/graphql",
        data={
            "operations": json.dumps(operations),
            "map": json.dumps({"0": ["variables.file"]}),
        },
        files={"0": ("a.png", image_bytes((16, 16)), "image/png")},
        headers=user.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"]["uploadAvatar"]["avatarUrl"].endswith(".png")


async def test_openapi_documents_the_multipart_body(api: ApiClient) -> None:
    document = (await api.http.get("/api/profile/openapi.json")).json()
    body = document["paths"]["/api/profile/avatar"]["post"]["requestBody"]
    schema = body["content"]["multipart/form-data"]["schema"]
    assert schema["required"] == ["file"]
    assert schema["properties"]["file"]["format"] == "binary"


async def test_graphql_upload_given_inline_is_a_validation_error(
    api: ApiClient, make_user: Callable[..., Any]
) -> None:
    """Found by fuzzing: an inline value for `Upload` reached the service as a string (500)."""
    user = await make_user(Role.CUSTOMER)
    answer = await api.graphql(
        'mutation { uploadAvatar(file: "") { avatarUrl } }', token=user.token
    )
    error = answer["errors"][0]
    assert error["extensions"]["code"] == "VALIDATION_ERROR"
    assert error["extensions"]["details"][0]["field"] == "file"
