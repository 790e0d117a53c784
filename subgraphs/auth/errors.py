"""Errors of the auth domain."""

from shared.errors import Conflict, Forbidden, Unauthorized, ValidationFailed


class InvalidCredentials(Unauthorized):
    code = "INVALID_CREDENTIALS"
    default_message = "Invalid email or password"


class EmailTaken(Conflict):
    code = "EMAIL_TAKEN"
    default_message = "An account with this email already exists"


class RoleNotAllowed(Forbidden):
    default_message = "This role cannot be chosen at registration"


class InvalidRefreshToken(Unauthorized):
    code = "INVALID_TOKEN"
    default_message = "The refresh token is not valid"


class RefreshTokenReused(Unauthorized):
    code = "REFRESH_TOKEN_REUSED"
    default_message = "This refresh token was already used; the session has been ended"


class InvalidResetToken(ValidationFailed):
    code = "INVALID_TOKEN"
    default_message = "The reset token is invalid or has expired"


class WrongCurrentPassword(ValidationFailed):
    code = "INVALID_CURRENT_PASSWORD"
    default_message = "The current password is not correct"


class LastAdmin(Conflict):
    code = "LAST_ADMIN"
    default_message = "The last active administrator cannot be removed"
