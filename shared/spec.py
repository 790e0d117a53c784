"""`module:attribute` names of things `shared` runs but does not import directly (the
platform's consumers and purge rules live in `subgraphs`, which `shared` never imports)."""

from __future__ import annotations

import importlib
from typing import Any


def resolve(spec: str) -> Any:
    """The attribute `spec` ("package.module:attribute") names, its module imported."""
    module, _, attribute = spec.partition(":")
    return getattr(importlib.import_module(module), attribute)
