"""The design's REST routes of the payments service, each running one operation of the schema.
Static paths (`/history`, `/reports`) are served before `/{id}` by the adapter."""

from shared.rest import RestRoute

ROUTES = [
    RestRoute("GET", "", "payments", "List payments (cursor pagination, filters, sort)"),
    RestRoute(
        "POST",
        "",
        "createPayment",
        "Create a payment (VENDOR: initiate, CUSTOMER: payment)",
        status=201,
        body_arg="input",
        headers={"Idempotency-Key": "idempotencyKey"},
    ),
    RestRoute("GET", "/history", "paymentHistory", "The caller's transactions timeline"),
    RestRoute("GET", "/reports", "paymentReport", "Totals by status, currency and day"),
    RestRoute("GET", "/{id}", "payment", "One payment"),
    RestRoute("PUT", "/{id}", "updatePayment", "Update a payment", body_arg="input"),
    RestRoute("DELETE", "/{id}", "cancelPayment", "Cancel a payment"),
    RestRoute(
        "POST", "/{id}/status", "changePaymentStatus", "Change a payment's status", body_arg="input"
    ),
]
