"""The design's REST routes of the admin service, each running one operation of the schema."""

from shared.rest import RestRoute

ROUTES = [
    RestRoute("GET", "/users", "adminUsers", "List users", query_arg="query"),
    RestRoute("GET", "/users/{id}", "adminUser", "Get a user"),
    RestRoute("POST", "/users", "adminCreateUser", "Create a user", status=201, body_arg="input"),
    RestRoute("PUT", "/users/{id}", "adminUpdateUser", "Update a user", body_arg="input"),
    RestRoute("DELETE", "/users/{id}", "adminDeactivateUser", "Deactivate a user"),
    RestRoute("PUT", "/users/{id}/role", "adminSetUserRole", "Change a role", body_arg="input"),
    RestRoute("GET", "/audit-logs", "auditLogs", "Audit logs", query_arg="query"),
    RestRoute("GET", "/analytics", "analytics", "Users and payments analytics", query_arg="query"),
    RestRoute("GET", "/config", "systemConfig", "Platform settings"),
    RestRoute("PUT", "/config", "updateSystemConfig", "Change platform settings", body_arg="input"),
]
