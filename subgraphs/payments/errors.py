"""Errors of the payments domain."""

from shared.errors import Conflict, NotFound, Unauthorized, UnprocessableEntity, ValidationFailed


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


class UnknownCustomer(NotFound):
    code = "CUSTOMER_NOT_FOUND"
    default_message = "No customer matches"


class InvalidSignature(Unauthorized):
    code = "INVALID_SIGNATURE"
    default_message = "The webhook signature is missing, invalid or too old"


class AmountAboveLimit(ValidationFailed):
    """Above the platform's `payments.max_amount` setting (admins change it at run time)."""

    code = "AMOUNT_ABOVE_LIMIT"
    default_message = "The amount is above the largest payment the platform accepts"
