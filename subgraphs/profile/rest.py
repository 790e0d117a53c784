"""The design's REST routes of the profile service, each running one operation of the schema."""

from shared.rest import RestRoute

MULTIPART_OVERHEAD = 64 * 1024  # part headers and boundaries around the file


def routes(avatar_max_bytes: int) -> list[RestRoute]:
    return [
        RestRoute("GET", "", "myProfile", "Your profile"),
        RestRoute("PUT", "", "updateMyProfile", "Change your profile", body_arg="input"),
        RestRoute("GET", "/preferences", "myPreferences", "Your preferences"),
        RestRoute(
            "PUT", "/preferences", "updateMyPreferences", "Change preferences", body_arg="input"
        ),
        RestRoute(
            "POST",
            "/avatar",
            "uploadAvatar",
            "Upload your avatar (multipart/form-data, part `file`)",
            upload_arg="file",
            max_body_bytes=avatar_max_bytes + MULTIPART_OVERHEAD,
        ),
        RestRoute("DELETE", "/avatar", "deleteAvatar", "Remove your avatar"),
    ]
