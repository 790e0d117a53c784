"""Errors raised while reading, composing or loading a supergraph."""

from __future__ import annotations


class CompositionError(Exception):
    """Composition failed; ``messages`` names the subgraph(s) and the type or field at fault."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = messages


class SupergraphError(Exception):
    """A supergraph SDL or ``supergraph.yaml`` cannot be used."""
