"""Find entity objects in the merged response, build their representations, merge results."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import orjson

from router.planner.plan import Renames, Requirement

_MISSING = object()

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
    """The ``_Any`` representation of ``obj``; None when a required value is missing or a key
    field is null (such an object cannot be fetched: its fields stay unresolved)."""
    rep: dict[str, Any] = {"__typename": obj["__typename"]}
    for requirement in requirements:
        value = obj.get(requirement.key, _MISSING)
        if value is _MISSING or (value is None and requirement.is_key):
            return None
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


def deep_merge(target: dict[str, Any], source: dict[str, Any], share: bool = True) -> None:
    """Merge ``source`` into ``target`` in place (objects recursively, lists item by item).
    Objects and lists of ``source`` are placed into ``target`` as they are, or as copies when
    not ``share`` (``source`` is merged elsewhere too)."""
    for key, value in source.items():
        existing = target.get(key)
        if isinstance(existing, dict) and isinstance(value, dict):
            deep_merge(existing, value, share)
        elif isinstance(existing, list) and isinstance(value, list) and len(existing) == len(value):
            _merge_lists(existing, value, share)
        else:
            target[key] = value if share or not isinstance(value, dict | list) else _copy(value)


def _merge_lists(target: list[Any], source: list[Any], share: bool) -> None:
    for index, value in enumerate(source):
        existing = target[index]
        if isinstance(existing, dict) and isinstance(value, dict):
            deep_merge(existing, value, share)
        elif isinstance(existing, list) and isinstance(value, list) and len(existing) == len(value):
            _merge_lists(existing, value, share)
        else:
            target[index] = value if share or not isinstance(value, dict | list) else _copy(value)


def _copy(value: Any) -> Any:
    return orjson.loads(orjson.dumps(value))


def rename_keys(value: Any, renames: Renames) -> None:
    """Give aliased response keys their client names back, in place (lists item by item)."""
    if isinstance(value, list):
        for item in value:
            rename_keys(item, renames)
        return
    if not isinstance(value, dict):
        return
    for alias, (key, nested) in renames.items():
        if alias not in value:
            continue
        found = value.pop(alias) if alias != key else value[alias]
        if nested:
            rename_keys(found, nested)
        value[key] = found
