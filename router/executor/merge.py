"""Find entity objects in the merged response, build their representations, merge results."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from router.planner.plan import Requirement

Found = list[tuple[dict[str, Any], list[str | int]]]


def collect_entities(data: Any, path: tuple[str, ...], types: Collection[str]) -> Found:
    """Objects at ``path`` (lists flattened at any depth) whose ``__typename`` is in ``types``,
    each with its path in the response."""
    current: Found = [(data, [])] if isinstance(data, dict) else []
    for key in path:
        following: Found = []
        for obj, obj_path in current:
            _flatten(obj.get(key), [*obj_path, key], following)
        current = following
    return [(obj, p) for obj, p in current if obj.get("__typename") in types]


def _flatten(value: Any, path: list[str | int], out: Found) -> None:
    if isinstance(value, dict):
        out.append((value, path))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _flatten(item, [*path, index], out)


def representation(obj: dict[str, Any], requirements: list[Requirement]) -> dict[str, Any] | None:
    """The ``_Any`` representation of ``obj``; None when a required value is missing."""
    rep: dict[str, Any] = {"__typename": obj["__typename"]}
    for requirement in requirements:
        if requirement.key not in obj:
            return None
        value = obj[requirement.key]
        if requirement.children is not None and value is not None:
            value = _nested(value, requirement.children)
        rep[requirement.name] = value
    return rep


def _nested(value: Any, requirements: list[Requirement]) -> Any:
    if isinstance(value, list):
        return [_nested(item, requirements) for item in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    if "__typename" in value:
        out["__typename"] = value["__typename"]
    for requirement in requirements:
        if requirement.key in value:
            child = value[requirement.key]
            if requirement.children is not None and child is not None:
                child = _nested(child, requirement.children)
            out[requirement.name] = child
    return out


def deep_merge(target: dict[str, Any], source: dict[str, Any]) -> None:
    """Merge ``source`` into ``target`` in place (objects recursively, lists item by item)."""
    for key, value in source.items():
        existing = target.get(key)
        if isinstance(existing, dict) and isinstance(value, dict):
            deep_merge(existing, value)
        elif isinstance(existing, list) and isinstance(value, list) and len(existing) == len(value):
            _merge_lists(existing, value)
        else:
            target[key] = value


def _merge_lists(target: list[Any], source: list[Any]) -> None:
    for index, value in enumerate(source):
        existing = target[index]
        if isinstance(existing, dict) and isinstance(value, dict):
            deep_merge(existing, value)
        elif isinstance(existing, list) and isinstance(value, list) and len(existing) == len(value):
            _merge_lists(existing, value)
        else:
            target[index] = value
