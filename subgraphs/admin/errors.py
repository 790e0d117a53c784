"""Errors of the admin domain."""

from shared.errors import Conflict, ValidationFailed


class CannotDeactivateSelf(Conflict):
    code = "CANNOT_DEACTIVATE_SELF"
    default_message = "Administrators cannot deactivate their own account"


class CannotDemoteSelf(Conflict):
    code = "CANNOT_DEMOTE_SELF"
    default_message = "Administrators cannot change their own role"


class UnknownConfigKey(ValidationFailed):
    code = "UNKNOWN_CONFIG_KEY"
    default_message = "No such configuration key"


class InvalidConfigValue(ValidationFailed):
    code = "INVALID_CONFIG_VALUE"
    default_message = "The value does not match the key's schema"
