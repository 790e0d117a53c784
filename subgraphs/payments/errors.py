"""Errors of the payments domain."""

from shared.errors import Conflict, Unauthorized, UnprocessableEntity, ValidationFailed


class InvalidTransition(Conflict):
    code = "INVALID_TRANSITION"
    default_message = "This status change is not allowed"


class PaymentNotEditable(Conflict):
    code = "PAYMENT_NOT_EDITABLE"
    default_message = "A payment can only be changed while pending or initiated"


class RequestNotPayable(Conflict):
    code = "REQUEST_NOT_PAYABLE"
    default_message = "This payment request cannot be paid"


class IdempotencyKeyReused(UnprocessableEntity):
    code = "IDEMPOTENCY_KEY_REUSED"
    default_message = "This Idempotency-Key was used with a different request"


class InvalidCursor(ValidationFailed):
    code = "INVALID_CURSOR"
    default_message = "The cursor is not valid for this query"


class UnknownCustomer(ValidationFailed):
    code = "UNKNOWN_CUSTOMER"
    default_message = "No customer matches"


class InvalidSignature(Unauthorized):
    code = "INVALID_SIGNATURE"
    default_message = "The webhook signature is missing, invalid or too old"
