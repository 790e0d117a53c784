"""The OpenAPI 3.1 document of a subgraph's REST routes, derived from the same declarations
and the GraphQL types they run (request bodies from input types, responses from selections)."""

from __future__ import annotations

import copy
from typing import Any

from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLObjectType,
    GraphQLOutputType,
    OperationDefinitionNode,
    SelectionSetNode,
    Undefined,
    get_named_type,
    is_list_type,
    is_non_null_type,
    parse,
)
from pydantic import BaseModel

from shared.rest.lists import LINK_HEADER, list_shape, node_selection, pagination_schema
from shared.rest.operation import CompiledRoute
from shared.validation import command_of, document_no_nul

COMPONENT_REF = "#/components/schemas/{model}"

_SCALARS: dict[str, dict[str, Any]] = {
    "String": {"type": "string"},
    "ID": {"type": "string"},
    "Int": {"type": "integer", "format": "int32", "minimum": -(2**31), "maximum": 2**31 - 1},
    "Float": {"type": "number"},
    "Boolean": {"type": "boolean"},
    "UUID": {"type": "string", "format": "uuid"},
    "DateTime": {"type": "string", "format": "date-time"},
    "Date": {"type": "string", "format": "date"},
    "Decimal": {"type": "number"},
    "JSON": {},
}

_ERROR_STATUSES = {
    400: "Invalid request (VALIDATION_ERROR)",
    401: "Missing, invalid or revoked token (UNAUTHORIZED)",
    403: "The caller's role may not do this (FORBIDDEN)",
    404: "Not found, or not the caller's (NOT_FOUND)",
    409: "Conflicts with the current state (CONFLICT)",
    413: "Body too large (PAYLOAD_TOO_LARGE)",
    422: "Cannot be processed (e.g. IDEMPOTENCY_KEY_REUSED)",
    429: "Too many requests (RATE_LIMITED)",
    500: "Unexpected error (INTERNAL_ERROR)",
    503: "Under maintenance (MAINTENANCE) or a dependency is down (SERVICE_UNAVAILABLE)",
}

ERROR_ENVELOPE = {
    "type": "object",
    "required": ["success", "error"],
    "properties": {
        "success": {"const": False},
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {},
            },
        },
    },
}


def _nullable(schema: dict[str, Any], nullable: bool) -> dict[str, Any]:
    if not nullable:
        return schema
    if not schema:
        return schema
    return {"anyOf": [schema, {"type": "null"}]}


def _command_model(named: GraphQLInputObjectType) -> type[BaseModel] | None:
    definition = (named.extensions or {}).get("strawberry-definition")
    origin = getattr(definition, "origin", None)
    return command_of(origin) if isinstance(origin, type) else None


def _command_properties(model: type[BaseModel], defs: dict[str, Any]) -> dict[str, Any]:
    """The JSON schema of each field of a command model (its constraints included)."""
    schema = model.model_json_schema(by_alias=True, ref_template=COMPONENT_REF)
    defs.update(schema.pop("$defs", {}))
    properties: dict[str, Any] = schema.get("properties", {})
    return properties


def input_schema(type_: GraphQLInputType, defs: dict[str, Any]) -> dict[str, Any]:
    """JSON schema of a GraphQL input type. An input backed by a command model is described by
    that model (with its constraints); shared definitions are collected into `defs`."""
    nullable = not is_non_null_type(type_)
    inner = type_.of_type if is_non_null_type(type_) else type_
    if is_list_type(inner):
        schema: dict[str, Any] = {"type": "array", "items": input_schema(inner.of_type, defs)}
        return _nullable(schema, nullable)
    named = get_named_type(inner)
    if isinstance(named, GraphQLInputObjectType) and (model := _command_model(named)):
        schema = model.model_json_schema(by_alias=True, ref_template=COMPONENT_REF)
        defs.update(schema.pop("$defs", {}))
        return _nullable(schema, nullable)
    if isinstance(named, GraphQLInputObjectType):
        required = [
            name
            for name, field in named.fields.items()
            if is_non_null_type(field.type) and field.default_value is Undefined
        ]
        schema = {
            "type": "object",
            "additionalProperties": False,
            "properties": {name: input_schema(f.type, defs) for name, f in named.fields.items()},
        }
        if required:
            schema["required"] = required
        if named.description:
            schema["description"] = named.description
        return _nullable(schema, nullable)
    return _nullable(_leaf(named), nullable)


def _leaf(named: Any) -> dict[str, Any]:
    if isinstance(named, GraphQLEnumType):
        return {"type": "string", "enum": list(named.values)}
    return dict(_SCALARS.get(named.name, {"type": "string"}))


def output_schema(type_: GraphQLOutputType, selection: list[FieldNode] | None) -> dict[str, Any]:
    nullable = not is_non_null_type(type_)
    inner = type_.of_type if is_non_null_type(type_) else type_
    if is_list_type(inner):
        schema: dict[str, Any] = {
            "type": "array",
            "items": output_schema(inner.of_type, selection),
        }
        return _nullable(schema, nullable)
    named = get_named_type(inner)
    if isinstance(named, GraphQLObjectType) and selection:
        properties = {}
        for node in selection:
            name = node.name.value
            if name == "__typename":
                properties[name] = {"type": "string"}
                continue
            field = named.fields[name]
            sub = _fields(node.selection_set)
            properties[(node.alias or node.name).value] = output_schema(field.type, sub)
        return _nullable(
            {"type": "object", "required": list(properties), "properties": properties}, nullable
        )
    if isinstance(named, GraphQLObjectType):
        return _nullable({"type": "object"}, nullable)
    return _nullable(_leaf(named), nullable)


def _root_selection(compiled: CompiledRoute) -> list[FieldNode] | None:
    operation = parse(compiled.document).definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    root = operation.selection_set.selections[0]
    assert isinstance(root, FieldNode)
    return _fields(root.selection_set)


def _fields(selection_set: SelectionSetNode | None) -> list[FieldNode] | None:
    """The field nodes of a generated selection (it has no fragments)."""
    if selection_set is None:
        return None
    return [node for node in selection_set.selections if isinstance(node, FieldNode)]


def _success(compiled: CompiledRoute, defs: dict[str, Any]) -> dict[str, Any]:
    """The success response: the envelope around the route's data; for a list, the array of
    its items with `pagination` beside it and the `Link` header (`shared.rest.lists`)."""
    selection = _root_selection(compiled)
    shape = list_shape(compiled.output_type)
    if shape is None:
        properties = {"data": output_schema(compiled.output_type, selection)}
        headers = None
    else:
        items = output_schema(shape.node_type, node_selection(selection or []))
        name = "PaginationWithTotal" if shape.counted else "Pagination"
        defs[name] = pagination_schema(shape.counted)
        properties = {
            "data": {"type": "array", "items": items},
            "pagination": {"$ref": COMPONENT_REF.format(model=name)},
        }
        headers = {"Link": LINK_HEADER}
    response: dict[str, Any] = {
        "description": "Success",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["success", *properties],
                    "properties": {"success": {"const": True}, **properties},
                }
            }
        },
    }
    if headers:
        response["headers"] = headers
    return response


def _operation(compiled: CompiledRoute, prefix: str, defs: dict[str, Any]) -> dict[str, Any]:
    route = compiled.route
    args = compiled.field.args
    parameters: list[dict[str, Any]] = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": input_schema(args[name].type, defs),
        }
        for name in route.path_params
    ]
    documented: dict[str, Any] = {}
    if route.query_arg:
        target = get_named_type(args[route.query_arg].type)
        assert isinstance(target, GraphQLInputObjectType)
        query_fields = {name: field.type for name, field in target.fields.items()}
        if model := _command_model(target):
            documented = _command_properties(model, defs)
    else:
        taken = {*route.path_params, route.body_arg, route.upload_arg, *route.headers.values()}
        query_fields = {name: arg.type for name, arg in args.items() if name not in taken}
    for name, type_ in query_fields.items():
        schema = documented.get(name)
        if not schema:  # a GraphQL argument's own schema: text without NUL, as every command
            schema = copy.deepcopy(input_schema(type_, defs))
            document_no_nul(schema)
        if is_list_type(type_.of_type if is_non_null_type(type_) else type_):
            schema = {"type": "string", "description": "comma-separated list"}
        parameters.append(
            {"name": name, "in": "query", "required": is_non_null_type(type_), "schema": schema}
        )
    for header, argument in route.headers.items():
        parameters.append(
            {
                "name": header,
                "in": "header",
                "required": is_non_null_type(args[argument].type),
                "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "\\S"},
            }
        )
    responses: dict[str, Any] = {str(route.status): _success(compiled, defs)}
    for status, description in _ERROR_STATUSES.items():
        responses[str(status)] = {
            "description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
    operation: dict[str, Any] = {
        "operationId": f"{compiled.route.method.lower()}_{compiled.route.field}",
        "summary": route.summary,
        "description": f"Runs the GraphQL {compiled.operation_type} `{route.field}`. "
        f"Allowed: {compiled.access.describe()}.",
        "tags": list(route.tags) or [prefix],
        "parameters": parameters,
        "responses": responses,
        "x-roles": sorted(compiled.access.roles) if compiled.access.roles else [],
    }
    if not compiled.access.is_public:
        operation["security"] = [{"bearerAuth": []}]
    if route.body_arg:
        body_type = args[route.body_arg].type
        operation["requestBody"] = {
            "required": is_non_null_type(body_type),
            "content": {"application/json": {"schema": input_schema(body_type, defs)}},
        }
    if route.upload_arg:
        file_part: dict[str, Any] = {"type": "string", "format": "binary"}
        if route.max_body_bytes:
            file_part["maxLength"] = route.max_body_bytes
        operation["requestBody"] = {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": [route.upload_arg],
                        "properties": {route.upload_arg: file_part},
                    }
                }
            },
        }
    return operation


def openapi_document(title: str, prefix: str, routes: list[CompiledRoute]) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    defs: dict[str, Any] = {}
    for compiled in routes:
        path = f"/api/{prefix}{compiled.route.path}"
        paths.setdefault(path, {})[compiled.route.method.lower()] = _operation(
            compiled, prefix, defs
        )
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": "1.0.0"},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
            "schemas": {"Error": ERROR_ENVELOPE, **defs},
        },
    }
