"""OpenAPI additions that apply to every operation."""

from __future__ import annotations

from typing import Any

ERROR_SCHEMA = {
    "type": "object",
    "description": "The one error format of the API.",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "description": "stable, machine-readable reason"},
                "message": {"type": "string", "description": "what to do, in plain language"},
                "details": {"type": "object", "additionalProperties": True,
                            "description": "per-field validation errors"},
            },
            "required": ["code", "message"],
        }
    },
    "required": ["error"],
}


def add_error_responses(result: dict[str, Any], generator, request, public) -> dict[str, Any]:
    """Document the shared error body as every operation's `default` response."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for methods in result.get("paths", {}).values():
        for operation in methods.values():
            operation.setdefault("responses", {})["default"] = {
                "description": "Error (4xx or 5xx) in the shared error format",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
    return result
