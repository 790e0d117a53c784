"""Errors of the profile domain."""

from shared.errors import PayloadTooLarge, ValidationFailed


class UnsupportedImage(ValidationFailed):
    code = "UNSUPPORTED_IMAGE_TYPE"
    default_message = "The avatar must be a PNG, JPEG or WebP image"


class InvalidImage(ValidationFailed):
    code = "INVALID_IMAGE"
    default_message = "The image could not be read"


class AvatarTooLarge(PayloadTooLarge):
    code = "AVATAR_TOO_LARGE"
    default_message = "The avatar is too large"
