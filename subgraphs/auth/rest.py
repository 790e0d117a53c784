"""The design's REST routes of the auth service, each running one operation of the schema."""

from shared.rest import RestRoute

ROUTES = [
    RestRoute("POST", "/register", "register", "Register a user", status=201, body_arg="input"),
    RestRoute("POST", "/login", "login", "Log in", body_arg="input"),
    RestRoute("POST", "/logout", "logout", "Log out", body_arg="input"),
    RestRoute("POST", "/refresh", "refreshToken", "Rotate the refresh token", body_arg="input"),
    RestRoute("GET", "/me", "me", "The current user"),
    RestRoute("PUT", "/password", "changePassword", "Change password", body_arg="input"),
    RestRoute(
        "POST", "/forgot-password", "forgotPassword", "Request a password reset", body_arg="input"
    ),
    RestRoute("POST", "/reset-password", "resetPassword", "Reset a password", body_arg="input"),
]
